"""bench.qc at toy size on a folder in the published ChestX-ray14 layout (drawn films): it prints both
detectors' tables, the speed ratio and the verdict. The real run (`python -m bench.qc` on the
development films) and its figures are in bench/qc/README.md."""

import numpy as np
from PIL import Image

from bench.qc.run import main
from layouts import chestxray14 as nih

HEADER = ",".join(nih.DATA_ENTRY_HEADER)


def test_bench_prints_learned_and_baseline_tables(tmp_path, capsys):
    (tmp_path / "images").mkdir()
    rows = []
    rng = np.random.default_rng(0)
    for i in range(4):
        film = np.full((64, 64), 60, np.uint8)
        film[:, 28:36] = 200
        film[44:, :] = 230
        film += rng.integers(0, 10, film.shape, dtype=np.uint8)
        name = f"{i + 1:08d}_000.png"
        Image.fromarray(film).save(tmp_path / "images" / name)
        rows.append(f"{name},No Finding,0,{i + 1},50,M,PA,2048,2048,0.143,0.143")
    (tmp_path / nih.DATA_ENTRY).write_text(HEADER + "\n" + "\n".join(rows))  # no final newline
    assert main(["--folder", str(tmp_path), "--split", "all", "--repeat", "1", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "4 real films (all split" in out and "28 scored" in out
    assert "learned (shipped orientation-v1" in out and "baseline (rules, same run)" in out
    assert "films/min scored" in out and "ratio" in out and "issue #15 targets met" in out
    assert main(["--folder", str(tmp_path / "missing")]) == 1
