"""Id guessing across datasets: every API operation that takes an id (taken from the OpenAPI schema,
so a new endpoint is covered without editing this test), called by users of dataset A with the ids of
dataset B's objects, answers 404 and leaks none of B's data. B's own admin reaches them."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken

from annotations.models import AdjudicationCase, Job, Label, Read, WorkItem
from annotations.models.choices import JobKind
from annotations.services.jobs.records import job_create
from learning.models import ModelVersion, TrainingRun
from tests.annotations.reading.conftest import enqueue, labels, make_images, read_item

pytestmark = pytest.mark.django_db

SECRET_KEY = "SECRET-SOURCE-KEY-B"


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = []
    for path, item in schema["paths"].items():
        if "{" not in path:
            continue
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                ops.append((method, path))
    return sorted(ops)


@pytest.fixture
def two_teams(make_team, eager_celery, django_capture_on_commit_callbacks):
    a = make_team("chestxray14", readers=2, readers_per_item=2, slug="team-a")
    b = make_team("chestxray14", readers=2, readers_per_item=2, slug="team-b")
    images = make_images(b.dataset, 3, source_key=SECRET_KEY)
    enqueue(b, images)
    # Two reads that disagree on one image make an adjudication case; two that agree make a final label.
    # Both readers get the items in the same order: the first agrees, the second disagrees.
    read_item(b, b.readers[0], {"labels": labels(b.dataset)})
    read_item(b, b.readers[0], {"labels": labels(b.dataset, Effusion="positive")})
    read_item(b, b.readers[1], {"labels": labels(b.dataset)})
    read_item(b, b.readers[1], {"labels": labels(b.dataset)})
    with django_capture_on_commit_callbacks(execute=True):
        r = b.c(b.admin).post(f"/api/v1/datasets/{b.dataset.pk}/label-sets/", {})
    assert r.status_code == 202, r.content
    job_create(kind=JobKind.IMPORT, dataset=b.dataset, params={"importer": "dicom", "file": "x.zip"})
    run = TrainingRun.objects.create(dataset=b.dataset, kind="chexnet", status="succeeded")
    version = ModelVersion.objects.create(
        dataset=b.dataset,
        kind="chexnet",
        number=1,
        weights_path="none.pt",
        weights_sha256="0" * 64,
        training_run=run,
        metrics={"note": SECRET_KEY},
    )
    ids = {
        "datasets": b.dataset.pk,
        "studies": images[0].study_id,
        "images": images[0].pk,
        "jobs": Job.objects.filter(dataset=b.dataset).first().pk,
        "work-items": WorkItem.objects.filter(dataset=b.dataset).first().pk,
        "reads": Read.objects.filter(image__dataset=b.dataset).first().pk,
        "adjudication-cases": AdjudicationCase.objects.get(image__dataset=b.dataset).pk,
        "final-labels": Label.objects.filter(image__dataset=b.dataset, source="adjudicated").first().pk,
        "training-runs": run.pk,
        "model-versions": version.pk,
        "number": 1,
        "auth": AuthToken.objects.filter(user=b.admin).first().token_key,  # DELETE auth/tokens/{key}/
    }
    return a, b, ids


def _url(path: str, ids: dict) -> str:
    resource = path.split("/")[3]  # /api/v1/<resource>/...

    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name == "dataset_id":
            return str(ids["datasets"])
        if name == "number":
            return str(ids["number"])
        return str(ids[resource])

    return re.sub(r"\{(\w+)\}", fill, path)


def test_every_id_taking_operation_hides_other_datasets(two_teams):
    a, b, ids = two_teams
    ops = _operations()
    assert len(ops) >= 15, ops  # the schema really lists the API
    outsiders = [a.readers[0], a.admin, a.adjudicator, a.exporter]
    problems = []
    for method, path in ops:
        url = _url(path, ids)
        for user in outsiders:
            r = getattr(a.c(user), method)(url, {}, format="json")
            body = b"".join(r.streaming_content) if getattr(r, "streaming", False) else r.content
            if r.status_code != 404 or SECRET_KEY.encode() in body or b.dataset.slug.encode() in body:
                problems.append(f"{method.upper()} {url} as {user.username}: {r.status_code} {body[:120]!r}")
    assert problems == []


def test_the_owner_reaches_the_same_ids(two_teams):
    _, b, ids = two_teams
    reachable = 0
    for method, path in _operations():
        if method != "get" or path.endswith(("/render/", "/thumbnail/")):
            continue  # the made-up images have no pixel files
        r = b.c(b.admin).get(_url(path, ids))
        assert r.status_code != 500, path
        reachable += r.status_code == 200
    assert reachable >= 8  # the ids are real: the test above is not vacuous


@pytest.mark.parametrize("bad", ["²", "abc", "9" * 30, "-1", "1.0"])
def test_malformed_ids_are_no_such_object_everywhere(two_teams, bad):
    """A path id that is no plain ASCII number that fits a key (schemathesis once sent "²", which
    str.isdigit() accepts and int() does not) names nothing: 404 from every operation, never a 500."""
    b = two_teams[1]
    problems = []
    for method, path in _operations():
        url = re.sub(r"\{(\w+)\}", bad, path)
        r = getattr(b.c(b.admin), method)(url, {}, format="json")
        if r.status_code != 404:
            problems.append(f"{method.upper()} {url}: {r.status_code} {r.content[:120]!r}")
    assert problems == []
