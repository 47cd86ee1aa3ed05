"""The eight orientations: every distortion has a fix that brings the film back, as rendered."""

import numpy as np
import pytest

from ml.detectors.dihedral import (
    COMPOSE,
    DISTORTIONS,
    INVERSE,
    N_ORIENTATIONS,
    Fix,
    apply_np,
    apply_torch,
    fix_for,
    undo_np,
)

FILM = np.arange(12 * 12, dtype=np.uint8).reshape(12, 12)  # no symmetry: every element differs


def test_the_eight_elements_are_distinct_and_named_distortions_are_what_they_say():
    seen = {apply_np(FILM, g).tobytes() for g in range(N_ORIENTATIONS)}
    assert len(seen) == 8
    assert np.array_equal(apply_np(FILM, DISTORTIONS["rot90"]), np.rot90(FILM))
    assert np.array_equal(apply_np(FILM, DISTORTIONS["rot180"]), np.rot90(FILM, 2))
    assert np.array_equal(apply_np(FILM, DISTORTIONS["rot270"]), np.rot90(FILM, 3))
    assert np.array_equal(apply_np(FILM, DISTORTIONS["hflip"]), FILM[:, ::-1])
    assert np.array_equal(apply_np(FILM, DISTORTIONS["vflip"]), FILM[::-1, :])


@pytest.mark.parametrize("g", range(N_ORIENTATIONS))
def test_the_fix_undoes_each_distortion_and_torch_agrees_with_numpy(g):
    import torch

    distorted = apply_np(FILM, g)
    assert np.array_equal(undo_np(distorted, fix_for(g)), FILM)
    assert np.array_equal(apply_torch(torch.from_numpy(FILM), g).numpy(), distorted)
    assert np.array_equal(apply_np(distorted, INVERSE[g]), FILM)


def test_composition_table_matches_applying_one_after_the_other():
    for h in range(8):
        for g in range(8):
            assert np.array_equal(apply_np(apply_np(FILM, g), h), apply_np(FILM, int(COMPOSE[h, g])))


def test_fix_words_and_inversion():
    assert fix_for(0) == Fix() and fix_for(0).label == "nothing"
    assert fix_for(DISTORTIONS["rot90"]).label == "rotate 90° clockwise"
    assert fix_for(DISTORTIONS["rot180"]).label == "rotate 180°"
    assert fix_for(DISTORTIONS["hflip"]).label == "mirror left-right"
    assert fix_for(DISTORTIONS["vflip"]) == Fix(rotate=180, flip=True)
    assert np.array_equal(undo_np(255 - FILM, Fix(invert=True)), FILM)
