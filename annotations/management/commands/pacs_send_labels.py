"""pacs_send_labels: STOW-RS each study's published final labels to a PACS as a DICOM Basic Text SR."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.models import Dataset
from annotations.services.errors import DomainError
from annotations.services.pacs import labels_sr_send, pacs_source_get_or_create
from annotations.services.pacs_sr import LabelSrError


class Command(BaseCommand):
    help = (
        "Send the dataset's final labels to a PACS over DICOMweb, one Basic Text SR per study "
        "(resending unchanged labels stores the same SR instance)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", required=True, help="dataset slug")
        parser.add_argument("--url", required=True, help="DICOMweb root, e.g. http://orthanc:8042/dicom-web")

    def handle(self, *args, **opts) -> None:
        dataset = Dataset.objects.filter(slug=opts["dataset"]).first()
        if dataset is None:
            raise CommandError(f"no dataset {opts['dataset']!r}")
        try:
            source, _ = pacs_source_get_or_create(dataset=dataset, url=opts["url"])
            result = labels_sr_send(source=source)
        except (DomainError, LabelSrError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"label SRs sent to {source.url}: {len(result.sent)} studies; "
            f"{result.skipped} studies without final labels on DICOM images"
        )
