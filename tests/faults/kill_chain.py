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
    """One job kind: make its input and job, send its task, say when it is mid-job, check the end.

    `workdir` is the scenario's own scratch folder (set by the chain before `setup`); `worker_env`
    is added to every worker's environment in a chain that runs this kind; `at_kill` records what
    was stored at the moment of the kill (checked to be still there at the end); `close` stops what
    `setup` started (a PACS)."""

    kind: str = ""
    workdir: Path
    worker_env: dict[str, str] = {}

    def setup(self, broker: Broker, data: Path) -> None: ...

    def at_kill(self, result: KindResult) -> None: ...

    def close(self) -> None: ...

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
        # The task marks the job succeeded, then frees its upload: allow it that moment (under load).
        if _wait(lambda: not upload_dir(job.pk).exists(), timeout=15.0) is None:
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


class IndexScenario(Scenario):
    """A similar-case index build killed while FAISS trains its coarse quantiser on 10,000 new
    embeddings (1024-wide, as CheXNet's), over an index of 2,000 built before: the stored index stays
    served through the kill, and the rerun builds one that holds every published image once."""

    kind = "index"
    n_before, n_new, dim = 2_000, 10_000, 1024
    # The approximate (IVF) index starts past this many vectors (50,000 by default): a build of a few
    # seconds instead of a few hundred milliseconds, the slow path a large dataset takes anyway.
    worker_env = {"ARBITER_RETRIEVAL_EXACT_MAX": "2000"}

    def setup(self, broker: Broker, data: Path) -> None:
        import numpy as np

        from learning.services.retrieval_index import retrieval_index_build
        from learning.tasks.retrieval import build_retrieval_index
        from tests.retrieval import factory

        self.dataset = dataset_get_or_create(slug="kill-index", schema_key="chestxray14")[0]
        self.mv = factory.model_version(self.dataset)
        rng = np.random.default_rng(19)

        def cases(n: int) -> None:
            vectors = rng.standard_normal((n, self.dim)).astype(np.float32)
            factory.bulk_cases(self.dataset, self.mv, vectors, rng.random(n) < 0.3)

        cases(self.n_before)
        built = retrieval_index_build(self.mv.pk)  # the index served before the job (exact, in-process)
        assert built["status"] == "built" and built["size"] == self.n_before, built
        self.before = self._served()
        cases(self.n_new)
        job = job_create(kind=JobKind.INDEX, dataset=self.dataset, params={"model_version": self.mv.pk})
        self.job_id = job.pk
        self._claimed_at: float | None = None
        broker.publish(build_retrieval_index, self.mv.pk, job.pk)

    def _served(self) -> tuple[str, list[int]]:
        from learning.services.retrieval_index import served_index

        loaded = served_index(self.mv)
        return (loaded.generation, sorted(int(i) for i in loaded.index.ids)) if loaded else ("", [])

    def started(self) -> bool:
        # Claimed, then 0.75 s into a build of 3-5 s on two cores (reading the rows, then k-means),
        # early enough to land mid-build on a machine several times faster; check() proves it did.
        if Job.objects.get(pk=self.job_id).status != JobStatus.RUNNING:
            return False
        self._claimed_at = self._claimed_at or time.monotonic()
        return time.monotonic() - self._claimed_at > 0.75

    def at_kill(self, result: KindResult) -> None:
        self.at_kill_served = self._served()

    def check(self, result: KindResult) -> None:
        from learning.services.retrieval_index import index_name, published_images, retrieval_dir

        job = Job.objects.get(pk=self.job_id)
        generation, ids = self._served()
        published = sorted(published_images(self.dataset).values_list("pk", flat=True))
        name = index_name(self.mv)
        files = sorted(p.name for p in retrieval_dir().iterdir() if name in p.name)
        generations = {f.split(".")[1] for f in files if f.startswith(name) and f.endswith(".ids.npy")}
        leftovers = [f for f in files if f.endswith(".tmp")]
        result.notes = {
            "size": len(ids),
            "kind": job.summary.get("kind"),
            "build_s": job.summary.get("seconds"),
            "generations": len(generations),
            "attempts": job.attempts,
        }
        if job.status != JobStatus.SUCCEEDED or job.summary.get("status") != "built":
            result.problems.append(f"index build ended {job.status}: {job.errors[:2]} {job.summary}")
        if self.at_kill_served != self.before:
            result.problems.append("the kill did not land mid-build: the index had changed already")
        if len(ids) != len(set(ids)) or ids != published or len(ids) != self.n_before + self.n_new:
            result.problems.append(f"the index holds {len(ids)} ids, want the {len(published)} published")
        if generation == self.before[0] or generations != {generation, self.before[0]}:
            result.problems.append(f"generations on disk {sorted(generations)}; served {generation}")
        if leftovers:
            result.problems.append(f"temporary files left behind: {leftovers}")
        if job.done != len(ids) or job.summary.get("kind") != "faiss-ivf":
            result.problems.append(f"job done {job.done}, summary {job.summary}")


def _pacs(workdir: Path):
    """A real Orthanc with DICOMweb (tests.support.orthanc) of the scenario's own."""
    from tests.support.orthanc import find_orthanc, start_orthanc

    found = find_orthanc()
    if found is None:
        raise RuntimeError("Orthanc + DICOMweb plugin not installed (run scripts/test-services.sh as root)")
    return start_orthanc(workdir / "orthanc", binary=found[0], plugin=found[1])


def _pacs_load(server, studies: int, per_study: int, seed: int) -> set[str]:
    """`studies` studies of `per_study` DX images each (a patient per study) stored on the PACS;
    returns their SOP Instance UIDs (the PACS's own)."""
    from pydicom.uid import generate_uid

    from tests.imaging import factory

    sops: set[str] = set()
    for s in range(studies):
        study_uid = generate_uid()
        for i in range(per_study):
            ds = factory.dicom_dataset(
                factory.gradient(48, 48, seed=seed * 10_000 + s * 100 + i),
                patient_id=f"KILL-{seed}-{s:03d}",
                study_instance_uid=study_uid,
            )
            ds.AccessionNumber = f"K{seed}-{s:03d}"
            answer = server.upload(factory.to_bytes(ds))
            assert answer["Status"] == "Success", answer
            sops.add(str(ds.SOPInstanceUID))
    return sops


class PacsSyncScenario(Scenario):
    """A PACS sync (24 studies, 192 images over DICOMweb from a real Orthanc) killed mid-import: the
    rerun skips the studies already complete and re-fetches the interrupted one without a duplicate."""

    kind = "pacs-sync"
    studies, per_study = 24, 8

    def setup(self, broker: Broker, data: Path) -> None:
        from annotations.ingest.pacs_sources import pacs_source_get_or_create
        from annotations.tasks.pacs import pacs_sync_source

        self.server = _pacs(self.workdir)
        self.sops = _pacs_load(self.server, self.studies, self.per_study, seed=1)
        self.dataset = dataset_get_or_create(slug="kill-pacs-sync", schema_key="chestxray14")[0]
        self.source = pacs_source_get_or_create(
            dataset=self.dataset, url=self.server.dicomweb_url, enabled=True, lookback_days=36_500
        )[0]
        # What pacs_sync_job_start makes, sent to the broker under test.
        job = Job.objects.create(kind=JobKind.PACS, dataset=self.dataset, params={"source": self.source.pk})
        self.job_id = job.pk
        broker.publish(pacs_sync_source, self.source.pk, job.pk)

    def started(self) -> bool:
        return Image.objects.filter(dataset=self.dataset).count() >= 20

    def at_kill(self, result: KindResult) -> None:
        images = Image.objects.filter(dataset=self.dataset)
        self.stored_at_kill = set(images.values_list("pk", "pixel_checksum"))

    def close(self) -> None:
        if getattr(self, "server", None):
            self.server.stop()

    def check(self, result: KindResult) -> None:
        from annotations.models import PacsStudySync
        from annotations.services.privacy.identity import pseudonymiser

        job = Job.objects.get(pk=self.job_id)
        images = Image.objects.filter(dataset=self.dataset)
        sops = list(images.values_list("sop_instance_uid", flat=True))
        syncs = PacsStudySync.objects.filter(source=self.source)
        complete = syncs.filter(status=PacsStudySync.Status.COMPLETE, instances_imported=self.per_study)
        ps = pseudonymiser()
        result.notes = {
            "images_at_kill": len(self.stored_at_kill),
            "images": len(sops),
            "attempts": job.attempts,
            "summary": {k: job.summary.get(k) for k in ("studies_skipped", "created", "existing")},
        }
        if job.status != JobStatus.SUCCEEDED:
            result.problems.append(f"pacs sync ended {job.status}: {job.errors[:2]}")
        if len(sops) != len(self.sops) or set(sops) != {ps.uid(u) for u in self.sops}:
            result.problems.append(f"{len(sops)} images ({len(set(sops))} distinct), want {len(self.sops)}")
        if not self.stored_at_kill <= set(images.values_list("pk", "pixel_checksum")):
            result.problems.append("an image stored before the kill was lost or changed")
        n_studies = Study.objects.filter(dataset=self.dataset).count()
        if n_studies != self.studies or syncs.count() != self.studies or complete.count() != self.studies:
            result.problems.append(
                f"{n_studies} studies, {syncs.count()} sync rows ({complete.count()} complete), "
                f"want {self.studies}"
            )
        if not 0 < job.summary.get("studies_skipped", 0) < self.studies:
            result.problems.append(f"the rerun did not resume (skip the complete studies): {job.summary}")


class PacsExportScenario(Scenario):
    """Sending the final labels back to a real Orthanc (one label SR per study, 30 studies) killed
    mid-way: the SRs already on the PACS stay, the rerun sends the same SR UIDs (the PACS keeps one
    copy), and every study ends with exactly one label SR."""

    kind = "pacs-export"
    studies, per_study = 30, 4

    def setup(self, broker: Broker, data: Path) -> None:
        from django.utils import timezone

        from annotations.ingest.pacs import PacsQuery, pacs_import
        from annotations.ingest.pacs_sources import pacs_source_get_or_create
        from annotations.models import Finding, LabelProvenance
        from annotations.tasks.pacs import pacs_labels_job_create, pacs_send_labels_job

        self.server = _pacs(self.workdir)
        _pacs_load(self.server, self.studies, self.per_study, seed=2)
        self.dataset = dataset_get_or_create(slug="kill-pacs-export", schema_key="chestxray14")[0]
        self.source = pacs_source_get_or_create(dataset=self.dataset, url=self.server.dicomweb_url)[0]
        imported = pacs_import(self.source, PacsQuery())
        assert imported.summary.created == self.studies * self.per_study, imported.counts()
        findings = list(Finding.objects.filter(schema=self.dataset.schema, is_derived=False))[:4]
        images = Image.objects.filter(dataset=self.dataset).order_by("pk")
        labels = Label.objects.bulk_create(
            [
                Label(
                    image=im,
                    finding=f,
                    source="adjudicated",
                    source_version="1",
                    value=("positive", "negative")[(im.pk + k) % 2],
                )
                for im in images
                for k, f in enumerate(findings)
            ]
        )
        now = timezone.now()
        LabelProvenance.objects.bulk_create(
            [LabelProvenance(label=lab, how_reached="unanimous", decided_at=now) for lab in labels]
        )
        self.labels = len(labels)
        self.job_id = pacs_labels_job_create(self.source).pk
        broker.publish(pacs_send_labels_job, self.job_id)

    def _srs(self) -> list[tuple[str, str]]:
        """(study UID, SOP Instance UID) of every SR on the PACS."""
        import requests

        r = requests.get(f"{self.server.dicomweb_url}/instances", params={"Modality": "SR"}, timeout=10)
        r.raise_for_status()
        found = r.json() if r.content else []
        return [(i["0020000D"]["Value"][0], i["00080018"]["Value"][0]) for i in found]

    def started(self) -> bool:
        return len(self._srs()) >= 3

    def at_kill(self, result: KindResult) -> None:
        self.sent_at_kill = set(self._srs())

    def close(self) -> None:
        if getattr(self, "server", None):
            self.server.stop()

    def check(self, result: KindResult) -> None:
        job = Job.objects.get(pk=self.job_id)
        srs = self._srs()
        studies = {study for study, _ in srs}
        result.notes = {
            "srs_at_kill": len(self.sent_at_kill),
            "srs": len(srs),
            "attempts": job.attempts,
            "summary": job.summary,
        }
        if job.status != JobStatus.SUCCEEDED:
            result.problems.append(f"pacs export ended {job.status}: {job.errors[:2]}")
        if len(srs) != self.studies or len(studies) != self.studies:
            result.problems.append(f"{len(srs)} SRs on the PACS for {len(studies)} studies, want one each")
        if not self.sent_at_kill <= set(srs):
            result.problems.append("an SR stored before the kill is gone or was replaced by another UID")
        if job.summary != {"sent": self.studies, "skipped": 0} or job.done != self.studies:
            result.problems.append(f"job done {job.done}, summary {job.summary}")
        if Label.objects.filter(image__dataset=self.dataset).count() != self.labels:
            result.problems.append("the export changed the stored labels")


SCENARIOS: dict[str, type[Scenario]] = {
    s.kind: s
    for s in (
        ImportScenario,
        NlpScenario,
        QcScenario,
        ScoringScenario,
        SnapshotScenario,
        TrainingScenario,
        IndexScenario,
        PacsSyncScenario,
        PacsExportScenario,
    )
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


def _start(broker: Broker, workdir: Path, n: int, env: dict[str, str]) -> WorkerProcess:
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
            **env,
        },
        ready_timeout=120,
    )


def run_kill_chain(kinds: list[str], broker: Broker, workdir: Path, data: Path) -> list[KindResult]:
    """Run the chain (see module); returns one result per kind (problems empty when all is well)."""
    results: list[KindResult] = []
    env = {k: v for kind in kinds for k, v in SCENARIOS[kind].worker_env.items()}
    n = 1
    worker = _start(broker, workdir, n, env)
    scenarios: list[Scenario] = []
    try:
        for kind in kinds:
            scenario = SCENARIOS[kind]()
            scenarios.append(scenario)
            scenario.workdir = workdir / f"scenario-{kind}"
            scenario.workdir.mkdir(parents=True, exist_ok=True)
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
            scenario.at_kill(result)
            n += 1
            worker = _start(broker, workdir, n, env)
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
        for scenario in scenarios:
            scenario.close()
    return results


def format_results(broker: str, results: list[KindResult]) -> str:
    lines = [f"kill -> recovery on {broker} (worker restart included; seconds)"]
    lines.append(f"  {'kind':<12}{'worker up':>10}{'recovered':>11}{'ended':>8}  status")
    for r in results:
        lines.append(
            f"  {r.kind:<12}{r.worker_ready_s:>10.1f}{(r.recovered_s or float('nan')):>11.1f}"
            f"{(r.ended_s or float('nan')):>8.1f}  {r.status}"
        )
    return "\n".join(lines)
