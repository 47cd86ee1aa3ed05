"""Storing NLP labels mined from a dataset's reports: one label per image, finding and pipeline version.

Every image of a report's study gets the report's labels, with the evidence spans (character offsets
into Report.text) and the rule that fired, so the reading screen can highlight why.

The pipeline also reads report *flags* (`NLP_FLAGS`: Implant, a metal/prosthesis mention), which are
not findings of the schema: they are stored once per report as `ReportFlag` rows (see
annotations/models/report_flags.py for why not as labels or QC flags), in the same transaction as
the report's labels and with the same pipeline version, so a report is either fully stored for a
version or still pending.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from annotations.errors import InvalidInputError
from annotations.models import Dataset, Image, Job, Label, Report, ReportFlag
from annotations.models.choices import LabelSource, LabelValue
from annotations.services.jobs.dispatch import task_send
from annotations.services.labels import LabelInput, findings_by_key, labels_put
from layouts.label_schemas import SCHEMAS
from ml.nlp.labels import ReportLabels

NLP_SCHEMAS = ("chexpert", "chestxray14", "google4")
# Flags the NLP task reads from every report (ml.nlp.phrases.FLAGS; ReportFlagKey values).
NLP_FLAGS = ("Implant",)


def nlp_schema_of(dataset: Dataset) -> str:
    key = dataset.schema.key
    if key not in NLP_SCHEMAS:
        raise InvalidInputError(
            f"dataset {dataset.slug!r} uses schema {key!r}; "
            f"report labelling supports {', '.join(NLP_SCHEMAS)}"
        )
    return key


def evidence_json(labels: ReportLabels, finding: str) -> list[dict]:
    return [
        {
            "start": e.start,
            "end": e.end,
            "text": e.text,
            "value": e.value,
            "section": e.section,
            "rule": e.rule,
        }
        for e in labels[finding].evidence
    ]


def reports_pending(dataset: Dataset, version: str, flags: tuple[str, ...] = NLP_FLAGS) -> Iterable[int]:
    """Ids of the dataset's reports with an image not yet labelled by pipeline `version`, or
    lacking one of `flags` for that version."""
    done = Label.objects.filter(
        image__dataset=dataset, source=LabelSource.NLP, source_version=version
    ).values("image__study_id")
    complete = Q(study_id__in=done)
    for flag in flags:
        complete &= Exists(
            ReportFlag.objects.filter(report_id=OuterRef("pk"), flag=flag, source_version=version)
        )
    return (
        Report.objects.filter(study__dataset=dataset, study__images__isnull=False)
        .exclude(complete)
        .order_by("id")
        .values_list("id", flat=True)
        .distinct()
    )


def report_flags_store(report: Report, labels: ReportLabels, flags: Iterable[str] = NLP_FLAGS) -> int:
    """Store the `flags` of `labels` (computed by a labeler with those flags) for `report`; returns
    rows created. A (report, flag, version) already stored is left as it is (a version is immutable)."""
    new = [
        ReportFlag(
            report=report,
            flag=flag,
            value=labels[flag].value or LabelValue.BLANK,
            evidence=evidence_json(labels, flag),
            source_version=labels.version,
        )
        for flag in flags
        if flag in labels.findings
    ]
    existing = set(
        ReportFlag.objects.filter(report=report, source_version=labels.version).values_list("flag", flat=True)
    )
    new = [f for f in new if f.flag not in existing]
    ReportFlag.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def nlp_labels_store(dataset: Dataset, report: Report, labels: ReportLabels, findings=None) -> int:
    """Write `labels` (for `report`) to every image of the report's study, and the report's flags
    (when `labels` carries them); returns labels created."""
    findings = findings if findings is not None else findings_by_key(dataset.schema)
    schema_findings = set(SCHEMAS[dataset.schema.key].findings)
    values = {
        lab.finding: LabelInput(lab.value or LabelValue.BLANK, evidence=evidence_json(labels, lab.finding))
        for lab in labels.labels
        if lab.finding in schema_findings
    }
    created = 0
    for image in Image.objects.filter(study_id=report.study_id):
        created += labels_put(
            image=image,
            schema=dataset.schema,
            source=LabelSource.NLP,
            source_version=labels.version,
            labels=values,
            findings=findings,
        )
    report_flags_store(report, labels)
    return created


def nlp_job_start(*, dataset: Dataset, user) -> Job:
    """Queue report labelling for `dataset` on a worker; returns the job to poll."""
    from django.db import transaction

    from annotations.models.choices import JobKind
    from annotations.services.audit import audit_record
    from annotations.services.jobs.records import job_create

    nlp_schema_of(dataset)
    job = job_create(
        kind=JobKind.NLP, dataset=dataset, created_by=user, params={"schema": dataset.schema.key}
    )
    audit_record(actor=user, action="nlp.start", obj=job, dataset=dataset)
    transaction.on_commit(lambda: task_send("learning.label_dataset_reports", job.pk))
    return job
