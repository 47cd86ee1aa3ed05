"""pacs_send_labels: STOW-RS each study's published final labels to a PACS as a DICOM Basic Text SR."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.errors import DomainError
from annotations.ingest.pacs_sources import pacs_source_get_or_create
from annotations.models import Dataset, Job
from annotations.models.choices import JobStatus


class Command(BaseCommand):
    help = (
        "Send the dataset's final labels to a PACS over DICOMweb, one Basic Text SR per study "
        "(resending unchanged labels stores the same SR instance). Runs as a Job (kind pacs, "
        "direction export): listed, beating, cancellable from the console or POST /api/v1/jobs/{id}/cancel/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", required=True, help="dataset slug")
        parser.add_argument("--url", required=True, help="DICOMweb root, e.g. http://orthanc:8042/dicom-web")
        parser.add_argument(
            "--queue", action="store_true", help="hand the job to a worker and return (default: run it here)"
        )

    def handle(self, *args, **opts) -> None:
        from annotations.tasks.pacs import pacs_labels_job_create, pacs_send_labels_job

        dataset = Dataset.objects.filter(slug=opts["dataset"]).first()
        if dataset is None:
            raise CommandError(f"no dataset {opts['dataset']!r}")
        try:
            source, _ = pacs_source_get_or_create(dataset=dataset, url=opts["url"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        job = pacs_labels_job_create(source)
        if opts["queue"]:
            pacs_send_labels_job.delay(job.pk)
            self.stdout.write(f"job {job.pk} queued: label SRs to {source.url}")
            return
        pacs_send_labels_job.apply(args=(job.pk,))
        job = Job.objects.get(pk=job.pk)
        if job.status != JobStatus.SUCCEEDED:
            reason = job.errors[0]["message"] if job.errors else job.status
            raise CommandError(f"job {job.pk} {job.status}: {reason}")
        self.stdout.write(
            f"label SRs sent to {source.url}: {job.summary['sent']} studies; "
            f"{job.summary['skipped']} studies without final labels on DICOM images (job {job.pk})"
        )
