"""Ingest benchmark: DICOM/PNG decode + thumbnail through imaging vs plain pydicom/Pillow."""
