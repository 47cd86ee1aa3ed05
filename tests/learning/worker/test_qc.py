"""Bad-image detection as a job (eager Celery) on the synthetic ChestX-ray14 layout: the shipped
orientation / inversion detector, registered as the dataset's own, finds the rotated and inverted films
and names the fix, the age rule finds the children, flagged images are held from reading, a rerun
loads the registered detector and adds no flag; fine-tuning reports its epochs, then the images
scored, and a stop asked for between them ends the run storing nothing."""

import pytest

from annotations.ingest.registry import run_importer
from annotations.models import Job, QCFlag, WorkItem
from annotations.services.datasets.datasets import dataset_get_or_create
from annotations.services.qc.flags import qc_flags_store
from annotations.services.reading.worklist import worklist_enqueue
from learning.models import ModelVersion
from learning.services.models.weights import model_weights_path
from learning.services.qc.run import QCOptions, qc_run
from ml.detectors.flags import QCFlag as RaisedFlag
from synthetic.ground_truth import load_ground_truth


@pytest.fixture
def cxr14(db, cohort_dir):
    ds, _ = dataset_get_or_create(slug="mlw-qc", schema_key="chestxray14")
    run_importer("chestxray14", ds, [cohort_dir / "chestxray14"])
    return ds


def start_qc(client, dataset, capture, **body) -> Job:
    with capture(execute=True):
        r = client.post(f"/api/v1/datasets/{dataset.pk}/qc/", body, format="json")
    assert r.status_code == 202, r.content
    return Job.objects.get(pk=r.json()["id"])


def flagged(dataset, kind: str) -> dict[str, QCFlag]:
    return {
        f.image.source_key: f
        for f in QCFlag.objects.filter(image__dataset=dataset, kind=kind).select_related("image")
    }


def test_qc_flags_rotated_inverted_and_pediatric_images_and_holds_them(
    cxr14, cohort_dir, admin_client, eager_celery, django_capture_on_commit_callbacks
):
    truth = {t.key: t for t in load_ground_truth(cohort_dir).by_dataset("chestxray14")}
    assert cxr14.images.count() == len(truth)
    worklist_enqueue(dataset=cxr14)
    client = admin_client(cxr14)
    job = start_qc(client, cxr14, django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors
    assert job.summary["detectors"]["orientation"]["status"] == "pretrained"
    assert job.summary["detectors"]["view"]["status"].startswith("skipped")  # nothing reviewed yet

    rotated = {k for k, t in truth.items() if t.rotation}
    # the detector judges frontal chest films; laterals filed as frontal and abdomens filed as chests
    # are the view classifier's to catch
    frontal_chests = {k for k, t in truth.items() if t.body_part == "CHEST" and t.view != "LATERAL"}
    upright = frontal_chests - rotated
    flags = flagged(cxr14, "rotated") | flagged(cxr14, "flipped")
    assert len(rotated & set(flags)) >= len(rotated) - 1, (sorted(rotated), sorted(flags))
    assert len(upright & set(flags)) <= 0.05 * len(upright), sorted(upright & set(flags))
    for key in rotated & set(flags):  # the synthetic films were turned clockwise: the fix turns back
        assert flags[key].probability >= 0.5 and flags[key].source_version == "orientation-v1"
    right_fix = [
        flags[k].detail["fix"]["rotate"] == (360 - truth[k].rotation) % 360 for k in rotated & set(flags)
    ]
    assert sum(right_fix) >= len(right_fix) - 1

    inverted = {k for k, t in truth.items() if t.inverted}
    flags = flagged(cxr14, "inverted")
    assert len(inverted & set(flags)) >= len(inverted) - 1, (sorted(inverted), sorted(flags))
    assert len(set(flags) - inverted) <= 0.05 * (len(truth) - len(inverted))

    children = {k for k, t in truth.items() if t.age_years < cxr14.pediatric_age_years}
    assert children and set(flagged(cxr14, "pediatric")) == children

    held = set(
        WorkItem.objects.filter(image__dataset=cxr14, state="qc_hold").values_list(
            "image__source_key", flat=True
        )
    )
    open_flagged = set(
        QCFlag.objects.filter(image__dataset=cxr14, status="open").values_list("image__source_key", flat=True)
    )
    assert held == open_flagged and children <= held
    assert job.summary["held"]["held"] == len(held)

    # The detector is the dataset's registered model: production, its file hash-checked on load.
    [mv] = ModelVersion.objects.filter(dataset=cxr14)
    assert mv.kind == "orientation" and mv.status == "production" and model_weights_path(mv).is_file()

    # A rerun loads it, decodes nothing new and adds no flag.
    n_flags = QCFlag.objects.filter(image__dataset=cxr14).count()
    again = start_qc(client, cxr14, django_capture_on_commit_callbacks)
    assert again.status == "succeeded"
    assert again.summary["detectors"]["orientation"]["status"] == "loaded"
    assert again.summary["created"] == 0 and QCFlag.objects.filter(image__dataset=cxr14).count() == n_flags
    assert ModelVersion.objects.filter(dataset=cxr14).count() == 1


def test_fine_tuning_reports_epochs_then_images_and_stops_when_asked(cxr14):
    calls: list[tuple[int, int]] = []
    summary = qc_run(
        cxr14, QCOptions(retrain=True, epochs=2, train_max=40), progress=lambda d, t: calls.append((d, t))
    )
    n = cxr14.images.count()
    assert calls[:2] == [(1, 2), (2, 2)] and calls[-1] == (n, n)
    assert summary["detectors"]["orientation"]["status"] == "fine-tuned"
    assert ModelVersion.objects.get(dataset=cxr14, status="production").metrics["epochs"] == 2

    class Stop(Exception):
        pass

    def stop_after_first_epoch(done: int, total: int) -> None:
        raise Stop

    QCFlag.objects.filter(image__dataset=cxr14).delete()
    with pytest.raises(Stop):
        qc_run(cxr14, QCOptions(retrain=True, epochs=2, train_max=40), progress=stop_after_first_epoch)
    assert not QCFlag.objects.filter(image__dataset=cxr14).exists()


def test_qc_flags_store_is_idempotent_and_never_reopens(nih):
    image = nih.images.first()
    flag = RaisedFlag("rotated", 0.9, True, {"predicted_rotation": 90})
    low = RaisedFlag("inverted", 0.2, False, {})
    assert qc_flags_store(flags=[(image.pk, flag), (image.pk, low)], source_version="rotation-v7") == 1
    QCFlag.objects.filter(image=image).update(status="rejected")
    assert qc_flags_store(flags=[(image.pk, flag)], source_version="rotation-v7") == 0
    assert QCFlag.objects.get(image=image).status == "rejected"
    assert qc_flags_store(flags=[(image.pk, flag)], source_version="rotation-v8") == 1


def test_qc_api_is_for_admins_and_checks_options(nih, admin_client):
    r = admin_client(nih, role="radiologist").post(f"/api/v1/datasets/{nih.pk}/qc/", {}, format="json")
    assert r.status_code == 403
    r = admin_client(nih).post(f"/api/v1/datasets/{nih.pk}/qc/", {"epochs": 0}, format="json")
    assert r.status_code == 400
    assert not Job.objects.filter(kind="qc").exists()


def test_evaluate_qc_runs_qc_on_distorted_real_films_and_cleans_up(db):
    import io
    from pathlib import Path

    from django.core.management import call_command

    from annotations.models import Dataset

    folder = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "nih-cxr-dev"
    if not (folder / "Data_Entry_2017.csv").is_file():
        pytest.skip(f"the real development films are not here ({folder})")
    out = io.StringIO()
    call_command("evaluate_qc", folder=str(folder), split="held-out", limit=2, slug="qc-eval-t", stdout=out)
    text = out.getvalue()
    assert "wrote 14 films (2 originals x 7)" in text and "imported into qc-eval-t: 14 images" in text
    assert "learned detector (held-out films)" in text and "rule baseline, same films" in text
    for tag in ("clean", "rot90", "rot180", "rot270", "hflip", "vflip", "invert"):
        assert f"  {tag:<8} orientation" in text
    assert "films/min end to end" in text
    assert not Dataset.objects.filter(slug="qc-eval-t").exists()


def test_a_qc_job_cancelled_while_fine_tuning_stops_after_that_epoch(cxr14, monkeypatch):
    """The real task and job lifecycle: the job is cancelled while the first epoch runs (as
    POST /jobs/{id}/cancel/ does); the run stops at the epoch's progress report, registers no
    detector and stores no flag, and the job stays cancelled."""
    import time

    from annotations.models.choices import JobKind
    from annotations.services.jobs.records import job_create
    from learning.services.qc import run as qc_module
    from learning.tasks import qc as task_module

    job = job_create(kind=JobKind.QC, dataset=cxr14, params={"retrain": True, "epochs": 3, "train_max": 40})
    reports: list[tuple[int, int]] = []

    def run_and_cancel(dataset, options, progress):
        def report(done: int, total: int) -> None:
            reports.append((done, total))
            Job.objects.filter(pk=job.pk).update(status="cancelled")
            time.sleep(0.6)  # past the progress throttle, so this report reaches the database
            progress(done, total)

        return qc_module.qc_run(dataset, options, progress=report)

    monkeypatch.setattr(task_module, "qc_run", run_and_cancel)
    task_module.run_qc.apply(args=(cxr14.pk, job.pk))
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert reports == [(1, 3)]  # stopped at the first epoch's report: no second epoch, no scoring
    assert not ModelVersion.objects.filter(dataset=cxr14).exists()
    assert not QCFlag.objects.filter(image__dataset=cxr14).exists()
