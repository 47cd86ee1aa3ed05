"""The laterality-marker head: it reads only the two top corners, a film and its mirror get
complementary verdicts, it abstains where the corners hold nothing, it learns a marker it was never
told about (an "L" in the top-right corner), it travels in the weights file beside the mirror head,
and files without it still load."""

import numpy as np
import pytest
import torch

from ml.detectors.marker_net import MarkerNet
from ml.detectors.mirror_net import MirrorNet, MirrorTrainConfig, mirror_logit, train_mirror
from ml.detectors.orientation import OrientationDetector, load_orientation_detector
from ml.detectors.orientation_net import FORMAT_VERSION, OrientationNet
from ml.nets.errors import CheckpointError, InputError
from tests.support.batchnorm import randomised_bn

SIZE = 32  # the orientation net's; the heads read twice that
S = 2 * SIZE
WIDTHS = (4, 6, 8)


def _with_l_marker(rng: np.random.Generator, n: int) -> np.ndarray:
    films = rng.integers(30, 90, (n, S, S)).astype(np.uint8)
    for f in films:
        top, left = rng.integers(2, 12), rng.integers(S - 14, S - 9)
        f[top : top + 8, left : left + 2] = 250
        f[top + 6 : top + 8, left : left + 6] = 250  # an "L", top right, reading the right way
    return films


@pytest.fixture(scope="module")
def marker() -> MarkerNet:
    torch.manual_seed(3)
    net = randomised_bn(MarkerNet(S, 0.45, WIDTHS))
    with torch.no_grad():
        net.head.weight.mul_(20.0)
    return net


def test_it_reads_only_the_top_corners_and_its_verdict_mirrors(marker):
    films = torch.from_numpy(np.random.default_rng(1).integers(0, 256, (5, S, S), dtype=np.uint8))
    with torch.no_grad():
        a = mirror_logit(marker, films)
        b = mirror_logit(marker, torch.flip(films, dims=[-1]))
        changed = films.clone()
        changed[:, marker.side :, :] = 0  # everything below the corners
        changed[:, : marker.side, S - marker.side - 4 : S - marker.side] = 0  # a strip between them
        c = mirror_logit(marker, changed)
    assert a.abs().max() > 1e-3
    torch.testing.assert_close(a, -b)
    torch.testing.assert_close(a, c)


def test_it_abstains_where_the_corners_are_alike(marker):
    """A film whose top corners mirror each other (no marker, nothing one-sided) gets log-odds 0."""
    rng = np.random.default_rng(4)
    films = rng.integers(0, 256, (4, S, S)).astype(np.uint8)
    films[..., S // 2 :] = films[..., : S // 2][..., ::-1]  # left half mirrored onto the right
    with torch.no_grad():
        lo = mirror_logit(marker, torch.from_numpy(films))
    torch.testing.assert_close(lo, torch.zeros_like(lo), atol=1e-5, rtol=0)


def test_it_learns_an_l_marker_from_films_assumed_upright():
    rng = np.random.default_rng(7)
    films = _with_l_marker(rng, 40)
    cfg = MirrorTrainConfig(epochs=6, batch_size=8, views_per_film=4, size=S, lr=5e-3, occlude=0.0)
    torch.manual_seed(0)
    result = train_mirror(films, config=cfg, init=MarkerNet(S, 0.45, WIDTHS))
    assert isinstance(result.net, MarkerNet) and len(result.history) == 6
    unseen = torch.from_numpy(_with_l_marker(np.random.default_rng(8), 20))
    with torch.no_grad():
        p_clean = torch.sigmoid(mirror_logit(result.net, unseen)).numpy()
        p_mirrored = torch.sigmoid(mirror_logit(result.net, torch.flip(unseen, dims=[-1]))).numpy()
    assert (p_clean < 0.5).mean() >= 0.9, p_clean
    assert (p_mirrored > 0.5).mean() >= 0.9, p_mirrored


def test_weights_with_the_marker_head_round_trip_and_older_files_load(tmp_path, marker):
    torch.manual_seed(5)
    net = randomised_bn(OrientationNet(SIZE, (4, 6, 8, 8, 8)))
    mirror = randomised_bn(MirrorNet(S, (4, 6, 8, 8)))
    det = OrientationDetector(net=net, mirror=mirror, marker=marker)
    films = np.random.default_rng(2).integers(0, 256, (6, S, S), dtype=np.uint8)
    det.save(tmp_path / "v4.pt")
    payload = torch.load(tmp_path / "v4.pt", weights_only=True)
    assert payload["format_version"] == FORMAT_VERSION == 4
    assert [m["config"]["corner"] for m in payload["markers"]] == [0.45]
    back = load_orientation_detector(tmp_path / "v4.pt")
    assert back.marker is not None and back.marker.side == marker.side and back.input_size == S
    np.testing.assert_allclose(back.score(films).orientation, det.score(films).orientation, atol=1e-6)
    # the marker head is heard: without it the verdicts differ
    without = OrientationDetector(net=net, mirror=mirror).score(films).orientation
    assert np.abs(without - det.score(films).orientation).max() > 1e-3
    # a version 2 file (one mirror head under "mirror", no marker head) still loads
    v2 = {k: v for k, v in payload.items() if k not in ("mirrors", "markers")}
    torch.save({**v2, "format_version": 2, "mirror": payload["mirrors"][0]}, tmp_path / "v2.pt")
    old = load_orientation_detector(tmp_path / "v2.pt")
    assert old.marker is None and isinstance(old.mirror, MirrorNet)
    np.testing.assert_allclose(old.score(films).orientation, without, atol=1e-6)
    # a marker head of the wrong size is refused, in a file and in code
    wrong = {"config": {"size": 3 * SIZE, "corner": 0.45, "widths": list(WIDTHS)}}
    wrong["state_dict"] = MarkerNet(3 * SIZE, 0.45, WIDTHS).state_dict()
    bad = dict(payload, markers=[wrong])
    torch.save(bad, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError):
        load_orientation_detector(tmp_path / "bad.pt")
    with pytest.raises(InputError):
        OrientationDetector(net=net, marker=MarkerNet(4 * SIZE, 0.45, WIDTHS))
    with pytest.raises(InputError):
        MarkerNet(S, 0.9, WIDTHS)
