"""Shared pieces of the importer fuzz tests: seed files, a dataset, and the 'nothing stored' check.

Every fuzz test is bounded (max_examples, no per-example deadline but small inputs) so the whole
tests/fuzz run stays well under a minute on a shared 2-core machine.
"""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest
from hypothesis import HealthCheck, settings

from annotations.models import Image
from annotations.services.datasets.datasets import dataset_get_or_create
from tests.imaging import factory


# Function-scoped fixtures (db, tmp_path) are shared across a test's examples on purpose: each
# example checks deltas, so state carried between examples is harmless.
def fuzz(max_examples: int) -> settings:
    """Hypothesis settings for an importer fuzz test: bounded, reproducible (derandomized), no DB."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
        database=None,
        derandomize=True,
    )


def seed_dicoms() -> dict[str, bytes]:
    """Valid DICOMs in the syntaxes the importer meets: explicit/implicit LE, RLE, JPEG 2000, SR."""
    base = factory.dicom_dataset(factory.gradient(16, 20, seed=1))
    implicit = pydicom.dcmread(io.BytesIO(factory.to_bytes(base)))
    implicit.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    out = {
        "explicit": factory.to_bytes(base),
        "implicit": factory.to_bytes(implicit),
        "rle": factory.to_bytes(
            factory.compressed(factory.dicom_dataset(factory.gradient(16, 20, seed=2)), "rle")
        ),
        "j2k": factory.to_bytes(
            factory.compressed(factory.dicom_dataset(factory.gradient(64, 64, seed=3)), "j2k")
        ),
        "monochrome1": factory.dicom_bytes(factory.gradient(12, 12, seed=4), photometric="MONOCHROME1"),
        "sr": factory.sr_bytes([("Findings", "Small left effusion."), ("Impression", "No pneumothorax.")]),
    }
    return out


SEEDS = seed_dicoms()


@pytest.fixture
def fuzz_dataset(db):
    return dataset_get_or_create(slug="fuzz", modality="CXR", schema_key="chestxray14")[0]


def stored_files(media_root: Path) -> set[Path]:
    images = Path(media_root) / "images"
    return {p for p in images.rglob("*") if p.is_file()} if images.exists() else set()


def assert_only_good_files_stored(dataset, media_root: Path) -> None:
    """Every stored file belongs to an Image row and every Image row has its file (no orphans)."""
    rows = {
        Path(media_root) / name
        for name in Image.objects.filter(dataset=dataset).values_list("file", flat=True)
    }
    files = stored_files(media_root)
    assert not {p for p in files if p.suffix == ".part"}, "a half-written file was left behind"
    assert files == rows


# The API fuzz test reuses the reading protocol's team fixtures.
from tests.annotations.reading.conftest import _fast_passwords, make_team  # noqa: E402, F401
