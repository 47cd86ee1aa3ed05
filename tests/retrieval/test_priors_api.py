"""GET /api/v1/images/{id}/priors/: the same patient's other studies in date order with their labels."""

from annotations.models.choices import WorkState
from tests.retrieval import factory as f
from tests.retrieval.conftest import client_for


def test_priors_in_date_order_with_final_else_nlp_labels(api, ds):
    pat = f.patient(ds)
    current = f.image(ds, pat=pat, study_date=f.date(2020, 3, 1))
    f.image(ds, study=current.study)  # the current study's other image: not a prior
    later = f.image(ds, pat=pat, study_date=f.date(2021, 6, 1))
    undated = f.image(ds, pat=pat)
    old = f.image(ds, pat=pat, study_date=f.date(2019, 1, 5))
    same_day = f.image(ds, pat=pat, study_date=f.date(2020, 3, 1))
    older = f.image(ds, pat=pat, study_date=f.date(2018, 7, 9))
    f.image(ds, study_date=f.date(2019, 2, 2))  # another patient's study
    # old: adjudicated and done -> its final labels (the NLP ones are not shown beside them)
    f.finalise(old, {"Pneumothorax": "positive", "Fracture": "negative"}, how="consensus", rounds=2)
    f.queue(old, WorkState.DONE)
    f.nlp(old, {"Pneumothorax": "negative"})
    # later: only NLP labels
    f.nlp(later, {"Airspace opacity": "uncertain"})
    # undated: a final label written while the item is still in adjudication is not published
    f.finalise(undated, {"Fracture": "positive"})
    f.queue(undated, WorkState.ADJUDICATING)
    f.nlp(undated, {"Fracture": "negative"})

    r = api["r1"].get(f"/api/v1/images/{current.pk}/priors/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["study"] == {"id": current.study_id, "study_date": "2020-03-01"}
    assert body["labels_hidden"] is False
    got = [(s["id"], s["study_date"], s["relation"]) for s in body["studies"]]
    assert got == [
        (older.study_id, "2018-07-09", "prior"),
        (old.study_id, "2019-01-05", "prior"),
        (same_day.study_id, "2020-03-01", "same_day"),
        (later.study_id, "2021-06-01", "later"),
        (undated.study_id, None, "undated"),
    ]
    by_study = {s["id"]: s["images"] for s in body["studies"]}
    [old_img] = by_study[old.study_id]
    assert old_img["id"] == old.pk and old_img["label_source"] == "adjudicated"
    assert {(lb["finding"], lb["value"], lb["how_reached"]) for lb in old_img["labels"]} == {
        ("Pneumothorax", "positive", "consensus"),
        ("Fracture", "negative", "consensus"),
    }
    [later_img] = by_study[later.study_id]
    assert later_img["label_source"] == "nlp"
    assert [(lb["finding"], lb["value"]) for lb in later_img["labels"]] == [("Airspace opacity", "uncertain")]
    [undated_img] = by_study[undated.study_id]
    assert undated_img["label_source"] == "nlp"
    assert [(lb["finding"], lb["value"]) for lb in undated_img["labels"]] == [("Fracture", "negative")]
    assert by_study[older.study_id][0]["label_source"] is None


def test_nlp_labels_of_priors_follow_the_dataset_nlp_policy(api, ds):
    pat = f.patient(ds)
    current = f.image(ds, pat=pat, study_date=f.date(2020, 3, 1))
    prior = f.image(ds, pat=pat, study_date=f.date(2019, 3, 1))
    f.nlp(prior, {"Fracture": "positive"})
    ds.show_nlp_evidence = False
    ds.save()
    body = api["r1"].get(f"/api/v1/images/{current.pk}/priors/").json()
    assert body["studies"][0]["images"][0]["labels"] == []


def test_no_priors_and_unknown_images(api, ds, make_user):
    lone = f.image(ds, study_date=f.date(2020, 1, 1))
    assert api["r1"].get(f"/api/v1/images/{lone.pk}/priors/").json()["studies"] == []
    assert api["r1"].get("/api/v1/images/987654/priors/").status_code == 404
    assert client_for(make_user("nobody")).get(f"/api/v1/images/{lone.pk}/priors/").status_code == 404
