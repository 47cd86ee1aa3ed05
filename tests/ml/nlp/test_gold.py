"""The hand-written gold sets (tests/ml/nlp/gold/*.yaml), checked value by value.

Every finding of every case is compared: a finding the case does not list must come out blank.
Cases marked `known_failure` document limitations and must keep failing (strict xfail), so a fix
shows up as a test to update rather than going unnoticed.
"""

import pytest

from ml.nlp.gold import load_gold
from tests.ml.nlp.conftest import GOLD_FILES, get_labeler


def _cases():
    for path in GOLD_FILES:
        gold = load_gold(path)
        for i, case in enumerate(gold.cases):
            marks = [pytest.mark.xfail(strict=True, reason=case.known_failure)] if case.known_failure else []
            label = " ".join(case.text.split())[:50]
            yield pytest.param(gold.schema, gold.flags, case, id=f"{path.stem}-{i:03d}-{label}", marks=marks)


@pytest.mark.parametrize(("schema", "flags", "case"), list(_cases()))
def test_gold_case(schema, flags, case) -> None:
    labels = get_labeler(schema, flags).label(case.text)
    got = labels.values()
    wrong = {f: (want, got[f]) for f, want in case.expected.items() if got[f] != want}
    assert not wrong, f"(expected, got) per wrong finding: {wrong}"


def test_gold_sets_are_substantial(gold_sets) -> None:
    """Dozens of non-blank gold values per finding of the CheXpert schema, over all three kinds."""
    gold = gold_sets["chexpert"]
    for finding in gold.findings:
        values = [c.expected[finding] for c in gold.cases if c.expected[finding] is not None]
        assert len(values) >= 15, f"{finding}: only {len(values)} gold values"
    kinds = {c.expected[f] for c in gold.cases for f in gold.findings}
    assert kinds == {"positive", "negative", "uncertain", None}
