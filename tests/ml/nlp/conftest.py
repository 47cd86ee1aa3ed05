"""Labelers are costly to build (spaCy import, phrase lexicon), so each is built once per session."""

from collections.abc import Callable
from pathlib import Path

import pytest

from ml.nlp.gold import GoldSet, load_gold
from ml.nlp.labeler import ReportLabeler

GOLD_DIR = Path(__file__).with_name("gold")
GOLD_FILES = sorted(GOLD_DIR.glob("*.yaml"))

_labelers: dict[tuple, ReportLabeler] = {}


def get_labeler(schema: str, flags: tuple[str, ...] = (), engine: str = "fast") -> ReportLabeler:
    key = (schema, flags, engine)
    if key not in _labelers:
        _labelers[key] = ReportLabeler(schema, flags=flags, engine=engine)
    return _labelers[key]


@pytest.fixture(scope="session")
def labeler_for() -> Callable[..., ReportLabeler]:
    return get_labeler


@pytest.fixture(scope="session")
def chexpert() -> ReportLabeler:
    return get_labeler("chexpert", ("Implant",))


@pytest.fixture(scope="session")
def gold_sets() -> dict[str, GoldSet]:
    return {path.stem: load_gold(path) for path in GOLD_FILES}
