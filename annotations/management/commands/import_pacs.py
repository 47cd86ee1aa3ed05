"""import_pacs: import studies from a PACS over DICOMweb (QIDO-RS + WADO-RS); resumable, idempotent."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from annotations.errors import DomainError
from annotations.ingest.pacs import PacsQuery, pacs_import
from annotations.ingest.pacs_sources import pacs_source_get_or_create
from annotations.management.commands._import_base import (
    add_outcome_arguments,
    add_preset_argument,
    finish_import,
)
from annotations.models import Dataset
from annotations.services.datasets.datasets import dataset_get_or_create


def _date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise CommandError(f"{text!r} is not a date (YYYY-MM-DD or YYYYMMDD)")


class Command(BaseCommand):
    help = (
        "Import studies from a PACS over DICOMweb into a dataset. Studies already fully imported from "
        "this PACS are skipped, so an interrupted run resumes and a rerun imports only what is new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", required=True, help="dataset slug")
        parser.add_argument("--url", required=True, help="DICOMweb root, e.g. http://orthanc:8042/dicom-web")
        parser.add_argument("--create", action="store_true", help="create the dataset if it does not exist")
        parser.add_argument("--since", type=_date, default=None, help="first StudyDate (inclusive)")
        parser.add_argument("--until", type=_date, default=None, help="last StudyDate (inclusive)")
        parser.add_argument("--modality", default="", help="ModalitiesInStudy, e.g. CR")
        parser.add_argument("--accession", default="", help="one AccessionNumber")
        add_outcome_arguments(parser)
        add_preset_argument(parser)

    def handle(self, *args, **opts) -> None:
        if opts["create"]:
            dataset, _ = dataset_get_or_create(slug=opts["dataset"], preset=opts["preset"])
        else:
            dataset = Dataset.objects.filter(slug=opts["dataset"]).first()
            if dataset is None:
                raise CommandError(f"no dataset {opts['dataset']!r}; pass --create to make it")
        try:
            query = PacsQuery(
                since=opts["since"],
                until=opts["until"],
                modality=opts["modality"],
                accession=opts["accession"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        bar = tqdm(desc="import pacs", unit="instance", file=self.stderr._out, disable=None)

        def progress(done: int, total: int | None) -> None:
            if total is not None and bar.total != total:
                bar.total = total
            bar.n = done
            bar.refresh()

        try:
            source, _ = pacs_source_get_or_create(dataset=dataset, url=opts["url"])
            result = pacs_import(source, query, on_progress=progress)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self.stdout.write(f"pacs import into {dataset.slug}: {result.describe()}")
        finish_import(
            self,
            result.summary,
            opts,
            imported_anything=result.summary.imported_anything or bool(result.studies_skipped),
        )
