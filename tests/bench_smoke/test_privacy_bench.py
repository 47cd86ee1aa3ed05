"""bench.privacy at toy size: every run and class is measured and the header-only baseline misses
what the scrubber finds. The real run is `python -m bench.privacy`; its figures are in its README."""

from bench.privacy.planting import plant
from bench.privacy.run import main, measure


def test_planting_lists_what_it_planted():
    import random

    p = plant("FINDINGS: No effusion.", random.Random(1), "held")
    for needles in p.planted.values():
        assert all(n in p.text for n in needles)
    assert p.known[1] in p.text and "No effusion" in p.text


def test_measure_compares_the_scrubber_with_the_baseline():
    table = measure("dev", 20, seed=3)
    assert table["scrubber, header known"]["all"] > table["header only (baseline)"]["all"]
    assert table["scrubber, header known"]["kept"] > 0.95


def test_main_prints_every_section(capsys):
    main(["--n", "5", "--real", "5", "--dicom", "2"])
    out = capsys.readouterr().out
    assert "recall ratio scrubber/baseline" in out and "real reports" in out and "ratio" in out
