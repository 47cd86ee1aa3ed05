"""NIH ChestX-ray14 layout, its reports, and Google's four-findings expert labels for it.

chestxray14/Data_Entry_2017.csv    NIH header verbatim, including the bracketed column names that
                                   split on their commas and the trailing empty column:
                                   Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,
                                   Patient Gender,View Position,OriginalImage[Width,Height],
                                   OriginalImagePixelSpacing[x,y],
chestxray14/images/00000001_000.png  8-bit grayscale PNG
chestxray14/reports.csv            image_index,report_text (NIH never released reports; ours exist
                                   so the NLP can be tested; Finding Labels are mined from them)
google4/four_findings_expert_labels_{test,validation}_labels.csv   adjudicated YES/NO
google4/four_findings_expert_labels_individual_readers.csv         one row per reader and image,
                                   YES / NO, and HEDGE for Pneumothorax and Nodule/mass

File names, columns and cell values come from layouts.chestxray14, layouts.google_expert and
layouts.reports. The four-findings files are a reduced form of Google's (no NIH size columns, no
Set ID column, the readers' file starts with Image ID); the importer accepts both.
"""

from __future__ import annotations

from datetime import date, timedelta

from layouts import chestxray14 as nih
from layouts import google_expert as expert
from layouts import reports as report_csv
from layouts.label_schemas import GOOGLE4_FINDINGS
from synthetic._ids import stable_int
from synthetic.builder import CohortBuilder, follow_up_findings, sample_findings
from synthetic.cxr import CXR14_FINDINGS
from synthetic.ground_truth import ImageTruth, ReportTruth
from synthetic.readers import DEFAULT_PANEL, NEGATIVE, POSITIVE, SimulatedReader
from synthetic.reports import write_report

CXR14_DIR = "chestxray14"
DATA_ENTRY = nih.DATA_ENTRY
DATA_ENTRY_HEADER = nih.DATA_ENTRY_HEADER
CXR14_REPORTS_HEADER = report_csv.IMAGE_REPORTS_HEADER

GOOGLE4_DIR = "google4"
GOOGLE4_FILES = expert.FOUR_FINDINGS_FILES["long"]
# A reduced form of Google's files (no NIH size columns, no Set ID column), in the published names.
GOOGLE4_LABELS_HEADER: tuple[str, ...] = (*expert.FOUR_LABELS_SHORT_COLUMNS, *GOOGLE4_FINDINGS)
GOOGLE4_READERS_HEADER: tuple[str, ...] = (
    expert.IMAGE_ID,
    nih.PATIENT_ID,
    expert.READER_ID,
    *expert.FOUR_READER_COLUMNS,
)
# Google four findings from the ChestX-ray14 findings drawn in the image (no fractures are drawn).
GOOGLE4_FROM_CXR14: dict[str, tuple[str, ...]] = {
    "Fracture": (),
    "Pneumothorax": ("Pneumothorax",),
    "Airspace opacity": ("Consolidation", "Pneumonia", "Infiltration", "Edema"),
    "Nodule or mass": ("Nodule", "Mass"),
}
BASE_DATE = date(2015, 1, 1)


def google4_truth(findings: frozenset[str]) -> dict[str, bool]:
    return {g: bool(findings.intersection(src)) for g, src in GOOGLE4_FROM_CXR14.items()}


def _yes_no(answer: str, finding: str) -> str:
    if answer == POSITIVE:
        return expert.YES
    if answer == NEGATIVE:
        return expert.NO
    return expert.HEDGE if finding in expert.HEDGE_ALLOWED else expert.YES


def build_chestxray14(b: CohortBuilder) -> None:
    c = b.config
    root = b.out_dir / CXR14_DIR
    entries: list[list[object]] = []
    report_rows: list[list[object]] = []
    google: dict[str, list[tuple[ImageTruth, frozenset[str]]]] = {"test": [], "validation": []}
    for k in range(c.n_cxr_patients):
        pid = k + 1
        rng = b.rng("cxr14-patient", pid)
        pediatric = bool(rng.random() < c.pediatric_rate)
        age = int(rng.integers(1, 10)) if pediatric else int(rng.integers(18, 90))
        sex = "M" if rng.random() < 0.55 else "F"
        n_images = int(rng.integers(1, c.max_followups + 1))
        in_google = rng.random() < c.google4_fraction
        google_split = "test" if rng.random() < 0.5 else "validation"
        day = BASE_DATE + timedelta(days=int(rng.integers(0, 1500)))
        prior: frozenset[str] = frozenset()
        prior_day: date | None = None
        for fu in range(n_images):
            irng = b.rng("cxr14-image", pid, fu)
            findings = (
                sample_findings(irng, c.normal_rate)
                if fu == 0
                else follow_up_findings(irng, prior, c.normal_rate)
            )
            quirks = b.quirks(irng)
            view = "AP" if irng.random() < 0.35 else "PA"
            image = b.render_chest(irng, findings, quirks, view=view, pediatric=pediatric)
            name = nih.image_name(pid, fu)
            path = root / nih.IMAGES_DIR / name
            b.save_png(path, image)
            shown = findings if quirks.body_part == "CHEST" else frozenset()
            report = write_report(
                irng,
                shown,
                misleading_rate=c.misleading_rate,
                prior=prior if fu else None,
                age=age,
                sex=sex,
                view="LATERAL" if quirks.lateral else view,
                body_part=quirks.body_part,
                comparison_date=prior_day.isoformat() if prior_day and fu else None,
            )
            report_id = f"cxr14:{name}"
            mined = sorted(f for f in CXR14_FINDINGS if report.labels[f] == POSITIVE)
            width = int(irng.integers(2048, 3057))
            height = int(irng.integers(2048, 3057))
            spacing = (0.143, 0.139, 0.168)[int(irng.integers(3))]
            entries.append(
                [
                    name,
                    nih.finding_labels(mined),
                    fu,
                    pid,
                    age,
                    sex,
                    view,
                    width,
                    height,
                    spacing,
                    spacing,
                ]
            )
            report_rows.append([name, report.text])
            truth = ImageTruth(
                path=b.rel(path),
                dataset="chestxray14",
                key=name,
                patient_id=f"{pid:08d}",
                study_key=f"{pid:08d}_{fu:03d}",
                split="",
                findings=tuple(f for f in CXR14_FINDINGS if f in shown),
                label="",
                rotation=quirks.rotation,
                inverted=quirks.inverted,
                view="LATERAL" if quirks.lateral else view,
                body_part=quirks.body_part,
                age_years=float(age),
                sex=sex,
                pediatric=pediatric,
                report_id=report_id,
                metadata_view=view,
                metadata_body_part="",
            )
            b.images.append(truth)
            b.reports.append(
                ReportTruth(
                    report_id=report_id,
                    dataset="chestxray14",
                    key_column=report_csv.IMAGE_INDEX,
                    key=name,
                    text=report.text,
                    labels=report.labels,
                    chexpert=report.chexpert(),
                    image_findings=truth.findings,
                    misleading=report.misleading,
                    misleading_finding=report.misleading_finding,
                    history_mentions=report.history_mentions,
                )
            )
            if in_google and quirks.body_part == "CHEST":
                google[google_split].append((truth, shown))
            prior, prior_day = shown, day
            day = day + timedelta(days=int(irng.integers(20, 400)))
    b.write_csv(root / DATA_ENTRY, DATA_ENTRY_HEADER, entries, trailing_comma=True)
    b.write_csv(root / report_csv.REPORTS_CSV, CXR14_REPORTS_HEADER, report_rows)
    _google4(b, google)


def _google4(b: CohortBuilder, google: dict[str, list[tuple[ImageTruth, frozenset[str]]]]) -> None:
    root = b.out_dir / GOOGLE4_DIR
    seed = b.config.seed
    panel = [
        (
            4300000000 + stable_int(seed, "google4-reader", i, bits=28),
            SimulatedReader(DEFAULT_PANEL[i % len(DEFAULT_PANEL)], seed),
        )
        for i in range(max(b.config.google4_readers + 2, 5))
    ]
    reader_rows: list[list[object]] = []
    for split in ("test", "validation"):
        filename = GOOGLE4_FILES[split]
        rows = []
        for truth, shown in sorted(google[split], key=lambda t: t[0].key):
            labels = google4_truth(shown)
            rows.append(
                [
                    truth.key,
                    int(truth.patient_id),
                    int(truth.key[9:12]),
                    int(truth.age_years),
                    truth.sex,
                    truth.metadata_view,
                ]
                + [expert.YES if labels[g] else expert.NO for g in GOOGLE4_FINDINGS]
            )
            rng = b.rng("google4-panel", truth.key)
            chosen = sorted(rng.choice(len(panel), size=b.config.google4_readers, replace=False).tolist())
            for i in chosen:
                reader_id, reader = panel[i]
                answers = reader.read(truth.key, labels)
                reader_rows.append(
                    [truth.key, int(truth.patient_id), reader_id]
                    + [_yes_no(answers[g], g) for g in GOOGLE4_FINDINGS]
                )
        b.write_csv(root / filename, GOOGLE4_LABELS_HEADER, rows)
    b.write_csv(root / GOOGLE4_FILES["readers"], GOOGLE4_READERS_HEADER, reader_rows)
