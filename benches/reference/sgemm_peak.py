"""The sgemm rate a plain square matmul reaches in PyTorch (and numpy) on this machine: the
peak that benches/run.sh measures training against, beside brainclip's own (compare peak).

    python benches/reference/sgemm_peak.py [--size 1024] [--threads N]

Prints one JSON line: torch and numpy GFLOP/s (median of 20, with min and max).
"""

import argparse
import json
import time

import numpy as np
import torch


def rate(f, flops):
    for _ in range(3):
        f()
    times = []
    for _ in range(20):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    times.sort()
    return flops / np.median(times) / 1e9, flops / times[-1] / 1e9, flops / times[0] / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    n = args.size
    i = np.arange(n * n, dtype=np.int64)
    a = (((i * 7919) % 1009).astype(np.float32) / 1009.0 - 0.5).reshape(n, n)
    t = torch.from_numpy(a)
    flops = 2.0 * n**3
    torch_rate = rate(lambda: torch.mm(t, t), flops)
    numpy_rate = rate(lambda: a @ a, flops)
    print(json.dumps({
        "implementation": "pytorch", "workload": "peak", "size": n, "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "gflops": torch_rate[0], "gflops_min": torch_rate[1], "gflops_max": torch_rate[2],
        "numpy_gflops": numpy_rate[0],
    }))


if __name__ == "__main__":
    main()
