"""PACS import over DICOMweb against a real Orthanc: what arrives equals a direct file import, reruns
fetch nothing, an interrupted import resumes, filters select the right studies, failures are clean."""

import datetime as dt
import io

import pydicom
import pytest
import requests
from django.core.management import CommandError, call_command

from annotations.ingest.dicom import import_dicom
from annotations.ingest.pacs import PacsClient, PacsError, PacsQuery, pacs_import
from annotations.ingest.pacs_sources import pacs_source_get_or_create
from annotations.models import Image, PacsSource, PacsStudySync, Report, Study
from annotations.services.datasets.datasets import dataset_get_or_create
from annotations.services.privacy.identity import pseudonymiser
from tests.imaging import factory
from tests.support.ports import free_port

pytestmark = pytest.mark.django_db


class CountingSession(requests.Session):
    """A plain requests session that counts what it sends (to prove what a run fetched)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        self.urls.append(f"{method} {url}")
        return super().request(method, url, *args, **kwargs)


class Interrupted(Exception):
    pass


def _dataset(slug: str):
    return dataset_get_or_create(slug=slug, modality="CXR", schema_key="chestxray14")[0]


def _source(slug: str, orthanc):
    return pacs_source_get_or_create(dataset=_dataset(slug), url=orthanc.dicomweb_url)[0]


def _images(cohort_headers) -> dict[str, pydicom.Dataset]:
    return {uid: ds for uid, ds in cohort_headers.items() if ds.Modality != "SR"}


def _pseudo(uids) -> set[str]:
    """Arbiter stores the PACS's UIDs as keyed pseudonyms."""
    return {pseudonymiser().uid(str(u)) for u in uids}


def _srs(cohort_headers) -> dict[str, pydicom.Dataset]:
    return {uid: ds for uid, ds in cohort_headers.items() if ds.Modality == "SR"}


def _checksums(dataset) -> dict[str, str]:
    return dict(Image.objects.filter(dataset=dataset).values_list("sop_instance_uid", "pixel_checksum"))


def test_command_imports_what_a_direct_file_import_stores(loaded_orthanc, pacs_cohort, cohort_headers):
    out = io.StringIO()
    call_command(
        "import_pacs", "--dataset", "via-pacs", "--create", "--url", loaded_orthanc.dicomweb_url, stdout=out
    )
    via_pacs = PacsSource.objects.get().dataset
    direct = _dataset("direct")
    direct_summary = import_dicom(direct, [pacs_cohort])
    assert direct_summary.failed == 0

    images = _images(cohort_headers)
    n_studies = len({str(ds.StudyInstanceUID) for ds in cohort_headers.values()})
    assert len(images) >= 8 and _srs(cohort_headers), "the cohort should have several images and an SR"
    pacs_sums = _checksums(via_pacs)
    assert set(pacs_sums) == _pseudo(images)
    assert pacs_sums == _checksums(direct)
    # Study metadata and SR reports arrive as from files.
    assert set(
        Study.objects.filter(dataset=via_pacs).values_list("study_instance_uid", "accession_number")
    ) == {
        (pseudonymiser().uid(str(ds.StudyInstanceUID)), pseudonymiser().accession(str(ds.AccessionNumber)))
        for ds in cohort_headers.values()
    }
    assert Report.objects.filter(study__dataset=via_pacs).count() == len(_srs(cohort_headers))
    assert sorted(
        Report.objects.filter(study__dataset=via_pacs).values_list("text_sha256", flat=True)
    ) == sorted(Report.objects.filter(study__dataset=direct).values_list("text_sha256", flat=True))
    text = out.getvalue()
    assert f"{n_studies} studies found, 0 already imported, {n_studies} imported, 0 partial" in text
    assert f"{len(images)} created" in text
    assert PacsStudySync.objects.filter(status="complete").count() == n_studies


def test_second_run_fetches_and_imports_nothing(loaded_orthanc, cohort_headers):
    source = _source("twice", loaded_orthanc)
    first = pacs_import(source, PacsQuery())
    assert first.summary.created == len(_images(cohort_headers))
    session = CountingSession()
    second = pacs_import(source, PacsQuery(), client=PacsClient(source.url, session=session))
    assert second.studies_skipped == second.studies_found == first.studies_found
    assert (second.studies_imported, second.summary.created, second.summary.existing) == (0, 0, 0)
    # Only the QIDO study search (and its paging): no instance listed, none retrieved.
    assert session.urls and all("/dicom-web/studies?" in u for u in session.urls)
    assert Image.objects.filter(dataset=source.dataset).count() == first.summary.created


def test_interrupted_import_resumes_without_duplicates(loaded_orthanc, cohort_headers):
    source = _source("resume", loaded_orthanc)
    n_images = len(_images(cohort_headers))

    def stop_after_three(done, total):
        assert total == len(cohort_headers)  # Orthanc reports NumberOfStudyRelatedInstances
        if done == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        pacs_import(source, PacsQuery(), on_progress=stop_after_three)
    stored_first = Image.objects.filter(dataset=source.dataset).count()
    complete_first = PacsStudySync.objects.filter(source=source, status="complete").count()
    assert 1 <= stored_first <= 3 and complete_first < stored_first + 1
    assert complete_first >= 1

    session = CountingSession()
    resumed = pacs_import(source, PacsQuery(), client=PacsClient(source.url, session=session))
    assert resumed.studies_skipped == complete_first
    assert resumed.studies_imported == resumed.studies_found - complete_first
    assert resumed.summary.failed == 0
    # Only the interrupted study's already-stored instances come back as "existing".
    assert resumed.summary.created == n_images - stored_first
    assert Image.objects.filter(dataset=source.dataset).count() == n_images
    assert set(_checksums(source.dataset)) == _pseudo(_images(cohort_headers))
    retrieved = [u for u in session.urls if "/instances/" in u and u.startswith("GET")]
    assert len(retrieved) < len(cohort_headers)


def test_filters_select_studies_by_date_modality_and_accession(loaded_orthanc, cohort_headers):
    studies = {str(ds.StudyInstanceUID): ds for ds in cohort_headers.values() if ds.Modality != "SR"}
    dates = sorted({str(ds.StudyDate) for ds in studies.values()})
    lo, hi = dates[1], dates[-2]
    client = PacsClient(loaded_orthanc.dicomweb_url)
    since = dt.datetime.strptime(lo, "%Y%m%d").date()
    until = dt.datetime.strptime(hi, "%Y%m%d").date()
    found = {s.uid for s in client.find_studies(PacsQuery(since=since, until=until))}
    assert found == {uid for uid, ds in studies.items() if lo <= str(ds.StudyDate) <= hi}
    assert found and len(found) < len(studies)

    for modality in ("CR", "DX"):
        want = {str(ds.StudyInstanceUID) for ds in cohort_headers.values() if ds.Modality == modality}
        assert {s.uid for s in client.find_studies(PacsQuery(modality=modality))} == want

    some = next(iter(studies.values()))
    source = _source("one-accession", loaded_orthanc)
    result = pacs_import(source, PacsQuery(accession=str(some.AccessionNumber)))
    assert result.studies_found == 1
    assert set(Study.objects.filter(dataset=source.dataset).values_list("study_instance_uid", flat=True)) == (
        _pseudo([some.StudyInstanceUID])
    )


def test_a_new_instance_in_a_completed_study_is_fetched_next_run(loaded_orthanc, cohort_headers):
    source = _source("grows", loaded_orthanc)
    first = pacs_import(source, PacsQuery())
    target = next(ds for ds in cohort_headers.values() if ds.Modality != "SR")
    extra = factory.dicom_dataset(
        factory.gradient(40, 40, seed=77),
        study_instance_uid=str(target.StudyInstanceUID),
        patient_id=str(target.PatientID),
        study_date=dt.datetime.strptime(str(target.StudyDate), "%Y%m%d").date(),
    )
    extra.AccessionNumber = target.AccessionNumber
    orthanc_id = loaded_orthanc.upload(factory.to_bytes(extra))["ID"]
    try:
        second = pacs_import(source, PacsQuery())
    finally:
        loaded_orthanc.delete_instance(orthanc_id)
    assert second.studies_imported == 1 and second.studies_skipped == first.studies_found - 1
    assert (second.summary.created, second.summary.existing) == (1, 1)
    assert Image.objects.filter(dataset=source.dataset).count() == first.summary.created + 1


def test_bad_instance_on_the_pacs_is_a_per_file_error(loaded_orthanc):
    ds = factory.dicom_dataset(
        factory.gradient(32, 32, seed=3), study_instance_uid="1.2.826.0.1.3680043.8.498.99"
    )
    ds.Rows = 60_000
    ds.Columns = 60_000  # declares 3.6 gigapixels: refused before decoding
    ds.AccessionNumber = "BAD-PIXELS-1"
    content = factory.to_bytes(ds)
    orthanc_id = loaded_orthanc.upload(content)["ID"]
    try:
        source = _source("bad-instance", loaded_orthanc)
        result = pacs_import(source, PacsQuery(accession=str(ds.AccessionNumber)))
    finally:
        loaded_orthanc.delete_instance(orthanc_id)
    assert result.studies_found == 1 and result.summary.failed == 1
    assert result.summary.errors[0].file.endswith(pseudonymiser().uid(str(ds.SOPInstanceUID)))
    assert Image.objects.filter(dataset=source.dataset).count() == 0
    sync = PacsStudySync.objects.get(source=source)
    assert (sync.status, sync.instances_failed) == ("complete", 1)  # retrying would not fix it


def test_unreachable_pacs_is_a_clean_error(db):
    url = f"http://127.0.0.1:{free_port()}/dicom-web"
    source = pacs_source_get_or_create(dataset=_dataset("down"), url=url)[0]
    with pytest.raises(PacsError, match="failed to search for studies"):
        pacs_import(source, PacsQuery(), client=PacsClient(url, timeout=2, attempts=1))
    assert not PacsStudySync.objects.exists()
    with pytest.raises(CommandError, match="check the URL"):
        call_command("import_pacs", "--dataset", "down", "--url", url)


def test_query_values_are_checked():
    with pytest.raises(ValueError, match="after"):
        PacsQuery(since=dt.date(2020, 2, 1), until=dt.date(2020, 1, 1))
    with pytest.raises(ValueError, match="wildcards"):
        PacsQuery(accession="12*")
    assert PacsQuery(since=dt.date(2020, 1, 2)).search_filters() == {"StudyDate": "20200102-"}
    assert PacsQuery(until=dt.date(2020, 1, 2), modality="CR").search_filters() == {
        "StudyDate": "-20200102",
        "ModalitiesInStudy": "CR",
    }


def test_periodic_task_syncs_enabled_sources_within_their_window(loaded_orthanc, cohort_headers):
    from django.utils import timezone

    from annotations.tasks.pacs import pacs_sync_all
    from config.celery import app as celery_app

    images = _images(cohort_headers)
    dates = sorted({str(ds.StudyDate) for ds in images.values()})
    cutoff = dt.datetime.strptime(dates[len(dates) // 2], "%Y%m%d").date()
    lookback = (timezone.localdate() - cutoff).days
    on, _ = pacs_source_get_or_create(
        dataset=_dataset("periodic"), url=loaded_orthanc.dicomweb_url, enabled=True, lookback_days=lookback
    )
    pacs_source_get_or_create(dataset=_dataset("not-periodic"), url=loaded_orthanc.dicomweb_url)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        assert pacs_sync_all.apply().get() == [on.pk]
    finally:
        celery_app.conf.task_always_eager = eager
    in_window = {uid for uid, ds in images.items() if str(ds.StudyDate) >= cutoff.strftime("%Y%m%d")}
    assert 0 < len(in_window) < len(images)
    assert set(_checksums(on.dataset)) == _pseudo(in_window)
    on.refresh_from_db()
    assert on.last_sync_at is not None and on.last_sync_summary["created"] == len(in_window)
    assert not Image.objects.filter(dataset__slug="not-periodic").exists()
