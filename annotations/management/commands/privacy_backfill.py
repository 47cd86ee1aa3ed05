"""`manage.py privacy_backfill --dataset SLUG [--reports]`: de-identify DICOM files stored before
issue #18 (in place; already de-identified files are skipped) and, with --reports, scrub stored
report texts (then rerun the dataset's NLP job: evidence spans point into the old texts)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.ingest.privacy_backfill import privacy_backfill
from annotations.models import Dataset


class Command(BaseCommand):
    help = "De-identify stored DICOM files (and scrub stored reports) of a dataset imported before issue #18."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", required=True, help="dataset slug")
        parser.add_argument("--reports", action="store_true", help="scrub stored report texts as well")

    def handle(self, *args, **opts) -> None:
        dataset = Dataset.objects.filter(slug=opts["dataset"]).first()
        if dataset is None:
            raise CommandError(f"no dataset {opts['dataset']!r}")
        r = privacy_backfill(dataset, reports=opts["reports"])
        self.stdout.write(
            f"{r.files_rewritten} files de-identified, {r.files_already_done} already were, "
            f"{r.files_failed} unreadable (left as they were), {r.burned_in_flagged} flagged for burned-in "
            f"text; {r.reports_scrubbed} reports scrubbed"
            + (" (rerun the dataset's NLP job)" if r.reports_scrubbed else "")
        )
