"""The shipped orientation / inversion detector: how it is built, where it lives, how it loads.

`build_pretrained` trains the net from real development films (the training side of the patient
split in `devfilms`, never the held-out side) plus synthetic chest films rendered by the project's
own generator, and the left-right mirror head (`mirror_net`, 256 px) from the same films; then
the laterality-marker head (`marker_net`, the films' top corners at 256 px, real films only: the
synthetic ones carry no marker). Each head is trained `HEAD_SEEDS` times from consecutive seeds and
shipped as their ensemble (`head_ensemble`: the seeds' log-odds averaged). Then it
measures the detector and the rule baseline on the held-out films with every distortion injected,
and writes the weights (`weights/orientation-v1.pt`, ~9 MB: the net and both ensembles in one file) and a
JSON record beside them: the films used, the split, the configuration, the training time and the
held-out metrics. Rerun it with `manage.py build_qc_detector`; `--split-salt` holds a different
third of the patients aside (to check a change generalises); `--remeasure` measures built weights
again (same weights, after a change to how they score); `--net-from` / `--mirror-from` keep the net
/ the mirror head of an earlier build and train only what is left. No weights from outside the project.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ml.detectors.baseline import baseline_scores
from ml.detectors.devfilms import HELD_OUT_PERCENT, SPLIT_SALT, FilmSet, load_films
from ml.detectors.evaluation import ALL_DISTORTIONS, QCEvaluation, distort, evaluate
from ml.detectors.head_ensemble import ensemble, members_of
from ml.detectors.marker_net import MarkerNet
from ml.detectors.mirror_net import MirrorTrainConfig, half, train_mirror
from ml.detectors.orientation import (
    DEFAULT_THRESHOLD,
    OrientationDetector,
    load_orientation_detector,
)
from ml.detectors.orientation_training import EpochReport, OrientationTrainConfig, train_orientation
from ml.inference.preprocess import prepare

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
WEIGHTS_PATH = WEIGHTS_DIR / "orientation-v1.pt"
RECORD_PATH = WEIGHTS_DIR / "orientation-v1.json"
VERSION_TAG = "orientation-pretrained-v4"
#: The marker head: no occlusion (a blanked corner hides the one cue it has), a few more epochs.
MARKER_EPOCHS = 15
#: Seeds per head: one head's mistakes on held-out films move with its seed; three averaged made no
#: mistake on the held-out sides of three patient splits (bench/qc/README.md).
HEAD_SEEDS = 3


def load_pretrained(path: str | Path = WEIGHTS_PATH) -> OrientationDetector:
    """The shipped detector (CPU, eval mode)."""
    return load_orientation_detector(path)


def _seeded_marker(config: MirrorTrainConfig) -> MarkerNet:
    torch.manual_seed(config.seed)
    return MarkerNet(config.size)


def train_heads(
    films: np.ndarray,
    config: MirrorTrainConfig,
    seeds: int,
    make: Callable[[MirrorTrainConfig], torch.nn.Module] | None = None,
    progress: Callable[[int, int, float, float], None] | None = None,
) -> tuple[torch.nn.Module, float, float | None]:
    """`seeds` heads trained by `train_mirror` from seeds `config.seed`, `config.seed + 1`, ... (each
    made by `make`, the mirror head when None): (their ensemble, seconds, the last one's final loss).
    `progress` counts epochs over all of them."""
    heads, seconds, loss = [], 0.0, None
    total = seeds * config.epochs
    for i in range(seeds):
        cfg = replace(config, seed=config.seed + i)

        def report(epoch: int, _epochs: int, value: float, secs: float, done: int = i * cfg.epochs) -> None:
            if progress is not None:
                progress(done + epoch, total, value, secs)

        result = train_mirror(films, config=cfg, init=make(cfg) if make else None, progress=report)
        heads.append(result.net)
        seconds += result.seconds
        loss = round(result.history[-1][1], 4) if result.history else loss
    return ensemble(heads), seconds, loss


def synthetic_films(n: int, size: int, seed: int = 15) -> np.ndarray:
    """`n` upright frontal synthetic chest films (PA and AP, varied findings), uint8 `[n, size, size]`."""
    from synthetic.builder import sample_findings
    from synthetic.cxr import render_cxr

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


def _taken_from(path: Path, held_names: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What this build's record says of a part taken from an earlier build's weights file (the file,
    its hash, that build's version and split, how many of these held-out films it trained on), and
    that build's own record ({} when it has none)."""
    prior_path = path.with_suffix(".json")
    prior = json.loads(prior_path.read_text()) if prior_path.is_file() else {}
    data = prior.get("data", {})
    trained = set(data.get("train_films", []))
    taken = {
        "file": path.name,
        "sha256": sha256_file(path),
        "version": prior.get("version"),
        "split": data.get("split"),
        "split_salt": data.get("split_salt"),
        "train_films": len(trained) if prior else None,
        "held_out_films_it_trained_on": len(trained & set(held_names)) if prior else None,
    }
    return taken, prior


def build_pretrained(
    dev_folder: str | Path,
    out: str | Path = WEIGHTS_PATH,
    *,
    n_synthetic: int = 200,
    config: OrientationTrainConfig | None = None,
    mirror_config: MirrorTrainConfig | None = None,
    marker_config: MirrorTrainConfig | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    split_salt: str = SPLIT_SALT,
    net_from: str | Path | None = None,
    mirror_from: str | Path | None = None,
    seeds: int = HEAD_SEEDS,
    progress: Callable[[EpochReport], None] | None = None,
    mirror_progress: Callable[[int, int, float, float], None] | None = None,
    marker_progress: Callable[[int, int, float, float], None] | None = None,
) -> dict[str, Any]:
    """Train, measure and write the shipped detector and its record; returns the record.

    `net_from`: take the orientation net from that weights file (e.g. the previous build) instead
    of training it, and train only the mirror head; the record names the file, its own record's
    training films and time, and how many of this split's held-out films that net trained on.
    `mirror_from`: likewise take the mirror head (all its seeds) from that file. `seeds`: how many
    seeds of each head trained here."""
    out = Path(out)
    config = config or OrientationTrainConfig()
    mirror_config = mirror_config or MirrorTrainConfig(seed=config.seed, size=2 * config.size)
    marker_config = marker_config or MirrorTrainConfig(
        epochs=MARKER_EPOCHS, occlude=0.0, seed=config.seed, size=2 * config.size
    )
    if mirror_config.size != 2 * config.size or marker_config.size != 2 * config.size:
        raise ValueError("the mirror and marker heads read films at twice the orientation net's size")
    # one load at the mirror head's size; the net reads the same films pooled 2 x 2, as in QC
    films = load_films(dev_folder, mirror_config.size)
    train, held = films.split(split_salt)
    synth = synthetic_films(n_synthetic, mirror_config.size)
    pool = np.concatenate([train.films, synth])
    reused: dict[str, Any] | None = None
    if net_from is not None:
        net_from = Path(net_from)
        net = load_orientation_detector(net_from).net
        if net.size != config.size:
            raise ValueError(f"{net_from.name} reads {net.size} px, the config says {config.size}")
        reused, prior = _taken_from(net_from, held.names)
        training = prior.get("training", {})
        reused["training_seconds"] = training.get("orientation_seconds") or training.get("seconds")
        reused["config"] = prior.get("config")
        net_seconds, net_epochs, net_loss = float(reused["training_seconds"] or 0.0), 0, None
    else:
        result = train_orientation(half(pool), config=config, progress=progress)
        net = result.net
        net_seconds, net_epochs = result.seconds, len(result.history)
        net_loss = round(result.history[-1].loss, 4) if result.history else None
    mirror_reused: dict[str, Any] | None = None
    if mirror_from is not None:
        mirror_from = Path(mirror_from)
        mirror_net = load_orientation_detector(mirror_from).mirror
        if mirror_net is None or mirror_net.size != mirror_config.size:
            raise ValueError(f"{mirror_from.name} holds no {mirror_config.size} px mirror head")
        mirror_reused, prior = _taken_from(mirror_from, held.names)
        training = prior.get("training", {})
        mirror_reused["training_seconds"] = training.get("mirror_seconds")
        mirror_reused["epochs"] = training.get("mirror_epochs")
        mirror_reused["config"] = prior.get("mirror_config")
        mirror_seconds = float(mirror_reused["training_seconds"] or 0.0)
        mirror_epochs, mirror_loss = 0, None
        if prior.get("mirror_config"):
            mirror_config = MirrorTrainConfig(**prior["mirror_config"])
    else:
        mirror_net, mirror_seconds, mirror_loss = train_heads(
            pool, mirror_config, seeds, progress=mirror_progress
        )
        mirror_epochs = mirror_config.epochs
    # the marker head learns from real films only: the synthetic films carry no marker
    marker, marker_seconds, marker_loss = train_heads(
        train.films, marker_config, seeds, make=_seeded_marker, progress=marker_progress
    )
    detector = OrientationDetector(net=net, threshold=threshold, mirror=mirror_net, marker=marker)
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
                "generator": "synthetic.cxr.render_cxr",
                "seed": 15,
            },
        },
        "config": asdict(config),
        "mirror_config": asdict(mirror_config),
        "marker_config": {**asdict(marker_config), **members_of(marker)[0].config()},
        "input_size": detector.input_size,
        "threshold": threshold,
        "training": {
            "seconds": round(net_seconds + mirror_seconds + marker_seconds, 1),
            "orientation_seconds": round(net_seconds, 1),
            "orientation_net_from": reused,
            "mirror_seconds": round(mirror_seconds, 1),
            "mirror_head_from": mirror_reused,
            "marker_seconds": round(marker_seconds, 1),
            "epochs": net_epochs,
            # epochs per seed, and the seeds of each head (averaged as one)
            "mirror_epochs": mirror_epochs,
            "marker_epochs": marker_config.epochs,
            "mirror_seeds": len(members_of(mirror_net)),
            "marker_seeds": len(members_of(marker)),
            "final_loss": net_loss,
            "mirror_final_loss": mirror_loss,
            "marker_final_loss": marker_loss,
            "marker_films": len(train.films),
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


def remeasure(dev_folder: str | Path, path: str | Path = WEIGHTS_PATH) -> dict[str, Any]:
    """Measure a built detector again on the held-out side of the split its record names (after a
    change to how it scores, same weights) and rewrite its held-out figures; returns the record."""
    path = Path(path)
    record_path = path.with_suffix(".json")
    record = json.loads(record_path.read_text())
    detector = load_orientation_detector(path)
    films = load_films(dev_folder, detector.input_size)
    _, held = films.split(record["data"].get("split_salt", SPLIT_SALT))
    if sorted(held.names) != sorted(record["data"]["held_out_films"]):
        raise ValueError(f"the held-out films of {dev_folder} are not the ones {record_path.name} names")
    t0 = time.perf_counter()
    learned = evaluate_on(held.films, detector.score, detector.threshold)
    seconds_scoring = time.perf_counter() - t0
    baseline = evaluate_on(held.films, baseline_scores, 0.5)
    n_scored = len(held.films) * (1 + len(ALL_DISTORTIONS))
    record["held_out"].update(
        {
            "films": len(held.films),
            "learned": learned.to_dict(),
            "baseline_rules": baseline.to_dict(),
            "passes_issue_15": learned.passes(),
            "films_per_minute_scored": round(60.0 * n_scored / max(seconds_scoring, 1e-9)),
            "remeasured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
    )
    detector.metrics = {
        "held_out_passes": learned.passes(),
        "held_out": {
            r.name: {"recall": r.recall, "false": r.false_flag_rate, "auc": r.auc} for r in learned.results
        },
    }
    detector.save(path, {"version": record["version"]})
    record["weights"] = {"file": path.name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}
    record_path.write_text(json.dumps(record, indent=1) + "\n")
    return record


def load_dev_films(folder: str | Path, size: int) -> FilmSet:
    return load_films(folder, size)
