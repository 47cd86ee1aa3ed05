"""Benchmark: scoring throughput (decode + preprocess + forward) of the inference engine.

    python -m bench.inference [--size tiny|full] [--n 2000] [--batch-size 64] [--device auto]
                              [--source-size 512] [--format png|dicom] [--workers N] [--compile]

Writes `--distinct` synthetic chest films (`synthetic.render_cxr`) at `--source-size` as
8-bit PNG (the ChestX-ray14 form) or 12-bit DICOM; N cache keys cycle over them. Decoding is the
platform's pixel layer (`imaging`: decode_raster / decode_dicom + model_input) where it
imports, else a plain Pillow decode. Then, on one model copy per variant, in the same run:

  cold       empty preprocessing cache: decode + resize + cache write + forward
  warm-disk  same keys again: cache file reads + forward (what a re-score after retraining does)
  resident   the cached uint8 arrays already in one host tensor: host->device copy + forward

On the CPU: fp32 eager (the baseline is the cold pass). On a GPU: fp32 eager vs bf16 autocast +
channels-last (+ torch.compile with --compile) on the resident path, then cold / warm-disk with the
fastest variant. Each row prints images/s and a ratio against its baseline; `--json PATH` saves all.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ml.inference.cache import PreprocessCache, run_spans
from ml.inference.engine import Scorer
from ml.nets.model import build_model
from ml.nets.spec import chexnet_spec

MAX_PIXELS = 100_000_000


def _render_to_file(args: tuple[int, int, str]) -> Path:
    """Render one synthetic chest film and write it as PNG (8-bit) or DICOM (12-bit)."""
    from synthetic import render_cxr

    seed, size, path = args
    if os.path.exists(path):  # reused from an earlier run with the same --workdir
        return Path(path)
    rng = np.random.default_rng(seed)
    findings = {f for f in ("Cardiomegaly", "Effusion", "Mass", "Pneumothorax") if rng.random() < 0.3}
    img = render_cxr(rng, findings, size=size)
    if path.endswith(".png"):
        Image.fromarray(np.rint(img * 255).astype(np.uint8), mode="L").save(path, compress_level=6)
    else:
        _write_dicom(Path(path), img)
    return Path(path)


def _write_dicom(path: Path, img: np.ndarray) -> None:
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.PhotometricInterpretation, ds.SamplesPerPixel = "DX", "MONOCHROME2", 1
    ds.Rows, ds.Columns = img.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = np.rint(img * 4095).astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def make_sources(root: Path, *, distinct: int, size: int, fmt: str, workers: int) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    jobs = [
        (1000 + i, size, str(root / f"src-{i:05d}.{'png' if fmt == 'png' else 'dcm'}"))
        for i in range(distinct)
    ]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_render_to_file, jobs, chunksize=2))


def make_decoder(paths: list[Path], size: int, prefer: str) -> tuple[Callable[[str], np.ndarray], str]:
    """decode(key) -> float32 [0, 1] at `size`: the pixel layer where it imports, else Pillow."""
    n = len(paths)

    def path_of(key: str) -> Path:
        return paths[int(key.rsplit("-", 1)[1]) % n]

    if prefer in ("auto", "pixel-layer"):
        try:
            from imaging.dicom import decode_dicom
            from imaging.raster import decode_raster
            from imaging.render import model_input

            def decode(key: str) -> np.ndarray:
                p = path_of(key)
                img = (decode_dicom if p.suffix == ".dcm" else decode_raster)(p, max_pixels=MAX_PIXELS)
                return model_input(img, size=size)

            return decode, "imaging (decode + model_input)"
        except ImportError:
            if prefer == "pixel-layer":
                raise
    if paths[0].suffix == ".dcm":
        raise SystemExit("the Pillow fallback decodes PNG only: use --format png or install pydicom")

    def decode_pil(key: str) -> np.ndarray:
        with Image.open(path_of(key)) as im:
            return np.asarray(im.convert("L"), dtype=np.float32) / 255.0  # the engine resizes

    return decode_pil, "Pillow (decode; resize in the engine)"


def timed(fn: Callable[[], object], sync: bool) -> float:
    if sync:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    if sync:
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.inference", description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=("tiny", "full"), default="tiny")
    ap.add_argument("--n", type=int, default=2000, help="images (cache keys) per pass")
    ap.add_argument("--batch-size", type=int, default=None, help="default 64 on CPU, 256 on GPU")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--source-size", type=int, default=512, help="side of the source images in pixels")
    ap.add_argument("--distinct", type=int, default=64, help="distinct source files the keys cycle over")
    ap.add_argument("--format", choices=("png", "dicom"), default="png")
    ap.add_argument("--decoder", choices=("auto", "pixel-layer", "pil"), default="auto")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="decode / cache-read threads")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (CPU)")
    ap.add_argument("--compile", action="store_true", help="also time torch.compile (GPU)")
    ap.add_argument("--variants", default=None, help="comma list of fp32,bf16,bf16-compile (GPU)")
    ap.add_argument("--n-cold", type=int, default=None, help="images in the cold pass (default: --n)")
    ap.add_argument("--decode-only", action="store_true", help="only time the decoder, then stop")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    cuda = torch.cuda.is_available() if args.device == "auto" else args.device.startswith("cuda")
    bs = args.batch_size or (256 if cuda else 64)
    spec = chexnet_spec(args.size)
    model = build_model(spec, seed=0).eval()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-inference-"))
    t0 = time.perf_counter()
    paths = make_sources(
        work / "src",
        distinct=min(args.distinct, args.n),
        size=args.source_size,
        fmt=args.format,
        workers=min(args.workers, 16),
    )
    decode, decoder_name = make_decoder(paths, spec.input_size, args.decoder)
    keys = [f"img-{i}" for i in range(args.n)]
    dev_name = torch.cuda.get_device_name() if cuda else f"cpu ({platform.processor() or platform.machine()})"
    threads = torch.get_num_threads()
    print(f"device: {dev_name}; torch {torch.__version__}; threads {threads}; workers {args.workers}")
    print(
        f"model: {args.size} (input {spec.input_size} px); n={args.n}; batch {bs}; sources: {len(paths)} "
        f"{args.format} {args.source_size} px made in {time.perf_counter() - t0:.1f} s; "
        f"decoder: {decoder_name}"
    )

    rows: list[dict] = []

    def record(
        variant: str, phase: str, seconds: float, baseline: float | None, images: int | None = None
    ) -> float:
        images = images or args.n
        ips = images / seconds
        ratio = ips / baseline if baseline else 1.0
        rows.append(
            {
                "variant": variant,
                "phase": phase,
                "images": images,
                "seconds": seconds,
                "images_per_s": ips,
                "ratio": ratio,
            }
        )
        print(
            f"  {variant:<26} {phase:<12} {ips:>10.1f} img/s   x{ratio:5.2f}   ({images} images)", flush=True
        )
        return ips

    all_variants: dict[str, tuple[str, dict]] = {
        "fp32": ("fp32 eager", {"precision": "fp32", "channels_last": False}),
        "bf16": ("bf16 channels-last", {"precision": "bf16", "channels_last": True}),
        "bf16-compile": (
            "bf16 channels-last compile",
            {"precision": "bf16", "channels_last": True, "compile": True},
        ),
    }
    wanted = (
        args.variants.split(",")
        if args.variants
        else ["fp32", "bf16"] + (["bf16-compile"] if args.compile else [])
    )
    if not cuda:
        wanted = ["fp32"]
    unknown = sorted(set(wanted) - set(all_variants))
    if unknown:
        raise SystemExit(f"unknown variants {unknown}; choose from {sorted(all_variants)}")
    variants = [all_variants[v] for v in wanted]

    cache_root = work / "cache"
    n_cold = min(args.n_cold or args.n, args.n)
    print("without the model (attribution of the cold pass):")
    m = min(n_cold, 2000)
    t = time.perf_counter()
    run_spans(m, lambda i: decode(keys[i]), workers=args.workers)
    record("decode only", "cold", time.perf_counter() - t, None, m)
    if args.decode_only:
        return _finish(args, rows, dev_name, decoder_name, bs, work)

    # the warm cache for all N keys: each distinct source prepared once, its entry written per key
    prime = PreprocessCache(cache_root / "prime", size=spec.input_size)
    distinct = [prime.get_or_prepare(k, decode) for k in keys[: len(paths)]]
    run_spans(args.n, lambda i: prime.put(keys[i], distinct[i % len(paths)]), workers=args.workers)
    t = time.perf_counter()
    resident = torch.from_numpy(
        PreprocessCache(cache_root / "prime", size=spec.input_size).fetch(keys, decode, workers=args.workers)
    )
    record("cache read (no model)", "warm-disk", time.perf_counter() - t, None)
    if cuda:
        resident = resident.pin_memory()

    print("resident uint8 tensor (warm cache in memory):")
    best: tuple[float, str, Scorer] | None = None
    base_ips = None
    for name, kw in variants:
        scorer = Scorer(model, device=args.device, **kw)
        head = resident[: bs * (3 if kw.get("compile") else 2)]
        tw = timed(lambda s=scorer, h=head: s.score(h, batch_size=bs), cuda)  # warm-up (and compile)
        if kw.get("compile"):
            print(f"  (compile + first batches: {tw:.1f} s)")
        secs = min(
            timed(lambda s=scorer: s.score(resident, batch_size=bs, workers=args.workers), cuda)
            for _ in range(2)
        )
        ips = record(name, "resident", secs, base_ips)
        base_ips = base_ips or ips
        if best is None or ips > best[0]:
            best = (ips, name, scorer)
    assert best is not None
    _, best_name, scorer = best

    print(f"preprocessing cache on disk ({best_name}):")
    cold_keys = [f"cold-{i}" for i in range(n_cold)]  # never seen: every one is decoded
    cache = PreprocessCache(cache_root / "bench", size=spec.input_size)
    cold = timed(
        lambda: scorer.score(cold_keys, cache=cache, decode=decode, batch_size=bs, workers=args.workers), cuda
    )
    cold_ips = record(best_name, "cold", cold, None, n_cold)
    assert cache.stats.decode_calls == n_cold
    warm_cache = PreprocessCache(cache_root / "prime", size=spec.input_size)
    warm = min(
        timed(
            lambda: scorer.score(keys, cache=warm_cache, decode=decode, batch_size=bs, workers=args.workers),
            cuda,
        )
        for _ in range(2)
    )
    record(best_name, "warm-disk", warm, cold_ips)
    assert warm_cache.stats.decode_calls == 0, "the warm pass decoded images"
    record(best_name, "resident", args.n / best[0], cold_ips)
    if cuda:  # the cache held in GPU memory as uint8: no host->device copy at all
        on_gpu = resident.to(scorer.settings.device)
        secs = min(timed(lambda: scorer.score(on_gpu, batch_size=bs), cuda) for _ in range(2))
        record(best_name, "gpu-resident", secs, cold_ips)
    return _finish(args, rows, dev_name, decoder_name, bs, work)


def _finish(
    args: argparse.Namespace, rows: list[dict], dev_name: str, decoder_name: str, bs: int, work: Path
) -> int:
    print("ratios: variant rows vs fp32 eager resident; warm-disk and resident vs the cold pass")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "device": dev_name,
            "torch": torch.__version__,
            "size": args.size,
            "n": args.n,
            "batch_size": bs,
            "source_size": args.source_size,
            "format": args.format,
            "decoder": decoder_name,
            "workers": args.workers,
        }
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0
