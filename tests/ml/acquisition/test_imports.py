"""Acquisition, evaluation, splits and weak labels import without Django (and without torch, so a
light web or CPU worker process can rank and evaluate)."""

from tests.support.bare_import import top_level_modules_loaded


def test_import_bare() -> None:
    code = "import ml.acquisition, ml.evaluation, ml.splits, ml.weak_labels"
    assert top_level_modules_loaded(code, {"django", "annotations", "config", "torch"}) == []
