"""Counting detection: AUC, recall and false flags at the threshold, the fix check, and the baseline."""

import numpy as np
import pytest

from ml.detectors.baseline import baseline_scores
from ml.detectors.dihedral import DISTORTIONS, apply_np
from ml.detectors.evaluation import distort, evaluate, format_evaluation, roc_auc, roc_points
from ml.detectors.orientation import OrientationScores
from ml.nets.errors import InputError


def test_auc_counts_ordered_pairs_and_ties_half():
    assert roc_auc(np.array([0.1, 0.2]), np.array([0.3, 0.4])) == 1.0
    assert roc_auc(np.array([0.5, 0.6]), np.array([0.1, 0.2])) == 0.0
    assert roc_auc(np.array([0.5]), np.array([0.5])) == 0.5
    assert roc_auc(np.array([0.1, 0.5]), np.array([0.3])) == 0.5
    assert roc_points(np.array([0.1, 0.5]), np.array([0.3]))[0] == (0.5, 0.5, 0.0)


def scores(g: list[int], conf: float, inv: list[float]) -> OrientationScores:
    post = np.full((len(g), 8), (1 - conf) / 7)
    post[np.arange(len(g)), g] = conf
    return OrientationScores(post, np.array(inv))


def test_evaluate_counts_recall_false_flags_and_right_fixes():
    clean = scores([0, 0, 0, 4], 0.9, [0.1, 0.1, 0.6, 0.1])  # one mirrored-looking, one inverted-looking
    distorted = {
        "rot90": scores([1, 1, 1, 3], 0.9, [0.1] * 4),  # the last caught, with the wrong fix
        "hflip": scores([4, 4, 0, 4], 0.9, [0.1] * 4),  # one missed
        "invert": scores([0] * 4, 0.9, [0.9, 0.9, 0.9, 0.2]),
    }
    ev = evaluate(clean, distorted, 0.5)
    rot, flip, inv = ev.results
    # the mirrored-looking clean film is a false "flipped" flag, not a false "rotated" one
    assert (rot.recall, rot.false_flag_rate, rot.fix_correct) == (1.0, 0.0, 0.75)
    assert (flip.recall, flip.false_flag_rate, flip.fix_correct) == (0.75, 0.25, 0.75)
    assert (inv.recall, inv.false_flag_rate, inv.fix_correct) == (0.75, 0.25, None)
    assert ev.clean_flagged_any == 0.5 and not ev.passes()
    text = format_evaluation(ev, "t")
    assert "rot90" in text and "75.00%" in text


def test_distort_and_the_baseline_on_a_drawn_chest():
    x = np.zeros((64, 64), np.uint8)
    x[16:56, 8:28] = 60  # dark lungs
    x[16:56, 36:56] = 60
    x[:, 28:36] = 200  # bright spine
    x[44:, :] = 230  # bright abdomen below
    x[34:50, 32:48] = 220  # heart on the viewer's right
    films = np.stack([x, x])
    assert np.array_equal(distort(films, "hflip")[0], x[:, ::-1])
    assert np.array_equal(distort(films, "invert")[0], 255 - x)
    with pytest.raises(InputError):
        distort(films, "shear")
    s = baseline_scores(films)
    assert s.orientation.shape == (2, 8) and s.orientation[0].argmax() == 0
    assert baseline_scores(apply_np(films, DISTORTIONS["rot90"])).orientation[0].argmax() == 1
    assert s.inverted[0] < 0.5 < baseline_scores(255 - films).inverted[0]
