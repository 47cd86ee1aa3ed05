"""Pseudonymising identifiers on ingest and, for admins only, going back (every read audited).

`source_ids_pseudonymise` is what every ingest path calls: it turns a source's patient id,
accession number and UIDs into the keyed pseudonyms Arbiter stores (`annotations.privacy.
pseudonyms`) and records each (pseudonym, original) pair in the admin-only `IdentityMapping`.
`identity_reveal` and `original_uids` are the only readers of that table; each writes an audit
event (who, what kind, how many, why), never the original values themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings

from annotations.errors import ForbiddenError, InvalidInputError, NotFoundError
from annotations.models import Dataset, IdentityMapping
from annotations.privacy.pseudonyms import Pseudonymiser, PseudonymKind
from annotations.services.audit import audit_record

KINDS = (PseudonymKind.PATIENT, PseudonymKind.ACCESSION, PseudonymKind.UID, PseudonymKind.PATIENT_NAME)


@lru_cache(maxsize=4)
def _pseudonymiser_for(key: str, fallback: str) -> Pseudonymiser:
    if key:
        return Pseudonymiser(key.encode())
    # Development only (check --deploy refuses an unset key): derived from SECRET_KEY.
    return Pseudonymiser(hmac.new(fallback.encode(), b"arbiter-pseudonym-key", hashlib.sha256).digest())


def pseudonymiser() -> Pseudonymiser:
    """The installation's pseudonymiser (ARBITER_PSEUDONYM_KEY, which must never change)."""
    return _pseudonymiser_for(settings.ARBITER_PSEUDONYM_KEY, settings.SECRET_KEY)


@dataclass(frozen=True)
class SourceIds:
    """Identifiers as the source gives them."""

    patient_id: str
    study_uid: str
    accession: str = ""
    sop_uid: str = ""
    study_date: dt.date | None = None
    patient_name: str = ""


@dataclass(frozen=True)
class StoredIds:
    """The same identifiers as Arbiter stores them, and how dates and the file were shifted."""

    patient_id: str
    study_uid: str
    accession: str
    sop_uid: str
    study_date: dt.date | None
    date_offset_days: int
    seed: str


def mapping_record(pairs: Iterable[tuple[str, str, str]]) -> None:
    """Store (kind, pseudonym, original) pairs; known pairs are left as they are."""
    rows = [IdentityMapping(kind=k, pseudonym=p, original=o[:256]) for k, p, o in pairs if p and o]
    if rows:
        IdentityMapping.objects.bulk_create(rows, ignore_conflicts=True)


def source_ids_pseudonymise(dataset: Dataset, ids: SourceIds) -> StoredIds:
    """The stored form of `ids` under the dataset's policy; records the mapping back."""
    ps = pseudonymiser()
    offset = ps.date_offset_days(ids.patient_id) if dataset.shift_dates else 0
    stored = StoredIds(
        patient_id=ps.patient_id(ids.patient_id),
        study_uid=ps.uid(ids.study_uid),
        accession=ps.accession(ids.accession),
        sop_uid=ps.uid(ids.sop_uid),
        study_date=ids.study_date - dt.timedelta(days=offset) if ids.study_date else None,
        date_offset_days=offset,
        seed=ps.seed(ids.patient_id),
    )
    mapping_record(
        [
            (PseudonymKind.PATIENT, stored.patient_id, ids.patient_id),
            (PseudonymKind.UID, stored.study_uid, ids.study_uid),
            (PseudonymKind.ACCESSION, stored.accession, ids.accession),
            (PseudonymKind.UID, stored.sop_uid, ids.sop_uid),
            (PseudonymKind.PATIENT_NAME, stored.patient_id, ids.patient_name),
        ]
    )
    return stored


def uid_pseudonym(original: str) -> str:
    """A UID's pseudonym, recorded (for UIDs inside a stored file: series, referenced instances)."""
    pseudonym = pseudonymiser().uid(original)
    mapping_record([(PseudonymKind.UID, pseudonym, original)])
    return pseudonym


def known_originals(pseudonyms: dict[str, str]) -> dict[str, str]:
    """Originals of {kind: pseudonym} for internal use that shows them to nobody (report scrubbing)."""
    found: dict[str, str] = {}
    for kind, pseudonym in pseudonyms.items():
        row = IdentityMapping.objects.filter(kind=kind, pseudonym=pseudonym).first()
        if row is not None:
            found[kind] = row.original
    return found


def _require_admin(actor: Any) -> None:
    if not getattr(actor, "is_staff", False):
        raise ForbiddenError("Only admins may see original identifiers.")


def identity_reveal(*, actor: Any, kind: str, pseudonym: str, reason: str) -> str:
    """The original behind one pseudonym, for an admin, audited (reason required)."""
    _require_admin(actor)
    if kind not in KINDS:
        raise InvalidInputError(f"kind must be one of {', '.join(KINDS)}")
    if not reason.strip():
        raise InvalidInputError("say why you need the original identifier (reason)")
    row = IdentityMapping.objects.filter(kind=kind, pseudonym=pseudonym).first()
    if row is None:
        raise NotFoundError("No such pseudonym.")
    audit_record(
        actor=actor,
        action="identity.reveal",
        obj=row,
        after={"kind": kind, "pseudonym": pseudonym, "reason": reason.strip()[:200]},
    )
    return row.original


def original_uids(
    *, actor: Any, uids: Iterable[str], purpose: str, dataset: Dataset | None = None
) -> dict[str, str]:
    """Pseudonymous UID -> original UID, for a system process such as the PACS send-back.

    Pseudonyms without a mapping (UIDs Arbiter made itself) map to themselves. One audit event
    per call records who asked, why and how many UIDs were resolved."""
    wanted = {u for u in uids if u}
    found = dict(
        IdentityMapping.objects.filter(kind=PseudonymKind.UID, pseudonym__in=wanted).values_list(
            "pseudonym", "original"
        )
    )
    if found:
        first = IdentityMapping.objects.filter(kind=PseudonymKind.UID, pseudonym__in=list(found)[:1]).first()
        audit_record(
            actor=actor,
            action="identity.resolve_uids",
            obj=first,
            dataset=dataset,
            after={"purpose": purpose, "count": len(found)},
        )
    return {u: found.get(u, u) for u in wanted}
