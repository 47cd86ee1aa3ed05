"""Benchmark: bad-image detection on real films with known distortions, learned vs rule baseline.

    python -m bench.qc [--folder ../shared/data/nih-cxr-dev] [--split held-out|train|all]
                       [--threads 2] [--repeat 3] [--json PATH] [--weights PATH]

Loads the real films of a ChestX-ray14 folder (the held-out side of the shipped detector's patient
split by default: films it never trained on), injects every distortion of issue #15 (rotation by
90 / 180 / 270, left-right and top-bottom mirrors, inversion), and scores clean and distorted films
with the shipped orientation / inversion detector (all eight orientations checked) and with the
non-learned rule baseline (histogram, profile and symmetry rules) in the same run. Prints per
distortion: recall and false flags on the clean films at the default threshold, AUC, the best recall
at <= 0.5 % false flags, the fewest false flags at >= 99 % recall, how often the suggested fix is
right; then films per minute scored (decoded 128 px inputs; wall time, `--threads` torch threads) and
the ratios learned / baseline. Decoding the PNGs is timed apart (films per minute decoded).
`--weights` measures another build (e.g. one made with `build_qc_detector --split-salt`): the patient
split is the one its JSON record names.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from layouts.chestxray14 import DATA_ENTRY
from ml.detectors.baseline import baseline_scores
from ml.detectors.devfilms import SPLIT_SALT, load_films
from ml.detectors.evaluation import ALL_DISTORTIONS, distort, evaluate, format_evaluation
from ml.detectors.head_ensemble import members_of
from ml.detectors.pretrained import WEIGHTS_PATH, load_pretrained

DEFAULT_FOLDER = (
    Path(
        os.environ.get("ARBITER_SHARED_DATA", Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
    )
    / "nih-cxr-dev"
)


def timed(fn, x: np.ndarray, repeat: int) -> tuple[object, float]:
    """(result, films per minute) of the best of `repeat` runs."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(x)
        best = min(best, time.perf_counter() - t0)
    return out, 60.0 * len(x) / best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    ap.add_argument("--split", default="held-out", choices=("held-out", "train", "all"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--weights", type=Path, default=WEIGHTS_PATH)
    args = ap.parse_args(argv)
    if not (args.folder / DATA_ENTRY).is_file():
        print(f"no ChestX-ray14 folder at {args.folder}: nothing to measure")
        return 1
    torch.set_num_threads(args.threads)
    detector = load_pretrained(args.weights)
    record = args.weights.with_suffix(".json")
    salt = (
        json.loads(record.read_text())["data"].get("split_salt", SPLIT_SALT)
        if record.is_file()
        else SPLIT_SALT
    )
    t0 = time.perf_counter()
    films = load_films(args.folder, detector.input_size)
    decode_per_min = 60.0 * len(films.films) / (time.perf_counter() - t0)
    train, held = films.split(salt)
    chosen = {"held-out": held, "train": train, "all": films}[args.split]
    x = chosen.films
    sets = {"clean": x, **{name: distort(x, name) for name in ALL_DISTORTIONS}}
    everything = np.concatenate(list(sets.values()))

    def split_scores(scores_all):
        from ml.detectors.orientation import OrientationScores

        out, lo = {}, 0
        for name, arr in sets.items():
            out[name] = OrientationScores(
                scores_all.orientation[lo : lo + len(arr)], scores_all.inverted[lo : lo + len(arr)]
            )
            lo += len(arr)
        return out

    learned_all, learned_rate = timed(detector.score, everything, args.repeat)
    baseline_all, baseline_rate = timed(baseline_scores, everything, args.repeat)
    ls, bs = split_scores(learned_all), split_scores(baseline_all)
    learned = evaluate(ls.pop("clean"), ls, detector.threshold)
    baseline = evaluate(bs.pop("clean"), bs, 0.5)
    print(
        f"{len(x)} real films ({args.split} split of {args.folder.name}, patients split by {salt!r}), "
        f"{len(everything)} scored with every distortion"
    )
    names = [
        f"{len(members_of(h))} x {n}"
        for n, h in (("256 px mirror head", detector.mirror), ("marker head", detector.marker))
        if h is not None
    ]
    head = "+ " + " + ".join(names) if names else "no heads"
    which = "shipped orientation-v1" if args.weights == WEIGHTS_PATH else args.weights.name
    print(format_evaluation(learned, f"learned ({which}, 8-orientation check {head})"))
    print(format_evaluation(baseline, "baseline (rules, same run)"))
    auc_l = np.mean([r.auc for r in learned.results])
    auc_b = np.mean([r.auc for r in baseline.results])
    print(
        f"films/min scored: learned {learned_rate:,.0f}, baseline {baseline_rate:,.0f} "
        f"(ratio {learned_rate / baseline_rate:.2f}); PNG decode to {detector.input_size} px "
        f"{decode_per_min:,.0f} films/min"
    )
    print(f"mean AUC: learned {auc_l:.4f}, baseline {auc_b:.4f} (ratio {auc_l / auc_b:.3f})")
    print(f"issue #15 targets met: learned {learned.passes()}, baseline {baseline.passes()}")
    print(f"torch threads {args.threads}, {os.cpu_count()} CPUs, {platform.machine()}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "split": args.split,
                    "split_salt": salt,
                    "films": len(x),
                    "learned": learned.to_dict(),
                    "baseline": baseline.to_dict(),
                    "films_per_minute": {
                        "learned": learned_rate,
                        "baseline": baseline_rate,
                        "decode": decode_per_min,
                    },
                },
                indent=1,
            )
        )
    return 0
