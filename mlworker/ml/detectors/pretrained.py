"""The shipped orientation / inversion detector: how it is built, where it lives, how it loads.

`build_pretrained` trains the net from real development films (the training side of the patient
split in `devfilms`, never the held-out side) plus synthetic chest films rendered by the project's
own generator, and the left-right mirror head (`mirror_net`, 256 px) from the same films; then it
measures the detector and the rule baseline on the held-out films with every distortion injected,
and writes the weights (`weights/orientation-v1.pt`, ~4 MB: net and mirror head in one file) and a
JSON record beside them: the films used, the split, the configuration, the training time and the
held-out metrics. Rerun it with `manage.py build_qc_detector`; `--split-salt` holds a different
third of the patients aside (to check a change generalises). No weights from outside the project.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mlworker.ml.detectors.baseline import baseline_scores
from mlworker.ml.detectors.devfilms import HELD_OUT_PERCENT, SPLIT_SALT, FilmSet, load_films
from mlworker.ml.detectors.evaluation import ALL_DISTORTIONS, QCEvaluation, distort, evaluate
from mlworker.ml.detectors.mirror_net import MirrorTrainConfig, half, train_mirror
from mlworker.ml.detectors.orientation import (
    DEFAULT_THRESHOLD,
    OrientationDetector,
    load_orientation_detector,
)
from mlworker.ml.detectors.orientation_training import EpochReport, OrientationTrainConfig, train_orientation
from mlworker.ml.inference.preprocess import prepare

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
WEIGHTS_PATH = WEIGHTS_DIR / "orientation-v1.pt"
RECORD_PATH = WEIGHTS_DIR / "orientation-v1.json"
VERSION_TAG = "orientation-pretrained-v2"


def load_pretrained(path: str | Path = WEIGHTS_PATH) -> OrientationDetector:
    """The shipped detector (CPU, eval mode)."""
    return load_orientation_detector(path)


def synthetic_films(n: int, size: int, seed: int = 15) -> np.ndarray:
    """`n` upright frontal synthetic chest films (PA and AP, varied findings), uint8 `[n, size, size]`."""
    from mlworker.ml.synthetic.builder import sample_findings
    from mlworker.ml.synthetic.cxr import render_cxr

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        img = render_cxr(rng, sample_findings(rng), size=256, view="AP" if i % 4 == 0 else "PA")
        out.append(prepare(img, size))
    return np.stack(out) if out else np.zeros((0, size, size), np.uint8)


def evaluate_on(films: np.ndarray, score: Callable[[np.ndarray], Any], threshold: float) -> QCEvaluation:
    """Every distortion injected into `films`, scored by `score`, counted at `threshold`."""
    clean = score(films)
    return evaluate(clean, {name: score(distort(films, name)) for name in ALL_DISTORTIONS}, threshold)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_pretrained(
    dev_folder: str | Path,
    out: str | Path = WEIGHTS_PATH,
    *,
    n_synthetic: int = 200,
    config: OrientationTrainConfig | None = None,
    mirror_config: MirrorTrainConfig | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    split_salt: str = SPLIT_SALT,
    progress: Callable[[EpochReport], None] | None = None,
    mirror_progress: Callable[[int, int, float, float], None] | None = None,
) -> dict[str, Any]:
    """Train, measure and write the shipped detector and its record; returns the record."""
    out = Path(out)
    config = config or OrientationTrainConfig()
    mirror_config = mirror_config or MirrorTrainConfig(seed=config.seed, size=2 * config.size)
    if mirror_config.size != 2 * config.size:
        raise ValueError("the mirror head reads films at twice the orientation net's size")
    # one load at the mirror head's size; the net reads the same films pooled 2 x 2, as in QC
    films = load_films(dev_folder, mirror_config.size)
    train, held = films.split(split_salt)
    synth = synthetic_films(n_synthetic, mirror_config.size)
    pool = np.concatenate([train.films, synth])
    result = train_orientation(half(pool), config=config, progress=progress)
    mirror = train_mirror(pool, config=mirror_config, progress=mirror_progress)
    detector = OrientationDetector(net=result.net, threshold=threshold, mirror=mirror.net)
    t0 = time.perf_counter()
    learned = evaluate_on(held.films, detector.score, threshold)
    seconds_scoring = time.perf_counter() - t0
    baseline = evaluate_on(held.films, baseline_scores, 0.5)
    n_scored = len(held.films) * (1 + len(ALL_DISTORTIONS))
    record = {
        "version": VERSION_TAG,
        "data": {
            "dev_folder": Path(dev_folder).name,
            "split": (
                f"by patient: sha256('{split_salt}:' + Patient ID) % 100 < {HELD_OUT_PERCENT} is held out"
            ),
            "split_salt": split_salt,
            "train_films": train.names,
            "held_out_films": held.names,
            "synthetic_films": {
                "n": n_synthetic,
                "generator": "mlworker.ml.synthetic.cxr.render_cxr",
                "seed": 15,
            },
        },
        "config": asdict(config),
        "mirror_config": asdict(mirror_config),
        "input_size": detector.input_size,
        "threshold": threshold,
        "training": {
            "seconds": round(result.seconds + mirror.seconds, 1),
            "orientation_seconds": round(result.seconds, 1),
            "mirror_seconds": round(mirror.seconds, 1),
            "epochs": len(result.history),
            "mirror_epochs": len(mirror.history),
            "final_loss": round(result.history[-1].loss, 4) if result.history else None,
            "mirror_final_loss": round(mirror.history[-1][1], 4) if mirror.history else None,
            "torch_threads": torch.get_num_threads(),
            "cpu_count": os.cpu_count(),
            "machine": platform.machine(),
        },
        "held_out": {
            "films": len(held.films),
            "learned": learned.to_dict(),
            "baseline_rules": baseline.to_dict(),
            "passes_issue_15": learned.passes(),
            "films_per_minute_scored": round(60.0 * n_scored / max(seconds_scoring, 1e-9)),
        },
    }
    detector.metrics = {
        "held_out_passes": learned.passes(),
        "held_out": {
            r.name: {"recall": r.recall, "false": r.false_flag_rate, "auc": r.auc} for r in learned.results
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    detector.save(out, {"version": VERSION_TAG})
    record["weights"] = {"file": out.name, "bytes": out.stat().st_size, "sha256": sha256_file(out)}
    out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def load_dev_films(folder: str | Path, size: int) -> FilmSet:
    return load_films(folder, size)
