"""The orientation / inversion detector with any weights: its verdict turns with the film (the eight
views are pooled by the group's bookkeeping), flags carry the fix, laterals are judged up to a mirror,
and the weights file round-trips and refuses what is not one."""

import numpy as np
import pytest
import torch

from ml.detectors.dihedral import COMPOSE, DISTORTIONS, INVERSE, apply_np, fix_for
from ml.detectors.orientation import (
    OrientationDetector,
    load_orientation_detector,
    score_orientation,
)
from ml.detectors.orientation_net import OrientationNet
from ml.detectors.orientation_training import OrientationTrainConfig, train_orientation
from ml.nets.errors import CheckpointError, InputError
from tests.support.batchnorm import randomised_bn

SIZE = 32


@pytest.fixture(scope="module")
def net() -> OrientationNet:
    torch.manual_seed(3)
    return randomised_bn(OrientationNet(SIZE, (4, 6, 8, 8, 8)))


@pytest.fixture(scope="module")
def films() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (5, SIZE, SIZE), dtype=np.uint8)


def test_the_verdict_on_a_turned_film_is_the_turn_of_the_verdict(net, films):
    base = score_orientation(net, films).orientation
    for h in range(8):
        turned = score_orientation(net, apply_np(films, h)).orientation
        # P(film h·x was distorted by g) = P(x was distorted by h⁻¹∘g)
        expected = base[:, [int(COMPOSE[INVERSE[h], g]) for g in range(8)]]
        np.testing.assert_allclose(turned, expected, atol=1e-5)
    inv = score_orientation(net, films).inverted
    np.testing.assert_allclose(score_orientation(net, apply_np(films, 5)).inverted, inv, atol=1e-5)


def test_flags_name_the_distortion_and_carry_its_fix(net):
    det = OrientationDetector(net=net, threshold=0.5)
    post = np.full(8, 0.01)
    post[DISTORTIONS["hflip"]] = 0.93
    orient, inverted = det.flags_from_scores(post, 0.8)
    assert orient.kind == "flipped" and orient.flagged and orient.probability == pytest.approx(0.99)
    assert orient.detail["fix"] == {"rotate": 0, "flip": True, "invert": False}
    assert orient.detail["fix_label"] == "mirror left-right"
    assert inverted.kind == "inverted" and inverted.flagged and inverted.detail["fix"]["invert"] is True
    post = np.full(8, 0.01)
    post[DISTORTIONS["rot270"]] = 0.93
    orient, inverted = det.flags_from_scores(post, 0.2)
    assert orient.kind == "rotated" and orient.detail["fix"] == fix_for(3).to_dict() == {
        "rotate": 270,
        "flip": False,
        "invert": False,
    }
    assert not inverted.flagged
    upright = np.full(8, 0.01)
    upright[0] = 0.93
    assert not det.flags_from_scores(upright, 0.1)[0].flagged


def test_a_mirrored_lateral_is_not_a_problem_but_a_turned_one_is(net):
    det = OrientationDetector(net=net, threshold=0.5)
    post = np.full(8, 0.0)
    post[DISTORTIONS["hflip"]] = 1.0
    assert det.flags_from_scores(post, 0.0)[0].flagged
    lateral = det.flags_from_scores(post, 0.0, lateral=True)[0]
    assert not lateral.flagged and lateral.probability == pytest.approx(0.0)
    post = np.zeros(8)
    post[5] = 1.0  # mirrored and turned 90° CCW: for a lateral, just turned
    lateral = det.flags_from_scores(post, 0.0, lateral=True)[0]
    assert lateral.flagged and lateral.kind == "rotated" and lateral.detail["fix"]["rotate"] == 90
    with pytest.raises(InputError):
        det.detect(np.zeros((2, SIZE, SIZE), np.uint8), lateral=[True])


def test_detect_takes_any_size_and_threshold_is_checked(net):
    det = OrientationDetector(net=net)
    flags = det.detect([np.random.default_rng(1).random((50, 70)).astype(np.float32)])
    assert [f.kind for f in flags[0]][1] == "inverted" and len(flags) == 1
    with pytest.raises(InputError):
        OrientationDetector(net=net, threshold=0.0)


def test_weights_round_trip_and_bad_files_are_refused(net, films, tmp_path):
    det = OrientationDetector(net=net, threshold=0.7, metrics={"auc": 0.99})
    det.save(tmp_path / "o.pt", {"version": "t"})
    back = load_orientation_detector(tmp_path / "o.pt")
    assert back.threshold == 0.7 and back.metrics == {"auc": 0.99}
    np.testing.assert_allclose(back.score(films).orientation, det.score(films).orientation, atol=1e-6)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        load_orientation_detector(tmp_path / "junk.pt")
    torch.save({"format": "something-else"}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError):
        load_orientation_detector(tmp_path / "other.pt")
    with pytest.raises(CheckpointError):
        load_orientation_detector(tmp_path / "missing.pt")


def test_training_reports_each_epoch_and_stops_when_cancelled(films):
    cfg = OrientationTrainConfig(epochs=2, batch_size=4, views_per_film=2, size=SIZE)
    seen = []
    result = train_orientation(
        films, config=cfg, init=OrientationNet(SIZE, (4, 4, 4, 4, 4)), progress=seen.append
    )
    assert [(r.epoch, r.epochs) for r in seen] == [(1, 2), (2, 2)] and not result.cancelled
    asked = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) > 1

    result = train_orientation(
        films,
        config=cfg,
        init=OrientationNet(SIZE, (4, 4, 4, 4, 4)),
        progress=seen.append,
        should_cancel=cancel,
    )
    assert result.cancelled and result.history == [] and len(asked) == 2
    with pytest.raises(InputError):
        train_orientation(films.astype(np.float32), config=cfg)


def test_detector_core_imports_without_django():
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[3]
    code = (
        "import sys\n"
        "import ml.detectors.orientation, ml.detectors.orientation_training\n"
        "import ml.detectors.pretrained, ml.detectors.evaluation\n"
        "import ml.detectors.baseline, ml.detectors.devfilms\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'annotations', 'config'))\n"
        "assert not bad, bad\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(repo)
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_training_and_scoring_read_films_on_the_same_scale():
    """A net trained a little on drawn films tells inverted ones apart when scored: training must feed
    the net what scoring feeds it (uint8 films read as [0, 1]), or every clean film looks inverted."""
    from ml.detectors.orientation_training import augment

    rng = np.random.default_rng(4)
    films = np.zeros((24, SIZE, SIZE), np.uint8)
    for i in range(len(films)):
        films[i, :, :] = 40 + rng.integers(0, 20)
        films[i, :, 12:20] = 200  # a bright spine
        films[i, 20:, :] = 220  # a bright abdomen
    x = augment(torch.from_numpy(films), torch.Generator().manual_seed(0))
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    assert abs(float(x.mean()) - films.mean() / 255) < 0.1
    cfg = OrientationTrainConfig(epochs=3, batch_size=8, views_per_film=4, size=SIZE, lr=1e-2)
    result = train_orientation(films, config=cfg, init=OrientationNet(SIZE, (4, 4, 8, 8, 8)))
    s = score_orientation(result.net, np.concatenate([films, 255 - films]), tta=False)
    assert (s.inverted[: len(films)] < 0.5).mean() >= 0.9 and (s.inverted[len(films) :] >= 0.5).mean() >= 0.9
