"""SimulatedReader: error rates as configured, deterministic per (seed, item)."""

import numpy as np
import pytest

from synthetic import SyntheticDataError
from synthetic.readers import (
    DEFAULT_PANEL,
    ReaderProfile,
    SimulatedReader,
    error_rates,
)

FINDINGS = ("Effusion", "Pneumothorax", "Nodule", "Edema")


def _truths(n, seed=0):
    rng = np.random.default_rng(seed)
    return {f"item-{i}": {f: bool(rng.random() < 0.4) for f in FINDINGS} for i in range(n)}


@pytest.mark.parametrize("profile", [*DEFAULT_PANEL, ReaderProfile("sloppy", 0.3, 0.25, 0.2)])
def test_observed_rates_match_the_profile(profile):
    reader = SimulatedReader(profile, seed=11)
    pairs = []
    for key, truth in _truths(6000).items():
        answers = reader.read(key, truth)
        pairs += [(truth[f], answers[f]) for f in FINDINGS]
    rates = error_rates(pairs)
    n_pos = sum(t for t, _ in pairs)
    n_neg = len(pairs) - n_pos
    for name, n in (
        ("false_positive_rate", n_neg),
        ("false_negative_rate", n_pos),
        ("uncertain_rate", len(pairs)),
    ):
        expected = getattr(profile, name)
        tolerance = 4 * np.sqrt(max(expected * (1 - expected), 1e-4) / n) + 0.002
        assert abs(rates[name] - expected) < tolerance, (name, rates[name], expected)


def test_reads_are_deterministic_and_order_independent():
    truths = _truths(50)
    a = SimulatedReader(DEFAULT_PANEL[2], seed=3)
    b = SimulatedReader(DEFAULT_PANEL[2], seed=3)
    forward = {k: a.read(k, t) for k, t in truths.items()}
    backward = {k: b.read(k, t) for k, t in reversed(list(truths.items()))}
    assert forward == backward
    other_seed = SimulatedReader(DEFAULT_PANEL[2], seed=4).read_many(truths)
    assert other_seed != forward


def test_two_readers_disagree_somewhere_but_answer_every_finding():
    truths = _truths(200)
    r1 = SimulatedReader(DEFAULT_PANEL[0], seed=1).read_many(truths)
    r2 = SimulatedReader(DEFAULT_PANEL[3], seed=1).read_many(truths)
    assert all(set(r1[k]) == set(FINDINGS) for k in truths)
    assert any(r1[k] != r2[k] for k in truths)


@pytest.mark.parametrize(
    "args",
    [("bad", -0.1, 0.1, 0.1), ("bad", 0.1, 1.2, 0.0), ("bad", 0.6, 0.1, 0.5)],
)
def test_invalid_profile_is_refused(args):
    with pytest.raises(SyntheticDataError):
        ReaderProfile(*args)
