"""The model registry: promotion (one production per dataset and kind, the old one retired, re-scoring
started), roll-back (back through the versions each one replaced), the audit trail, and the API."""

import pytest
from django.db import IntegrityError, transaction

from annotations.errors import ConflictError
from annotations.models import AuditEvent, Job
from annotations.models.choices import ModelStatus
from learning.models import ModelVersion
from learning.services.models.weights import model_version_register, model_weights_path
from learning.services.registry.versions import model_promote, model_rollback

FINDINGS = ["Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass"]


def version(team, metrics=None) -> ModelVersion:
    return model_version_register(
        dataset=team.dataset,
        kind="chexnet",
        write=lambda p: p.write_bytes(b"weights"),
        spec={"labels": FINDINGS, "multilabel": True},
        metrics=metrics or {},
    )


def statuses(*versions) -> list[str]:
    return [ModelVersion.objects.get(pk=v.pk).status for v in versions]


def test_promotion_retires_the_old_version_and_starts_rescoring(team):
    v1, v2 = version(team), version(team)
    p1 = model_promote(model_version=v1, user=team.admin)
    assert p1.retired is None and statuses(v1, v2) == ["production", "candidate"]
    p2 = model_promote(model_version=v2, user=team.admin)
    assert p2.retired.pk == v1.pk and statuses(v1, v2) == ["retired", "production"]
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.retired_at is not None and v2.promoted_at >= v1.promoted_at
    assert v2.previous_production_id == v1.pk
    # re-scoring with the new production version was queued (its finaliser re-ranks the worklist)
    assert p2.scoring_job is not None and p2.scoring_job.kind == "scoring"
    assert Job.objects.get(pk=p2.scoring_job.pk).params["model_version"] == v2.pk
    event = AuditEvent.objects.filter(action="model.promote", object_id=str(v2.pk)).get()
    assert event.actor == team.admin
    assert event.before["production"]["id"] == v1.pk and event.after["production"]["id"] == v2.pk
    with pytest.raises(ConflictError) as err:
        model_promote(model_version=v2, user=team.admin)
    assert err.value.code == "already_production"


def test_the_database_allows_one_production_version_per_dataset_and_kind(team):
    v1, v2 = version(team), version(team)
    ModelVersion.objects.filter(pk=v1.pk).update(status=ModelStatus.PRODUCTION)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=v2.pk).update(status=ModelStatus.PRODUCTION)
    ModelVersion.objects.filter(pk=v2.pk).update(status=ModelStatus.RETIRED)  # any number of retired


def test_rollback_goes_back_through_the_versions_each_one_replaced(team):
    v1, v2, v3 = version(team), version(team), version(team)
    for v in (v1, v2, v3):
        model_promote(model_version=v, user=team.admin)
    back = model_rollback(dataset=team.dataset, kind="chexnet", user=team.admin)
    assert back.model_version.pk == v2.pk and back.retired.pk == v3.pk
    assert statuses(v1, v2, v3) == ["retired", "production", "retired"]
    assert back.scoring_job is not None  # roll-back re-scores like a promotion
    back = model_rollback(dataset=team.dataset, kind="chexnet", user=team.admin)
    assert back.model_version.pk == v1.pk and statuses(v1, v2, v3) == ["production", "retired", "retired"]
    with pytest.raises(ConflictError) as err:
        model_rollback(dataset=team.dataset, kind="chexnet", user=team.admin)
    assert err.value.code == "nothing_to_roll_back"
    assert statuses(v1, v2, v3) == ["production", "retired", "retired"]
    events = AuditEvent.objects.filter(action="model.rollback").order_by("pk")
    assert [(e.before["production"]["id"], e.after["production"]["id"]) for e in events] == [
        (v3.pk, v2.pk),
        (v2.pk, v1.pk),
    ]


def test_nothing_to_roll_back_and_missing_weights(team):
    with pytest.raises(ConflictError) as err:
        model_rollback(dataset=team.dataset, kind="chexnet", user=team.admin)
    assert err.value.code == "no_production"
    v1 = version(team)
    model_weights_path(v1).unlink()
    with pytest.raises(ConflictError) as err:
        model_promote(model_version=v1, user=team.admin)
    assert err.value.code == "weights_missing" and statuses(v1) == ["candidate"]


def test_registry_api(team):
    v1 = version(team, metrics={"summary": {"macro_auroc": 0.71, "n_test": 9}})
    v2 = version(
        team,
        metrics={
            "summary": {"macro_auroc": 0.74},
            "comparison": {
                "production": {"id": v1.pk, "number": 1},
                "macro_delta": 0.03,
                "candidate_better": True,
            },
            "test": {
                "findings": {
                    "Fracture": {
                        "auroc": 0.8,
                        "auroc_ci_low": 0.6,
                        "auroc_ci_high": 0.9,
                        "n": 10,
                        "n_positive": 4,
                        "roc": {
                            "fpr": [0.0, 0.5, 1.0],
                            "tpr": [0.0, 0.75, 1.0],
                            "thresholds": [None, 0.4, 0.1],
                        },
                    },
                    "Pneumothorax": {"auroc": None, "n": 10, "n_positive": 0, "roc": {"fpr": [], "tpr": []}},
                }
            },
        },
    )
    admin = team.client(team.admin)
    r = admin.get(f"/api/v1/datasets/{team.dataset.pk}/model-versions/")
    assert r.status_code == 200
    body = r.json()
    assert [v["number"] for v in body["results"]] == [2, 1]
    assert body["results"][0]["summary"]["macro_auroc"] == 0.74
    assert body["results"][0]["comparison"]["candidate_better"] is True
    assert "metrics" not in body["results"][0]
    detail = admin.get(f"/api/v1/model-versions/{v2.pk}/").json()
    assert detail["version_tag"] == "chexnet-v2" and detail["metrics"]["summary"]["macro_auroc"] == 0.74
    roc = admin.get(f"/api/v1/model-versions/{v2.pk}/roc/").json()
    assert [c["name"] for c in roc["curves"]] == ["Fracture"]  # no curve for a one-class finding
    assert roc["curves"][0]["tpr"] == [0.0, 0.75, 1.0] and roc["curves"][0]["thresholds"][0] is None

    r = admin.post(f"/api/v1/model-versions/{v1.pk}/promote/")
    assert r.status_code == 200 and r.json()["model_version"]["status"] == "production"
    assert r.json()["retired"] is None and r.json()["scoring_job"]["kind"] == "scoring"
    r = admin.post(f"/api/v1/model-versions/{v2.pk}/promote/")
    assert r.json()["retired"]["id"] == v1.pk
    r = admin.post(f"/api/v1/model-versions/{v2.pk}/promote/")
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_production"
    r = admin.post(
        f"/api/v1/datasets/{team.dataset.pk}/model-versions/rollback/", {"kind": "chexnet"}, format="json"
    )
    assert r.status_code == 200 and r.json()["model_version"]["id"] == v1.pk
    r = admin.get(f"/api/v1/datasets/{team.dataset.pk}/model-versions/?status=production")
    assert [v["id"] for v in r.json()["results"]] == [v1.pk]
    r = admin.post(
        f"/api/v1/datasets/{team.dataset.pk}/model-versions/rollback/", {"kind": "oct"}, format="json"
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_production"

    # readers may not see the registry (403); outsiders do not learn it exists (404)
    reader, outsider = team.client(team.reader), team.client(team.outsider)
    assert reader.get(f"/api/v1/datasets/{team.dataset.pk}/model-versions/").status_code == 403
    assert reader.post(f"/api/v1/model-versions/{v2.pk}/promote/").status_code == 403
    assert outsider.get(f"/api/v1/model-versions/{v2.pk}/").status_code == 404
    assert outsider.get("/api/v1/model-versions/abc/").status_code == 404
    assert statuses(v1, v2) == ["production", "retired"]
