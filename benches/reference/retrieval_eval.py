"""numpy reference for benches/retrieval_eval.rs: the same 1,000 x 1,000 x 768 retrieval
evaluation (normalise, one matrix product, ranks with fair ties, top-1/top-5, median rank,
MRR) on the same deterministic data. Prints the metrics, then the median time in ms as
`numpy_core_ms <value>`.

Usage: python3 benches/reference/retrieval_eval.py [repeats]
"""

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


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 30
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
