"""Keyed pseudonyms for the identifiers a source carries (Django-free).

Every identifier that enters Arbiter's tables (patient id, accession number, study/series/SOP
instance UIDs) is replaced by an HMAC-SHA256 of it under a secret key, so:

* the same original always gives the same pseudonym (re-imports stay idempotent, every image of a
  patient lands on one patient row, so patient-level splits hold);
* without the key nobody can go from a pseudonym back to the original, or test a guessed MRN;
* the kinds are separated (an accession number and a patient id with the same digits differ).

UID pseudonyms are valid DICOM UIDs under the ``2.25`` root (an integer of 128 bits, as PS3.5
B.2 allows for UUID-derived UIDs), so files rewritten with them stay valid DICOM. Patient and
accession pseudonyms fit DICOM's LO/SH value lengths (16 characters).

Dates move by a keyed per-patient offset (whole days, 62 to 791 days back): intervals between one
patient's studies are kept, calendar dates are not.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

UID_ROOT = "2.25."
MIN_SHIFT_DAYS = 62
SHIFT_SPAN_DAYS = 730


class PseudonymKind:
    PATIENT = "patient_id"
    ACCESSION = "accession"
    UID = "uid"
    PATIENT_NAME = "patient_name"  # stored in the mapping only, never used as a pseudonym


@dataclass(frozen=True)
class Pseudonymiser:
    """Pseudonyms under one key. The key must stay the same for the life of an installation."""

    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) < 16:
            raise ValueError("a pseudonym key needs at least 16 bytes")

    def _digest(self, kind: str, value: str) -> bytes:
        return hmac.new(self.key, f"{kind}\x1f{value}".encode(), hashlib.sha256).digest()

    def _code(self, kind: str, value: str, prefix: str) -> str:
        text = base64.b32encode(self._digest(kind, value)).decode("ascii").rstrip("=")
        return prefix + text[: 16 - len(prefix)]

    def patient_id(self, original: str) -> str:
        """'P' and 15 base-32 characters (75 bits)."""
        return self._code(PseudonymKind.PATIENT, original, "P")

    def accession(self, original: str) -> str:
        """'A' and 15 base-32 characters; blank stays blank (no accession is not an identifier)."""
        return self._code(PseudonymKind.ACCESSION, original, "A") if original else ""

    def uid(self, original: str) -> str:
        """A ``2.25.<128-bit integer>`` DICOM UID (at most 44 characters); blank stays blank."""
        if not original:
            return ""
        return UID_ROOT + str(int.from_bytes(self._digest(PseudonymKind.UID, original)[:16], "big"))

    def is_pseudonym_uid(self, value: str) -> bool:
        return value.startswith(UID_ROOT)

    def date_offset_days(self, patient_original: str) -> int:
        """How many days this patient's dates move back (62..791), the same for every study."""
        n = int.from_bytes(self._digest("date_shift", patient_original)[:8], "big")
        return MIN_SHIFT_DAYS + n % SHIFT_SPAN_DAYS

    def shift_date(self, patient_original: str, date: dt.date | None) -> dt.date | None:
        if date is None:
            return None
        return date - dt.timedelta(days=self.date_offset_days(patient_original))

    def seed(self, patient_original: str) -> str:
        """A per-patient seed for the DICOM de-identifier's own replacements (names, addresses)."""
        return self._digest("deid_seed", patient_original).hex()
