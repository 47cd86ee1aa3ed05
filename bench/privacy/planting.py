"""Identifiers planted into synthetic reports, in two template sets: `dev` (what the scrubber was
written against) and `held` (other names, formats and phrasings, kept aside to check that it
generalises). Each planted report says which strings were planted and which a DICOM header would
have named (patient name, id, accession)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

NAMES = {
    "dev": (
        ("Horatio", "Whitfield"),
        ("Maria", "Gonzalez"),
        ("James", "Okafor"),
        ("Linda", "Nakamura"),
        ("Robert", "Kowalski"),
        ("Aisha", "Rahman"),
        ("Peter", "Lindqvist"),
        ("Grace", "Obi"),
    ),
    "held": (
        ("Beatrix", "Fairweather"),
        ("Tomasz", "Wiśniewski"),
        ("Chloe", "Dubois"),
        ("Kwame", "Mensah"),
        ("Ingrid", "Halvorsen"),
        ("Rajesh", "Iyer"),
        ("Siobhan", "O'Malley"),
        ("Diego", "Ferreira"),
    ),
}
DOCTORS = {
    "dev": (("Sarah", "Connor"), ("Bartholomew", "Quimby"), ("Helen", "Park")),
    "held": (("Miriam", "Achterberg"), ("Olusegun", "Adeyemi"), ("Claire", "Beaumont")),
}


@dataclass(frozen=True)
class Planted:
    text: str
    planted: dict[str, list[str]]  # class -> strings that must not survive
    known: list[str]  # what the DICOM header gives (patient name, id, accession)


def _date_formats(which: str, d: dt.date) -> str:
    if which == "dev":
        return random.choice([d.strftime("%m/%d/%Y"), d.isoformat(), d.strftime("%B %-d, %Y")])
    return random.choice([d.strftime("%d.%m.%Y"), d.strftime("%-d %b %Y"), d.strftime("%Y%m%d")])


def plant(report: str, rng: random.Random, which: str) -> Planted:
    random.seed(rng.random())
    first, last = rng.choice(NAMES[which])
    dfirst, dlast = rng.choice(DOCTORS[which])
    mrn = f"{rng.randrange(10**6, 10**8)}"
    acc = f"{rng.choice('AERX')}{rng.randrange(10**6, 10**8)}"
    dob = dt.date(rng.randrange(1930, 2005), rng.randrange(1, 13), rng.randrange(1, 28))
    exam = dt.date(rng.randrange(2015, 2024), rng.randrange(1, 13), rng.randrange(1, 28))
    prior = exam - dt.timedelta(days=rng.randrange(30, 900))
    phone = f"{rng.randrange(200, 999)}-{rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}"
    hh, mm = rng.randrange(1, 12), rng.randrange(0, 60)
    s_dob, s_exam, s_prior = (_date_formats(which, d) for d in (dob, exam, prior))
    if which == "dev":
        header = (
            f"Patient: {first} {last}   MRN: {mrn}   DOB: {s_dob}\nAccession #: {acc}   Exam date: {s_exam}\n"
        )
        tail = (
            f" Comparison made with the study of {s_prior}."
            f" Findings were discussed with Dr. {dfirst} {dlast} at {hh}:{mm:02d} pm by phone {phone}."
            f"\nElectronically signed by: {dfirst} {dlast}, MD on {s_exam}"
        )
    else:
        header = (
            f"NAME: {last.upper()}, {first.upper()}\n"
            f"Medical record number {mrn}; acc no. {acc}; born {s_dob}; examined {s_exam}\n"
        )
        tail = (
            f" Prior exam dated {s_prior} was reviewed."
            f" Critical result called to {first} {last}'s physician, Prof. {dlast},"
            f" tel {phone}, {hh}:{mm:02d}."
            f"\nReported by {dfirst} {dlast}"
        )
    planted = {
        "name": [first, last, dlast],
        "id": [mrn, acc],
        "date": [s_dob, s_exam, s_prior],
        "phone": [phone],
        "time": [f"{hh}:{mm:02d}"],
    }
    known = [f"{last.upper()}^{first.upper()}", mrn, acc]
    return Planted(header + report.rstrip() + tail, planted, known)
