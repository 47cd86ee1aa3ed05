"""The pediatric flag: a metadata rule on PatientAge, no model.

Ages come as DICOM Age Strings (`nnnD`, `nnnW`, `nnnM`, `nnnY`), as plain numbers of years (the
ChestX-ray14 CSV's `Patient Age`), or as strings of either. Images of patients younger than the
threshold (10 years by default, configurable per dataset) are flagged with probability 1.
"""

from __future__ import annotations

import math
import re

from ml.detectors.flags import PEDIATRIC, QCFlag
from ml.nets.errors import InputError

DEFAULT_THRESHOLD_YEARS = 10.0
_DICOM_AGE = re.compile(r"^\s*(\d{1,3})\s*([DWMY])\s*$", re.IGNORECASE)
_UNIT_YEARS = {"D": 1 / 365.25, "W": 7 / 365.25, "M": 1 / 12, "Y": 1.0}


def parse_age_years(value: str | float | int | None) -> float | None:
    """Age in years, or None when unknown (empty, None, NaN). Garbage raises InputError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"PatientAge must be a number or a DICOM age string, got {value!r}")
    if isinstance(value, int | float):
        if math.isnan(value):
            return None
        years = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        m = _DICOM_AGE.match(text)
        if m:
            years = int(m.group(1)) * _UNIT_YEARS[m.group(2).upper()]
        else:
            try:
                years = float(text)
            except ValueError:
                raise InputError(
                    f"cannot read PatientAge {text!r}: expected years or a DICOM age string "
                    "like '045Y' or '018M'"
                ) from None
    if years < 0 or years > 150:
        raise InputError(f"PatientAge {value!r} is outside 0..150 years")
    return years


def pediatric_flag(
    age: str | float | int | None, *, threshold_years: float = DEFAULT_THRESHOLD_YEARS
) -> QCFlag | None:
    """A pediatric QC flag for this age (flagged when younger than `threshold_years`); None if unknown."""
    if threshold_years <= 0:
        raise InputError("threshold_years must be positive")
    years = parse_age_years(age)
    if years is None:
        return None
    young = years < threshold_years
    return QCFlag(
        kind=PEDIATRIC,
        probability=1.0 if young else 0.0,
        flagged=young,
        detail={"age_years": round(years, 3), "threshold_years": threshold_years},
    )
