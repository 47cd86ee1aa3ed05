"""One full active-learning loop on the CPU through a real Celery worker.

Import a small synthetic cohort, mine NLP labels from its reports (worker), queue every image at
random, let three simulated radiologists (per-reader error rates) and an adjudicator answer the
worklist through the reading services until all but a few items are final, train a tiny CheXNet on
the adjudicated plus weak NLP labels (worker, 2 epochs), promote it: the worker re-scores the
dataset and re-ranks the unread items of the worklist by the dataset's acquisition strategy.
"""

import time

import pytest
from rest_framework.test import APIClient

from annotations.ingest.registry import run_importer
from annotations.models import Job, LabelProvenance, Patient, WorkItem
from annotations.models.choices import Role
from annotations.selectors.read_values import schema_questions
from annotations.services.adjudication.rounds import case_decide, case_respond, open_questions
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from annotations.services.reading.first_reads import read_release, read_submit
from annotations.services.reading.worklist import worklist_enqueue, worklist_next
from learning.models import ModelVersion, RankingScore, TrainingRun
from ml.acquisition import strategy_from_config
from synthetic.ground_truth import load_ground_truth
from synthetic.readers import DEFAULT_PANEL, SimulatedReader

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WEIGHTS = {"entropy": 1.0, "nlp_disagreement": 0.5}
UNREAD = 6  # items left unread, to be re-ranked by the new model
TRAIN = {
    "size": "tiny",
    "epochs": 2,
    "batch_size": 8,
    "n_boot": 50,
    "threads": 1,
    "device": "cpu",
    "weak_labels": {"use_weak": True, "uncertainty": "ones", "weak_weight": 0.5},
}


def wait_for(fetch, done, *, timeout: float, what: str, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        obj = fetch()
        if done(obj):
            return obj
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}: {obj!r}\n{log()[-3000:]}")


class Panel:
    """Simulated readers answering whatever the worklist gives them, through the services."""

    def __init__(self, dataset, readers, adjudicator, truth, budget):
        self.dataset, self.readers, self.adjudicator = dataset, readers, adjudicator
        self.q = schema_questions(dataset.schema)
        self.truth, self.budget, self.started = truth, budget, set()

    def answers(self, sim, image, questions):
        present = self.truth[image.source_key]
        seen = sim.read(image.source_key, {f: f in present for f in questions})
        return [{"finding": f, "value": seen[f]} for f in questions]

    def step(self, user, sim) -> bool:
        task = worklist_next(reader=user, dataset=self.dataset)
        if task is None:
            return False
        image = task.item.image
        if task.kind == "read":
            if image.pk not in self.started and len(self.started) >= self.budget:
                read_release(reader=user, read_id=task.read.pk)  # over budget: leave it unread
                return False
            self.started.add(image.pk)
            read_submit(reader=user, read_id=task.read.pk, labels=self.answers(sim, image, self.q.questions))
        elif task.kind == "adjudication":  # a simulated reader keeps their answers
            open_now = open_questions(task.item, self.q)
            case_respond(reader=user, case=task.case, labels=self.answers(sim, image, open_now))
        else:  # the adjudicator decides what is still open, from the truth
            open_now = open_questions(task.item, self.q)
            present = self.truth[image.source_key]
            values = [{"finding": f, "value": "positive" if f in present else "negative"} for f in open_now]
            case_decide(adjudicator=user, case=task.case, labels=values, reason="simulated adjudicator")
        return True

    def run(self) -> None:
        everyone = [*self.readers, (self.adjudicator, None)]
        while any([self.step(user, sim) for user, sim in everyone]):
            pass


def test_read_adjudicate_train_promote_rescore_rerank(celery_worker, settings, small_cohort_dir, make_user):
    settings.MEDIA_ROOT = celery_worker.media_root
    settings.ARBITER_MODEL_DIR = celery_worker.var_dir / "models"
    dataset, _ = dataset_get_or_create(
        slug="loop", schema_key="chestxray14", readers_per_item=3, max_adjudication_rounds=1
    )
    dataset.acquisition_weights = WEIGHTS
    dataset.save()
    admin, adjudicator = make_user("loop-admin"), make_user("loop-adjudicator")
    membership_grant(dataset=dataset, user=admin, role=Role.ADMIN)
    membership_grant(dataset=dataset, user=adjudicator, role=Role.ADJUDICATOR)
    readers = []
    for profile in DEFAULT_PANEL[:3]:
        user = make_user(f"loop-{profile.name}")
        membership_grant(dataset=dataset, user=user, role=Role.RADIOLOGIST)
        readers.append((user, SimulatedReader(profile, seed=0)))
    client = APIClient()
    client.force_authenticate(admin)

    # ingest: images with NIH-style labels, their reports, then NLP labels mined on the worker
    assert run_importer("chestxray14", dataset, [small_cohort_dir / "chestxray14"]).failed == 0
    run_importer("reports", dataset, [small_cohort_dir / "chestxray14" / "reports.csv"])
    r = client.post(f"/api/v1/datasets/{dataset.pk}/nlp/")
    assert r.status_code == 202
    nlp_job = wait_for(
        lambda: Job.objects.get(pk=r.json()["id"]),
        lambda j: j.status in ("succeeded", "failed"),
        timeout=120,
        what="the NLP job",
        log=celery_worker.log,
    )
    assert nlp_job.status == "succeeded", nlp_job.errors
    # the patients' splits (stored, as a data set's own split would be): every split gets readers' work
    patients = list(Patient.objects.filter(dataset=dataset).order_by("pseudo_id"))
    for k, p in enumerate(patients):
        p.split = ("train", "train", "validation", "test")[k % 4]
        p.save(update_fields=["split"])

    # reading: everything queued at random, the panel reads all but UNREAD items
    queued = worklist_enqueue(dataset=dataset, strategy="random", seed=0, actor=admin).queued
    truth = {
        t.key: set(t.findings)
        for t in load_ground_truth(small_cohort_dir).images
        if t.dataset == "chestxray14"
    }
    Panel(dataset, readers, adjudicator, truth, budget=queued - UNREAD).run()
    states = list(WorkItem.objects.filter(dataset=dataset).values_list("state", flat=True))
    assert states.count("done") == queued - UNREAD and states.count("reading") == UNREAD
    how = set(
        LabelProvenance.objects.filter(label__image__dataset=dataset).values_list("how_reached", flat=True)
    )
    assert "unanimous" in how and how & {"majority", "adjudicator"}  # disagreements were adjudicated

    # training on the worker: succeeds with metrics on the adjudicated test split
    r = client.post(
        f"/api/v1/datasets/{dataset.pk}/training-runs/", {"kind": "chexnet", "config": TRAIN}, format="json"
    )
    assert r.status_code == 202, r.content
    run = wait_for(
        lambda: TrainingRun.objects.get(pk=r.json()["id"]),
        lambda x: x.status not in ("queued", "running"),
        timeout=180,
        what="the training run",
        log=celery_worker.log,
    )
    assert run.status == "succeeded", (run.error, celery_worker.log()[-2000:])
    assert run.progress["epoch"] >= 1 and run.data_snapshot["counts"]["test"] > 0
    assert run.data_snapshot["weak_images"] > 0  # NLP labels joined as weak labels
    mv = ModelVersion.objects.get(training_run=run)
    assert mv.status == "candidate" and mv.metrics["summary"]["n_test"] == run.data_snapshot["counts"]["test"]
    assert mv.metrics["test"]["evaluated"], "no finding had both classes in the test split"

    # promotion: re-scoring on the worker, whose finaliser re-ranks the worklist
    unread = dict(
        WorkItem.objects.filter(dataset=dataset, state="reading").values_list("image_id", "priority")
    )
    r = client.post(f"/api/v1/model-versions/{mv.pk}/promote/")
    assert r.status_code == 200 and r.json()["model_version"]["status"] == "production"
    scoring = wait_for(
        lambda: Job.objects.get(pk=r.json()["scoring_job"]["id"]),
        lambda j: j.status in ("succeeded", "failed"),
        timeout=120,
        what="re-scoring",
        log=celery_worker.log,
    )
    assert scoring.status == "succeeded", scoring.errors
    key = strategy_from_config({"name": "weighted", "components": WEIGHTS}).key
    scored = dict(
        RankingScore.objects.filter(model_version=mv, strategy=key).values_list("image_id", "score")
    )
    assert set(scored) == set(unread)  # every unread item, none of the final ones
    assert scoring.summary["ranking"] == len(unread)
    after = {w.image_id: w for w in WorkItem.objects.filter(dataset=dataset, state="reading")}
    assert all(w.priority_strategy == key for w in after.values())
    assert {pk: w.priority for pk, w in after.items()} == pytest.approx(scored)
    assert any(abs(after[pk].priority - before) > 1e-9 for pk, before in unread.items())
    page = client.get(f"/api/v1/datasets/{dataset.pk}/ranking-scores/").json()
    assert page["count"] == len(unread) and page["results"][0]["model_version"] == mv.pk
