"""A small labelled cohort for the learning tests: real PNG pixels (so a model can train on them),
patients with several images, NLP labels (positive / negative / uncertain / blank) and adjudicated
labels on a chosen share of the images, written through the import and label services."""

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from annotations.ingest.rasters import store_raster
from annotations.ingest.results import IngestSummary
from annotations.ingest.store import PatientInfo, StudyInfo
from annotations.models import Dataset, Image, LabelSchema, Patient
from annotations.models.choices import LabelSource
from annotations.services.labels import LabelInput, expert_labels_import, labels_put
from synthetic import render_cxr, render_oct
from tests.imaging.factory import png_bytes

# google4's findings drawn as the synthetic chest findings that look like them
DRAWN = {"Pneumothorax": "Pneumothorax", "Nodule or mass": "Mass", "Airspace opacity": "Consolidation"}
_seq = itertools.count(1)


@dataclass
class Cohort:
    dataset: Dataset
    images: list[Image] = field(default_factory=list)
    truth: dict[int, dict[str, bool]] = field(default_factory=dict)  # image id -> finding -> present
    adjudicated: list[int] = field(default_factory=list)


def findings_of(schema: LabelSchema) -> list[str]:
    return list(schema.findings.filter(is_derived=False).order_by("order").values_list("key", flat=True))


def make_cohort(
    dataset: Dataset,
    tmp: Path,
    *,
    patients: int,
    per_patient: int = 2,
    seed: int = 0,
    adjudicated_share: float = 0.6,
    prevalence: float = 0.35,
    size: int = 48,
    splits: tuple[str, ...] = (),
) -> Cohort:
    """Images with truth, NLP labels (truth with 10 % uncertain, 10 % blank) for every image and
    adjudicated labels (the truth) for about `adjudicated_share` of the patients. With `splits`, the
    patients are given these splits in turn (else the first training run hashes them)."""
    rng = np.random.default_rng(seed)
    keys = findings_of(dataset.schema)
    cohort = Cohort(dataset)
    tmp.mkdir(parents=True, exist_ok=True)
    for p in range(patients):
        pid = f"L{seed}-{next(_seq):05d}"
        adjudicate = rng.random() < adjudicated_share
        for k in range(per_patient):
            truth = {f: bool(rng.random() < prevalence) for f in keys}
            drawn = {DRAWN[f] for f, present in truth.items() if present and f in DRAWN}
            pixels = (render_cxr(rng, drawn, size=size) * 255).astype(np.uint8)
            path = tmp / f"{pid}-{k}.png"
            path.write_bytes(png_bytes(pixels))
            summary = IngestSummary()
            image = store_raster(
                dataset,
                path,
                summary,
                name=path.name,
                source_key=path.name,
                patient=PatientInfo(source_id=pid, age_years=50.0, sex="F"),
                study=StudyInfo(uid=f"2.25.{seed}.{p}.{k}.{next(_seq)}", modality="DX"),
                view_position="PA",
                body_part="CHEST",
            )
            assert image is not None, summary.errors
            if splits:
                Patient.objects.filter(pk=image.study.patient_id).update(split=splits[p % len(splits)])
            cohort.images.append(image)
            cohort.truth[image.pk] = truth
            nlp = {}
            for f, present in truth.items():
                u = rng.random()
                if u < 0.1:
                    nlp[f] = LabelInput("uncertain")
                elif u < 0.2:
                    nlp[f] = LabelInput("blank")
                else:
                    nlp[f] = LabelInput("positive" if present else "negative")
            labels_put(
                image=image,
                schema=dataset.schema,
                source=LabelSource.NLP,
                source_version="nlp-test-1",
                labels=nlp,
            )
            if adjudicate:
                expert_labels_import(
                    image=image,
                    schema=dataset.schema,
                    values={f: "positive" if v else "negative" for f, v in truth.items()},
                    reason="test cohort",
                )
                cohort.adjudicated.append(image.pk)
    return cohort


def make_oct_cohort(
    dataset: Dataset, tmp: Path, *, patients: int, per_patient: int = 2, seed: int = 0, size: int = 48
) -> Cohort:
    """OCT B-scans of known class, adjudicated (one class positive, the others negative), with the
    patients' splits fixed in turn train, train, validation, test."""
    rng = np.random.default_rng(seed)
    classes = findings_of(dataset.schema)
    cohort = Cohort(dataset)
    tmp.mkdir(parents=True, exist_ok=True)
    for p in range(patients):
        pid = f"O{seed}-{next(_seq):05d}"
        for k in range(per_patient):
            label = classes[(p + k) % len(classes)]
            path = tmp / f"{pid}-{k}.png"
            path.write_bytes(png_bytes((render_oct(rng, label, size=size) * 255).astype(np.uint8)))
            image = store_raster(
                dataset,
                path,
                IngestSummary(),
                name=path.name,
                source_key=path.name,
                patient=PatientInfo(source_id=pid),
                study=StudyInfo(uid=f"2.25.9{seed}.{p}.{k}.{next(_seq)}", modality="OPT"),
            )
            Patient.objects.filter(pk=image.study.patient_id).update(
                split=("train", "train", "validation", "test")[p % 4]
            )
            expert_labels_import(
                image=image,
                schema=dataset.schema,
                values={c: "positive" if c == label else "negative" for c in classes},
                reason="test cohort",
            )
            cohort.images.append(image)
            cohort.truth[image.pk] = {c: c == label for c in classes}
            cohort.adjudicated.append(image.pk)
    return cohort
