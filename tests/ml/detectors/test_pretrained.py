"""The shipped detector: small, recorded (films, split, metrics, hash), never trained on the held-out
patients. On those real films, at its default threshold: turns by 90 / 180 / 270 and inversion meet
issue #15's targets (recall >= 99 %, false flags <= 0.5 %); mirrors are caught (top-bottom all,
left-right ~98 %) with the 256 px mirror head's and the marker head's opinions added to the net's,
but two clean films still look mirrored, so the `flipped` flag misses the false-flag target (see
bench/qc/README.md).
The rule baseline, measured in the same run, is beaten everywhere."""

import json

import numpy as np

from ml.detectors.baseline import baseline_scores
from ml.detectors.devfilms import held_out, load_films
from ml.detectors.mirror_net import half
from ml.detectors.orientation import OrientationDetector
from ml.detectors.pretrained import (
    RECORD_PATH,
    WEIGHTS_PATH,
    evaluate_on,
    load_pretrained,
    sha256_file,
)


def test_weights_are_small_and_match_their_record():
    record = json.loads(RECORD_PATH.read_text())
    assert WEIGHTS_PATH.stat().st_size < 5_000_000
    assert record["weights"]["sha256"] == sha256_file(WEIGHTS_PATH)
    assert not set(record["data"]["train_films"]) & set(record["data"]["held_out_films"])
    det = load_pretrained()
    assert det.threshold == record["threshold"] and det.input_size == record["input_size"]
    assert det.net.size == record["config"]["size"] and det.mirror.size == record["mirror_config"]["size"]
    assert det.marker is not None and det.marker.corner == record["marker_config"]["corner"]
    # the marker head learnt from real training films only, never a held-out one
    assert record["training"]["marker_films"] == len(record["data"]["train_films"])


def test_on_held_out_real_films_turns_and_inversion_meet_the_targets_mirrors_nearly(nih_dev):
    det = load_pretrained()
    films = load_films(nih_dev, det.input_size)
    train, held = films.split()
    assert det.input_size == 256 and det.net.size == 128
    assert all(held_out(p) for p in held.patients) and not any(held_out(p) for p in train.patients)
    trained_on = set(json.loads(RECORD_PATH.read_text())["data"]["train_films"])
    assert not trained_on & set(held.names)
    learned = evaluate_on(held.films, det.score, det.threshold)
    baseline = evaluate_on(held.films, baseline_scores, 0.5)
    got = {r.name: r for r in learned.results}
    for name in ("rot90", "rot180", "rot270", "invert"):
        assert got[name].recall >= 0.99 and got[name].false_flag_rate <= 0.005, got[name]
    for name in ("rot90", "rot180", "rot270", "hflip", "vflip"):
        assert got[name].fix_correct >= 0.96, got[name]
    assert got["vflip"].recall >= 0.99 and got["vflip"].auc >= 0.999
    # the known gap, narrowed by the heads (net alone: recall 95.9 %, false 4.1 %, AUC 0.9949; with
    # the mirror head 96.9 %, 3.1 %, 0.9984)
    assert got["hflip"].recall >= 0.97 and got["hflip"].auc >= 0.999
    assert got["hflip"].false_flag_rate <= 0.025
    assert learned.clean_flagged_any <= 0.025
    by_name = {r.name: r for r in baseline.results}
    assert all(r.auc >= by_name[r.name].auc for r in learned.results)
    assert got["hflip"].auc > by_name["hflip"].auc + 0.2


def test_left_right_mirrors_of_held_out_films_are_told_apart(nih_dev):
    """The left-right question alone, film by film, on films the detector never trained on: a held-
    out film should read as more upright than its mirror. With both heads 2 of the 97 do not (the net
    alone: 4, with the mirror head: 3); more, or a head that no longer changes the verdict, is a
    regression."""
    det = load_pretrained()
    assert det.mirror is not None
    films = load_films(nih_dev, det.input_size)
    _, held = films.split(json.loads(RECORD_PATH.read_text())["data"]["split_salt"])
    clean = det.score(held.films).orientation
    mirrored = det.score(np.ascontiguousarray(held.films[..., ::-1])).orientation
    hflip = 4
    np.testing.assert_allclose(mirrored[:, hflip], clean[:, 0], atol=1e-5)  # the verdict mirrors too
    wrong = [n for n, c, m in zip(held.names, clean[:, hflip], mirrored[:, hflip], strict=True) if c >= m]
    assert len(wrong) <= 2, f"{len(wrong)} held-out films look no more upright than their mirror"
    caught = (1.0 - mirrored[:, 0] >= det.threshold).mean()
    assert caught >= 0.97 and (clean[:, hflip] >= det.threshold).mean() <= 0.025
    # the head is heard: without it the same films are judged differently
    plain = OrientationDetector(net=det.net).score(half(held.films)).orientation
    assert np.abs(plain[:, hflip] - clean[:, hflip]).max() > 0.1
    no_marker = OrientationDetector(net=det.net, mirror=det.mirror).score(held.films).orientation
    assert np.abs(no_marker[:, hflip] - clean[:, hflip]).max() > 0.1
