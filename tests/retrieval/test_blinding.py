"""The blinding policy: similar cases (and the labels of priors) are hidden from a reader holding an
unsubmitted first read of the image, unless the dataset shows them on first reads."""

import pytest

from annotations.models import Read
from annotations.services.reading.worklist import worklist_enqueue, worklist_next
from tests.retrieval import factory as f

ALL_NEG = [
    {"finding": k, "value": "negative"}
    for k in ("Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass")
]


@pytest.fixture
def claimed(ds, mv, people):
    """r1 holds a claimed first read of `query`; a similar case and a prior exist."""
    query = f.image(ds, study_date=f.date(2021, 5, 1))
    f.embed(query, mv, [1, 0, 0])
    f.case(ds, mv, [1, 0.1, 0], {"Pneumothorax": "positive"})
    prior = f.image(ds, pat=query.study.patient, study_date=f.date(2020, 1, 1))
    f.finalise(prior, {"Fracture": "positive"})
    worklist_enqueue(dataset=ds, image_ids=[query.pk])
    task = worklist_next(reader=people["r1"], dataset=ds)
    assert task is not None and task.read.image_id == query.pk and task.read.status == "claimed"
    return {"query": query, "read": task.read}


def similar(client, image):
    return client.get(f"/api/v1/images/{image.pk}/similar/")


def priors(client, image):
    return client.get(f"/api/v1/images/{image.pk}/priors/")


def test_hidden_during_the_blinded_first_read_with_a_clear_403(api, claimed):
    r = similar(api["r1"], claimed["query"])
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "blinded_first_read"
    assert "submit your first read" in err["message"]
    p = priors(api["r1"], claimed["query"])
    assert p.status_code == 200
    body = p.json()
    assert body["labels_hidden"] is True and body["labels_hidden_reason"]
    # The prior study is listed (the reader may compare images), but without its labels.
    [study] = body["studies"]
    assert study["images"][0]["labels"] == [] and study["images"][0]["label_source"] is None


def test_visible_to_others_while_one_reader_is_blind(api, claimed):
    # r2 has not claimed this image; the adjudicator is not reading it.
    for who in ("r2", "adj"):
        r = similar(api[who], claimed["query"])
        assert r.status_code == 200, (who, r.content)
        assert len(r.json()["results"]) == 1
        assert priors(api[who], claimed["query"]).json()["labels_hidden"] is False


def test_visible_once_the_first_read_is_submitted(api, claimed):
    r = api["r1"].post(f"/api/v1/reads/{claimed['read'].pk}/submit/", {"labels": ALL_NEG}, format="json")
    assert r.status_code == 200, r.content
    assert Read.objects.get(pk=claimed["read"].pk).status == "submitted"
    r = similar(api["r1"], claimed["query"])
    assert r.status_code == 200
    assert r.json()["results"][0]["positive_findings"] == ["Pneumothorax"]
    body = priors(api["r1"], claimed["query"]).json()
    assert body["labels_hidden"] is False
    assert body["studies"][0]["images"][0]["labels"][0]["finding"] == "Fracture"


def test_shown_on_first_reads_when_the_dataset_says_so(api, claimed, ds):
    ds.show_similar_cases_on_first_read = True
    ds.save()
    assert similar(api["r1"], claimed["query"]).status_code == 200
    assert priors(api["r1"], claimed["query"]).json()["labels_hidden"] is False
