"""Evaluation on a small example computed by hand (see the comments for the arithmetic)."""

import pytest

from ml.nlp.errors import ReportCSVError
from ml.nlp.evaluation import evaluate

P, N, U = "positive", "negative", "uncertain"
GOLD = [
    {"A": P, "B": None},
    {"A": P, "B": U},
    {"A": N, "B": U},
    {"A": U, "B": None},
    {"A": None, "B": P},
    {"A": N, "B": None},
]
PRED = [
    {"A": P, "B": None},
    {"A": N, "B": U},
    {"A": N, "B": None},
    {"A": P, "B": U},
    {"A": None, "B": P},
    {"A": None, "B": None},
]


def _prf(score) -> tuple[float, float, float, int, int]:
    return (
        round(score.precision, 6),
        round(score.recall, 6),
        round(score.f1, 6),
        score.support,
        score.predicted,
    )


def test_hand_computed_scores() -> None:
    result = evaluate(GOLD, PRED, ["A", "B"])
    a, b = result.scores["A"], result.scores["B"]
    # A positive: gold rows 0,1; predicted rows 0,3; both at row 0 -> P 1/2, R 1/2, F1 1/2
    assert _prf(a[P]) == (0.5, 0.5, 0.5, 2, 2)
    # A negative: gold rows 2,5; predicted rows 1,2; both at row 2 -> 1/2 each
    assert _prf(a[N]) == (0.5, 0.5, 0.5, 2, 2)
    # A uncertain: gold row 3, never predicted -> 0 (defined: there is a gold instance)
    assert _prf(a[U]) == (0.0, 0.0, 0.0, 1, 0) and a[U].defined
    # B positive: row 4 both -> 1; B negative: none anywhere -> undefined; B uncertain: gold 1,2, pred 1,3
    assert _prf(b[P]) == (1.0, 1.0, 1.0, 1, 1)
    assert not b[N].defined
    assert _prf(b[U]) == (0.5, 0.5, 0.5, 2, 2)
    # exact value agreement, blanks included: A rows 0,2,4 -> 3/6; B rows 0,1,4,5 -> 4/6
    assert result.accuracy == pytest.approx({"A": 0.5, "B": 4 / 6})
    # macro averages over the findings with a defined score
    assert (result.macro[P].f1, result.macro[P].findings) == (pytest.approx(0.75), 2)
    assert (result.macro[N].f1, result.macro[N].findings) == (pytest.approx(0.5), 1)
    assert (result.macro[U].precision, result.macro[U].recall, result.macro[U].f1) == pytest.approx(
        (0.25, 0.25, 0.25)
    )
    assert result.macro_f1 == pytest.approx((0.75 + 0.5 + 0.25) / 3)


def test_table_lists_every_finding_and_the_averages() -> None:
    table = evaluate(GOLD, PRED, ["A", "B"]).format().splitlines()
    assert [cell.strip() for cell in table[0].split("|")[1:5]] == [P, N, U, "accuracy"]
    row_b = next(line for line in table if line.startswith("B "))
    assert "    -     -     -     0" in row_b  # B negative: undefined, shown as dashes
    assert table[-1] == "Overall macro F1: 0.500 (6 reports)"


def test_perfect_and_mismatched_inputs() -> None:
    assert evaluate(GOLD, GOLD, ["A", "B"]).macro_f1 == 1.0
    with pytest.raises(ReportCSVError, match="gold has 6 reports but predictions have 5"):
        evaluate(GOLD, PRED[:5], ["A", "B"])
