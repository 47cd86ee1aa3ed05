"""Heads trained from several seeds and read as one: the ensemble's log-odds are the mean of its
members', it stays antisymmetric, every member travels in the weights file (format 4), a format 3
file (one head of each kind) still loads and scores as before, and `train_heads` trains one head per
seed, counting its progress over all of them."""

import numpy as np
import pytest
import torch

from ml.detectors.head_ensemble import HeadEnsemble, ensemble, members_of
from ml.detectors.marker_net import MarkerNet
from ml.detectors.mirror_net import MirrorNet, MirrorTrainConfig, mirror_logit
from ml.detectors.orientation import OrientationDetector, load_orientation_detector
from ml.detectors.orientation_net import OrientationNet
from ml.detectors.pretrained import _seeded_marker, train_heads
from ml.nets.errors import CheckpointError, InputError
from tests.support.batchnorm import randomised_bn

SIZE = 32  # the orientation net's; the heads read twice that
S = 2 * SIZE
MIRROR_WIDTHS = (4, 6, 8, 8)
MARKER_WIDTHS = (4, 6, 8)


def _heads(kind: type, n: int, seed: int) -> list[torch.nn.Module]:
    torch.manual_seed(seed)
    out = []
    for _ in range(n):
        head = MirrorNet(S, MIRROR_WIDTHS) if kind is MirrorNet else MarkerNet(S, 0.45, MARKER_WIDTHS)
        head = randomised_bn(head)
        with torch.no_grad():
            head.head.weight.mul_(200.0)  # log-odds of a few units, not near-ties
        out.append(head)
    return out


@pytest.fixture(scope="module")
def films() -> np.ndarray:
    return np.random.default_rng(2).integers(0, 256, (6, S, S), dtype=np.uint8)


@pytest.fixture(scope="module")
def detector() -> OrientationDetector:
    torch.manual_seed(5)
    net = randomised_bn(OrientationNet(SIZE, (4, 6, 8, 8, 8)))
    return OrientationDetector(
        net=net,
        mirror=HeadEnsemble(_heads(MirrorNet, 3, 11)),
        marker=HeadEnsemble(_heads(MarkerNet, 2, 12)),
    )


def test_the_ensemble_log_odds_are_the_mean_of_its_members_and_mirror(films):
    members = _heads(MirrorNet, 3, 1)
    both = HeadEnsemble(members)
    x = torch.from_numpy(films)
    with torch.no_grad():
        each = torch.stack([mirror_logit(m, x) for m in members])
        got = mirror_logit(both, x)
        flipped = mirror_logit(both, torch.flip(x, dims=[-1]))
    assert (each.max(0).values - each.min(0).values).max() > 1e-3  # the members disagree
    torch.testing.assert_close(got, each.mean(0))
    torch.testing.assert_close(got, -flipped)
    assert ensemble(members[:1]) is members[0] and members_of(members[0]) == [members[0]]
    assert members_of(both) == members and both.size == S


def _mirror_split(post: np.ndarray) -> np.ndarray:
    """P(mirrored | the most likely turn): what the heads decide."""
    turn = post[:, :4] + post[:, 4:]
    k = turn.argmax(1)
    rows = np.arange(len(post))
    return post[rows, 4 + k] / turn[rows, k]


def test_an_ensemble_of_nothing_or_of_mixed_sizes_is_refused():
    with pytest.raises(InputError):
        HeadEnsemble([])
    with pytest.raises(InputError):
        HeadEnsemble([MirrorNet(S, MIRROR_WIDTHS), MirrorNet(2 * S, MIRROR_WIDTHS)])


def test_every_member_travels_in_the_weights_file_and_format_3_still_loads(detector, films, tmp_path):
    detector.save(tmp_path / "v4.pt")
    payload = torch.load(tmp_path / "v4.pt", weights_only=True)
    assert len(payload["mirrors"]) == 3 and len(payload["markers"]) == 2
    back = load_orientation_detector(tmp_path / "v4.pt")
    assert len(members_of(back.mirror)) == 3 and len(members_of(back.marker)) == 2
    scores = detector.score(films).orientation
    np.testing.assert_allclose(back.score(films).orientation, scores, atol=1e-6)
    # every member is heard: with one mirror head fewer the verdicts change
    fewer = OrientationDetector(
        net=detector.net, mirror=HeadEnsemble(members_of(detector.mirror)[:2]), marker=detector.marker
    )
    assert np.abs(_mirror_split(fewer.score(films).orientation) - _mirror_split(scores)).max() > 1e-3
    # a format 3 file holds one head of each kind under "mirror" and "marker"
    v3 = {k: v for k, v in payload.items() if k not in ("mirrors", "markers")}
    v3.update(format_version=3, mirror=payload["mirrors"][0], marker=payload["markers"][0])
    torch.save(v3, tmp_path / "v3.pt")
    old = load_orientation_detector(tmp_path / "v3.pt")
    assert isinstance(old.mirror, MirrorNet) and isinstance(old.marker, MarkerNet)
    first = OrientationDetector(
        net=detector.net, mirror=members_of(detector.mirror)[0], marker=members_of(detector.marker)[0]
    )
    np.testing.assert_allclose(old.score(films).orientation, first.score(films).orientation, atol=1e-6)
    # a member that does not match its config is refused
    broken = dict(payload, markers=[payload["markers"][0], {"config": payload["markers"][1]["config"]}])
    torch.save(broken, tmp_path / "broken.pt")
    with pytest.raises(CheckpointError):
        load_orientation_detector(tmp_path / "broken.pt")


def test_train_heads_trains_one_head_per_seed_and_counts_all_their_epochs():
    films = np.random.default_rng(7).integers(30, 90, (12, S, S)).astype(np.uint8)
    seen: list[tuple[int, int]] = []
    cfg = MirrorTrainConfig(epochs=2, batch_size=4, views_per_film=1, size=S, occlude=0.0, seed=4)
    head, seconds, loss = train_heads(
        films,
        cfg,
        3,
        make=lambda c: _seeded_marker_small(c),
        progress=lambda e, n, _loss, _s: seen.append((e, n)),
    )
    members = members_of(head)
    assert len(members) == 3 and all(isinstance(m, MarkerNet) for m in members)
    assert seen == [(i, 6) for i in range(1, 7)]
    assert seconds > 0 and loss is not None and np.isfinite(loss)
    weights = [m.head.weight.detach() for m in members]
    assert not torch.equal(weights[0], weights[1]) and not torch.equal(weights[1], weights[2])
    # the seeds are config.seed, config.seed + 1, ...: the first member is what one seed-4 run gives
    again, _, _ = train_heads(films, cfg, 1, make=lambda c: _seeded_marker_small(c))
    torch.testing.assert_close(again.head.weight, weights[0])


def _seeded_marker_small(config: MirrorTrainConfig) -> MarkerNet:
    torch.manual_seed(config.seed)
    return MarkerNet(config.size, 0.45, MARKER_WIDTHS)


def test_the_shipped_marker_maker_is_seeded():
    cfg = MirrorTrainConfig(size=256, seed=9)
    a, b = _seeded_marker(cfg), _seeded_marker(cfg)
    torch.testing.assert_close(a.head.weight, b.head.weight)
