"""Ingest benchmark: DICOM/PNG decode + thumbnail through annotations.imaging vs plain pydicom/Pillow."""
