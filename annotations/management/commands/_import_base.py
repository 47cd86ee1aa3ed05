"""The shared shape of the import commands: a progress bar while it runs, a summary at the end (errors
by class, with counts and the first examples of each), and a non-zero exit status when anything failed.

`--allow-partial` accepts an import in which some files or rows failed as long as something imported;
an import that imported nothing and failed is an error even then.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from annotations.errors import DomainError
from annotations.ingest.registry import IMPORTERS, run_importer
from annotations.ingest.results import IngestSummary
from annotations.models import Dataset
from annotations.services.datasets.datasets import dataset_get_or_create
from annotations.services.datasets.protocol_presets import DEFAULT_PRESET, PRESETS


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
        add_preset_argument(parser)
        add_outcome_arguments(parser)

    def handle(self, *args, **opts) -> None:
        if opts["create"]:
            dataset, _ = dataset_get_or_create(
                slug=opts["dataset"],
                modality=opts["modality"],
                schema_key=opts["schema"],
                preset=opts["preset"],
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
        finish_import(self, summary, opts)


def add_preset_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--preset",
        default=DEFAULT_PRESET,
        choices=sorted(PRESETS),
        help=f"reading-protocol preset of a new dataset (default {DEFAULT_PRESET})",
    )


def add_outcome_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--max-errors-shown", type=int, default=3, help="examples shown per error class (default 3)"
    )
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="exit 0 when some files or rows failed but something imported",
    )


def finish_import(
    command: BaseCommand, summary: IngestSummary, opts: dict, *, imported_anything: bool | None = None
) -> None:
    """Print the errors by class; raise CommandError (exit status 1) when the import failed.

    `imported_anything` overrides the summary's own view (a resumed PACS import that finds every
    study already complete imported nothing new but is no failure)."""
    for line in summary.describe_errors(examples=max(0, opts["max_errors_shown"])):
        command.stdout.write(line)
    if not summary.failed:
        return
    useful = summary.imported_anything if imported_anything is None else imported_anything
    if opts["allow_partial"] and useful:
        command.stdout.write(f"partial import accepted (--allow-partial): {summary.failed} failed")
        return
    classes = ", ".join(f"{c.code} x{c.count}" for c in summary.error_classes())
    nothing = "" if useful else "nothing imported; "
    hint = "" if opts["allow_partial"] or not useful else " (--allow-partial accepts it)"
    raise CommandError(f"import failed: {nothing}{summary.failed} error(s): {classes}{hint}")
