"""The shared shape of the import commands: a progress bar while it runs and a summary at the end."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from annotations.ingest.registry import IMPORTERS, run_importer
from annotations.models import Dataset
from annotations.services.datasets import dataset_get_or_create
from annotations.services.errors import DomainError


class ImportCommand(BaseCommand):
    importer_name = ""

    @property
    def help(self) -> str:  # type: ignore[override]
        return f"Import {IMPORTERS[self.importer_name].help} into a dataset (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        importer = IMPORTERS[self.importer_name]
        parser.add_argument("paths", nargs="+" if importer.takes_many else 1, type=Path)
        parser.add_argument("--dataset", required=True, help="dataset slug")
        parser.add_argument("--create", action="store_true", help="create the dataset if it does not exist")
        parser.add_argument("--modality", default="CXR", choices=["CXR", "OCT", "OTHER"])
        parser.add_argument("--schema", default=None, help="label schema key for a new dataset")
        parser.add_argument("--max-errors-shown", type=int, default=20)

    def handle(self, *args, **opts) -> None:
        if opts["create"]:
            dataset, _ = dataset_get_or_create(
                slug=opts["dataset"], modality=opts["modality"], schema_key=opts["schema"]
            )
        else:
            dataset = Dataset.objects.filter(slug=opts["dataset"]).first()
            if dataset is None:
                raise CommandError(f"no dataset {opts['dataset']!r}; pass --create to make it")
        bar = tqdm(desc=f"import {self.importer_name}", unit="file", file=self.stderr._out, disable=None)

        def progress(done: int, total: int | None) -> None:
            if total is not None and bar.total != total:
                bar.total = total
            bar.n = done
            bar.refresh()

        try:
            summary = run_importer(self.importer_name, dataset, opts["paths"], on_progress=progress)
        except (DomainError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self.stdout.write(f"{self.importer_name} import into {dataset.slug}: {summary.describe()}")
        for error in summary.errors[: opts["max_errors_shown"]]:
            self.stdout.write(f"  error {error.code}: {error.file}: {error.message}")
        if len(summary.errors) > opts["max_errors_shown"]:
            self.stdout.write(f"  ... and {len(summary.errors) - opts['max_errors_shown']} more errors")
