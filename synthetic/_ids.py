"""Stable identifiers derived from the cohort seed: integers, RNGs, DICOM UIDs, pseudonyms.

Everything is a hash of (seed, parts...), so the same seed gives the same ids in any run and on
any machine, and an id never depends on how many other items were generated before it.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_int(seed: int, *parts: object, bits: int = 63) -> int:
    """A non-negative integer < 2**bits from a hash of the seed and parts."""
    text = "\x1f".join([str(seed), *map(str, parts)])
    value = int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big")
    return value % (1 << bits)


def item_rng(seed: int, *parts: object) -> np.random.Generator:
    """An independent generator for one item (image, patient, report...)."""
    return np.random.default_rng(np.random.SeedSequence(stable_int(seed, *parts, bits=126)))


def dicom_uid(seed: int, *parts: object) -> str:
    """A valid 2.25.<128-bit int> UID derived from the seed and parts (no randomness, no clock)."""
    return f"2.25.{stable_int(seed, 'dicom-uid', *parts, bits=128)}"


def pseudonym(seed: int, *parts: object, length: int = 8) -> str:
    """An upper-case hex pseudonym, e.g. for PatientID."""
    return f"{stable_int(seed, 'pseudonym', *parts, bits=4 * length):0{length}X}"
