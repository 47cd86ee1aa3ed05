"""A real Orthanc with DICOMweb, started once per session on free local ports and loaded with the
synthetic cohort's DICOM studies. Missing Orthanc: skip locally, an error with CI=true."""

from pathlib import Path

import pydicom
import pytest

from tests.support.orthanc import OrthancServer, ensure_orthanc, start_orthanc
from tests.support.services import in_ci


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory) -> OrthancServer:
    found = ensure_orthanc()
    if found is None:
        message = "Orthanc + DICOMweb plugin not installed (run scripts/test-services.sh as root)"
        if in_ci():
            pytest.fail(f"CI needs its real services: {message}")
        pytest.skip(message)
    binary, plugin = found
    server = start_orthanc(tmp_path_factory.mktemp("orthanc"), binary=binary, plugin=plugin)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pacs_cohort(tmp_path_factory) -> Path:
    """A DICOM-only synthetic cohort (seed 5): the files a PACS would hold."""
    from synthetic.cohort import CohortConfig, generate_cohort

    out = tmp_path_factory.mktemp("pacs-cohort")
    generate_cohort(
        out,
        CohortConfig(
            seed=5,
            n_cxr_patients=0,
            n_oct_patients=0,
            n_pediatric=0,
            n_chexpert_patients=0,
            n_dicom_patients=8,
            image_size=64,
            dicom_sr_rate=0.4,
        ),
    )
    return out / "dicom"


@pytest.fixture(scope="session")
def cohort_headers(pacs_cohort) -> dict[str, pydicom.Dataset]:
    """SOPInstanceUID -> header (no pixels) of every file in the cohort."""
    headers = {}
    for path in sorted(pacs_cohort.rglob("*.dcm")):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        headers[str(ds.SOPInstanceUID)] = ds
    return headers


@pytest.fixture(scope="session")
def loaded_orthanc(orthanc, pacs_cohort) -> OrthancServer:
    for path in sorted(pacs_cohort.rglob("*.dcm")):
        answer = orthanc.upload(path.read_bytes())
        assert answer["Status"] in ("Success", "AlreadyStored"), answer
    return orthanc
