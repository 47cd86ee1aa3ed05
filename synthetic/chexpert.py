"""CheXpert-v1.0-small layout.

CheXpert-v1.0-small/train.csv and valid.csv, header
  Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,
  Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,
  Pleural Effusion,Pleural Other,Fracture,Support Devices
Path = CheXpert-v1.0-small/{train,valid}/patient00001/study1/view1_frontal.jpg (view2_lateral.jpg).
train.csv labels are mined from the (unpublished) report in the CheXpert labeler's convention
1.0 / 0.0 / -1.0 / blank; valid.csv labels are the image truth, 1.0 / 0.0 only, as the radiologist
labels of the real validation set. AP/PA is blank for lateral views. Sex is Male / Female.
"""

from __future__ import annotations

from layouts import chexpert as layout
from synthetic.builder import CohortBuilder, Quirks, follow_up_findings, sample_findings
from synthetic.cxr import CXR14_FINDINGS
from synthetic.ground_truth import ImageTruth, ReportTruth
from synthetic.reports import CHEXPERT_OBSERVATIONS, chexpert_truth, write_report

CHEXPERT_DIR = layout.RELEASE_DIR
CHEXPERT_HEADER = layout.HEADER


def build_chexpert(b: CohortBuilder) -> None:
    c = b.config
    root = b.out_dir / CHEXPERT_DIR
    n = c.n_chexpert_patients
    n_valid = min(n - 1, max(1, round(n * c.chexpert_valid_fraction))) if n >= 2 else 0
    rows: dict[str, list[list[object]]] = {"train": [], "valid": []}
    for k in range(n):
        split = "valid" if k >= n - n_valid else "train"
        pid = k + 1
        rng = b.rng("chexpert-patient", pid)
        age = int(rng.integers(18, 91))
        sex = "Male" if rng.random() < 0.55 else "Female"
        n_studies = int(rng.integers(1, 4))
        prior: frozenset[str] = frozenset()
        for s in range(1, n_studies + 1):
            srng = b.rng("chexpert-study", pid, s)
            findings = (
                sample_findings(srng, c.normal_rate)
                if s == 1
                else follow_up_findings(srng, prior, c.normal_rate)
            )
            frontal_view = "AP" if srng.random() < 0.6 else "PA"
            views = [(layout.FRONTAL_FILE, frontal_view)]
            if srng.random() < 0.3:
                views.append((layout.LATERAL_FILE, "LATERAL"))
            report = write_report(
                srng,
                findings,
                misleading_rate=c.misleading_rate,
                prior=prior if s > 1 else None,
                age=age,
                sex=sex[0],
                view=frontal_view,
            )
            study_key = f"{layout.patient_folder(pid)}/{layout.study_folder(s)}"
            report_id = f"chexpert:{split}/{study_key}"
            labels = report.chexpert() if split == "train" else chexpert_truth(findings)
            for filename, view in views:
                vrng = b.rng("chexpert-image", pid, s, filename)
                quirks = b.quirks(vrng, allow_lateral=view != "LATERAL")
                if view == "LATERAL":
                    quirks = Quirks(
                        body_part="CHEST", lateral=True, rotation=quirks.rotation, inverted=quirks.inverted
                    )
                image = b.render_chest(vrng, findings, quirks, view=frontal_view, pediatric=False)
                rel_path = layout.image_path(split, pid, s, filename)
                path = b.out_dir / rel_path
                b.save_jpeg(path, image)
                is_lateral_meta = view == "LATERAL"
                shown = findings if quirks.body_part == "CHEST" else frozenset()
                rows[split].append(
                    [
                        rel_path,
                        sex,
                        age,
                        layout.LATERAL if is_lateral_meta else layout.FRONTAL,
                        layout.BLANK if is_lateral_meta else frontal_view,
                    ]
                    + [labels[o] for o in CHEXPERT_OBSERVATIONS]
                )
                b.images.append(
                    ImageTruth(
                        path=rel_path,
                        dataset="chexpert",
                        key=rel_path,
                        patient_id=layout.patient_folder(pid),
                        study_key=study_key,
                        split=split,
                        findings=tuple(f for f in CXR14_FINDINGS if f in shown),
                        label="",
                        rotation=quirks.rotation,
                        inverted=quirks.inverted,
                        view="LATERAL" if quirks.lateral else frontal_view,
                        body_part=quirks.body_part,
                        age_years=float(age),
                        sex=sex[0],
                        pediatric=False,
                        report_id=report_id,
                        metadata_view="LATERAL" if is_lateral_meta else frontal_view,
                        metadata_body_part="",
                    )
                )
            b.reports.append(
                ReportTruth(
                    report_id=report_id,
                    dataset="chexpert",
                    key_column="chexpert_study",
                    key=f"{split}/{study_key}",
                    text=report.text,
                    labels=report.labels,
                    chexpert=report.chexpert(),
                    image_findings=tuple(f for f in CXR14_FINDINGS if f in findings),
                    misleading=report.misleading,
                    misleading_finding=report.misleading_finding,
                    history_mentions=report.history_mentions,
                )
            )
            prior = findings
    for split in layout.SPLITS:
        b.write_csv(root / f"{split}.csv", CHEXPERT_HEADER, rows[split])
