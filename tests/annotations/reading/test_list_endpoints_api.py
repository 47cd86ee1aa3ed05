"""Every list endpoint of the API, called with data in it, by every role.

The endpoints come from the OpenAPI schema (every GET whose answer is a page or an array), so a new
list endpoint fails here until ACCESS says who sees its data. One dataset holds at least one row of
everything: images with NLP labels, a study, jobs, queued items, an open claim, submitted reads, an
adjudication case, final labels (read and imported), a QC flag, a snapshot, a training run, a model
version and ranking scores. Each role that may list it gets a non-empty answer that conforms to the
published schema; the others get the JSON error (or, for the user-scoped lists, nothing).
"""

import copy
import re

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

from annotations.models import AdjudicationCase, QCFlag
from annotations.models.choices import LabelSource
from annotations.services.labels import LabelInput, expert_labels_import, labels_put
from learning.models import ModelVersion, RankingScore, TrainingRun
from learning.services.ranking import acquisition_strategy
from tests.annotations.reading.conftest import (
    api_client,
    claim,
    enqueue,
    labels,
    make_images,
    read_item,
    submit,
)

ROLES = ("radiologist", "adjudicator", "admin", "export", "outsider")
DATA, DENIED, EMPTY = "data", "denied", "empty"
STAFF = {"adjudicator": DATA, "admin": DATA}
# Who lists what: DATA (a non-empty, schema-conforming page), DENIED (403/404 in the JSON error
# shape), EMPTY (200, nothing: lists scoped to what the caller may see). Roles left out are DENIED.
ACCESS: dict[str, dict[str, str]] = {
    "/api/v1/audit/": {},  # platform staff only (tests/privacy/test_audit_api.py)
    "/api/v1/auth/tokens/": dict.fromkeys(ROLES, DATA),  # each caller's own tokens
    "/api/v1/adjudication-cases/": {
        "radiologist": DATA,
        **STAFF,
        "export": EMPTY,
        "outsider": EMPTY,
    },
    "/api/v1/datasets/": dict.fromkeys(("radiologist", "adjudicator", "admin", "export"), DATA)
    | {"outsider": EMPTY},
    "/api/v1/datasets/{dataset_id}/final-labels/": dict.fromkeys(
        ("radiologist", "adjudicator", "admin", "export"), DATA
    ),
    "/api/v1/datasets/{dataset_id}/label-sets/": {**STAFF, "export": DATA},
    "/api/v1/datasets/{dataset_id}/model-versions/": {"admin": DATA},
    "/api/v1/datasets/{dataset_id}/qc-flags/": {"radiologist": DATA, **STAFF},
    "/api/v1/datasets/{dataset_id}/ranking-scores/": {"admin": DATA},
    "/api/v1/datasets/{dataset_id}/training-runs/": {"admin": DATA},
    "/api/v1/datasets/{dataset_id}/work-items/": STAFF,
    "/api/v1/datasets/{dataset_id}/worklist/claims/": {"radiologist": DATA},
    "/api/v1/images/": dict.fromkeys(("radiologist", "adjudicator", "admin", "export"), DATA)
    | {"outsider": EMPTY},
    "/api/v1/images/{id}/labels/": dict.fromkeys(("radiologist", "adjudicator", "admin", "export"), DATA),
    "/api/v1/jobs/": dict.fromkeys(("radiologist", "adjudicator", "admin", "export"), DATA)
    | {"outsider": EMPTY},
    "/api/v1/reads/": {"radiologist": DATA, **STAFF, "export": EMPTY, "outsider": EMPTY},
    "/api/v1/skip-reasons/": dict.fromkeys(ROLES, DATA),  # a fixed list: the reasons a reader may give
    "/api/v1/studies/": dict.fromkeys(("radiologist", "adjudicator", "admin", "export"), DATA)
    | {"outsider": EMPTY},
}


def _nullable(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema (jsonschema knows only type null)."""
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@pytest.fixture(scope="module")
def openapi() -> dict:
    return _nullable(copy.deepcopy(SchemaGenerator().get_schema(request=None, public=True)))


def list_endpoints(openapi: dict) -> dict[str, dict]:
    """Every GET of the schema whose 200 answer (JSON) is a page of results or an array."""
    out = {}
    for path, ops in openapi["paths"].items():
        get = ops.get("get")
        if not get:
            continue
        body = get["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema")
        if body is None:
            continue
        ref = body.get("$ref", "")
        if body.get("type") == "array" or ref.split("/")[-1].startswith("Paginated"):
            out[path] = body
    return out


@pytest.fixture
def world(make_team, make_user, eager_celery, django_capture_on_commit_callbacks):
    """A dataset with at least one row of everything a list endpoint lists."""
    team = make_team("google4", readers_per_item=2)
    ds = team.dataset
    disputed, agreed, claimed, imported, flagged = make_images(ds, 5)
    r0, r1, _r2 = team.readers
    labels_put(
        image=disputed,
        schema=ds.schema,
        source=LabelSource.NLP,
        source_version="nlp-1",
        labels={"Pneumothorax": LabelInput("positive")},
    )
    enqueue(team, [agreed])
    for reader in (r0, r1):
        read_item(team, reader, {"labels": labels(ds, Fracture="positive")})
    enqueue(team, [disputed])
    read_item(team, r0, {"labels": labels(ds, Pneumothorax="positive")})
    second = claim(team, r1)
    enqueue(team, [claimed])
    assert claim(team, r0)["item"]["image"]["id"] == claimed.pk  # r0 holds an open claim
    submit(team, r1, second["read"]["id"], {"labels": labels(ds)})  # disagrees: a case opens
    assert AdjudicationCase.objects.filter(image=disputed).exists()
    expert_labels_import(image=imported, schema=ds.schema, values={"Fracture": "negative"}, reason="test")
    QCFlag.objects.create(image=flagged, kind="rotated", probability=0.9, source_version="rot-v1")
    with django_capture_on_commit_callbacks(execute=True):
        r = team.c(team.admin).post(f"/api/v1/datasets/{ds.pk}/label-sets/", {})
    assert r.status_code == 202, r.content
    run = TrainingRun.objects.create(dataset=ds, kind="chexnet", status="succeeded", created_by=team.admin)
    version = ModelVersion.objects.create(
        dataset=ds,
        kind="chexnet",
        number=1,
        status="production",
        weights_path="/nonexistent/chexnet-1.pt",
        weights_sha256="0" * 64,
        training_run=run,
    )
    strategy = acquisition_strategy(ds)  # the ranking the list shows by default
    RankingScore.objects.create(
        dataset=ds,
        image=disputed,
        model_version=version if strategy.requires_model else None,
        strategy=strategy.key,
        score=0.7,
    )
    users = {
        "radiologist": r0,
        "adjudicator": team.adjudicator,
        "admin": team.admin,
        "export": team.exporter,
        "outsider": make_user("outsider"),
    }
    return users, {"id": disputed.pk, "dataset_id": ds.pk}


def _items(body) -> list:
    return body if isinstance(body, list) else body["results"]


def test_every_list_endpoint_is_covered(openapi):
    found = set(list_endpoints(openapi))
    assert found == set(ACCESS), (
        f"new list endpoints {sorted(found - set(ACCESS))} need an ACCESS entry; "
        f"gone: {sorted(set(ACCESS) - found)}"
    )


def _check(r, expected: str, validator) -> str | None:
    """What is wrong with the answer, or None."""
    if r.status_code == 500:
        return f"500 {r.content[:300]!r}"
    if expected == DENIED:
        if r.status_code not in (403, 404):
            return f"{r.status_code}, expected 403/404"
        shaped = set(r.json().get("error", {})) >= {"code", "message"}
        return None if shaped else f"not the API's error shape: {r.json()}"
    if r.status_code != 200:
        return f"{r.status_code}, expected 200: {r.content[:300]!r}"
    body = r.json()
    errors = [e.message for e in validator.iter_errors(body)]
    if errors:
        return f"the answer does not match its schema: {errors[:3]}"
    if expected == DATA and not _items(body):
        return "empty, though the dataset has data for it"
    if expected == EMPTY and _items(body):
        return f"{len(_items(body))} rows, expected none"
    return None


def test_every_list_endpoint_answers_every_role_with_data_in_it(world, openapi):
    users, ids = world
    problems = []
    for path, body_schema in sorted(list_endpoints(openapi).items()):
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
        validator = jsonschema.Draft202012Validator({**body_schema, "components": openapi["components"]})
        for role in ROLES:
            expected = ACCESS.get(path, {}).get(role, DENIED)
            problem = _check(api_client(users[role]).get(url), expected, validator)
            if problem:
                problems.append(f"{role} GET {url} ({expected}): {problem}")
    assert not problems, "\n".join(problems)


def test_adjudication_cases_list_the_case_with_its_image(world):
    """The regression of issue #13.5: one case made the list answer 500 for every role."""
    users, ids = world
    case = AdjudicationCase.objects.get(image_id=ids["id"])
    for role in ("radiologist", "adjudicator", "admin"):
        body = api_client(users[role]).get("/api/v1/adjudication-cases/").json()
        assert body["count"] == 1, (role, body)
        listed = body["results"][0]
        assert listed["id"] == case.pk and listed["image"] == ids["id"] and listed["status"] == "open"
        assert listed["current_round"] == 1 and listed["resolved_at"] is None
