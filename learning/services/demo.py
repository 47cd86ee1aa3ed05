"""What `demo_setup` does to each demo dataset after importing it, so the demo shows the whole loop.

Kept fast: `make run` must be up in a few minutes on a small machine, so the slow steps are queued
for the embedded worker (which starts right after `demo_setup`) instead of run here:

* NLP labelling of the stored reports (queued, once per dataset);
* bad-image detection (queued, once per chest dataset): flagged images are held from reading;
* a tiny first model trained on the imported labels, then scoring with it (queued, once per
  dataset whose labels come with the import: ChestX-ray14's NIH labels, Kermany's classes);
  datasets whose labels come only from NLP wait for an admin (or `train_initial_models`);
* the reading worklist, filled now in random order (instant): images that QC flags later are held
  by the QC job itself.

Idempotent: a second `demo_setup` queues nothing that was queued before and enqueues nothing twice.
"""

from __future__ import annotations

from django.db import transaction

from annotations.models import Dataset, Job, Label, Report
from annotations.models.choices import JobKind, LabelSource, Modality
from annotations.services.jobs.dispatch import task_send
from annotations.services.reading.worklist import worklist_enqueue
from learning.models import ModelVersion
from learning.services.models.kinds import FINDING_KINDS
from learning.services.nlp_labels import NLP_SCHEMAS, nlp_job_start
from learning.services.qc.jobs import qc_start

# Label sources that arrive with an import and can train a first model without NLP.
IMPORTED_LABEL_VERSIONS = ("nih-chestxray14-2017", "kermany2018-graders")


def _has_job(dataset: Dataset, kind: str) -> bool:
    return Job.objects.filter(dataset=dataset, kind=kind).exists()


def _has_imported_labels(dataset: Dataset) -> bool:
    return Label.objects.filter(
        image__dataset=dataset,
        source__in=[LabelSource.NLP, LabelSource.READER],
        source_version__in=IMPORTED_LABEL_VERSIONS,
    ).exists()


def expects_first_model(dataset: Dataset) -> bool:
    """The demo asks the worker to train this dataset's first model (its labels came with the import)."""
    return dataset.images.exists() and _has_imported_labels(dataset)


def demo_prepare_dataset(dataset: Dataset, stdout) -> None:
    """Queue NLP, QC and a first model for the dataset and fill its worklist (see the module docs)."""
    if not dataset.images.exists():
        return
    if (
        dataset.schema.key in NLP_SCHEMAS
        and Report.objects.filter(study__dataset=dataset).exists()
        and not _has_job(dataset, JobKind.NLP)
    ):
        job = nlp_job_start(dataset=dataset, user=None)
        stdout.write(f"{dataset.slug}: NLP labelling queued (job {job.pk})")
    if dataset.modality == Modality.CHEST_XRAY and not _has_job(dataset, JobKind.QC):
        job = qc_start(dataset=dataset)
        stdout.write(f"{dataset.slug}: bad-image detection queued (job {job.pk})")
    has_model = ModelVersion.objects.filter(dataset=dataset, kind__in=FINDING_KINDS).exists()
    if not has_model and not _has_job(dataset, JobKind.SCORING) and _has_imported_labels(dataset):
        transaction.on_commit(lambda: task_send("learning.bootstrap_model", dataset.pk))
        stdout.write(f"{dataset.slug}: a tiny first model will be trained and scored on the worker")
    result = worklist_enqueue(dataset=dataset)
    if result.queued:
        stdout.write(f"{dataset.slug}: {result.queued} images queued for reading ({result.held_for_qc} held)")
