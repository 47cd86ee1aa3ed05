"""Mining labels from a dataset's stored reports, in batches, with progress; idempotent per
(report, pipeline version): a rerun labels only the reports that still lack this version's labels
(or flags). The labeler also reads the report flags of `NLP_FLAGS` (Implant), stored per report."""

from functools import cache

from celery import shared_task

from annotations.models import Report
from annotations.services.jobs.lifecycle import JobRun, job_claim
from annotations.services.labels import findings_by_key
from learning.services.nlp_labels import NLP_FLAGS, nlp_labels_store, nlp_schema_of, reports_pending
from ml.nlp.labeler import ReportLabeler

BATCH = 256


@cache
def labeler_for(schema: str) -> ReportLabeler:
    """One labeler per worker process and schema (building the lexicon is the expensive part).

    It reads the flags too; they are part of its version (labels and flags share it)."""
    return ReportLabeler(schema, flags=NLP_FLAGS)


@shared_task(name="learning.label_dataset_reports", bind=True, acks_late=True)
def label_dataset_reports(self, job_id: int) -> dict:
    run = job_claim(job_id, task_id=self.request.id or "")
    if run is None:  # finished, cancelled, or running on a live worker
        return {"job": job_id, "skipped": True}
    with run:
        _label_reports(run)
    return run.result


def _label_reports(run: JobRun) -> None:
    dataset = run.job.dataset
    labeler = labeler_for(nlp_schema_of(dataset))
    pending = list(reports_pending(dataset, labeler.version))
    findings = findings_by_key(dataset.schema)
    summary = {"reports": 0, "labels_created": 0, "errors": 0, "pipeline_version": labeler.version}
    flagged = dict.fromkeys(NLP_FLAGS, 0)  # reports where each flag is positive
    errors = []
    for start in range(0, len(pending), BATCH):
        run.check_cancelled()
        reports = list(Report.objects.filter(id__in=pending[start : start + BATCH]).order_by("id"))
        for report, labels in zip(reports, labeler.label_many(r.text for r in reports), strict=True):
            if labels.error:
                summary["errors"] += 1
                errors.append({"file": f"report {report.pk}", "code": "nlp_error", "message": labels.error})
            summary["labels_created"] += nlp_labels_store(dataset, report, labels, findings)
            summary["reports"] += 1
            for flag in NLP_FLAGS:
                flagged[flag] += labels[flag].value == "positive"
        run.progress(summary["reports"], len(pending))
    summary["flags_positive"] = flagged
    run.finish(summary={**summary, "created": summary["reports"]}, errors=errors[:1000])
