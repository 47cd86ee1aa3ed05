"""The NLP core is Django-free, and its fast path does not pull in medspacy."""

from tests.support.bare_import import top_level_modules_loaded


def test_imports_and_labels_without_django_or_medspacy() -> None:
    code = (
        "from ml.nlp import ReportLabeler\n"
        "from ml.nlp import chexpert_csv, evaluation, gold\n"
        "labels = ReportLabeler('google4').label('No pneumothorax.')\n"
        "assert labels['Pneumothorax'].value == 'negative'\n"
    )
    assert top_level_modules_loaded(code, {"django", "annotations", "config", "medspacy"}) == []
