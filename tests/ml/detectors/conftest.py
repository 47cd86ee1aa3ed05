"""The bad-image detector core's tests: one torch thread; the real development films where present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.torch_threads import _one_torch_thread  # noqa: F401 (autouse, per package)

SHARED_DATA = Path(
    os.environ.get("ARBITER_SHARED_DATA", Path(__file__).resolve().parents[3] / ".." / "shared" / "data")
)
NIH_DEV = SHARED_DATA / "nih-cxr-dev"


@pytest.fixture(scope="session")
def nih_dev() -> Path:
    if not (NIH_DEV / "Data_Entry_2017.csv").is_file():
        pytest.skip(f"the real development films are not here ({NIH_DEV}): nothing to measure on")
    return NIH_DEV
