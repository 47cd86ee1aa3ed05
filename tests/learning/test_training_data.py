"""Training data from the database: each CheXpert uncertainty policy end to end through
`training_data_assemble` on hand-made rows, the latest label versions, QC-flagged weak rows, and
patient-level splits that never leak and never move."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from annotations.models import Label, Patient, QCFlag
from annotations.services.adjudication.corrections import label_correct
from annotations.services.labels import LabelInput, expert_labels_import, labels_put
from learning.services.training.data import TrainingDataError, check_enough, training_data_assemble
from ml.weak_labels import WeakLabelPolicy
from tests.annotations.reading.conftest import make_images

F = ("Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass")
NAN = np.nan


def nlp(image, version="nlp-1", **values):
    labels_put(
        image=image,
        schema=image.dataset.schema,
        source="nlp",
        source_version=version,
        labels={k.replace("_", " "): LabelInput(v) for k, v in values.items()},
    )


def adjudicate(image, **values):
    expert_labels_import(
        image=image,
        schema=image.dataset.schema,
        values={k.replace("_", " "): v for k, v in values.items()},
        reason="test",
    )


@pytest.fixture
def rows(team):
    """A, B, E in train; C in validation; D in test (splits fixed on the patients)."""
    ds = team.dataset
    a, b, e = make_images(ds, 3, split="train")
    (c,) = make_images(ds, 1, split="validation")
    (d,) = make_images(ds, 1, split="test")
    nlp(a, Fracture="positive", Pneumothorax="uncertain", Airspace_opacity="blank", Nodule_or_mass="negative")
    nlp(b, Fracture="uncertain", Pneumothorax="positive")
    adjudicate(
        b,
        Fracture="negative",
        Pneumothorax="uncertain",
        Airspace_opacity="positive",
        Nodule_or_mass="negative",
    )
    nlp(
        c,
        Fracture="positive",
        Pneumothorax="positive",
        Airspace_opacity="positive",
        Nodule_or_mass="positive",
    )
    adjudicate(
        c,
        Fracture="positive",
        Pneumothorax="negative",
        Airspace_opacity="uncertain",
        Nodule_or_mass="negative",
    )
    adjudicate(
        d,
        Fracture="negative",
        Pneumothorax="uncertain",
        Airspace_opacity="positive",
        Nodule_or_mass="positive",
    )
    nlp(e, Fracture="blank", Pneumothorax="blank", Airspace_opacity="blank", Nodule_or_mass="blank")
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def assemble(team, **policy):
    return training_data_assemble(
        dataset=team.dataset,
        policy=WeakLabelPolicy(**policy),
        split={"train": 0.7, "validation": 0.1, "test": 0.2},
        as_of=timezone.now() + timedelta(seconds=1),
    )


def row(part, image):
    i = list(part.image_ids).index(image.pk)
    return part.y[i].tolist(), part.weights[i].tolist()


EVAL = {  # validation / test never depend on the policy: adjudicated only, uncertain masked
    "c": ([1, 0, 0, 0], [1, 1, 0, 1]),
    "d": ([0, 0, 1, 1], [1, 0, 1, 1]),
}


@pytest.mark.parametrize(
    ("policy", "a", "b_pneumothorax"),
    [
        # U-Ignore: A's uncertain Pneumothorax is masked; B's adjudicated uncertain is masked and still
        # claims the cell from the NLP (whose "positive" is not used).
        ("ignore", ([1, 0, 0, 0], [0.5, 0, 0, 0.5]), (0, 0)),
        ("ones", ([1, 1, 0, 0], [0.5, 0.5, 0, 0.5]), (1, 1)),
        ("zeros", ([1, 0, 0, 0], [0.5, 0.5, 0, 0.5]), (0, 1)),
    ],
)
def test_uncertainty_policy_end_to_end(team, rows, policy, a, b_pneumothorax):
    data = assemble(team, uncertainty=policy, weak_weight=0.5)
    assert set(data.train.image_ids) == {rows["a"].pk, rows["b"].pk}  # E has nothing but blanks
    assert row(data.train, rows["a"]) == a
    b_y, b_w = row(data.train, rows["b"])
    # B: adjudicated Fracture negative wins over NLP uncertain; adjudicated values weigh 1
    assert (b_y[0], b_w[0]) == (0, 1) and (b_y[2], b_w[2]) == (1, 1) and (b_y[3], b_w[3]) == (0, 1)
    assert (b_y[1], b_w[1]) == b_pneumothorax
    assert list(data.validation.image_ids) == [rows["c"].pk]
    assert row(data.validation, rows["c"]) == EVAL["c"]
    assert row(data.test, rows["d"]) == EVAL["d"]
    assert data.snapshot["weak_labels"]["uncertainty"] == policy
    assert data.snapshot["counts"] == {"train": 2, "validation": 1, "test": 1}


def test_blank_as_negative_and_no_weak_labels(team, rows):
    blank_neg = assemble(team, blank="negative", weak_weight=0.25)
    assert row(blank_neg.train, rows["a"]) == ([1, 0, 0, 0], [0.25, 0, 0.25, 0.25])
    assert row(blank_neg.train, rows["e"]) == ([0, 0, 0, 0], [0.25] * 4)
    strong_only = assemble(team, use_weak=False)
    assert list(strong_only.train.image_ids) == [rows["b"].pk]
    assert row(strong_only.train, rows["b"]) == ([0, 0, 1, 0], [1, 0, 1, 1])


def test_latest_label_versions_are_used(team, rows, make_user):
    nlp(rows["a"], version="nlp-2", Nodule_or_mass="positive")  # a newer pipeline version
    old = Label.objects.get(image=rows["b"], source="adjudicated", finding__key="Nodule or mass")
    label_correct(actor=make_user(), label=old, value="positive", reason="missed on first read")
    data = assemble(team, uncertainty="ignore", weak_weight=0.5)
    assert row(data.train, rows["a"])[0][3] == 1
    assert row(data.train, rows["b"]) == ([0, 0, 1, 1], [1, 0, 1, 1])
    # labels made after the run's snapshot time are not in it
    before = training_data_assemble(
        dataset=team.dataset,
        policy=WeakLabelPolicy(),
        split={"train": 0.7, "validation": 0.1, "test": 0.2},
        as_of=old.created_at,
    )
    assert row(before.train, rows["b"])[0][3] == 0


def test_weak_rows_of_qc_flagged_images_are_left_out(team, rows):
    for image in (rows["a"], rows["b"]):
        QCFlag.objects.create(image=image, kind="rotated", probability=0.9, source_version="t")
    data = assemble(team, uncertainty="ones", weak_weight=0.5)
    assert list(data.train.image_ids) == [rows["b"].pk]  # adjudicated cells stay, A's weak row goes
    assert row(data.train, rows["b"]) == ([0, 1, 1, 0], [1, 1, 1, 1])
    assert data.snapshot["qc_flagged_images"] == 2


def test_not_enough_data_is_a_clear_error(team):
    (a,) = make_images(team.dataset, 1, split="train")
    nlp(a, Fracture="positive")
    data = assemble(team)
    with pytest.raises(TrainingDataError, match="validation split has no adjudicated items") as err:
        check_enough(data)
    assert err.value.detail["counts"] == {"train": 1, "validation": 0, "test": 0}


def test_patient_splits_never_leak_and_never_move(team):
    ds = team.dataset
    images = []
    for _ in range(40):
        first = make_images(ds, 1)[0]
        images.append(first)
        for _ in range(2):  # more images of the same patient (another study)
            more = make_images(ds, 1)[0]
            old_patient = more.study.patient
            more.study.patient = first.study.patient
            more.study.save()
            old_patient.delete()
            images.append(more)
    for im in images:
        adjudicate(im, Fracture="positive" if im.pk % 3 else "negative", Pneumothorax="negative")
    split = {"train": 0.5, "validation": 0.2, "test": 0.3}
    now = timezone.now() + timedelta(seconds=1)
    first = training_data_assemble(dataset=ds, policy=WeakLabelPolicy(), split=split, as_of=now)
    owner = {im.pk: im.study.patient_id for im in images}
    seen: dict[int, str] = {}
    for name in ("train", "validation", "test"):
        for image_id in first.split(name).image_ids:
            assert seen.setdefault(owner[int(image_id)], name) == name, "a patient straddles two splits"
    assert sum(len(first.split(n)) for n in ("train", "validation", "test")) == len(images)
    assert set(seen.values()) == {"train", "validation", "test"}
    # stored on the patients: a later run with other fractions, and new patients, move nobody
    stored = dict(Patient.objects.filter(dataset=ds).values_list("pk", "split"))
    assert all(v in ("train", "validation", "test") for v in stored.values())
    for im in make_images(ds, 6):
        adjudicate(im, Fracture="negative", Pneumothorax="positive")
    again = training_data_assemble(
        dataset=ds,
        policy=WeakLabelPolicy(),
        split={"train": 0.1, "validation": 0.1, "test": 0.8},
        as_of=timezone.now() + timedelta(seconds=1),
    )
    assert set(first.test.image_ids) <= set(again.test.image_ids)
    assert {
        k: v for k, v in Patient.objects.filter(dataset=ds).values_list("pk", "split") if k in stored
    } == stored
    assert first.snapshot["test_image_ids"] == sorted(int(i) for i in first.test.image_ids)
