"""Ground truth of a generated cohort, kept apart from the published-layout files.

``ground_truth/cohort.json`` holds everything (config, counts, one record per image, one per
report); ``images.csv`` and ``reports.csv`` are flat views of the same records for quick looks.
``load_ground_truth(out_dir)`` reads it back as dataclasses.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from synthetic.cxr import CXR14_FINDINGS
from synthetic.errors import SyntheticDataError
from synthetic.reports import CHEXPERT_OBSERVATIONS

GROUND_TRUTH_DIR = "ground_truth"
COHORT_JSON = "cohort.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ImageTruth:
    """What one written image really shows, and what its metadata claims."""

    path: str  # relative to the cohort directory, POSIX separators
    dataset: str  # chestxray14 | chexpert | dicom | oct | pediatric
    key: str  # Image Index, CheXpert Path, SOPInstanceUID or Kermany file name
    patient_id: str
    study_key: str  # follow-up image / CheXpert study / accession number
    split: str  # train | test | valid | "" (no split in the layout)
    findings: tuple[str, ...]  # true ChestX-ray14 findings in the pixels (empty for OCT / non-chest)
    label: str  # Kermany class (CNV, DME, DRUSEN, NORMAL, PNEUMONIA) or ""
    rotation: int  # 0 / 90 / 180 / 270: degrees clockwise the stored image is turned from upright
    inverted: bool  # displayed per its own convention, the image is a negative (bone dark)
    view: str  # PA | AP | LATERAL | "" (OCT)
    body_part: str  # CHEST | HAND | KNEE | ABDOMEN | EYE
    age_years: float
    sex: str  # M | F
    pediatric: bool  # age < 10, rendered with pediatric anatomy
    report_id: str = ""
    metadata_view: str = ""  # what the file's metadata says (View Position / ViewPosition / AP/PA)
    metadata_body_part: str = ""  # BodyPartExamined as written ("" where the layout has none)


@dataclass(frozen=True)
class ReportTruth:
    """What one report's text states, next to what its image(s) show."""

    report_id: str
    dataset: str
    key_column: str  # image_index | accession_number | chexpert_study
    key: str
    text: str
    labels: dict[str, str]  # CXR14 finding -> positive / negative / uncertain / ""
    chexpert: dict[str, str]  # CheXpert observation -> "1.0" / "0.0" / "-1.0" / ""
    image_findings: tuple[str, ...]
    misleading: str = ""  # "" | missed | overcall
    misleading_finding: str = ""
    history_mentions: tuple[str, ...] = field(default=())


@dataclass
class GroundTruth:
    config: dict[str, Any]
    counts: dict[str, int]
    images: list[ImageTruth]
    reports: list[ReportTruth]

    def image(self, path: str) -> ImageTruth:
        for item in self.images:
            if item.path == path:
                return item
        raise KeyError(path)

    def by_dataset(self, dataset: str) -> list[ImageTruth]:
        return [i for i in self.images if i.dataset == dataset]

    def report(self, report_id: str) -> ReportTruth:
        for item in self.reports:
            if item.report_id == report_id:
                return item
        raise KeyError(report_id)


def write_ground_truth(
    out_dir: Path,
    config: dict[str, Any],
    counts: dict[str, int],
    images: list[ImageTruth],
    reports: list[ReportTruth],
) -> list[Path]:
    """Write cohort.json, images.csv and reports.csv; returns the paths written."""
    gt_dir = out_dir / GROUND_TRUTH_DIR
    gt_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "format_version": FORMAT_VERSION,
        "config": config,
        "counts": counts,
        "images": [asdict(i) for i in images],
        "reports": [asdict(r) for r in reports],
    }
    json_path = gt_dir / COHORT_JSON
    json_path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    images_csv = gt_dir / "images.csv"
    columns = [
        "path", "dataset", "key", "patient_id", "study_key", "split", "findings", "label", "rotation",
        "inverted", "view", "body_part", "age_years", "sex", "pediatric", "report_id", "metadata_view",
        "metadata_body_part",
    ]  # fmt: skip
    with images_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for i in images:
            row = asdict(i)
            row["findings"] = "|".join(i.findings)
            row["inverted"] = int(i.inverted)
            row["pediatric"] = int(i.pediatric)
            writer.writerow([row[c] for c in columns])

    reports_csv = gt_dir / "reports.csv"
    with reports_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        head = [
            "report_id",
            "dataset",
            "key_column",
            "key",
            "misleading",
            "misleading_finding",
            "image_findings",
        ]
        writer.writerow(
            head + list(CXR14_FINDINGS) + [f"chexpert:{o}" for o in CHEXPERT_OBSERVATIONS] + ["text"]
        )
        for r in reports:
            writer.writerow(
                [
                    r.report_id,
                    r.dataset,
                    r.key_column,
                    r.key,
                    r.misleading,
                    r.misleading_finding,
                    "|".join(r.image_findings),
                ]
                + [r.labels.get(f, "") for f in CXR14_FINDINGS]
                + [r.chexpert.get(o, "") for o in CHEXPERT_OBSERVATIONS]
                + [r.text]
            )
    return [json_path, images_csv, reports_csv]


def load_ground_truth(out_dir: Path | str) -> GroundTruth:
    """Load ``<out_dir>/ground_truth/cohort.json`` written by ``generate_cohort``."""
    path = Path(out_dir) / GROUND_TRUTH_DIR / COHORT_JSON
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SyntheticDataError(
            f"no synthetic cohort ground truth at {path}; run generate_cohort first"
        ) from exc
    except json.JSONDecodeError as exc:
        raise SyntheticDataError(f"{path} is not valid JSON: {exc}") from exc
    if payload.get("format_version") != FORMAT_VERSION:
        raise SyntheticDataError(
            f"{path} has format_version {payload.get('format_version')!r}; "
            f"expected {FORMAT_VERSION} (regenerate the cohort)"
        )
    images = [ImageTruth(**{**i, "findings": tuple(i["findings"])}) for i in payload["images"]]
    reports = [
        ReportTruth(
            **{
                **r,
                "image_findings": tuple(r["image_findings"]),
                "history_mentions": tuple(r["history_mentions"]),
            }
        )
        for r in payload["reports"]
    ]
    return GroundTruth(config=payload["config"], counts=payload["counts"], images=images, reports=reports)
