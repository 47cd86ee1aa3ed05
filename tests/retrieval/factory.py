"""Rows for the retrieval tests: patients, studies and images (no pixels needed), model versions,
stored embeddings, final labels (published or not) and NLP labels."""

import itertools
from datetime import date

import numpy as np
from django.utils import timezone

from annotations.models import Dataset, Image, Label, LabelProvenance, Patient, Study, WorkItem
from annotations.models.choices import LabelSource, WorkState
from learning.models import ModelVersion, Prediction
from ml.retrieval import encode_embedding

_seq = itertools.count(1)


def patient(dataset: Dataset) -> Patient:
    return Patient.objects.create(dataset=dataset, pseudo_id=f"P{next(_seq):06d}")


def image(
    dataset: Dataset, *, pat: Patient | None = None, study: Study | None = None, study_date=None
) -> Image:
    k = next(_seq)
    if study is None:
        study = Study.objects.create(
            dataset=dataset,
            patient=pat or patient(dataset),
            study_instance_uid=f"1.2.826.0.9.{k}",
            study_date=study_date,
        )
    return Image.objects.create(
        dataset=dataset,
        study=study,
        sop_instance_uid=f"1.2.826.0.8.{k}",
        source_key=f"{k:08d}.png",
        file=f"images/{k}.png",
        file_format="png",
        pixel_checksum=f"{k:064x}",
        rows=8,
        cols=8,
        bits_stored=8,
        photometric_interpretation="MONOCHROME2",
        view_position="PA",
        derived_cache_key=f"r{k}",
    )


def model_version(dataset: Dataset, number: int = 1, *, status: str = "production", kind: str = "chexnet"):
    return ModelVersion.objects.create(
        dataset=dataset,
        kind=kind,
        number=number,
        status=status,
        weights_path=f"/nonexistent/{kind}-{number}.pt",
        weights_sha256="0" * 64,
    )


def embed(img: Image, mv: ModelVersion, vector) -> Prediction:
    return Prediction.objects.create(
        image=img, model_version=mv, probabilities={}, embedding=encode_embedding(np.asarray(vector))
    )


def finalise(img: Image, values: dict[str, str], *, how: str = "unanimous", rounds: int = 0) -> None:
    """Adjudicated labels (version 1) with provenance for the given findings."""
    findings = {f.key: f for f in img.dataset.schema.findings.all()}
    for key, value in values.items():
        label = Label.objects.create(
            image=img, finding=findings[key], source=LabelSource.ADJUDICATED, source_version="1", value=value
        )
        LabelProvenance.objects.create(label=label, how_reached=how, rounds=rounds, decided_at=timezone.now())


def queue(img: Image, state: str = WorkState.DONE) -> WorkItem:
    return WorkItem.objects.create(image=img, dataset=img.dataset, state=state, readers_needed=3)


def nlp(img: Image, values: dict[str, str]) -> None:
    findings = {f.key: f for f in img.dataset.schema.findings.all()}
    for key, value in values.items():
        Label.objects.create(
            image=img, finding=findings[key], source=LabelSource.NLP, source_version="nlp-1", value=value
        )


def case(dataset: Dataset, mv: ModelVersion, vector, values: dict[str, str], **kw) -> Image:
    """A published case: an image with an embedding and final labels, its item done."""
    img = image(dataset, **kw)
    embed(img, mv, vector)
    finalise(img, values)
    queue(img, WorkState.DONE)
    return img


__all__ = ["case", "date", "embed", "finalise", "image", "model_version", "nlp", "patient", "queue"]


def bulk_cases(dataset: Dataset, mv: ModelVersion, vectors: np.ndarray, positive: np.ndarray) -> list[int]:
    """Many published cases at once (imported expert labels, never queued): one patient, study and
    image each, an embedding row, and a final Pneumothorax label (positive where `positive`)."""
    n = len(vectors)
    base = next(_seq) * 100_000
    patients = Patient.objects.bulk_create(
        [Patient(dataset=dataset, pseudo_id=f"B{base + i}") for i in range(n)]
    )
    studies = Study.objects.bulk_create(
        [
            Study(dataset=dataset, patient=p, study_instance_uid=f"1.2.826.0.7.{base + i}")
            for i, p in enumerate(patients)
        ]
    )
    images = Image.objects.bulk_create(
        [
            Image(
                dataset=dataset,
                study=s,
                sop_instance_uid=f"1.2.826.0.6.{base + i}",
                file=f"images/b{base + i}.png",
                file_format="png",
                pixel_checksum=f"{base + i:064x}",
                rows=8,
                cols=8,
                bits_stored=8,
                photometric_interpretation="MONOCHROME2",
                derived_cache_key=f"b{base + i}",
            )
            for i, s in enumerate(studies)
        ]
    )
    Prediction.objects.bulk_create(
        [
            Prediction(image=im, model_version=mv, probabilities={}, embedding=encode_embedding(v))
            for im, v in zip(images, vectors, strict=True)
        ]
    )
    finding = dataset.schema.findings.get(key="Pneumothorax")
    labels = Label.objects.bulk_create(
        [
            Label(
                image=im,
                finding=finding,
                source=LabelSource.ADJUDICATED,
                source_version="1",
                value="positive" if pos else "negative",
            )
            for im, pos in zip(images, positive, strict=True)
        ]
    )
    now = timezone.now()
    LabelProvenance.objects.bulk_create(
        [LabelProvenance(label=lb, how_reached="imported", decided_at=now) for lb in labels]
    )
    return [im.pk for im in images]
