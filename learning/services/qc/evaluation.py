"""Evaluating QC as a user meets it: distorted copies of real films imported, a QC run, the flags read.

`write_distorted_folder` copies a ChestX-ray14 folder (Data_Entry_2017.csv + images/) with every
film also rotated 90 / 180 / 270, mirrored left-right and top-bottom, and inverted, each copy its
own row (the published header line kept verbatim) and its own study. `evaluate_qc_dataset` imports
that folder into a fresh dataset, runs QC with its defaults (`qc_run`), and reports, per distortion,
recall and false flags from the flags QC stored, whether the stored fix undoes the distortion, the
ROC from the detector's scores of the same inputs, and the rule baseline on the same inputs; plus
QC's films per minute end to end (decode, cache, score, store).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from annotations.ingest.registry import run_importer
from annotations.models import Dataset, Image, QCFlag
from annotations.models.choices import ModelKind, QCKind, QCStatus
from annotations.services.datasets.datasets import dataset_get_or_create
from layouts import chestxray14 as nih
from learning.bridge.images import cached_arrays
from learning.services.models.weights import production_model
from learning.services.qc.run import QCOptions, _orientation_load, qc_run
from ml.detectors.baseline import baseline_scores
from ml.detectors.devfilms import held_out
from ml.detectors.dihedral import DISTORTIONS, fix_for
from ml.detectors.evaluation import ALL_DISTORTIONS, QCEvaluation, distort, evaluate
from ml.detectors.orientation import OrientationScores
from ml.nets.errors import InputError

CLEAN = "clean"
SPLITS = ("all", "held-out", "train")


def write_distorted_folder(
    src: Path, out: Path, *, split: str = "all", limit: int | None = None
) -> dict[str, str]:
    """Write the clean and distorted copies; returns {image name: "clean" or the distortion}."""
    if split not in SPLITS:
        raise InputError(f"split must be one of {SPLITS}")
    entry = src / nih.DATA_ENTRY
    if not entry.is_file():
        raise InputError(f"{entry} not found: expected a ChestX-ray14 folder")
    text = entry.read_text(encoding="utf-8")
    header_line = text.splitlines()[0]
    rows = list(csv.reader(io.StringIO(text)))[1:]
    image, follow_up, patient = (nih.POSITION[c] for c in (nih.IMAGE_INDEX, nih.FOLLOW_UP, nih.PATIENT_ID))
    (out / nih.IMAGES_DIR).mkdir(parents=True, exist_ok=True)
    truth: dict[str, str] = {}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    taken = 0
    for row in rows:
        if len(row) < len(nih.METADATA_COLUMNS) or not (src / nih.IMAGES_DIR / row[image]).is_file():
            continue
        if split != "all" and held_out(row[patient]) != (split == "held-out"):
            continue
        if limit is not None and taken >= limit:
            break
        taken += 1
        with PILImage.open(src / nih.IMAGES_DIR / row[image]) as im:
            film = np.asarray(im.convert("L"))
        stem = Path(row[image]).stem
        for k, tag in enumerate((CLEAN, *ALL_DISTORTIONS)):
            arr = film if tag == CLEAN else distort(film[None], tag)[0]
            name = f"{stem}_{tag}.png"
            PILImage.fromarray(arr).save(out / nih.IMAGES_DIR / name)
            copy = list(row)
            copy[image] = name
            copy[follow_up] = str(int(row[follow_up] or 0) * 10 + k)  # its own study
            writer.writerow(copy)
            truth[name] = tag
    (out / nih.DATA_ENTRY).write_text(header_line + "\n" + buf.getvalue().rstrip("\n"), encoding="utf-8")
    return truth


def _scores_by_tag(
    truth: dict[str, str], keys: list[str], s: OrientationScores
) -> tuple[OrientationScores, dict[str, OrientationScores]]:
    tags = np.array([truth[k] for k in keys])

    def pick(tag: str) -> OrientationScores:
        m = tags == tag
        return OrientationScores(s.orientation[m], s.inverted[m])

    return pick(CLEAN), {t: pick(t) for t in ALL_DISTORTIONS if (tags == t).any()}


def flag_counts(dataset: Dataset, truth: dict[str, str]) -> dict[str, dict]:
    """Per distortion (and clean): films, films flagged by the flag that catches it, right fixes."""
    by_image: dict[str, dict[str, QCFlag]] = {}
    for f in QCFlag.objects.filter(
        image__dataset=dataset,
        kind__in=[QCKind.ROTATED, QCKind.FLIPPED, QCKind.INVERTED],
        status=QCStatus.OPEN,
    ).select_related("image"):
        by_image.setdefault(f.image.source_key, {})[f.kind] = f
    out: dict[str, dict] = {}
    for tag in (CLEAN, *ALL_DISTORTIONS):
        names = [n for n, t in truth.items() if t == tag]
        geo = [n for n in names if {QCKind.ROTATED, QCKind.FLIPPED} & set(by_image.get(n, {}))]
        inv = [n for n in names if QCKind.INVERTED in by_image.get(n, {})]
        row = {"films": len(names), "orientation_flagged": len(geo), "inverted_flagged": len(inv)}
        if tag in DISTORTIONS:
            want = fix_for(DISTORTIONS[tag]).to_dict()
            fixes = [
                f.detail.get("fix")
                for n in geo
                for f in by_image[n].values()
                if f.kind in (QCKind.ROTATED, QCKind.FLIPPED)
            ]
            row["right_fix"] = sum(1 for fx in fixes if fx == want)
        out[tag] = row
    return out


def evaluate_qc_dataset(
    src: Path,
    work: Path,
    *,
    slug: str,
    split: str = "all",
    limit: int | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Import distorted copies of `src` into dataset `slug`, run QC, and measure it (see module doc)."""
    if Dataset.objects.filter(slug=slug).exists():
        raise InputError(f"dataset {slug!r} exists already: evaluation needs a fresh one")
    truth = write_distorted_folder(src, work, split=split, limit=limit)
    log(f"wrote {len(truth)} films ({len(truth) // (1 + len(ALL_DISTORTIONS))} originals x 7) to {work}")
    dataset, _ = dataset_get_or_create(slug=slug, schema_key="chestxray14")
    summary = run_importer("chestxray14", dataset, [work])
    log(f"imported into {slug}: {dataset.images.count()} images")
    t0 = time.perf_counter()
    qc = qc_run(dataset, QCOptions())
    qc_seconds = time.perf_counter() - t0
    counts = flag_counts(dataset, truth)
    mv = production_model(dataset, (ModelKind.ORIENTATION,))
    images = list(Image.objects.filter(dataset=dataset).order_by("pk"))
    detector = _orientation_load(mv)
    ok, arrays, _ = cached_arrays(images, size=detector.input_size)
    keys = [i.source_key for i in ok]
    t1 = time.perf_counter()
    learned_scores = detector.score(arrays)
    score_seconds = time.perf_counter() - t1
    clean, distorted = _scores_by_tag(truth, keys, learned_scores)
    learned: QCEvaluation = evaluate(clean, distorted, detector.threshold)
    b_clean, b_distorted = _scores_by_tag(truth, keys, baseline_scores(arrays))
    baseline: QCEvaluation = evaluate(b_clean, b_distorted, 0.5)
    return {
        "dataset": slug,
        "split": split,
        "films": len(truth),
        "import_errors": len(getattr(summary, "errors", []) or []),
        "qc_summary": {k: v for k, v in qc.items() if k != "errors"},
        "qc_seconds": round(qc_seconds, 2),
        "qc_films_per_minute": round(60 * len(images) / max(qc_seconds, 1e-9)),
        "detector_films_per_minute": round(60 * len(arrays) / max(score_seconds, 1e-9)),
        "threshold": detector.threshold,
        "flags": counts,
        "learned": learned.to_dict(),
        "baseline_rules": baseline.to_dict(),
        "passes": learned.passes(),
        "_learned": learned,
        "_baseline": baseline,
    }
