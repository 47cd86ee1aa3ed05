"""Patient-level splits: no patient straddles splits, and adding items never moves anyone."""

from __future__ import annotations

import numpy as np
import pytest

from ml.splits import (
    TEST,
    SplitConfig,
    SplitError,
    assign_split,
    patient_unit,
    split_items,
)


def cohort(n_patients: int, seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    items, patients = [], []
    for p in range(n_patients):
        for v in range(int(rng.integers(1, 6))):  # 1-5 images per patient
            items.append(f"img-{p}-{v}")
            patients.append(f"pat-{p}")
    return items, patients


def test_no_patient_straddles_splits() -> None:
    items, patients = cohort(400, 0)
    result = split_items(items, patients, SplitConfig(salt="ds-1"))
    seen: dict[str, set[str]] = {}
    for patient, split in zip(patients, result.splits, strict=True):
        seen.setdefault(patient, set()).add(split)
    assert all(len(s) == 1 for s in seen.values())
    sets = [set(np.asarray(patients)[result.indices(s)]) for s in ("train", "validation", "test")]
    assert not (sets[0] & sets[1]) and not (sets[0] & sets[2]) and not (sets[1] & sets[2])
    # fractions are of patients, roughly as configured
    test_share = sum(1 for s in seen.values() if TEST in s) / len(seen)
    assert 0.15 < test_share < 0.25


def test_adding_items_and_patients_never_moves_existing_ones() -> None:
    items, patients = cohort(300, 1)
    config = SplitConfig(salt="ds-1")
    before = dict(zip(items, split_items(items, patients, config).splits, strict=True))
    more_items, more_patients = cohort(600, 2)  # new patients, and new images of old patient ids
    grown_items = [f"new-{i}" for i in more_items] + items[::-1]
    grown_patients = more_patients + patients[::-1]
    after = dict(zip(grown_items, split_items(grown_items, grown_patients, config).splits, strict=True))
    assert all(after[i] == before[i] for i in items)
    # an old patient's new image joins that patient's split
    old = dict(zip(patients, split_items(items, patients, config).splits, strict=True))
    for item, patient in zip(grown_items, grown_patients, strict=True):
        if patient in old:
            assert after[item] == old[patient]


def test_test_set_survives_changes_to_train_and_validation_fractions() -> None:
    ids = [f"p{i}" for i in range(2000)]
    a = SplitConfig(salt="s", train=0.7, validation=0.1, test=0.2)
    b = SplitConfig(salt="s", train=0.6, validation=0.2, test=0.2)
    assert [assign_split(p, a) == TEST for p in ids] == [assign_split(p, b) == TEST for p in ids]
    other_salt = SplitConfig(salt="t")
    assert [assign_split(p, a) for p in ids] != [assign_split(p, other_salt) for p in ids]


def test_assignment_follows_the_hash_thresholds() -> None:
    config = SplitConfig(salt="x", train=0.5, validation=0.25, test=0.25)
    for p in range(200):
        u = patient_unit("x", p)
        expected = "test" if u < 0.25 else "validation" if u < 0.5 else "train"
        assert assign_split(p, config) == expected


def test_missing_patient_ids() -> None:
    with pytest.raises(SplitError, match="no patient id"):
        split_items(["a", "b"], ["p1", None], SplitConfig(salt="s"))
    with pytest.raises(SplitError, match="no patient id"):
        split_items(["a"], ["  "], SplitConfig(salt="s"))
    result = split_items(["a", "b"], ["p1", None], SplitConfig(salt="s", allow_missing_patient=True))
    assert len(result.splits) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"salt": ""}, "salt"),
        ({"salt": "s", "train": 0.8, "validation": 0.1, "test": 0.2}, "sum to 1"),
        ({"salt": "s", "train": 1.1, "validation": -0.1, "test": 0.0}, "non-negative"),
    ],
)
def test_bad_configs(kwargs: dict, message: str) -> None:
    with pytest.raises(SplitError, match=message):
        SplitConfig(**kwargs)


def test_config_round_trips() -> None:
    c = SplitConfig(salt="ds", train=0.8, validation=0.1, test=0.1)
    assert SplitConfig.from_dict(c.to_dict()) == c
