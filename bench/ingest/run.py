"""Benchmark: decode + thumbnail through imaging vs the plain library decode, one process.

    python -m bench.ingest [--n 200] [--size 1024] [--rle-share 0.5] [--rounds 3] [--thumb 256]

Generates N chest-like 12-bit DICOMs (a share RLE Lossless, the rest uncompressed) and the same
images as 8-bit PNGs in a temporary folder, then times, over the same files in the same run:

  DICOM baseline  pydicom.dcmread(path).pixel_array                        (decode only)
  DICOM ours      decode_dicom(path) + thumbnail(img, size=256, fmt="webp")  (decode + thumbnail)
  PNG   baseline  np.asarray(Image.open(path))                              (decode only)
  PNG   ours      decode_raster(path) + thumbnail(img, size=256, fmt="webp")

Everything runs in this one process, i.e. on one core: images/s per core = images / CPU seconds of
this process (``time.process_time``), which the other users of a shared machine disturb less than
wall time (also printed). Each method runs ``--rounds`` times, alternating, and its best round
counts. Ratio = ours images/s / baseline images/s (> 1: ours faster even though it does more).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image

from bench.ingest.data import generate
from imaging.dicom import decode_dicom
from imaging.raster import decode_raster
from imaging.render import thumbnail

MAX_PIXELS = 100_000_000


def _time(fn: Callable[[Path], object], paths: list[Path]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) to run fn over all paths once."""
    c0, w0 = time.process_time(), time.perf_counter()
    for p in paths:
        fn(p)
    return time.process_time() - c0, time.perf_counter() - w0


def _best(fn: Callable[[Path], object], paths: list[Path], rounds: int) -> tuple[float, float]:
    fn(paths[0])  # warm imports / plugin registries
    results = [_time(fn, paths) for _ in range(rounds)]
    return min(r[0] for r in results), min(r[1] for r in results)


def _row(label: str, n: int, cpu: float, wall: float) -> str:
    return (
        f"  {label:<44} {n / cpu:8.1f} img/s/core  {1000 * cpu / n:7.2f} ms/img CPU"
        f"  ({n / wall:7.1f} img/s wall)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200, help="images per format (default 200)")
    ap.add_argument("--size", type=int, default=1024, help="rows = cols (default 1024)")
    ap.add_argument("--rle-share", type=float, default=0.5, help="share of DICOMs RLE-compressed")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds per method; best counts")
    ap.add_argument("--thumb", type=int, default=256, help="thumbnail longest side (default 256)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the generated files here and reuse them on the next run (default: a temp dir)",
    )
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-")) if args.workdir is None else args.workdir
    try:
        t0 = time.perf_counter()
        files = generate(tmp, n=args.n, size=args.size, seed=args.seed, rle_share=args.rle_share)
        gen_s = time.perf_counter() - t0
        dicoms = files["dicom_native"] + files["dicom_rle"]
        # sanity: our decoder and pydicom agree on one file of each kind before anything is timed
        for group in ("dicom_native", "dicom_rle"):
            if files[group]:
                p = files[group][0]
                ref = pydicom.dcmread(p).pixel_array
                assert np.array_equal(decode_dicom(p, max_pixels=MAX_PIXELS).pixels, ref), group
        assert np.array_equal(
            decode_raster(files["png"][0], max_pixels=MAX_PIXELS).pixels,
            np.asarray(Image.open(files["png"][0])),
        )

        def baseline_dicom(p: Path) -> object:
            return pydicom.dcmread(p).pixel_array

        def ours_dicom(p: Path) -> object:
            return thumbnail(decode_dicom(p, max_pixels=MAX_PIXELS), size=args.thumb, fmt="webp")

        def ours_dicom_decode(p: Path) -> object:
            return decode_dicom(p, max_pixels=MAX_PIXELS)

        def baseline_png(p: Path) -> object:
            with Image.open(p) as im:
                return np.asarray(im)

        def ours_png(p: Path) -> object:
            return thumbnail(decode_raster(p, max_pixels=MAX_PIXELS), size=args.thumb, fmt="webp")

        print(
            f"bench.ingest: {args.size}x{args.size} 12-bit DICOM x {len(dicoms)} "
            f"({len(files['dicom_native'])} uncompressed, {len(files['dicom_rle'])} RLE), "
            f"8-bit PNG x {len(files['png'])}; thumbnail {args.thumb}px WEBP; best of {args.rounds} rounds"
        )
        print(
            f"  python {platform.python_version()}, pydicom {pydicom.__version__}, "
            f"Pillow {Image.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs visible, "
            f"1 process; data ready in {gen_s:.1f} s"
        )
        ratios = {}
        groups = [("DICOM, all", dicoms)]
        groups += [(f"DICOM, {g[6:]}", files[g]) for g in ("dicom_native", "dicom_rle") if files[g]]
        for label, paths in groups:
            base = _best(baseline_dicom, paths, args.rounds)
            ours = _best(ours_dicom, paths, args.rounds)
            dec = _best(ours_dicom_decode, paths, args.rounds)
            n = len(paths)
            print(f"\n{label} ({n} files)")
            print(_row("baseline: pydicom.dcmread().pixel_array", n, *base))
            print(_row("ours: decode_dicom + thumbnail", n, *ours))
            print(_row("ours: decode_dicom only", n, *dec))
            ratios[label] = base[0] / ours[0]
            print(f"  ratio ours(decode+thumbnail) / baseline(decode only): {ratios[label]:.2f}x images/s")
            print(f"  ratio ours(decode only)      / baseline(decode only): {base[0] / dec[0]:.2f}x images/s")
        paths = files["png"]
        base = _best(baseline_png, paths, args.rounds)
        ours = _best(ours_png, paths, args.rounds)
        print(f"\nPNG 8-bit ({len(paths)} files)")
        print(_row("baseline: np.asarray(Image.open())", len(paths), *base))
        print(_row("ours: decode_raster + thumbnail", len(paths), *ours))
        ratios["PNG"] = base[0] / ours[0]
        print(f"  ratio ours(decode+thumbnail) / baseline(decode only): {ratios['PNG']:.2f}x images/s")
        print("\nsummary (images/s per core, ours decode+thumbnail vs baseline decode):")
        for label, r in ratios.items():
            print(f"  {label:<22} {r:5.2f}x")
        return 0
    finally:
        if args.workdir is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
