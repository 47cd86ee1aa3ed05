"""The training-run endpoints: launch (202), list, detail, cancel; roles; JSON errors."""

from learning.models import TrainingRun
from tests.learning.conftest import TINY


def test_launch_list_detail_cancel(team):
    admin = team.client(team.admin)
    url = f"/api/v1/datasets/{team.dataset.pk}/training-runs/"
    r = admin.post(
        url, {"kind": "chexnet", "config": {**TINY, "weak_labels": {"uncertainty": "ones"}}}, format="json"
    )
    assert r.status_code == 202, r.content
    run = r.json()
    assert (run["status"], run["kind"], run["created_by"]) == ("queued", "chexnet", "learn-admin")
    assert run["config"]["weak_labels"]["uncertainty"] == "ones" and run["config"]["epochs"] == 2
    assert run["config"]["split"] == {"train": 0.7, "validation": 0.1, "test": 0.2}  # defaults filled in
    assert TrainingRun.objects.get(pk=run["id"]).task_id == run_task_id(run["id"])

    listed = admin.get(url).json()
    assert [x["id"] for x in listed["results"]] == [run["id"]]
    assert admin.get(url, {"status": "running"}).json()["count"] == 0
    assert admin.get(url, {"status": "bogus"}).status_code == 400
    detail = admin.get(f"/api/v1/training-runs/{run['id']}/").json()
    assert detail["progress"] == {"phase": "queued"} and detail["model_version"] is None

    r = admin.post(f"/api/v1/training-runs/{run['id']}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = admin.post(f"/api/v1/training-runs/{run['id']}/cancel/")
    assert r.status_code == 409 and r.json()["error"]["code"] == "run_finished"


def run_task_id(run_id: int) -> str:
    task_id = TrainingRun.objects.get(pk=run_id).task_id
    assert len(task_id) == 36  # the Celery task id is fixed when the run is created
    return task_id


def test_errors_and_roles(team):
    admin = team.client(team.admin)
    url = f"/api/v1/datasets/{team.dataset.pk}/training-runs/"
    r = admin.post(url, {"kind": "chexnet", "config": {"epochs": "many"}}, format="json")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_config" and "epochs" in r.json()["error"]["message"]
    r = admin.post(url, {"kind": "oct"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_kind"
    r = admin.post(url, {"config": {}}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    assert admin.get("/api/v1/training-runs/999999/").status_code == 404
    assert admin.get("/api/v1/training-runs/x/").status_code == 404

    run = admin.post(url, {"kind": "chexnet"}, format="json").json()
    reader, outsider = team.client(team.reader), team.client(team.outsider)
    assert reader.post(url, {"kind": "chexnet"}, format="json").status_code == 403
    assert reader.get(f"/api/v1/training-runs/{run['id']}/").status_code == 403
    assert reader.post(f"/api/v1/training-runs/{run['id']}/cancel/").status_code == 403
    assert outsider.get(url).status_code == 404
    assert outsider.post(f"/api/v1/training-runs/{run['id']}/cancel/").status_code == 404
    assert TrainingRun.objects.get(pk=run["id"]).status == "queued"
