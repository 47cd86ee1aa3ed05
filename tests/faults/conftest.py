"""Fault tests reuse the reading protocol's fixtures (teams with token clients) and the worker-side
ML fixtures (a small imported ChestX-ray14 dataset and a tiny registered model)."""

from tests.annotations.reading.conftest import _fast_passwords, make_team  # noqa: F401
from tests.learning.worker.conftest import chexnet, nih  # noqa: F401
