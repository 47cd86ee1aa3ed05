"""Ingest from a PACS over DICOMweb: QIDO-RS finds studies, WADO-RS retrieves their instances, and
each instance goes through the DICOM import path (``annotations.ingest.dicom.import_blob``).

* Resumable: each study whose instances were all retrieved and passed through the importer gets a
  ``PacsStudySync`` row (status complete, with the instance count the PACS reported). A later run
  skips it unless the PACS now reports a different count, so an interrupted import resumes at the
  first unfinished study and a periodic sync fetches only what is new.
* Idempotent: the importer dedupes by SOPInstanceUID and pixel checksum, so re-importing a partial
  study stores nothing twice.
* Errors: a PACS that cannot be reached or answers QIDO with an error raises ``PacsError`` (nothing
  stored, nothing marked); one instance that cannot be retrieved is a per-file error in the summary
  and leaves its study partial (retried next run); a retrieved instance that is bad DICOM is the
  importer's per-file error and does not block the study (retrying would not fix it).
* Arbiter's own label SRs sent back to the PACS (``annotations.services.exports.pacs_sr``) are
  recognised and skipped, so they never overwrite a study's report.
* Pseudonymous: the importer stores keyed pseudonyms of the PACS's identifiers; the sync table and
  per-instance error names use the same pseudonyms, never the PACS's UIDs or accession numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import requests
from dicomweb_client.api import DICOMwebClient
from django.db import transaction
from django.utils import timezone

from annotations.errors import DomainError
from annotations.ingest.dicom import import_blob
from annotations.ingest.results import IngestSummary, ProgressCallback
from annotations.ingest.sources import Blob
from annotations.models import PacsSource, PacsStudySync
from annotations.services.privacy.identity import pseudonymiser
from imaging.sr_marks import ARBITER_SR_MANUFACTURER

__all__ = [
    "ARBITER_SR_MANUFACTURER",
    "PacsClient",
    "PacsError",
    "PacsImportResult",
    "PacsInstance",
    "PacsQuery",
    "PacsStudy",
    "pacs_import",
]

# Tags (QIDO-RS JSON keys)
_STUDY_UID = "0020000D"
_SERIES_UID = "0020000E"
_SOP_UID = "00080018"
_SOP_CLASS = "00080016"
_ACCESSION = "00080050"
_STUDY_DATE = "00080020"
_MODALITIES = "00080061"
_N_INSTANCES = "00201208"

_PAGE = 500
# dicomweb-client logs every study/instance UID at INFO; UIDs identify patients' studies.
logging.getLogger("dicomweb_client").setLevel(logging.WARNING)
# Keep the transfer syntax the PACS stored (no lossy or failing server-side transcoding).
_ANY_SYNTAX = (("application/dicom", "*"),)


class PacsError(DomainError):
    """The PACS could not be reached or refused a query: the import stopped, nothing was marked done."""

    code = "pacs_unavailable"
    http_status = 502


@dataclass(frozen=True)
class PacsQuery:
    """Which studies to import: StudyDate range (inclusive), ModalitiesInStudy, AccessionNumber."""

    since: dt.date | None = None
    until: dt.date | None = None
    modality: str = ""
    accession: str = ""

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"--since {self.since} is after --until {self.until}")
        for name in ("modality", "accession"):
            value = getattr(self, name)
            if any(c in value for c in "\\*?") or len(value) > 64:
                raise ValueError(f"{name} {value!r} must be a plain value (no wildcards or backslashes)")

    def search_filters(self) -> dict[str, str]:
        filters: dict[str, str] = {}
        if self.since or self.until:
            lo = self.since.strftime("%Y%m%d") if self.since else ""
            hi = self.until.strftime("%Y%m%d") if self.until else ""
            filters["StudyDate"] = lo if lo and lo == hi else f"{lo}-{hi}"
        if self.modality:
            filters["ModalitiesInStudy"] = self.modality
        if self.accession:
            filters["AccessionNumber"] = self.accession
        return filters


@dataclass(frozen=True)
class PacsStudy:
    uid: str
    accession: str = ""
    date: str = ""
    modalities: tuple[str, ...] = ()
    n_instances: int | None = None


@dataclass(frozen=True)
class PacsInstance:
    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class_uid: str = ""


@dataclass
class PacsImportResult:
    """Study-level counts plus the importer's IngestSummary (instances created / existing / failed)."""

    studies_found: int = 0
    studies_skipped: int = 0  # already complete from an earlier run
    studies_imported: int = 0  # completed in this run
    studies_partial: int = 0  # some instance could not be retrieved: retried next run
    instances_skipped: int = 0  # Arbiter's own label SRs
    summary: IngestSummary = field(default_factory=IngestSummary)

    def counts(self) -> dict[str, int]:
        studies = {k: v for k, v in asdict(self).items() if k != "summary"}
        return {**studies, **self.summary.counts()}

    def as_dict(self) -> dict:
        return {**self.counts(), "errors": self.summary.as_dict()["errors"]}

    def describe(self) -> str:
        return (
            f"{self.studies_found} studies found, {self.studies_skipped} already imported, "
            f"{self.studies_imported} imported, {self.studies_partial} partial; "
            f"instances: {self.summary.describe()}"
        )


def _first(item: dict, tag: str) -> str:
    values = item.get(tag, {}).get("Value") or [""]
    value = values[0]
    return str(value) if value is not None else ""


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


class PacsClient:
    """A DICOMweb client whose failures are PacsErrors with a message a user can act on."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        attempts: int = 3,
        session: requests.Session | None = None,
    ) -> None:
        """``attempts``: tries per request (connection errors, 408/429/503/504), backing off 0.5 s, 1 s..."""
        self.url = url.rstrip("/")
        try:
            self._client = DICOMwebClient(self.url, session=session, timeout=timeout)
        except (ValueError, requests.RequestException) as exc:
            raise PacsError(f"{url!r} is not a usable DICOMweb URL: {exc}", code="pacs_bad_url") from exc
        self._client.set_http_retry_params(
            retry=attempts > 1, max_attempts=max(attempts, 1), wait_exponential_multiplier=250
        )

    @property
    def dicomweb(self) -> DICOMwebClient:
        return self._client

    def _fail(self, what: str, exc: Exception) -> PacsError:
        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            reason = f"HTTP {exc.response.status_code}"
        else:
            reason = type(exc).__name__
        return PacsError(f"PACS at {self.url} failed to {what} ({reason}); check the URL and that it is up.")

    def find_studies(self, query: PacsQuery) -> list[PacsStudy]:
        try:
            found = self._client.search_for_studies(
                search_filters=query.search_filters(),
                fields=["NumberOfStudyRelatedInstances", "ModalitiesInStudy"],
                limit=_PAGE,
                get_remaining=True,
            )
        except (requests.RequestException, ValueError) as exc:
            raise self._fail("search for studies", exc) from exc
        studies = []
        for item in found:
            uid = _first(item, _STUDY_UID)
            if not uid:
                continue
            studies.append(
                PacsStudy(
                    uid=uid,
                    accession=_first(item, _ACCESSION),
                    date=_first(item, _STUDY_DATE),
                    modalities=tuple(str(v) for v in item.get(_MODALITIES, {}).get("Value") or []),
                    n_instances=_int_or_none(_first(item, _N_INSTANCES)),
                )
            )
        return studies

    def find_instances(self, study_uid: str) -> list[PacsInstance]:
        try:
            found = self._client.search_for_instances(
                study_instance_uid=study_uid, limit=_PAGE, get_remaining=True
            )
        except (requests.RequestException, ValueError) as exc:
            raise self._fail("list a study's instances", exc) from exc
        return [
            PacsInstance(
                study_uid=study_uid,
                series_uid=_first(i, _SERIES_UID),
                sop_uid=_first(i, _SOP_UID),
                sop_class_uid=_first(i, _SOP_CLASS),
            )
            for i in found
            if _first(i, _SERIES_UID) and _first(i, _SOP_UID)
        ]

    def retrieve(self, instance: PacsInstance):
        """The instance as a pydicom Dataset (its stored transfer syntax); raises PacsError."""
        try:
            return self._client.retrieve_instance(
                instance.study_uid, instance.series_uid, instance.sop_uid, media_types=_ANY_SYNTAX
            )
        except Exception as exc:  # network, HTTP, or a part pydicom cannot parse: one bad instance
            raise self._fail("retrieve an instance", exc) from exc


def _to_bytes(ds) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _is_own_sr(ds) -> bool:
    return str(getattr(ds, "Modality", "")) == "SR" and str(getattr(ds, "Manufacturer", "")) == (
        ARBITER_SR_MANUFACTURER
    )


def _pending(source: PacsSource, studies: list[PacsStudy]) -> Iterator[PacsStudy]:
    ps = pseudonymiser()
    done = {
        s.study_instance_uid: s.instances_expected
        for s in PacsStudySync.objects.filter(
            source=source,
            study_instance_uid__in=[ps.uid(s.uid) for s in studies],
            status=PacsStudySync.Status.COMPLETE,
        )
    }
    for study in studies:
        key = ps.uid(study.uid)
        if key in done and (study.n_instances is None or done[key] == study.n_instances):
            continue
        yield study


def _mark(source: PacsSource, study: PacsStudy, *, complete: bool, imported: int, failed: int) -> None:
    PacsStudySync.objects.update_or_create(
        source=source,
        study_instance_uid=pseudonymiser().uid(study.uid),
        defaults={
            "status": PacsStudySync.Status.COMPLETE if complete else PacsStudySync.Status.PARTIAL,
            "instances_expected": study.n_instances,
            "instances_imported": imported,
            "instances_failed": failed,
        },
    )


def _import_study(
    client: PacsClient,
    source: PacsSource,
    study: PacsStudy,
    result: PacsImportResult,
    tick: Callable[[], None],
) -> None:
    summary = result.summary
    ps = pseudonymiser()
    label = ps.accession(study.accession) or ps.uid(study.uid)
    instances = client.find_instances(study.uid)
    imported = failed = 0
    retrieval_failed = False
    for instance in instances:
        name = f"pacs:{label}/{ps.uid(instance.sop_uid)}"
        try:
            ds = client.retrieve(instance)
        except PacsError as exc:
            summary.error(name, "pacs_retrieve_failed", str(exc))
            retrieval_failed = True
            failed += 1
            tick()
            continue
        if _is_own_sr(ds):
            result.instances_skipped += 1
            tick()
            continue
        before = summary.failed
        try:
            content = _to_bytes(ds)
        except Exception as exc:  # pydicom could parse it but not write it back: bad DICOM
            summary.error(name, "bad_dicom", f"instance cannot be re-encoded ({type(exc).__name__})")
        else:
            import_blob(source.dataset, Blob(name, content), summary)
        if summary.failed > before:
            failed += 1
        else:
            imported += 1
        tick()
    complete = not retrieval_failed
    _mark(source, study, complete=complete, imported=imported, failed=failed)
    if complete:
        result.studies_imported += 1
    else:
        result.studies_partial += 1


def pacs_import(
    source: PacsSource,
    query: PacsQuery,
    *,
    client: PacsClient | None = None,
    on_progress: ProgressCallback | None = None,
) -> PacsImportResult:
    """Import the studies matching `query` from `source` into its dataset; see the module docstring.

    ``on_progress(done, total)`` counts instances (total from the PACS's study-level counts, None
    when it does not report them). Raises PacsError when the PACS cannot be queried.
    """
    client = client or PacsClient(source.url)
    result = PacsImportResult()
    studies = client.find_studies(query)
    result.studies_found = len(studies)
    pending = list(_pending(source, studies))
    result.studies_skipped = len(studies) - len(pending)
    counts = [s.n_instances for s in pending]
    total = None if any(c is None for c in counts) else sum(c or 0 for c in counts)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(done, total)

    for study in pending:
        _import_study(client, source, study, result, tick)
    with transaction.atomic():
        PacsSource.objects.filter(pk=source.pk).update(
            last_sync_at=timezone.now(), last_sync_summary=result.counts()
        )
    return result
