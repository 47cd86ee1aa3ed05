"""Benchmark: similar-case search, exact vs approximate, at 10k and 1M embeddings, in one run.

    python -m bench.retrieval [--sizes 10000,1000000] [--dim 1024] [--queries 200] [--single 20]
                              [--k 10] [--encoding SQ8] [--json PATH] [--seed 0]

For each size N it generates N labelled synthetic embeddings (bench/retrieval/data.py; D = 1024,
DenseNet-121's penultimate width) plus fresh query items, then measures over the same queries:

  exact        ml.retrieval.ExactIndex (normalised float32, batched matmul + argpartition)
  approximate  ml.retrieval.FaissIndex (FAISS IVF, default SQ8 cells, default nlist/nprobe)

  batch q/s    all queries in one call (throughput)
  single q/s   one query per call, as the API serves them (latency = 1 / single q/s)
  P@10         retrieval precision@10 per finding (does a neighbour share the query's finding?),
               macro-averaged over findings, beside the same figure for random neighbours
  recall@10    the approximate top 10's overlap with the exact top 10

Ratios: approximate / exact queries per second (batch and single), and P@10 approximate / exact.
Wall time (time.perf_counter) with every core FAISS and BLAS use; peak memory is the process's
maximum resident set.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np

from bench.retrieval.data import FINDINGS, generate
from ml.retrieval import ExactIndex, FaissIndex, IvfConfig, normalise_rows, precision_at_k


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def macro_precision(pool_pos: np.ndarray, query_pos: np.ndarray, neighbours: np.ndarray) -> float:
    pos = np.concatenate([pool_pos, query_pos])
    n = pool_pos.shape[0]
    p, _ = precision_at_k(pos, neighbours, np.arange(n, n + query_pos.shape[0]))
    return float(np.nanmean(p))


def timed_batch(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    res = index.search(queries, k)
    return res.ids, queries.shape[0] / (time.perf_counter() - start)


def timed_single(index, queries: np.ndarray, k: int) -> float:
    start = time.perf_counter()
    for q in queries:
        index.search(q[None, :], k)
    return queries.shape[0] / (time.perf_counter() - start)


def bench_size(n: int, args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    data = generate(n, args.dim, n_queries=args.queries, seed=args.seed)
    gen_s = time.perf_counter() - t0
    ids = np.arange(n, dtype=np.int64)
    normalise_rows(data.vectors, in_place=True)
    queries = normalise_rows(data.queries)
    k = args.k

    exact = ExactIndex(ids, data.vectors, normalised=True)
    exact_ids, exact_batch = timed_batch(exact, queries, k)
    exact_single = timed_single(exact, queries[: args.single], k)

    t0 = time.perf_counter()
    approx = FaissIndex.build(
        ids, data.vectors, IvfConfig(encoding=args.encoding, seed=args.seed), normalised=True
    )
    build_s = time.perf_counter() - t0
    approx.search(queries[:1], k)  # warm
    approx_ids, approx_batch = timed_batch(approx, queries, k)
    approx_single = timed_single(approx, queries[: args.single], k)

    rng = np.random.default_rng(args.seed + 1)
    random_ids = rng.integers(0, n, size=(args.queries, k))
    recall = float(np.mean([len(set(a) & set(e)) / k for a, e in zip(approx_ids, exact_ids, strict=True)]))
    p_exact = macro_precision(data.positive, data.query_positive, exact_ids)
    p_approx = macro_precision(data.positive, data.query_positive, approx_ids)
    p_random = macro_precision(data.positive, data.query_positive, random_ids)
    return {
        "n": n,
        "dim": args.dim,
        "queries": args.queries,
        "k": k,
        "generate_s": round(gen_s, 2),
        "exact": {
            "batch_qps": round(exact_batch, 2),
            "single_qps": round(exact_single, 2),
            f"precision_at_{k}": round(p_exact, 4),
        },
        "approximate": {
            "index": f"IVF{approx.nlist},{approx.encoding} nprobe={approx.nprobe}",
            "build_s": round(build_s, 2),
            "batch_qps": round(approx_batch, 2),
            "single_qps": round(approx_single, 2),
            f"precision_at_{k}": round(p_approx, 4),
            f"recall_at_{k}_vs_exact": round(recall, 4),
        },
        f"random_precision_at_{k}": round(p_random, 4),
        "ratio_batch_qps_approx_over_exact": round(approx_batch / exact_batch, 2),
        "ratio_single_qps_approx_over_exact": round(approx_single / exact_single, 2),
        "ratio_precision_approx_over_exact": round(p_approx / p_exact, 4),
        "peak_rss_gb": round(peak_rss_gb(), 2),
    }


def print_row(r: dict) -> None:
    k = r["k"]
    e, a = r["exact"], r["approximate"]
    print(
        f"\nN = {r['n']:,} x D {r['dim']} ({r['queries']} queries, k = {k}; generated in {r['generate_s']} s)"
    )
    print(f"  {'':<12}{'batch q/s':>12}{'single q/s':>12}{f'P@{k}':>9}{f'recall@{k}':>11}")
    p = f"precision_at_{k}"
    print(f"  {'exact':<12}{e['batch_qps']:>12,.1f}{e['single_qps']:>12,.1f}{e[p]:>9.3f}{1.0:>11.3f}")
    print(
        f"  {'approximate':<12}{a['batch_qps']:>12,.1f}{a['single_qps']:>12,.1f}{a[p]:>9.3f}"
        f"{a[f'recall_at_{k}_vs_exact']:>11.3f}   {a['index']}, built in {a['build_s']} s"
    )
    print(f"  {'random':<12}{'':>24}{r[f'random_precision_at_{k}']:>9.3f}")
    print(
        f"  ratio approximate/exact: batch q/s x{r['ratio_batch_qps_approx_over_exact']}, single q/s "
        f"x{r['ratio_single_qps_approx_over_exact']}, P@{k} x{r['ratio_precision_approx_over_exact']}"
        f"   (peak RSS so far {r['peak_rss_gb']} GB)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--single", type=int, default=20, help="queries timed one at a time")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--encoding", default="SQ8")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    import faiss

    print(
        f"bench.retrieval: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"numpy {np.__version__}, faiss {faiss.__version__} ({faiss.omp_get_max_threads()} threads); "
        f"{len(FINDINGS)} findings, synthetic clustered embeddings"
    )
    results = []
    for n in sizes:
        r = bench_size(n, args)
        print_row(r)
        results.append(r)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0
