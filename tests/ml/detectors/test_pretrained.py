"""The shipped detector: small, recorded (films, split, metrics, hash), never trained on the held-out
patients. On those real films, at its default threshold: turns by 90 / 180 / 270 and inversion meet
issue #15's targets (recall >= 99 %, false flags <= 0.5 %); mirrors are caught (top-bottom all, left-
right >= 95 %) but a few clean films look mirrored to it, so the `flipped` flag misses the false-flag
target (see bench/qc/README.md). The rule baseline, measured in the same run, is beaten everywhere."""

import json

from ml.detectors.baseline import baseline_scores
from ml.detectors.devfilms import held_out, load_films
from ml.detectors.pretrained import (
    RECORD_PATH,
    WEIGHTS_PATH,
    evaluate_on,
    load_pretrained,
    sha256_file,
)


def test_weights_are_small_and_match_their_record():
    record = json.loads(RECORD_PATH.read_text())
    assert WEIGHTS_PATH.stat().st_size < 4_000_000
    assert record["weights"]["sha256"] == sha256_file(WEIGHTS_PATH)
    assert not set(record["data"]["train_films"]) & set(record["data"]["held_out_films"])
    det = load_pretrained()
    assert det.threshold == record["threshold"] and det.input_size == record["config"]["size"]


def test_held_out_real_films_meet_the_issue_targets(nih_dev):
    det = load_pretrained()
    films = load_films(nih_dev, det.input_size)
    train, held = films.split()
    assert all(held_out(p) for p in held.patients) and not any(held_out(p) for p in train.patients)
    trained_on = set(json.loads(RECORD_PATH.read_text())["data"]["train_films"])
    assert not trained_on & set(held.names)
    learned = evaluate_on(held.films, det.score, det.threshold)
    baseline = evaluate_on(held.films, baseline_scores, 0.5)
    got = {r.name: r for r in learned.results}
    for name in ("rot90", "rot180", "rot270", "invert"):
        assert got[name].recall >= 0.99 and got[name].false_flag_rate <= 0.005, got[name]
    for name in ("rot90", "rot180", "rot270", "hflip", "vflip"):
        assert got[name].fix_correct >= 0.95, got[name]
    assert got["vflip"].recall >= 0.99 and got["vflip"].auc >= 0.999
    assert got["hflip"].recall >= 0.95 and got["hflip"].auc >= 0.99
    assert got["hflip"].false_flag_rate <= 0.05  # the known gap: a few clean films look mirrored
    assert learned.clean_flagged_any <= 0.05
    by_name = {r.name: r for r in baseline.results}
    assert all(r.auc >= by_name[r.name].auc for r in learned.results)
    assert got["hflip"].auc > by_name["hflip"].auc + 0.2
