"""Keyed pseudonyms: stable, separated by kind, valid DICOM, and useless without the key."""

import datetime as dt

import pytest
from pydicom.valuerep import validate_value

from annotations.privacy.pseudonyms import Pseudonymiser

KEY = b"k" * 32


def test_same_original_same_pseudonym_and_kinds_differ():
    ps = Pseudonymiser(KEY)
    assert ps.patient_id("12345") == Pseudonymiser(KEY).patient_id("12345")
    assert ps.patient_id("12345") != ps.patient_id("12346")
    assert ps.patient_id("12345")[1:] != ps.accession("12345")[1:]
    assert Pseudonymiser(b"o" * 32).patient_id("12345") != ps.patient_id("12345")


def test_pseudonyms_fit_dicom_value_rules():
    ps = Pseudonymiser(KEY)
    for original in ["1.2.3", "1.2.826.0.1.3680043.8.498." + "9" * 30, "x"]:
        uid = ps.uid(original)
        assert uid.startswith("2.25.") and len(uid) <= 64
        validate_value("UI", uid, 2)  # raises on an invalid UID
    assert len(ps.patient_id("MRN-1")) == 16 and len(ps.accession("A1")) == 16
    assert ps.accession("") == "" and ps.uid("") == ""


def test_date_shift_is_per_patient_and_keeps_intervals():
    ps = Pseudonymiser(KEY)
    a, b = dt.date(2020, 1, 1), dt.date(2020, 3, 1)
    assert 62 <= ps.date_offset_days("p1") <= 791
    assert ps.shift_date("p1", b) - ps.shift_date("p1", a) == b - a
    offsets = {ps.date_offset_days(f"p{i}") for i in range(50)}
    assert len(offsets) > 40  # patients are shifted differently


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        Pseudonymiser(b"short")
