"""The left-right mirror head: antisymmetric (a film and its mirror get complementary verdicts), the
detector with it still turns its verdict with the film, it travels in the same weights file (old files
without it still load), and it learns a one-sided cue from films that carry it."""

import numpy as np
import pytest
import torch

from ml.detectors.dihedral import COMPOSE, DISTORTIONS, INVERSE, apply_np
from ml.detectors.mirror_net import (
    MirrorNet,
    MirrorTrainConfig,
    half,
    mirror_logit,
    train_mirror,
)
from ml.detectors.orientation import OrientationDetector, load_orientation_detector
from ml.detectors.orientation_net import FORMAT, OrientationNet
from ml.nets.errors import CheckpointError, InputError
from tests.support.batchnorm import randomised_bn

SIZE = 32  # the orientation net's; the mirror head reads twice that
WIDTHS = (4, 6, 8, 8)


@pytest.fixture(scope="module")
def detector() -> OrientationDetector:
    torch.manual_seed(5)
    net = randomised_bn(OrientationNet(SIZE, (4, 6, 8, 8, 8)))
    mirror = randomised_bn(MirrorNet(2 * SIZE, WIDTHS))
    with torch.no_grad():  # decided verdicts, not near-ties between turns
        net.head.weight.mul_(40.0)
        mirror.head.weight.mul_(40.0)
    return OrientationDetector(net=net, mirror=mirror, threshold=0.5)


@pytest.fixture(scope="module")
def films() -> np.ndarray:
    return np.random.default_rng(2).integers(0, 256, (6, 2 * SIZE, 2 * SIZE), dtype=np.uint8)


def test_a_film_and_its_mirror_get_complementary_verdicts(detector, films):
    x = torch.from_numpy(films)
    with torch.no_grad():
        a = mirror_logit(detector.mirror, x)
        b = mirror_logit(detector.mirror, torch.flip(x, dims=[-1]))
    assert a.abs().max() > 1e-4  # not trivially zero
    torch.testing.assert_close(a, -b)


def test_the_verdict_with_the_mirror_head_still_turns_with_the_film(detector, films):
    base = detector.score(films).orientation
    np.testing.assert_allclose(base.sum(1), 1.0, atol=1e-6)
    for h in range(8):
        turned = detector.score(apply_np(films, h)).orientation
        expected = base[:, [int(COMPOSE[INVERSE[h], g]) for g in range(8)]]
        np.testing.assert_allclose(turned, expected, atol=1e-5)


def test_the_net_decides_the_turn_and_the_head_the_mirror(detector, films):
    """Whether a mirror came with the most likely turn is the head's call: its log-odds replace the
    net's split of that turn's probability (the net's own mirror opinion no longer votes)."""
    from ml.detectors.orientation import OrientationScores, refine_mirror, score_orientation

    plain_scores = score_orientation(detector.net, half(films))
    plain = plain_scores.orientation
    np.testing.assert_allclose(
        detector.score(films).orientation,
        refine_mirror([detector.mirror], films, plain_scores).orientation,
        atol=1e-6,
    )
    # films the net calls inverted are inverted back before the head looks
    inverted = np.arange(len(films)) % 2 == 0
    scores = refine_mirror([detector.mirror], films, OrientationScores(plain, inverted.astype(float)))
    refined = scores.orientation
    turn = plain[:, :4] + plain[:, 4:]
    np.testing.assert_allclose(refined[:, :4] + refined[:, 4:], turn, atol=1e-6)
    k = turn.argmax(1)
    seen = np.where(inverted[:, None, None], 255 - films, films)
    with torch.no_grad():
        upright = torch.stack(
            [torch.rot90(torch.from_numpy(f), -int(t), dims=(-2, -1)) for f, t in zip(seen, k, strict=True)]
        )
        head = mirror_logit(detector.mirror, upright).double().numpy()
    rows = np.arange(len(films))
    p = 1.0 / (1.0 + np.exp(-head))
    np.testing.assert_allclose(refined[rows, 4 + k] / turn[rows, k], p, atol=1e-5)
    # a net with the opposite opinion on the mirror (same turns) gets the same verdict on the turn it
    # names: the split of that turn's probability is the head's alone
    swapped = plain[:, [4, 5, 6, 7, 0, 1, 2, 3]]
    again = refine_mirror([detector.mirror], films, OrientationScores(swapped, inverted.astype(float)))
    for col in (k, 4 + k):
        np.testing.assert_allclose(again.orientation[rows, col], refined[rows, col], atol=1e-9)


def test_half_pools_two_by_two():
    x = np.arange(16, dtype=np.uint8).reshape(1, 4, 4)
    assert half(x).tolist() == [[[3, 5], [11, 13]]]  # means 2.5, 4.5, 10.5, 12.5 round half up
    with pytest.raises(InputError):
        half(np.zeros((1, 3, 3), np.uint8))


def test_the_mirror_head_travels_in_the_weights_file_and_old_files_still_load(detector, films, tmp_path):
    detector.save(tmp_path / "o.pt", {"version": "t"})
    back = load_orientation_detector(tmp_path / "o.pt")
    assert back.mirror is not None and back.input_size == 2 * SIZE
    np.testing.assert_allclose(back.score(films).orientation, detector.score(films).orientation, atol=1e-6)
    # a version-1 file: the net alone
    payload = torch.load(tmp_path / "o.pt", weights_only=True)
    v1 = {k: v for k, v in payload.items() if k != "mirrors"}
    v1["format_version"] = 1
    torch.save(v1, tmp_path / "v1.pt")
    old = load_orientation_detector(tmp_path / "v1.pt")
    assert old.mirror is None and old.input_size == SIZE
    assert payload["format"] == FORMAT
    bad = dict(payload, mirrors=[{"config": {"size": 3 * SIZE, "widths": list(WIDTHS)}, "state_dict": {}}])
    torch.save(bad, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError):
        load_orientation_detector(tmp_path / "bad.pt")
    with pytest.raises(InputError):
        OrientationDetector(net=detector.net, mirror=MirrorNet(4 * SIZE, WIDTHS))


def test_the_head_learns_a_one_sided_cue_and_stops_when_cancelled():
    """Films with a bright mark on the viewer's right only (a laterality marker): after a little
    training the head calls their mirrors mirrored and the films themselves not."""
    rng = np.random.default_rng(7)
    s = 2 * SIZE
    films = rng.integers(30, 90, (40, s, s)).astype(np.uint8)
    for f in films:
        top, left = rng.integers(4, 20), rng.integers(s - 22, s - 12)
        f[top : top + 8, left : left + 3] = 250
        f[top + 6 : top + 8, left : left + 7] = 250  # an "L", on the right
    cfg = MirrorTrainConfig(epochs=6, batch_size=8, views_per_film=4, size=s, lr=5e-3, occlude=0.0)
    result = train_mirror(films, config=cfg, init=MirrorNet(s, WIDTHS))
    assert [e for e, _, _ in result.history] == list(range(1, 7))
    x = torch.from_numpy(films[:20])
    with torch.no_grad():
        p_clean = torch.sigmoid(mirror_logit(result.net, x)).numpy()
    assert (p_clean < 0.5).mean() >= 0.9, p_clean
    calls = []
    cancelled = train_mirror(
        films, config=cfg, init=MirrorNet(s, WIDTHS), should_cancel=lambda: calls.append(1) or len(calls) > 2
    )
    assert cancelled.cancelled and cancelled.history == []
    with pytest.raises(InputError):
        train_mirror(films[:, :SIZE, :SIZE], config=cfg)
    assert DISTORTIONS["hflip"] == 4
