"""python -m synthetic OUT_DIR [--seed N] [--size PX] [...]: write a synthetic cohort."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path

from synthetic.cohort import CohortConfig, generate_cohort
from synthetic.errors import SyntheticDataError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m synthetic",
        description="Write a deterministic synthetic cohort (ChestX-ray14, CheXpert, Kermany OCT and "
        "pediatric CXR layouts, DICOM studies, reports, ground truth).",
    )
    parser.add_argument("out_dir", type=Path, help="directory to write into (created if missing)")
    defaults = CohortConfig()
    for f in fields(CohortConfig):
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
        else:
            parser.add_argument(flag, type=type(default), default=default, help=f"(default {default})")
    parser.add_argument(
        "--size", dest="image_size", type=int, default=argparse.SUPPRESS, help="alias of --image-size"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = vars(_parser().parse_args(argv))
    out_dir = args.pop("out_dir")
    config = CohortConfig(**{k: v for k, v in args.items() if v is not None})
    start = time.perf_counter()
    try:
        manifest = generate_cohort(out_dir, config)
    except SyntheticDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    took = time.perf_counter() - start
    counts = ", ".join(f"{k} {v}" for k, v in manifest.counts.items())
    print(f"wrote synthetic cohort (seed {config.seed}) to {out_dir} in {took:.1f} s: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
