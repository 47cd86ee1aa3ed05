"""bench.active_learning end to end at toy size: the start model is trained on NLP labels and cached,
every strategy runs its rounds on the same initial labels, and the summary is written. The real run
(4,000-film pools, 5 seeds) is `python -m bench.active_learning`; its figures are in its README."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from bench.active_learning.cohort import CXR14_COUNTS, CXR14_IMAGES, Cohort, draw_findings
from bench.active_learning.learner import FinetuneLearner
from ml.nets.model import build_model
from ml.nets.spec import chexnet_spec
from synthetic.cxr import CXR14_FINDINGS

ROOT = Path(__file__).resolve().parents[2]


def test_cxr14_prevalence_draws_the_published_rates():
    rng = np.random.default_rng(0)
    n = 20_000
    draws = [draw_findings(rng, "cxr14") for _ in range(n)]
    for finding in ("Infiltration", "Effusion", "Cardiomegaly", "Hernia"):
        rate = sum(finding in d for d in draws) / n
        expected = CXR14_COUNTS[finding] / CXR14_IMAGES
        assert abs(rate - expected) < 4 * np.sqrt(expected * (1 - expected) / n), finding
    normal = sum(not d for d in draws) / n
    assert 0.45 < normal < 0.52  # ChestX-ray14: 53.8 % "No Finding" (findings are not independent there)
    with pytest.raises(ValueError, match="unknown prevalence"):
        draw_findings(rng, "made-up")


def _bench(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "al.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.active_learning", *args, "--json", str(out)],
        cwd=ROOT,
        env={**os.environ, "ARBITER_BENCH_CACHE": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"stdout": proc.stdout, **json.loads(out.read_text())}


@pytest.mark.slow
def test_bench_runs_every_strategy_from_an_nlp_trained_start_model(tmp_path):
    toy = ["--pool", "80", "--test", "60", "--seeds", "1", "--initial", "10", "--batch", "10"]
    toy += ["--rounds", "2", "--pretrain-films", "64", "--pretrain-epochs", "1", "--workers", "1"]
    result = _bench(tmp_path, *toy)

    assert "pretrained the tiny model on NLP labels of 64 films" in result["stdout"]
    assert len(list((tmp_path / "cache").glob("pretrained-*.pt"))) == 1
    curves = result["curves"]
    assert set(curves) >= {"random", "entropy", "bald", "nlp_disagreement", "kcenter", "weighted"}
    for name, (curve,) in curves.items():
        assert curve["labels"] == [10, 20, 30], name
        assert all(0.0 <= a <= 1.0 for a in curve["auroc"]), name
    # the same initial labels, the same start model: every strategy's first fit is the same model
    first = {round(c[0]["auroc"][0], 9) for c in curves.values()}
    assert len(first) == 1
    assert {row["strategy"] for row in result["summary"]} == set(curves)

    # a second run loads the cached start model instead of training it again
    again = _bench(tmp_path, *toy, "--strategies", "entropy")
    assert "pretrained the tiny model" not in again["stdout"]
    assert again["curves"]["random"][0]["auroc"] == curves["random"][0]["auroc"]

    # the fine-tuned path (the GPU configuration) starts from the same cached model, on the CPU here
    tuned = _bench(tmp_path, *toy, "--head", "finetune", "--epochs", "1", "--strategies", "bald")
    assert "pretrained the tiny model" not in tuned["stdout"]
    assert tuned["curves"]["bald"][0]["labels"] == [10, 20, 30]


def test_finetune_learner_starts_from_the_given_model_with_its_own_head():
    findings = ("Effusion", "Hernia")
    x = np.zeros((4, 64, 64), dtype=np.uint8)
    cohort = Cohort(findings, x, np.zeros((4, 2), bool), np.zeros((4, 2)), x, np.zeros((4, 2), bool), seed=0)
    start = build_model(chexnet_spec("tiny", labels=CXR14_FINDINGS), seed=5)
    learner = FinetuneLearner(cohort, "tiny", "cpu", seed=1, init=start)
    own, given = learner.model.state_dict(), start.state_dict()
    shared = [k for k in own if own[k].shape == given[k].shape]
    resized = [k for k in own if own[k].shape != given[k].shape]
    assert resized and all(own[k].shape[0] == len(findings) for k in resized)  # the 2-finding head
    assert all(torch.equal(own[k], given[k]) for k in shared)
    fresh = FinetuneLearner(cohort, "tiny", "cpu", seed=1).model.state_dict()
    assert not all(torch.equal(fresh[k], given[k]) for k in shared if fresh[k].is_floating_point())
