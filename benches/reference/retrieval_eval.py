"""numpy reference for benches/retrieval_eval.rs: the same 1,000 x 1,000 x 768 retrieval
evaluation (normalise, one matrix product, ranks with fair ties, top-1/top-5, median rank,
MRR) on the same deterministic data. Prints the metrics, then the median time in ms as
`numpy_core_ms <value>`; with --json, one JSON line (benches/run.sh), which also times the
300-way protocol (30 seeded repeats; for every query, 299 distinct distractors drawn uniformly
from the other candidates, as brainclip's `n_way` does, vectorised the numpy way).

Usage: python3 benches/reference/retrieval_eval.py [repeats] [--json]
"""

import json
import resource
import sys
import time

import numpy as np

N, D = 1000, 768


def data():
    i = np.arange(N, dtype=np.int64)[:, None]
    d = np.arange(D, dtype=np.int64)[None, :]

    def h(a, b):
        return (((i * a + d * b + i * d * 31) % 1009).astype(np.float32) / np.float32(1009.0)) - np.float32(0.5)

    candidates = h(7919, 104729)
    noise = h(4993, 65537)
    return candidates + noise * np.float32(4.0), candidates


def normalise(m):
    n = np.linalg.norm(m, axis=1, keepdims=True)
    return m * np.where(n > 0, 1.0 / np.where(n > 0, n, 1.0), 0.0).astype(np.float32)


def core(q, c):
    s = normalise(q) @ normalise(c).T
    t = np.diagonal(s)[:, None]
    greater = (s > t).sum(axis=1)
    ties = (s == t).sum(axis=1) - 1
    hit = lambda k: np.clip((k - greater) / (ties + 1.0), 0.0, 1.0).mean()
    ranks = 1.0 + greater + ties / 2.0
    return hit(1), hit(5), float(np.median(ranks)), float((1.0 / ranks).mean())


def n_way(s, n=300, repeats=30, seed=0):
    rng = np.random.default_rng(seed)
    queries, m = s.shape
    rows = np.arange(queries)[:, None]
    target = np.diagonal(s)[:, None]
    acc = []
    for _ in range(repeats):
        picks = np.argpartition(rng.random((queries, m - 1), dtype=np.float32), n - 2, axis=1)[:, : n - 1]
        picks += picks >= rows  # skip the target's own column
        chosen = s[rows, picks]
        greater = (chosen > target).sum(1)
        ties = (chosen == target).sum(1)
        acc.append(np.clip((1 - greater) / (ties + 1.0), 0.0, 1.0).mean())
    return float(np.mean(acc))


def timed(f, repeats):
    for _ in range(3):
        f()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times)), float(min(times)), float(max(times))


def main_json(repeats):
    q, c = data()
    top1, top5, median, mrr = core(q, c)
    core_ms = timed(lambda: core(q, c), repeats)
    s = normalise(q) @ normalise(c).T
    way = n_way(s)
    way_ms = timed(lambda: n_way(s), max(repeats // 3, 3))
    blas = {}
    try:
        from threadpoolctl import threadpool_info

        blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")} for i in threadpool_info()]
    except ImportError:
        pass
    print(json.dumps({
        "implementation": "numpy", "numpy": np.__version__, "workload": "retrieval",
        "core_ms": core_ms[0], "core_ms_min": core_ms[1], "core_ms_max": core_ms[2],
        "top1": top1, "top5": top5, "median_rank": median, "mrr": mrr,
        "nway_ms": way_ms[0], "nway_ms_min": way_ms[1], "nway_ms_max": way_ms[2], "nway_top1": way,
        "blas": blas, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def main():
    args = [a for a in sys.argv[1:] if a != "--json"]
    repeats = int(args[0]) if args else 30
    if "--json" in sys.argv:
        return main_json(repeats)
    q, c = data()
    top1, top5, median, mrr = core(q, c)
    print(f"numpy:     top-1 {top1:.4f}  top-5 {top5:.4f}  median rank {median:.1f}  MRR {mrr:.4f}")
    for _ in range(3):
        core(q, c)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        core(q, c)
        times.append(time.perf_counter() - t0)
    print(f"numpy {np.__version__}, {repeats} runs")
    print(f"numpy_core_ms {1e3 * float(np.median(times)):.3f}")


if __name__ == "__main__":
    main()
