"""Test data for the browser tests, made with the platform's own services."""

from pathlib import Path

from annotations.ingest.dicom import import_dicom
from annotations.models import Dataset, Image
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from tests.imaging import factory


def cxr_dataset(slug: str = "cxr-e2e", **policy) -> Dataset:
    dataset, _ = dataset_get_or_create(
        slug=slug, name="Chest X-rays (e2e)", modality="CXR", schema_key="chestxray14", **policy
    )
    return dataset


def import_images(
    dataset: Dataset, folder: Path, n: int = 3, *, per_study: int = 1, size: int = 256
) -> list[Image]:
    """`n` 12-bit CR-like DICOMs (window 2048/4096), `per_study` images per study."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        study = f"1.2.826.0.1.3680043.8.498.77.{i // per_study + 1}"
        data = factory.dicom_bytes(
            factory.gradient(rows=size, cols=size, seed=100 + i),
            study_instance_uid=study,
            patient_id=f"E2E{i // per_study}",
            sop_instance_uid=f"{study}.{i + 1}",
            window=(2048, 4096),
        )
        (folder / f"{i}.dcm").write_bytes(data)
    import_dicom(dataset, [folder])
    return list(Image.objects.filter(dataset=dataset).order_by("id"))


def user_with_role(make_user, dataset: Dataset, username: str, role: str):
    user = make_user(username)
    membership_grant(dataset=dataset, user=user, role=role)
    return user


# The tail is hostile markup: the reading screen must show it as text and never run it.
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
REPORT = f"FINDINGS: Left basal atelectasis. Small left pleural effusion. No pneumothorax. {HOSTILE}"


def add_report_and_nlp(image: Image) -> None:
    """A report for the image's study and NLP labels with evidence spans into it."""
    import hashlib

    from annotations.models import Report
    from annotations.services.labels import LabelInput, labels_put

    Report.objects.get_or_create(
        study=image.study,
        defaults={"text": REPORT, "text_sha256": hashlib.sha256(REPORT.encode()).hexdigest()},
    )

    def span(phrase: str, rule: str) -> dict:
        start = REPORT.index(phrase)
        return {
            "start": start,
            "end": start + len(phrase),
            "text": phrase,
            "rule": rule,
            "section": "findings",
        }

    labels_put(
        image=image,
        schema=image.dataset.schema,
        source="nlp",
        source_version="e2e-1",
        labels={
            "Atelectasis": LabelInput("positive", evidence=[span("atelectasis", "mention")]),
            "Effusion": LabelInput("positive", evidence=[span("pleural effusion", "mention")]),
            "Pneumothorax": LabelInput("negative", evidence=[span("No pneumothorax", "negated")]),
        },
    )
