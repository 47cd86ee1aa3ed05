"""Report scrubbing and DICOM de-identification: recall on planted identifiers, what is kept, speed.

    python -m bench.privacy                 # 2,000 synthetic reports per template set
    python -m bench.privacy --n 500

Recall: the share of planted identifier strings (names, ids, dates, phones, times) that no longer
occur in the scrubbed text, per class, on the `dev` templates the scrubber was written against and on
the `held` templates kept aside. Kept: the share of the unplanted report's words that survive
unchanged. Baseline (same run): replacing the DICOM header's own values (name, id, accession) only.
Real reports (../shared/data/openi-dev, already de-identified, `XXXX` for removed words): how many
reports the scrubber changes and how many words it removes: its false positives.
DICOM: seconds per file for de-identification (dicognito + pseudonyms) against a plain pydicom read
and write of the same file (the baseline).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import time
from pathlib import Path

import numpy as np

from annotations.privacy.pseudonyms import Pseudonymiser
from annotations.privacy.report_scrub import scrub_report
from bench.privacy.planting import plant
from imaging.deid import deidentify_dicom
from layouts.label_schemas import CXR14_FINDINGS
from synthetic.reports import write_report

SHARED = Path(
    os.environ.get("ARBITER_SHARED_DATA", Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
)
SECTIONS = ("indication", "comparison", "findings", "impression")
_WORD = re.compile(r"[A-Za-z]{3,}")


def header_only(text: str, known: list[str]) -> str:
    """The baseline: each header value, and each part of the name, replaced wherever it occurs
    (any case): what substituting the DICOM header's own values gives."""
    out = text
    for value in known:
        for part in [value, *value.replace("^", " ").split()]:
            if part:
                out = re.sub(re.escape(part), "[X]", out, flags=re.IGNORECASE)
    return out


def _survives(needle: str, text: str) -> bool:
    return needle.lower() in text.lower()


def measure(which: str, n: int, seed: int) -> dict[str, dict[str, float]]:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    totals: dict[str, dict[str, list[int]]] = {}
    kept: dict[str, list[float]] = {}
    seconds: dict[str, float] = {}
    for _ in range(n):
        truth = [f for f in CXR14_FINDINGS if nrng.random() < 0.12]
        original = write_report(nrng, truth).text
        p = plant(original, rng, which)
        runs = {
            "header only (baseline)": lambda t, k=p.known: header_only(t, k),
            "scrubber, header known": lambda t, k=p.known: scrub_report(t, known=k),
            "scrubber, patterns only": lambda t: scrub_report(t),
        }
        words = _WORD.findall(original)
        for name, fn in runs.items():
            t0 = time.perf_counter()
            out = fn(p.text)
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t0
            for cls, needles in p.planted.items():
                gone = sum(not _survives(x, out) for x in needles)
                row = totals.setdefault(name, {}).setdefault(cls, [0, 0])
                row[0] += gone
                row[1] += len(needles)
            out_words = set(_WORD.findall(out))
            kept.setdefault(name, []).append(sum(w in out_words for w in words) / max(len(words), 1))
    table = {}
    for name, classes in totals.items():
        all_gone = sum(g for g, _ in classes.values())
        all_n = sum(t for _, t in classes.values())
        table[name] = {cls: g / t for cls, (g, t) in classes.items()}
        table[name]["all"] = all_gone / all_n
        table[name]["kept"] = float(np.mean(kept[name]))
        table[name]["reports/s"] = n / seconds[name]
    return table


def real_reports(limit: int) -> str:
    path = SHARED / "openi-dev" / "reports_with_gold.csv"
    if not path.exists():
        return f"real reports: skipped ({path} is absent)"
    changed = removed = words = 0
    rows = list(csv.DictReader(path.open(encoding="utf-8")))[:limit]
    for row in rows:
        text = "\n".join(f"{k.upper()}: {row[k]}" for k in SECTIONS if row.get(k))
        out = scrub_report(text)
        before, after = _WORD.findall(text), set(_WORD.findall(out))
        changed += out != text
        removed += sum(w not in after for w in before)
        words += len(before)
    return (
        f"real reports (openi-dev, {len(rows)}): {changed / len(rows):.1%} changed by the scrubber, "
        f"{removed / max(words, 1):.2%} of words removed (dates and times mostly; `XXXX` already hides names)"
    )


def dicom_speed(n: int) -> str:
    import pydicom

    from tests.imaging import factory

    ps = Pseudonymiser(b"bench-key-" * 4)
    files = []
    for i in range(n):
        ds = factory.dicom_dataset(factory.gradient(512, 512, seed=i), patient_id=f"MRN{i}")
        ds.PatientName = "DOE^JANE"
        ds.InstitutionName = "General Hospital"
        files.append(factory.to_bytes(ds))
    t0 = time.perf_counter()
    for content in files:
        ds = pydicom.dcmread(io.BytesIO(content), force=True)
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=True)
    base = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for i, content in enumerate(files):
        deidentify_dicom(
            content,
            uid_map=ps.uid,
            patient_id=ps.patient_id(f"MRN{i}"),
            accession=ps.accession(f"A{i}"),
            seed=ps.seed(f"MRN{i}"),
            date_offset_days=ps.date_offset_days(f"MRN{i}"),
        )
    ours = (time.perf_counter() - t0) / n
    return (
        f"DICOM 512x512, {n} files: read+write (baseline) {base * 1000:.2f} ms/file, "
        f"de-identify {ours * 1000:.2f} ms/file, ratio {ours / base:.2f}x"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--real", type=int, default=3080)
    parser.add_argument("--dicom", type=int, default=100)
    args = parser.parse_args(argv)
    classes = ("name", "id", "date", "phone", "time")
    for which in ("dev", "held"):
        table = measure(which, args.n, args.seed)
        print(f"\n{which} templates, {args.n} reports: recall per class, words kept, speed")
        print(f"{'run':<26}" + "".join(f"{c:>8}" for c in (*classes, "all")) + f"{'kept':>8}{'rep/s':>10}")
        for name, row in table.items():
            cells = "".join(f"{row[c]:>8.1%}" for c in (*classes, "all"))
            print(f"{name:<26}{cells}{row['kept']:>8.1%}{row['reports/s']:>10.0f}")
        base = table["header only (baseline)"]["all"]
        ours = table["scrubber, header known"]["all"]
        print(f"recall ratio scrubber/baseline: {ours / base:.2f}x")
    print()
    print(real_reports(args.real))
    print(dicom_speed(args.dicom))


if __name__ == "__main__":
    main()
