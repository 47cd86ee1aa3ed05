"""Ranking ties, rank normalisation, the weighted combination, configs, versions and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ml.acquisition import (
    AcquisitionInputs,
    EntropyStrategy,
    InputsError,
    NlpDisagreementStrategy,
    StrategyConfigError,
    WeightedCombination,
    acquire,
    available_strategies,
    rank,
    rank_normalise,
    strategy_from_config,
)


def test_ties_break_by_ascending_id_numeric_and_text() -> None:
    scores = np.array([0.5, 0.9, 0.5, 0.5, np.nan])
    assert rank([30, 4, 100, 7, 1], scores) == [4, 7, 30, 100, 1]  # numeric ids: 7 before 30
    assert rank(["30", "4", "100", "7", "1"], scores) == ["4", "100", "30", "7", "1"]  # text order
    assert rank([30, 4, 100, 7, 1], scores, 2) == [4, 7]


def test_rank_rejects_mismatched_scores() -> None:
    with pytest.raises(InputsError, match="3 ids"):
        rank([1, 2, 3], np.array([0.1, 0.2]))


def test_rank_normalise_average_ranks() -> None:
    r = rank_normalise(np.array([10.0, 0.1, 10.0, 5.0, 3.0]), np.array([1, 1, 1, 1, 0], dtype=bool))
    # eligible values 10, 0.1, 10, 5 -> ranks 3.5, 1, 3.5, 2 -> (r - 1) / 3
    np.testing.assert_allclose(r, [2.5 / 3, 0.0, 2.5 / 3, 1 / 3, 0.0])
    np.testing.assert_allclose(rank_normalise(np.array([2.0, 2.0, 2.0])), [0.5, 0.5, 0.5])


def test_weighted_combination_rank_normalises_before_weighting() -> None:
    # entropy favours a (p=0.5), disagreement favours c (NLP=1, p=0.02). Raw disagreement (0.96) is on
    # a different scale from entropy (1 bit): the combination must use ranks, not raw values.
    probs = np.array([[0.5], [0.3], [0.02], [0.9]])
    nlp = np.array([[np.nan], [1.0], [1.0], [1.0]])
    batch = AcquisitionInputs(ids=["a", "b", "c", "d"], probs=probs, nlp=nlp)
    # entropy ranks: a 1, b 2/3, c 0, d 1/3 ; disagreement (0, 0.4, 0.96, 0) ranks: a 1/6, b 2/3, c 1, d 1/6
    equal = WeightedCombination(
        {"entropy": (EntropyStrategy(), 1.0), "nlp_disagreement": (NlpDisagreementStrategy(), 1.0)}
    )
    np.testing.assert_allclose(equal.score(batch), [7 / 12, 2 / 3, 0.5, 0.25])
    assert acquire(equal, batch).ids == ["b", "a", "c", "d"]
    nlp_heavy = strategy_from_config(
        {"name": "weighted", "components": {"entropy": 1.0, "nlp_disagreement": 3.0}}
    )
    np.testing.assert_allclose(
        nlp_heavy.score(batch), [(1 + 3 / 6) / 4, (2 / 3 + 2) / 4, 3 / 4, (1 / 3 + 0.5) / 4]
    )
    assert acquire(nlp_heavy, batch).ids == ["c", "b", "a", "d"]


def test_config_round_trip_and_versions() -> None:
    cfg = {
        "name": "weighted",
        "components": {
            "entropy": {"weight": 1.0, "reduce": "max"},
            "hedges": {"name": "nlp_uncertainty", "weight": 0.25},
            "kcenter": 0.5,
        },
        "diversity_weight": 0.3,
        "batch_size": 16,
    }
    s = strategy_from_config(cfg)
    again = strategy_from_config(json.loads(json.dumps(s.config())))
    assert again.key == s.key and again.version == s.version
    assert len(s.key) <= 40 and s.key.startswith("weighted@")
    changed = dict(cfg, diversity_weight=0.4)
    assert strategy_from_config(changed).key != s.key
    assert strategy_from_config({"name": "entropy"}).key == EntropyStrategy().key
    assert strategy_from_config({"name": "entropy", "reduce": "max"}).key != EntropyStrategy().key
    assert s.requires_model
    assert not strategy_from_config({"name": "weighted", "components": {"random": 1}}).requires_model


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        ({"name": "nope"}, "unknown strategy"),
        ({"name": "entropy", "reduce": "median"}, "reduce must be one of"),
        ({"name": "entropy", "temperature": 2}, "no parameter"),
        ({"name": "weighted"}, "components"),
        ({"name": "weighted", "components": {"entropy": -1}}, "non-negative"),
        ({"name": "weighted", "components": {"entropy": {"reduce": "max"}}}, "needs a 'weight'"),
        ({"name": "weighted", "components": {"entropy": 0}}, "at least one component weight"),
        ({"name": "random", "seed": "x"}, "integer"),
        ({"name": "kcenter", "batch_size": 0}, "positive integer"),
        ("entropy", "JSON object"),
    ],
)
def test_bad_configs_are_refused_with_a_reason(cfg: object, message: str) -> None:
    with pytest.raises(StrategyConfigError, match=message):
        strategy_from_config(cfg)  # type: ignore[arg-type]


def test_every_registered_strategy_builds_from_its_name() -> None:
    for name in available_strategies():
        if name != "weighted":
            assert strategy_from_config({"name": name}).name == name


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ids": ["a", "a"]}, "unique"),
        ({"ids": ["a"], "probs": np.array([[1.2]])}, r"\[0, 1\]"),
        ({"ids": ["a", "b"], "probs": np.array([[0.2]])}, "1 rows for 2 ids"),
        ({"ids": ["a"], "nlp": np.array([[2.0]])}, "1, 0, -1 or NaN"),
        ({"ids": ["a"], "probs": np.array([[0.2]]), "nlp": np.array([[1.0, 0.0]])}, "columns"),
        ({"ids": ["a"], "samples": np.array([[[0.2]]])}, "S >= 2"),
        ({"ids": ["a"], "labelled": np.array([True, False])}, "length 1"),
        ({"ids": ["a"], "embeddings": np.array([[np.inf]])}, "finite"),
    ],
)
def test_bad_inputs_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(InputsError, match=message):
        AcquisitionInputs(**kwargs)
