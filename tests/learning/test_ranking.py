"""`ranking_refresh` on hand-made predictions: exact acquisition scores stored per (image, model
version, strategy key), recomputed only when the model or the strategy changes, the reading queue
re-prioritised from them, QC-flagged images kept on the QC worklist, and the ranking API."""

import math

import numpy as np
import pytest

from annotations.models import Image, QCFlag, WorkItem
from annotations.services.labels import LabelInput, expert_labels_import, labels_put
from annotations.services.reading.first_reads import read_release
from annotations.services.reading.worklist import worklist_enqueue, worklist_next
from learning.models import RankingScore
from learning.services.models.weights import model_version_register
from learning.services.ranking import RankingConfigError, ranking_refresh
from learning.services.registry.versions import model_promote
from learning.services.scoring.predictions import predictions_store
from ml.acquisition import item_uniform, strategy_from_config
from tests.annotations.reading.conftest import make_images

F = ("Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass")


def H(p: float) -> float:
    p = float(np.float32(p))  # predictions are stored from float32 outputs
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def model(team, probs: dict, embeddings: dict | None = None):
    mv = model_version_register(
        dataset=team.dataset,
        kind="chexnet",
        write=lambda p: p.write_bytes(b"weights"),
        spec={"labels": list(F), "multilabel": True},
    )
    ids = list(probs)
    emb = [embeddings[i] if embeddings else [1.0, float(k)] for k, i in enumerate(ids)]
    predictions_store(
        model_version=mv, image_ids=ids, probs=np.array([probs[i] for i in ids]), embeddings=np.array(emb)
    )
    return mv


@pytest.fixture
def board(team):
    """Six images: i3 adjudicated, i4 with an open QC flag, the others unread; all but i3 queued."""
    images = make_images(team.dataset, 6)
    i = [im.pk for im in images]
    expert_labels_import(
        image=images[3], schema=team.dataset.schema, values=dict.fromkeys(F, "negative"), reason="t"
    )
    QCFlag.objects.create(image=images[4], kind="rotated", probability=0.97, source_version="t")
    worklist_enqueue(dataset=team.dataset, strategy="random", seed=5)
    probs = {
        i[0]: [0.5, 0.5, 0.5, 0.5],
        i[1]: [0.9, 0.1, 0.5, 0.5],
        i[2]: [0.99, 0.01, 0.01, 0.01],
        i[3]: [0.5, 0.5, 0.5, 0.5],
        i[4]: [0.5, 0.5, 0.5, 0.5],
        i[5]: [0.7, 0.3, 0.2, 0.8],
    }
    return i, probs


def image(pk: int) -> Image:
    return Image.objects.get(pk=pk)


def scores(key: str, mv) -> dict[int, float]:
    qs = RankingScore.objects.filter(strategy=key)
    qs = qs.filter(model_version=mv) if mv is not None else qs.filter(model_version__isnull=True)
    return dict(qs.values_list("image_id", "score"))


def test_entropy_scores_are_stored_and_become_the_queue_priorities(team, board):
    i, probs = board
    team.dataset.acquisition_weights = {"name": "entropy"}
    team.dataset.save()
    mv = model(team, probs)
    key = strategy_from_config({"name": "entropy"}).key
    assert ranking_refresh(dataset_id=team.dataset.pk, model_version_id=mv.pk) == 4
    # a candidate's ranking is stored, but the queue follows only the production model
    assert set(WorkItem.objects.values_list("priority_strategy", flat=True)) == {"random"}
    model_promote(model_version=mv, user=team.admin)
    assert ranking_refresh(dataset_id=team.dataset.pk, model_version_id=mv.pk) == 0  # stored already
    got = scores(key, mv)
    expected = {pk: sum(H(p) for p in probs[pk]) for pk in (i[0], i[1], i[2], i[5])}
    assert set(got) == set(expected)  # not the adjudicated image, not the QC-flagged one
    for pk, value in expected.items():
        assert got[pk] == pytest.approx(value, abs=1e-6)
    items = {w.image_id: w for w in WorkItem.objects.filter(dataset=team.dataset)}
    for pk, value in got.items():
        assert items[pk].priority == pytest.approx(value) and items[pk].priority_strategy == key
    # the flagged image stays on the QC worklist, untouched, and is never served for reading
    held = items[i[4]]
    assert (held.state, held.priority_strategy) == ("qc_hold", "random")
    served = []
    while (task := worklist_next(reader=team.reader, dataset=team.dataset)) is not None and len(served) < 6:
        served.append(task.item.image_id)
        read_release(reader=team.reader, read_id=task.read.pk)
        WorkItem.objects.filter(image_id=task.item.image_id).update(state="done")
    assert served == [i[0], i[5], i[1], i[2]]  # entropy order (4, 3.21, 2.94, 0.32 bits); never i4


def test_scores_are_recomputed_only_when_the_model_or_the_strategy_changes(team, board):
    i, probs = board
    team.dataset.acquisition_weights = {"name": "entropy"}
    team.dataset.save()
    v1 = model(team, probs)
    key = strategy_from_config({"name": "entropy"}).key
    assert ranking_refresh(dataset_id=team.dataset.pk, model_version_id=v1.pk) == 4
    stamp = dict(RankingScore.objects.values_list("pk", "computed_at"))
    assert ranking_refresh(dataset_id=team.dataset.pk, model_version_id=v1.pk) == 0
    assert dict(RankingScore.objects.values_list("pk", "computed_at")) == stamp

    flipped = {pk: [0.5, 0.5, 0.5, 0.5] if pk == i[2] else [0.99, 0.01, 0.01, 0.01] for pk in probs}
    v2 = model(team, flipped)
    model_promote(model_version=v2, user=team.admin)
    assert ranking_refresh(dataset_id=team.dataset.pk, model_version_id=v2.pk) == 4
    assert scores(key, v1) and max(scores(key, v2).items(), key=lambda kv: kv[1])[0] == i[2]
    assert WorkItem.objects.order_by("-priority").first().image_id == i[2]

    team.dataset.acquisition_weights = {"entropy": 1.0, "nlp_disagreement": 0.5}
    team.dataset.save()
    new_key = strategy_from_config(
        {"name": "weighted", "components": {"entropy": 1.0, "nlp_disagreement": 0.5}}
    ).key
    assert new_key != key and new_key.startswith("weighted@")
    assert ranking_refresh(dataset_id=team.dataset.pk, model_version_id=v2.pk) == 4
    assert set(scores(new_key, v2)) == {i[0], i[1], i[2], i[5]}
    assert ranking_refresh(dataset_id=team.dataset.pk, model_version_id=v2.pk, force=True) == 4
    # an item adjudicated meanwhile is simply no longer eligible: nothing new to compute
    expert_labels_import(
        image=image(i[0]), schema=team.dataset.schema, values={"Fracture": "positive"}, reason="t"
    )
    assert ranking_refresh(dataset_id=team.dataset.pk, model_version_id=v2.pk) == 0


def test_nlp_disagreement_scores_exactly(team, board):
    i, probs = board
    probs[i[0]] = [0.02, 0.97, 0.5, 0.6]
    for pk, values in {
        i[0]: {"Fracture": "positive", "Pneumothorax": "negative", "Airspace opacity": "uncertain"},
        i[1]: {"Fracture": "positive", "Pneumothorax": "negative"},  # agrees with 0.9 / 0.1
    }.items():
        labels_put(
            image=image(pk),
            schema=team.dataset.schema,
            source="nlp",
            source_version="nlp-1",
            labels={k: LabelInput(v) for k, v in values.items()},
        )
    team.dataset.acquisition_weights = {"name": "nlp_disagreement", "reduce": "sum"}
    team.dataset.save()
    mv = model(team, probs)
    ranking_refresh(dataset_id=team.dataset.pk, model_version_id=mv.pk)
    got = scores(strategy_from_config(team.dataset.acquisition_weights).key, mv)
    # report positive, model 0.02: 0.96; report negative, model 0.97: 0.94; uncertain: 0
    assert got[i[0]] == pytest.approx(0.96 + 0.94, abs=1e-6)
    assert got[i[1]] == 0.0 and got[i[2]] == 0.0


def test_kcenter_diversity_uses_the_stored_embeddings(team, board):
    i, probs = board
    emb = {
        i[0]: [1.0, 0.01],
        i[1]: [0.0, 1.0],
        i[2]: [-1.0, 0.0],
        i[3]: [1.0, 0.0],
        i[4]: [0.0, -1.0],
        i[5]: [0.7, 0.7],
    }
    team.dataset.acquisition_weights = {"name": "kcenter", "batch_size": 2}
    team.dataset.save()
    mv = model(team, probs, emb)
    ranking_refresh(dataset_id=team.dataset.pk, model_version_id=mv.pk)
    got = scores(strategy_from_config(team.dataset.acquisition_weights).key, mv)
    # from the labelled i3 at (1, 0): the opposite i2 first, then i1 (i5 is nearer i3)
    assert sorted(got, key=lambda pk: -got[pk])[:2] == [i[2], i[1]]


def test_random_baseline_without_weights_or_without_a_model(team, board):
    i, probs = board
    assert team.dataset.acquisition_weights == {}
    mv = model(team, probs)
    assert ranking_refresh(dataset_id=team.dataset.pk, model_version_id=mv.pk) == 4
    key = strategy_from_config({"name": "random"}).key
    got = scores(key, None)  # a model-free ranking is stored without a model version
    assert got == {pk: pytest.approx(item_uniform(0, pk)) for pk in (i[0], i[1], i[2], i[5])}
    # a strategy that needs a model, on a dataset with no production model: random until there is one
    team.dataset.acquisition_weights = {"entropy": 1.0}
    team.dataset.save()
    assert ranking_refresh(dataset_id=team.dataset.pk, model_version_id=None) == 0  # random is stored
    assert WorkItem.objects.get(image_id=i[0]).priority_strategy == key


@pytest.mark.parametrize(
    ("weights", "text"),
    [
        ({"entropy": -1.0}, "non-negative"),
        ({"bogus": 1.0}, "unknown strategy"),
        ({"name": "bald"}, "samples"),
    ],
)
def test_unusable_weights_are_a_clear_error(team, board, weights, text):
    _, probs = board
    team.dataset.acquisition_weights = weights
    team.dataset.save()
    mv = model(team, probs)
    with pytest.raises(RankingConfigError, match=text):
        ranking_refresh(dataset_id=team.dataset.pk, model_version_id=mv.pk)
    assert not RankingScore.objects.exclude(strategy="random").exists()


def test_ranking_api(team, board):
    i, probs = board
    team.dataset.acquisition_weights = {"name": "margin"}
    team.dataset.save()
    mv = model(team, probs)
    model_promote(model_version=mv, user=team.admin)
    ranking_refresh(dataset_id=team.dataset.pk, model_version_id=mv.pk)
    admin = team.client(team.admin)
    base = f"/api/v1/datasets/{team.dataset.pk}"
    summary = admin.get(f"{base}/ranking/").json()
    key = strategy_from_config({"name": "margin"}).key
    assert summary["strategy"] == key and summary["requires_model"] is True
    assert {"strategy": key, "model_version": mv.pk, "count": 4} in summary["stored"]
    page = admin.get(f"{base}/ranking-scores/").json()  # default: current strategy, production model
    assert page["count"] == 4
    ranked = [r["score"] for r in page["results"]]
    assert ranked == sorted(ranked, reverse=True) and page["results"][0]["image"] == i[0]
    rnd = admin.get(f"{base}/ranking-scores/", {"strategy": "random"}).json()
    assert rnd["count"] == 5  # the worklist's random baseline (queued images)
    r = admin.post(f"{base}/ranking/refresh/", {}, format="json")
    assert r.status_code == 202 and r.json()["kind"] == "ranking" and r.json()["params"]["strategy"] == key
    team.dataset.acquisition_weights = {"name": "nope"}
    team.dataset.save()
    r = admin.post(f"{base}/ranking/refresh/", {}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_acquisition"
    assert team.client(team.reader).get(f"{base}/ranking-scores/").status_code == 403
