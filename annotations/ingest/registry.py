"""The importers by name: what the management commands, the REST upload and the import task share."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotations.ingest.chestxray14 import import_chestxray14
from annotations.ingest.chexpert import import_chexpert
from annotations.ingest.dicom import import_dicom
from annotations.ingest.google4 import import_google4
from annotations.ingest.kermany import import_kermany
from annotations.ingest.reports import import_reports_csv
from annotations.ingest.results import IngestSummary


@dataclass(frozen=True)
class Importer:
    name: str
    help: str
    run: Callable[..., IngestSummary]
    takes_many: bool = False  # takes a list of paths (files, folders, zips) rather than one folder/file


IMPORTERS: dict[str, Importer] = {
    i.name: i
    for i in (
        Importer(
            "dicom",
            "DICOM files, folders and zips (images, and reports in SR instances)",
            lambda ds, paths, **kw: import_dicom(ds, paths, **kw),
            takes_many=True,
        ),
        Importer("chestxray14", "NIH ChestX-ray14 folder: Data_Entry_2017.csv + images/", import_chestxray14),
        Importer("chexpert", "CheXpert folder: train.csv / valid.csv + train/ valid/", import_chexpert),
        Importer(
            "kermany", "Kermany OCT2017 or pediatric chest_xray folder: {train,test}/<CLASS>/", import_kermany
        ),
        Importer(
            "google4",
            "Google's NIH expert labels as published (release folder, a subfolder, or its CSVs; "
            "four findings and all findings)",
            import_google4,
        ),
        Importer(
            "reports",
            "Reports CSV: accession_number | study_instance_uid | image_index, report_text",
            import_reports_csv,
        ),
    )
}


def run_importer(name: str, dataset, paths: list[Path], **kwargs) -> IngestSummary:
    importer = IMPORTERS[name]
    if importer.takes_many:
        return importer.run(dataset, paths, **kwargs)
    if len(paths) != 1:
        raise ValueError(f"the {name} importer takes exactly one path, got {len(paths)}")
    return importer.run(dataset, paths[0], **kwargs)
