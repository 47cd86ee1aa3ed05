"""The FAISS IVF index agrees with exact search on easy data; saving and loading are atomic."""

import json

import numpy as np
import pytest

from ml.retrieval import (
    ExactIndex,
    IndexFileError,
    IvfConfig,
    build_index,
    delete_index,
    load_index,
    save_index,
)
from ml.retrieval.errors import EmbeddingError

faiss = pytest.importorskip("faiss")
from ml.retrieval import FaissIndex  # noqa: E402


def clustered(n: int, d: int, clusters: int, noise: float, seed: int):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, d))
    which = rng.integers(0, clusters, n)
    return centres[which] + noise * rng.standard_normal((n, d)), which


def recall_at(approx: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(e)) / len(e) for a, e in zip(approx, exact, strict=True)]))


@pytest.mark.parametrize("encoding", ["SQ8", "Flat"])
def test_ivf_recall_at_10_against_exact_on_easy_data(encoding):
    x, _ = clustered(4000, 32, 40, 0.35, seed=0)
    ids = np.arange(4000) * 3 + 11
    queries = x[:300] + 0.05 * np.random.default_rng(9).standard_normal((300, 32))
    exact = ExactIndex(ids, x).search(queries, 10)
    approx_index = FaissIndex.build(ids, x, IvfConfig(encoding=encoding))
    approx = approx_index.search(queries, 10)
    assert recall_at(approx.ids, exact.ids) >= 0.95
    assert set(np.unique(approx.ids)) <= set(ids)
    # Scores are cosines (SQ8 is approximate to ~1e-2).
    np.testing.assert_allclose(approx.scores[:, 0], exact.scores[:, 0], atol=2e-2)
    assert approx_index.nlist == IvfConfig().resolved(4000).nlist


def test_builder_switches_to_ivf_past_the_threshold():
    x, _ = clustered(600, 16, 6, 0.2, seed=1)
    assert build_index(np.arange(600), x, exact_max=600).kind == "exact"
    assert build_index(np.arange(600), x, exact_max=599).kind == "faiss-ivf"
    assert build_index(np.arange(100), x[:100], exact_max=0).kind == "exact"  # too few to train


@pytest.mark.parametrize("kind", ["exact", "faiss-ivf"])
def test_save_load_round_trip_keeps_ids_results_and_meta(tmp_path, kind):
    x, _ = clustered(800, 16, 8, 0.3, seed=2)
    ids = np.arange(800)[::-1] + 5
    index = build_index(ids, x, exact_max=10_000 if kind == "exact" else 100)
    assert index.kind == kind
    save_index(tmp_path, "mv1", index, {"model_version": 1})
    loaded = load_index(tmp_path, "mv1")
    assert loaded.index.kind == kind and loaded.meta == {"model_version": 1}
    np.testing.assert_array_equal(loaded.index.ids, ids)
    q = x[:20]
    assert (loaded.index.search(q, 5).ids == index.search(q, 5).ids).all()


def test_a_new_generation_replaces_the_old_and_old_files_are_pruned(tmp_path):
    x, _ = clustered(300, 8, 3, 0.3, seed=3)
    gens = []
    for i in range(4):
        save_index(tmp_path, "mv7", ExactIndex(np.arange(300) + i, x), {"i": i})
        gens.append(load_index(tmp_path, "mv7").generation)
    assert len(set(gens)) == 4
    loaded = load_index(tmp_path, "mv7")
    assert loaded.meta == {"i": 3} and loaded.index.ids[0] == 3
    data = sorted(p.name for p in tmp_path.iterdir() if p.name != "mv7.json")
    assert {n.split(".")[1] for n in data} == set(gens[-2:])  # this generation and the previous one
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    save_index(tmp_path, "mv70", ExactIndex([1], [[1.0, 0.0]]))
    assert delete_index(tmp_path, "mv7") == 5  # the manifest and two generations' files
    assert load_index(tmp_path, "mv7") is None
    assert load_index(tmp_path, "mv70") is not None  # a name that merely starts the same is untouched


def test_damaged_files_are_an_index_file_error(tmp_path):
    save_index(tmp_path, "mv2", ExactIndex([1, 2], [[1.0, 0.0], [0.0, 1.0]]))
    manifest = json.loads((tmp_path / "mv2.json").read_text())
    (tmp_path / manifest["files"]["vectors"]).unlink()
    with pytest.raises(IndexFileError, match="unreadable"):
        load_index(tmp_path, "mv2")
    (tmp_path / "mv2.json").write_text("{not json")
    with pytest.raises(IndexFileError, match="manifest"):
        load_index(tmp_path, "mv2")
    manifest["size"] = 3
    save_index(tmp_path, "mv3", ExactIndex([1, 2], [[1.0, 0.0], [0.0, 1.0]]))
    m3 = json.loads((tmp_path / "mv3.json").read_text())
    (tmp_path / "mv3.json").write_text(json.dumps(m3 | {"size": 3}))
    with pytest.raises(IndexFileError, match="rebuild"):
        load_index(tmp_path, "mv3")
    with pytest.raises(IndexFileError, match="letters"):
        load_index(tmp_path, "../etc")


def test_bad_configurations_are_refused():
    with pytest.raises(EmbeddingError, match="encoding"):
        IvfConfig(encoding="HNSW")
    with pytest.raises(EmbeddingError, match="nprobe"):
        IvfConfig(nprobe=0)
    x, _ = clustered(300, 10, 3, 0.3, seed=4)
    with pytest.raises(EmbeddingError, match="divisible"):
        FaissIndex.build(np.arange(300), x, IvfConfig(encoding="PQ4"))
    with pytest.raises(EmbeddingError, match="at least"):
        FaissIndex.build(np.arange(100), x[:100])
