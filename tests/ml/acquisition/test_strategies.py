"""Each acquisition strategy on hand-made scores, with the exact ranking it must produce."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ml.acquisition import (
    AcquisitionInputs,
    BaldStrategy,
    EntropyStrategy,
    MarginStrategy,
    MissingInputError,
    NlpDisagreementStrategy,
    NlpUncertaintyStrategy,
    RandomStrategy,
    RarityStrategy,
    VarianceStrategy,
    acquire,
    rank,
)

NAN = math.nan


def ids(n: int) -> list[str]:
    return [f"img{i}" for i in range(n)]


def test_entropy_ranks_half_before_confident() -> None:
    batch = AcquisitionInputs(ids=["a", "b", "c"], probs=np.array([[0.9], [0.5], [0.02]]))
    s = EntropyStrategy().score(batch)
    assert s[1] == pytest.approx(1.0)  # 1 bit at p = 0.5
    assert s[0] == pytest.approx(-(0.9 * math.log2(0.9) + 0.1 * math.log2(0.1)))
    assert rank(batch.ids, s) == ["b", "a", "c"]


def test_entropy_sum_vs_max_over_findings() -> None:
    # a: one finding at 0.5 (1 bit); b: three findings at 0.2 (0.722 bits each, sum 2.17)
    probs = np.array([[0.5, 0.0, 0.0], [0.2, 0.2, 0.2]])
    batch = AcquisitionInputs(ids=["a", "b"], probs=probs)
    assert acquire(EntropyStrategy("sum"), batch).ids == ["b", "a"]
    assert acquire(EntropyStrategy("max"), batch).ids == ["a", "b"]


def test_entropy_single_choice_uses_categorical_entropy() -> None:
    probs = np.array([[0.97, 0.01, 0.01, 0.01], [0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0.0, 0.0]])
    batch = AcquisitionInputs(ids=[10, 11, 12], probs=probs, multilabel=False)
    s = EntropyStrategy().score(batch)
    np.testing.assert_allclose(s[1:], [2.0, 1.0], atol=1e-9)
    assert acquire(EntropyStrategy(), batch).ids == [11, 12, 10]


def test_margin_single_choice_and_multilabel() -> None:
    single = AcquisitionInputs(
        ids=["x", "y", "z"],
        probs=np.array([[0.6, 0.3, 0.1, 0.0], [0.45, 0.44, 0.1, 0.01], [0.9, 0.05, 0.05, 0.0]]),
        multilabel=False,
    )
    np.testing.assert_allclose(MarginStrategy().score(single), [0.7, 0.99, 0.15])
    assert acquire(MarginStrategy(), single).ids == ["y", "x", "z"]
    multi = AcquisitionInputs(ids=["p", "q"], probs=np.array([[0.1, 0.55], [0.3, 0.3]]))
    # max over findings of 1 - |2p - 1|: p -> 0.9 (finding 2), q -> 0.6
    np.testing.assert_allclose(MarginStrategy().score(multi), [0.9, 0.6])


def test_bald_prefers_disagreeing_samples_over_agreeing_uncertainty() -> None:
    # item a: every sample says 0.5 (aleatoric: no disagreement); item b: samples split 0.1 / 0.9
    samples = np.array([[[0.5], [0.1], [0.2]], [[0.5], [0.9], [0.2]]])
    batch = AcquisitionInputs(ids=["a", "b", "c"], samples=samples)
    s = BaldStrategy().score(batch)
    assert s[0] == pytest.approx(0.0, abs=1e-9)
    h = -(0.1 * math.log2(0.1) + 0.9 * math.log2(0.9))
    assert s[1] == pytest.approx(1.0 - h)
    assert s[2] == pytest.approx(0.0, abs=1e-9)
    assert acquire(BaldStrategy(), batch).ids == ["b", "a", "c"]  # a, c tie at 0: id order
    v = VarianceStrategy().score(batch)
    np.testing.assert_allclose(v, [0.0, 0.16, 0.0])


def test_nlp_disagreement_ranks_report_positive_model_negative_first() -> None:
    probs = np.array([[0.02], [0.6], [0.97], [0.4], [0.02]])
    nlp = np.array([[1.0], [1.0], [0.0], [NAN], [-1.0]])
    batch = AcquisitionInputs(ids=ids(5), probs=probs, nlp=nlp)
    s = NlpDisagreementStrategy().score(batch)
    np.testing.assert_allclose(s, [0.96, 0.0, 0.94, 0.0, 0.0])
    assert acquire(NlpDisagreementStrategy(), batch).ids == ["img0", "img2", "img1", "img3", "img4"]


def test_nlp_disagreement_reduces_over_findings() -> None:
    probs = np.array([[0.02, 0.9], [0.1, 0.1]])
    nlp = np.array([[1.0, 0.0], [1.0, NAN]])
    batch = AcquisitionInputs(ids=["a", "b"], probs=probs, nlp=nlp)
    np.testing.assert_allclose(NlpDisagreementStrategy("sum").score(batch), [0.96 + 0.8, 0.8])
    np.testing.assert_allclose(NlpDisagreementStrategy("max").score(batch), [0.96, 0.8])


def test_nlp_uncertainty_counts_hedged_findings() -> None:
    nlp = np.array([[-1.0, -1.0, 0.0], [-1.0, 1.0, NAN], [1.0, 0.0, NAN]])
    probs = np.array([[0.99, 0.01, 0.5], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]])
    batch = AcquisitionInputs(ids=["a", "b", "c"], nlp=nlp, probs=probs)
    np.testing.assert_allclose(NlpUncertaintyStrategy().score(batch), [2, 1, 0])
    weighted = NlpUncertaintyStrategy(use_model=True).score(batch)
    h = -(0.99 * math.log2(0.99) + 0.01 * math.log2(0.01))
    np.testing.assert_allclose(weighted, [2 * (0.5 + 0.5 * h), 1.0, 0.0])
    assert not NlpUncertaintyStrategy().requires_model
    assert NlpUncertaintyStrategy(use_model=True).requires_model


def test_rarity_boosts_items_likely_to_show_rare_findings() -> None:
    prevalence = np.array([0.40, 0.04])  # finding 2 is ten times rarer among the labelled items
    probs = np.array([[0.9, 0.0], [0.0, 0.3], [0.1, 0.1]])
    batch = AcquisitionInputs(ids=["common", "rare", "neither"], probs=probs, prevalence=prevalence)
    strategy = RarityStrategy(alpha=0.01)
    w = strategy.weights(prevalence)
    np.testing.assert_allclose(w, [0.05 / 0.41, 1.0])
    np.testing.assert_allclose(strategy.score(batch), [0.9 * w[0], 0.3, 0.1 * w[0] + 0.1])
    assert acquire(strategy, batch).ids == ["rare", "neither", "common"]
    nlp_batch = AcquisitionInputs(
        ids=["a", "b"], nlp=np.array([[1.0, NAN], [NAN, -1.0]]), prevalence=prevalence
    )
    np.testing.assert_allclose(RarityStrategy(source="nlp").score(nlp_batch), [w[0], 0.5])


def test_random_is_seeded_reproducible_and_order_free() -> None:
    batch = AcquisitionInputs(ids=ids(50))
    first = acquire(RandomStrategy(seed=7), batch).ids
    assert first == acquire(RandomStrategy(seed=7), batch).ids
    assert first != acquire(RandomStrategy(seed=8), batch).ids
    assert sorted(first) == sorted(batch.ids)
    # reversing the input order and adding items does not change the relative order of old items
    grown = AcquisitionInputs(ids=list(reversed(ids(50))) + [f"new{i}" for i in range(20)])
    again = [i for i in acquire(RandomStrategy(seed=7), grown).ids if not i.startswith("new")]
    assert again == first
    assert not RandomStrategy().requires_model


def test_labelled_items_are_never_ranked() -> None:
    batch = AcquisitionInputs(
        ids=["a", "b", "c"], probs=np.array([[0.5], [0.4], [0.1]]), labelled=np.array([True, False, False])
    )
    ranking = acquire(EntropyStrategy(), batch)
    assert ranking.ids == ["b", "c"]
    assert acquire(EntropyStrategy(), batch, 1, exclude=np.array([False, True, False])).ids == ["c"]


def test_missing_input_names_the_array() -> None:
    batch = AcquisitionInputs(ids=["a"], probs=np.array([[0.5]]))
    with pytest.raises(MissingInputError, match="'nlp'"):
        NlpDisagreementStrategy().score(batch)
    with pytest.raises(MissingInputError, match="'samples'"):
        BaldStrategy().score(batch)
