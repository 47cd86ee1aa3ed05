"""Chest DICOM studies plus reports.csv (and some Basic Text SR instances).

dicom/<AccessionNumber>/IM0001.dcm, IM0002.dcm (PA + lateral studies), SR0001.dcm (report SR)
reports.csv: accession_number,study_instance_uid,report_text — one row per DICOM study.
Encoding varies per image (see CohortConfig.dicom_*): CR or DX, MONOCHROME1/2, rescale, VOI LUT,
explicit / implicit VR little endian, RLE Lossless, JPEG 2000 Lossless.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from layouts import reports as report_csv
from synthetic._ids import dicom_uid, pseudonym, stable_int
from synthetic.builder import CohortBuilder, Quirks, follow_up_findings, sample_findings
from synthetic.cxr import CXR14_FINDINGS
from synthetic.dicom_files import DicomImageSpec, SrSpec, write_dicom_image, write_text_sr
from synthetic.ground_truth import ImageTruth, ReportTruth
from synthetic.reports import write_report

DICOM_DIR = "dicom"
REPORTS_CSV = report_csv.REPORTS_CSV
REPORTS_HEADER = report_csv.STUDY_REPORTS_HEADER
RESCALES: tuple[tuple[float, float], ...] = ((2.0, -1024.0), (1.25, -1000.0), (1.5, -500.0), (4.0, 0.0))
BASE_DATE = date(2018, 1, 1)


def dicom_age(age_years: float, rng: np.random.Generator) -> str:
    """DICOM AS: months for toddlers now and then, years otherwise."""
    if age_years < 3 and rng.random() < 0.5:
        return f"{int(age_years * 12):03d}M"
    return f"{int(age_years):03d}Y"


def report_sections(text: str) -> tuple[tuple[str, str], ...]:
    """'HEADING: body' lines of a generated report as (heading, body) pairs."""
    out = []
    for line in text.splitlines():
        head, _, body = line.partition(": ")
        out.append((head.strip(), body.strip()))
    return tuple(out)


def _encoding(b: CohortBuilder, rng: np.random.Generator) -> dict[str, object]:
    c = b.config
    u = rng.random(6)
    slope, intercept = (
        RESCALES[int(rng.integers(len(RESCALES)))] if u[0] < c.dicom_rescale_rate else (1.0, 0.0)
    )
    if u[2] < c.dicom_rle_rate:
        syntax = "rle"
    elif u[2] < c.dicom_rle_rate + c.dicom_j2k_rate:
        syntax = "j2k"
    elif u[2] < c.dicom_rle_rate + c.dicom_j2k_rate + c.dicom_implicit_rate:
        syntax = "implicit"
    else:
        syntax = "explicit"
    return {
        "rescale_slope": slope,
        "rescale_intercept": intercept,
        "photometric": "MONOCHROME1" if u[1] < c.dicom_monochrome1_rate else "MONOCHROME2",
        "voi_lut": bool(u[3] < c.dicom_voi_lut_rate),
        "transfer_syntax": syntax,
        "modality": "CR" if u[4] < 0.4 else "DX",
    }


def build_dicom(b: CohortBuilder) -> None:
    c = b.config
    seed = c.seed
    report_rows: list[list[object]] = []
    study_no = 0
    for k in range(c.n_dicom_patients):
        rng = b.rng("dicom-patient", k)
        pediatric = bool(rng.random() < c.pediatric_rate)
        age = float(rng.integers(1, 10)) if pediatric else float(rng.integers(18, 92))
        sex = "M" if rng.random() < 0.55 else "F"
        patient_id = f"SYN{pseudonym(seed, 'dicom-patient', k)}"
        day = BASE_DATE + timedelta(days=int(rng.integers(0, 1500)))
        prior: frozenset[str] = frozenset()
        prior_day: date | None = None
        for s in range(int(rng.integers(1, 3))):
            study_no += 1
            srng = b.rng("dicom-study", k, s)
            findings = (
                sample_findings(srng, c.normal_rate)
                if s == 0
                else follow_up_findings(srng, prior, c.normal_rate)
            )
            accession = f"{stable_int(seed, 'accession', k, s) % 10**10:010d}"
            study_uid = dicom_uid(seed, "study", k, s)
            study_quirk = b.quirks(srng)  # body part is per study: a knee study is a knee study
            view = "AP" if srng.random() < 0.3 else "PA"
            views = [view]
            if view == "PA" and study_quirk.body_part == "CHEST" and srng.random() < c.dicom_two_view_rate:
                views.append("LL")
            metadata_part = study_quirk.body_part if srng.random() < 0.6 else "CHEST"
            hh, mm, ss = int(srng.integers(7, 19)), int(srng.integers(0, 60)), int(srng.integers(0, 60))
            study_time = f"{hh:02d}{mm:02d}{ss:02d}"
            dicom_age_text = dicom_age(age, srng)
            base_spec: DicomImageSpec | None = None
            shown = findings if study_quirk.body_part == "CHEST" else frozenset()
            report = write_report(
                srng,
                shown,
                misleading_rate=c.misleading_rate,
                prior=prior if s else None,
                age=int(age),
                sex=sex,
                view=view,
                body_part=study_quirk.body_part,
                comparison_date=prior_day.isoformat() if prior_day and s else None,
            )
            report_id = f"dicom:{accession}"
            for n, vp in enumerate(views, start=1):
                irng = b.rng("dicom-image", k, s, n)
                q = b.quirks(irng, allow_lateral=vp != "LL", allow_non_chest=False)
                quirks = Quirks(
                    body_part=study_quirk.body_part,
                    lateral=vp == "LL" or q.lateral,
                    rotation=q.rotation,
                    inverted=q.inverted,
                )
                image = b.render_chest(irng, findings, quirks, view=view, pediatric=pediatric)
                spec = DicomImageSpec(
                    patient_id=patient_id,
                    patient_name=patient_id,
                    patient_sex=sex,
                    patient_age=dicom_age_text,
                    study_uid=study_uid,
                    series_uid=dicom_uid(seed, "series", k, s, n),
                    sop_uid=dicom_uid(seed, "sop", k, s, n),
                    accession_number=accession,
                    study_date=day.strftime("%Y%m%d"),
                    study_time=study_time,
                    view_position=vp,
                    body_part=metadata_part,
                    series_number=n,
                    instance_number=1,
                    pixel_spacing_mm=round(350.0 / c.image_size, 4),
                    study_description=f"XR {study_quirk.body_part}",
                    **_encoding(b, irng),
                )
                base_spec = base_spec or spec
                rel = f"{DICOM_DIR}/{accession}/IM{n:04d}.dcm"
                path = b.out_dir / rel
                write_dicom_image(path, image, spec)
                b.note(path)
                b.images.append(
                    ImageTruth(
                        path=rel,
                        dataset="dicom",
                        key=spec.sop_uid,
                        patient_id=patient_id,
                        study_key=accession,
                        split="",
                        findings=tuple(f for f in CXR14_FINDINGS if f in shown),
                        label="",
                        rotation=quirks.rotation,
                        inverted=quirks.inverted,
                        view="LATERAL" if quirks.lateral else view,
                        body_part=quirks.body_part,
                        age_years=age,
                        sex=sex,
                        pediatric=pediatric,
                        report_id=report_id,
                        metadata_view=vp,
                        metadata_body_part=metadata_part,
                    )
                )
            if base_spec is not None and srng.random() < c.dicom_sr_rate:
                sr_path = b.out_dir / DICOM_DIR / accession / "SR0001.dcm"
                write_text_sr(
                    sr_path,
                    SrSpec(
                        image=base_spec,
                        series_uid=dicom_uid(seed, "sr-series", k, s),
                        sop_uid=dicom_uid(seed, "sr", k, s),
                        sections=report_sections(report.text),
                    ),
                )
                b.note(sr_path)
            report_rows.append([accession, study_uid, report.text])
            b.reports.append(
                ReportTruth(
                    report_id=report_id,
                    dataset="dicom",
                    key_column=report_csv.ACCESSION_NUMBER,
                    key=accession,
                    text=report.text,
                    labels=report.labels,
                    chexpert=report.chexpert(),
                    image_findings=tuple(f for f in CXR14_FINDINGS if f in shown),
                    misleading=report.misleading,
                    misleading_finding=report.misleading_finding,
                    history_mentions=report.history_mentions,
                )
            )
            prior, prior_day = shown, day
            day = day + timedelta(days=int(srng.integers(20, 400)))
    b.write_csv(b.out_dir / REPORTS_CSV, REPORTS_HEADER, report_rows)
