"""Kill a real worker with SIGKILL in the middle of every kind of job, then start a new one, and time
how long the job takes to end on its own (issue #19).

One chain per broker: worker 1 runs job kind A and is killed mid-job; worker 2 starts (as a
supervisor would restart it), its reaper timer notices A's stopped heartbeat and re-queues it (or, for
training, fails it with the reason), A ends; worker 2 then runs kind B and is killed mid-job, and so
on. Each kind records: when its worker was killed, when the job was recovered (re-queued by the
reaper, or failed for training), when it ended, and the checks that nothing was lost or duplicated.

It runs on whatever database this process's Django uses: the test process's PostgreSQL (with a
private Redis, the production settings' visibility timeout) or, through tests.faults.embedded_driver,
a fresh SQLite file with the filesystem broker (the embedded default of `make run`).
"""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from annotations.ingest.uploads import upload_dir
from annotations.models import Image, Job, Label, Patient, QCFlag, Report, Study
from annotations.models.choices import JobKind, JobStatus, RunStatus
from annotations.services.datasets.datasets import dataset_get_or_create
from annotations.services.jobs.records import job_create
from learning.models import ModelVersion, Prediction, TrainingRun
from tests.faults.brokers import LIFECYCLE_ENV
from tests.support.worker import WorkerProcess, start_worker

RECOVERY_BOUND_S = 60.0  # from the kill to the job's recovery, worker restart included
END_BOUND_S = 240.0  # from the kill to the job's end


@dataclass
class Broker:
    name: str
    url: str
    publish: Callable  # publish(task, *args, queue=...) -> None
    visibility_timeout: int = 300
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class KindResult:
    kind: str
    killed_at: float = 0.0
    worker_ready_s: float = 0.0  # from the kill to the new worker being ready
    recovered_s: float | None = None  # from the kill to the reaper's re-queue (or the training run failing)
    ended_s: float | None = None  # from the kill to the job's end
    status: str = ""
    problems: list[str] = field(default_factory=list)
    notes: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


# -- the scenarios -----------------------------------------------------------------------------------


def _dicom_zip(n: int, seed: int) -> bytes:
    from tests.imaging import factory

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(n):
            zf.writestr(f"im{i:04d}.dcm", factory.dicom_bytes(factory.gradient(48, 48, seed=seed * 1000 + i)))
    return buf.getvalue()


REPORT_TEXTS = (
    "No acute cardiopulmonary process. Heart size is normal.",
    "Small left pleural effusion. No pneumothorax. Possible atelectasis at the right base.",
    "Cardiomegaly with mild pulmonary edema. No focal consolidation.",
    "Right upper lobe nodule, cannot exclude mass. No effusion.",
)


def _bare_studies(dataset, n: int, prefix: str) -> list[Study]:
    """n patients, each with one study, one image row (no pixels) and one report: NLP input."""
    patients = Patient.objects.bulk_create(
        [Patient(dataset=dataset, pseudo_id=f"{prefix}{i:05d}") for i in range(n)]
    )
    studies = Study.objects.bulk_create(
        [
            Study(
                dataset=dataset,
                patient=p,
                study_instance_uid=f"2.25.{i + 1}",
                accession_number=f"{prefix}{i}",
            )
            for i, p in enumerate(patients)
        ]
    )
    Image.objects.bulk_create(
        [
            Image(
                dataset=dataset,
                study=s,
                source_key=f"{prefix}/{i}",
                file=f"images/{prefix}-{i}.png",
                file_format="png",
                pixel_checksum=hashlib.sha256(f"{prefix}{i}".encode()).hexdigest(),
                rows=1,
                cols=1,
                bits_stored=8,
                photometric_interpretation="MONOCHROME2",
                derived_cache_key=f"{prefix}{i}",
            )
            for i, s in enumerate(studies)
        ]
    )
    texts = [f"{REPORT_TEXTS[i % len(REPORT_TEXTS)]} Comparison {i}." for i in range(n)]
    Report.objects.bulk_create(
        [
            Report(study=s, text=t, text_sha256=hashlib.sha256(t.encode()).hexdigest())
            for s, t in zip(studies, texts, strict=True)
        ]
    )
    return studies


class Scenario:
    """One job kind: make its input and job, send its task, say when it is mid-job, check the end."""

    kind: str = ""

    def setup(self, broker: Broker, data: Path) -> None: ...

    def started(self) -> bool:
        raise NotImplementedError

    def recovered(self) -> bool:
        job = Job.objects.get(pk=self.job_id)
        return job.attempts >= 1 or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    def ended(self) -> str | None:
        status = Job.objects.get(pk=self.job_id).status
        return status if status not in (JobStatus.QUEUED, JobStatus.RUNNING) else None

    def check(self, result: KindResult) -> None: ...


class ImportScenario(Scenario):
    kind = "import"
    n = 150

    def setup(self, broker: Broker, data: Path) -> None:
        from annotations.tasks.imports import import_job

        self.dataset = dataset_get_or_create(slug="kill-import", schema_key="chestxray14")[0]
        job = job_create(
            kind=JobKind.IMPORT, dataset=self.dataset, params={"importer": "dicom", "file": "b.zip"}
        )
        upload_dir(job.pk).mkdir(parents=True, exist_ok=True)
        (upload_dir(job.pk) / "b.zip").write_bytes(_dicom_zip(self.n, seed=3))
        self.job_id = job.pk
        broker.publish(import_job, job.pk)

    def started(self) -> bool:
        return Image.objects.filter(dataset=self.dataset).count() >= 5

    def check(self, result: KindResult) -> None:
        images = Image.objects.filter(dataset=self.dataset)
        job = Job.objects.get(pk=self.job_id)
        checksums = list(images.values_list("pixel_checksum", flat=True))
        result.notes = {"images": len(checksums), "summary": job.summary}
        if job.status != JobStatus.SUCCEEDED:
            result.problems.append(f"import ended {job.status}: {job.errors[:2]}")
        if len(checksums) != self.n or len(set(checksums)) != self.n:
            result.problems.append(f"{len(checksums)} images ({len(set(checksums))} distinct), want {self.n}")
        if job.summary.get("created", 0) + job.summary.get("existing", 0) != self.n:
            result.problems.append(f"summary does not add up: {job.summary}")
        if upload_dir(job.pk).exists():
            result.problems.append("the upload was not removed after the import succeeded")


class NlpScenario(Scenario):
    kind = "nlp"
    n = 1000

    def setup(self, broker: Broker, data: Path) -> None:
        from learning.tasks.nlp import label_dataset_reports

        self.dataset = dataset_get_or_create(slug="kill-nlp", schema_key="chestxray14")[0]
        _bare_studies(self.dataset, self.n, "N")
        self.job_id = job_create(kind=JobKind.NLP, dataset=self.dataset).pk
        broker.publish(label_dataset_reports, self.job_id)

    def started(self) -> bool:
        job = Job.objects.get(pk=self.job_id)
        return job.status == JobStatus.RUNNING and job.done >= 256

    def check(self, result: KindResult) -> None:
        from learning.services.nlp_labels import reports_pending

        job = Job.objects.get(pk=self.job_id)
        labels = Label.objects.filter(image__dataset=self.dataset, source="nlp")
        distinct = labels.values("image", "finding", "source_version").distinct().count()
        version = job.summary.get("pipeline_version", "")
        pending = len(list(reports_pending(self.dataset, version))) if version else -1
        result.notes = {
            "labels": labels.count(),
            "reports_in_rerun": job.summary.get("reports"),
            "pending": pending,
        }
        if job.status != JobStatus.SUCCEEDED:
            result.problems.append(f"nlp ended {job.status}: {job.errors[:2]}")
        if labels.count() != distinct:
            result.problems.append(f"{labels.count()} nlp labels but {distinct} distinct")
        if pending != 0:
            result.problems.append(f"{pending} reports still lack labels")


class QcScenario(Scenario):
    kind = "qc"

    def setup(self, broker: Broker, data: Path) -> None:
        from annotations.ingest.registry import run_importer
        from learning.tasks.qc import run_qc

        self.dataset = dataset_get_or_create(slug="kill-qc", schema_key="chestxray14")[0]
        run_importer("chestxray14", self.dataset, [data / "chestxray14"])
        # Fine-tuning the detectors (retrain) is what takes long enough for a kill to land mid-job.
        params = {"retrain": True, "epochs": 15}
        self.job_id = job_create(kind=JobKind.QC, dataset=self.dataset, params=params).pk
        self._claimed_at: float | None = None
        broker.publish(run_qc, self.dataset.pk, self.job_id)

    def started(self) -> bool:
        if Job.objects.get(pk=self.job_id).status != JobStatus.RUNNING:
            return False
        self._claimed_at = self._claimed_at or time.monotonic()
        return time.monotonic() - self._claimed_at > 1.0  # detectors training

    def check(self, result: KindResult) -> None:
        job = Job.objects.get(pk=self.job_id)
        flags = QCFlag.objects.filter(image__dataset=self.dataset)
        distinct = flags.values("image", "kind").distinct().count()
        production = ModelVersion.objects.filter(dataset=self.dataset, status="production")
        kinds = list(production.values_list("kind", flat=True))
        result.notes = {"flags": flags.count(), "detectors": kinds}
        if job.status != JobStatus.SUCCEEDED:
            result.problems.append(f"qc ended {job.status}: {job.errors[:2]}")
        if flags.count() != distinct:
            result.problems.append(f"{flags.count()} QC flags but {distinct} distinct")
        if len(kinds) != len(set(kinds)):
            result.problems.append(f"two production detectors of one kind: {kinds}")


class ScoringScenario(Scenario):
    kind = "scoring"

    def setup(self, broker: Broker, data: Path) -> None:
        from annotations.ingest.registry import run_importer
        from annotations.models.choices import ModelKind
        from learning.services.scoring.jobs import scoring_start
        from learning.tasks.scoring_chunks import score_dataset
        from tests.learning.worker.conftest import register_tiny

        self.dataset = dataset_get_or_create(slug="kill-scoring", schema_key="chestxray14")[0]
        run_importer("chestxray14", self.dataset, [data / "chestxray14"])
        self.mv = register_tiny(self.dataset, ModelKind.CHEXNET)
        self.n = self.dataset.images.count()
        job = scoring_start(model_version=self.mv, chunk_size=1, dispatch=False)  # one task per image
        self.job_id = job.pk
        broker.publish(score_dataset, self.mv.pk, job.pk, queue=None)

    def started(self) -> bool:
        return Prediction.objects.filter(model_version=self.mv).count() >= 3

    def recovered(self) -> bool:
        job = Job.objects.get(pk=self.job_id)
        return job.attempts >= 1 or job.status != JobStatus.RUNNING

    def check(self, result: KindResult) -> None:
        job = Job.objects.get(pk=self.job_id)
        preds = Prediction.objects.filter(model_version=self.mv)
        images = preds.values("image").distinct().count()
        result.notes = {"predictions": preds.count(), "images": self.n, "done": job.done}
        if job.status != JobStatus.SUCCEEDED:
            result.problems.append(f"scoring ended {job.status}: {job.errors[:2]}")
        if preds.count() != self.n or images != self.n:
            result.problems.append(f"{preds.count()} predictions for {images} images, want {self.n}")
        if job.done != self.n:
            result.problems.append(f"job.done {job.done} != {self.n}")


class TrainingScenario(Scenario):
    kind = "training"
    LONG = {
        "size": "tiny",
        "epochs": 300,
        "early_stopping_patience": 300,
        "batch_size": 8,
        "threads": 1,
        "device": "cpu",
        "n_boot": 10,
        "split": {"train": 0.5, "validation": 0.25, "test": 0.25},
    }

    def setup(self, broker: Broker, data: Path) -> None:
        from learning.services.training.runs import training_run_start
        from learning.tasks.training import train_model
        from tests.learning.factory import make_cohort

        self.dataset = dataset_get_or_create(slug="kill-training", schema_key="google4")[0]
        make_cohort(
            self.dataset,
            data / "train-pngs",
            patients=8,
            per_patient=2,
            seed=7,
            size=40,
            adjudicated_share=1.0,
            splits=("train", "train", "validation", "test"),
        )
        run = training_run_start(
            dataset=self.dataset, kind="chexnet", config=self.LONG, user=None, dispatch=False
        )
        self.run_id = run.pk
        broker.publish(train_model, run.pk, queue=None)

    def started(self) -> bool:
        run = TrainingRun.objects.get(pk=self.run_id)
        return run.status == RunStatus.RUNNING and int(run.progress.get("epoch") or 0) >= 1

    def recovered(self) -> bool:
        return TrainingRun.objects.get(pk=self.run_id).status != RunStatus.RUNNING

    def ended(self) -> str | None:
        status = TrainingRun.objects.get(pk=self.run_id).status
        return status if status not in (RunStatus.QUEUED, RunStatus.RUNNING) else None

    def check(self, result: KindResult) -> None:
        from learning.services.training.runs import training_run_cancel, training_run_start

        run = TrainingRun.objects.get(pk=self.run_id)
        result.notes = {"error": run.error[:120]}
        if run.status != RunStatus.FAILED or "stopped responding" not in run.error:
            result.problems.append(f"training run ended {run.status}: {run.error[:200]}")
        if ModelVersion.objects.filter(training_run=run).exists():
            result.problems.append("the killed run registered a model version")
        again = training_run_start(
            dataset=self.dataset, kind="chexnet", config=self.LONG, user=None, dispatch=False
        )
        training_run_cancel(run=again, user=None)  # a new run is accepted (no 409); never sent


class SnapshotScenario(Scenario):
    kind = "snapshot"
    n = 4000  # images, each with a final label per finding: a build of a few seconds

    def setup(self, broker: Broker, data: Path) -> None:
        from django.utils import timezone

        from annotations.models import Finding, LabelProvenance, LabelSetSnapshot
        from annotations.services.exports import snapshots
        from annotations.tasks.exports import build_snapshot

        self.dataset = dataset_get_or_create(slug="kill-snapshot", schema_key="chestxray14")[0]
        studies = _bare_studies(self.dataset, self.n, "S")
        findings = list(Finding.objects.filter(schema=self.dataset.schema, is_derived=False))
        images = Image.objects.filter(study__in=studies).order_by("pk")
        values = ("positive", "negative", "uncertain", "blank")
        labels = Label.objects.bulk_create(
            [
                Label(
                    image=im,
                    finding=f,
                    source="adjudicated",
                    source_version="1",
                    value=values[(im.pk + k) % 4],
                )
                for im in images
                for k, f in enumerate(findings)
            ],
            batch_size=5000,
        )
        now = timezone.now()
        LabelProvenance.objects.bulk_create(
            [LabelProvenance(label=lab, how_reached="imported", decided_at=now) for lab in labels],
            batch_size=5000,
        )
        self.labels = len(labels)
        # The rows snapshot_create makes, without its dispatch on commit: the test sends the task to
        # the broker under test (the test process's own broker may be another one).
        job = job_create(kind=JobKind.EXPORT, dataset=self.dataset, params={"snapshot_number": 1})
        self.snapshot = LabelSetSnapshot.objects.create(
            dataset=self.dataset,
            number=1,
            filters=snapshots._filters(self.dataset, {}),
            policy=snapshots._policy(self.dataset),
            job=job,
        )
        broker.publish(build_snapshot, self.snapshot.pk)
        self.job_id = self.snapshot.job_id

    def started(self) -> bool:  # writing: its temporary files are on disk
        export = Path(settings.ARBITER_EXPORT_DIR) / self.dataset.slug
        return export.is_dir() and any(export.glob(".labels-v0001.*.part"))

    def check(self, result: KindResult) -> None:
        from annotations.models import LabelSetSnapshot

        job = Job.objects.get(pk=self.job_id)
        snap = LabelSetSnapshot.objects.get(pk=self.snapshot.pk)
        export = Path(settings.ARBITER_EXPORT_DIR) / self.dataset.slug
        files = sorted(p.name for p in export.iterdir()) if export.exists() else []
        result.notes = {"labels": snap.label_count, "rows": snap.row_count, "files": files}
        if job.status != JobStatus.SUCCEEDED or snap.status != LabelSetSnapshot.Status.READY:
            result.problems.append(f"snapshot ended {snap.status} / job {job.status}: {snap.error[:200]}")
        if snap.label_count != self.labels or snap.row_count != self.n:
            result.problems.append(
                f"{snap.label_count} labels in {snap.row_count} rows, want {self.labels} in {self.n}"
            )
        if files != ["labels-v0001.csv", "labels-v0001.jsonl"]:
            result.problems.append(f"export folder holds {files}")  # a killed build's .part files too


SCENARIOS: dict[str, type[Scenario]] = {
    s.kind: s
    for s in (ImportScenario, NlpScenario, QcScenario, ScoringScenario, SnapshotScenario, TrainingScenario)
}


# -- the chain ---------------------------------------------------------------------------------------


def _wait(predicate, *, timeout: float, interval: float = 0.05) -> float | None:
    """Seconds until predicate() was true, or None after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(interval)
    return None


def _start(broker: Broker, workdir: Path, n: int) -> WorkerProcess:
    return start_worker(
        queues="default,gpu",
        concurrency=None,
        pool="solo",  # the task runs in the process we kill
        broker_url=broker.url,
        media_root=settings.MEDIA_ROOT,
        workdir=workdir / f"worker{n}",
        visibility_timeout=broker.visibility_timeout,
        name=f"kill{n}",
        own_session=True,
        extra_env={
            **LIFECYCLE_ENV,
            "OMP_NUM_THREADS": "1",
            "ARBITER_MODEL_DIR": str(settings.ARBITER_MODEL_DIR),
            "ARBITER_EXPORT_DIR": str(settings.ARBITER_EXPORT_DIR),
            "ARBITER_PREPROCESS_CACHE_DIR": str(settings.ARBITER_PREPROCESS_CACHE_DIR),
            **broker.env,
        },
        ready_timeout=120,
    )


def run_kill_chain(kinds: list[str], broker: Broker, workdir: Path, data: Path) -> list[KindResult]:
    """Run the chain (see module); returns one result per kind (problems empty when all is well)."""
    results: list[KindResult] = []
    n = 1
    worker = _start(broker, workdir, n)
    try:
        for kind in kinds:
            scenario = SCENARIOS[kind]()
            result = KindResult(kind)
            results.append(result)
            scenario.setup(broker, data)
            if _wait(scenario.started, timeout=180) is None:
                result.problems.append(f"never got mid-job\n{worker.log()[-3000:]}")
                break
            if scenario.ended():
                result.problems.append("the job ended before the kill could land")
            worker.kill()
            result.killed_at = time.monotonic()
            n += 1
            worker = _start(broker, workdir, n)
            result.worker_ready_s = round(time.monotonic() - result.killed_at, 2)
            recovered = _wait(scenario.recovered, timeout=RECOVERY_BOUND_S)
            if recovered is not None:
                result.recovered_s = round(time.monotonic() - result.killed_at, 2)
            ended = _wait(lambda s=scenario: s.ended() is not None, timeout=END_BOUND_S)
            if ended is None:
                result.problems.append(
                    f"the job did not end within {END_BOUND_S:.0f} s\n{worker.log()[-3000:]}"
                )
                break
            result.ended_s = round(time.monotonic() - result.killed_at, 2)
            result.status = scenario.ended() or ""
            if result.recovered_s is None:
                result.problems.append(f"not recovered within {RECOVERY_BOUND_S:.0f} s of the kill")
            scenario.check(result)
    finally:
        worker.stop()
    return results


def format_results(broker: str, results: list[KindResult]) -> str:
    lines = [f"kill -> recovery on {broker} (worker restart included; seconds)"]
    lines.append(f"  {'kind':<10}{'worker up':>10}{'recovered':>11}{'ended':>8}  status")
    for r in results:
        lines.append(
            f"  {r.kind:<10}{r.worker_ready_s:>10.1f}{(r.recovered_s or float('nan')):>11.1f}"
            f"{(r.ended_s or float('nan')):>8.1f}  {r.status}"
        )
    return "\n".join(lines)
