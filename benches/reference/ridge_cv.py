"""Cross-validated ridge regression with himalaya: the reference that brainclip's RidgeModel::fit
(src/model/ridge.rs) is compared with.

    python benches/reference/ridge_cv.py DIR [--mode shared|per-target] [--repeats R]
        [--threads T] [--n-targets-batch B] [--n-alphas-batch A] [--json]

DIR holds train_x.npy (n x p, float32), train_y.npy (n x targets, float32), test_x.npy and
test_y.npy. The workload matches brainclip's ridge:

- himalaya.ridge.RidgeCV on the numpy backend, float32, fit_intercept=True (brainclip centres X
  and Y around the training mean and fits an intercept), solver "svd", 5-fold KFold;
- alphas: the relative grid 10^-3 ... 10^3 in half-decades (13 values), times the mean
  eigenvalue of the centred training Gram matrix X Xᵀ, i.e. ||X - mean(X)||_F² / n (brainclip's
  alphas are relative to the same quantity, trace / n);
- --mode shared: one penalty for all targets (local_alpha=False); --mode per-target: each target
  its own penalty (local_alpha=True, himalaya's default).

Every fit is timed (R fits, no untimed warm-up), with BLAS limited to T threads by threadpoolctl.
Prints the median, min and max fit time, the mean over targets of the Pearson correlation between
predicted and true test_y, and the peak resident memory.
"""

import argparse
import json
import resource
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from himalaya.backend import set_backend
from himalaya.ridge import RidgeCV

RELATIVE_ALPHAS = 10.0 ** (np.arange(-6, 7) / 2.0)
FOLDS = 5


def mean_eigenvalue(x):
    """Mean eigenvalue of the centred Gram matrix: ||X - mean(X)||_F² / n, in float64."""
    xc = x.astype(np.float64) - x.mean(axis=0, dtype=np.float64)
    return float(np.einsum("ij,ij->", xc, xc) / x.shape[0])


def mean_pearson(pred, true):
    """Mean over targets (columns) of the Pearson correlation; constant columns count as 0."""
    pred = np.asarray(pred, dtype=np.float64)
    true = np.asarray(true, dtype=np.float64)
    pc = pred - pred.mean(axis=0)
    tc = true - true.mean(axis=0)
    num = (pc * tc).sum(axis=0)
    den = np.sqrt((pc * pc).sum(axis=0) * (tc * tc).sum(axis=0))
    r = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return float(r.mean())


def blas_description():
    """Every BLAS loaded, as `internal_api version architecture`: numpy's does the matrix products,
    scipy's (with its LAPACK) the SVDs, and the two are separate libraries in the wheels."""
    found = []
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            parts = [lib.get("internal_api"), lib.get("version"), lib.get("architecture")]
            owner = next((o for o in ("numpy", "scipy") if f"{o}.libs" in str(lib.get("filepath", ""))), None)
            text = " ".join(str(p) for p in parts if p)
            found.append(f"{owner}: {text}" if owner else text)
    return "; ".join(found) or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--mode", choices=["shared", "per-target"], default="shared")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None, help="BLAS threads (default: BLAS's own)")
    ap.add_argument("--n-targets-batch", type=int, default=None, help="himalaya's n_targets_batch (default: all)")
    ap.add_argument("--n-alphas-batch", type=int, default=None, help="himalaya's n_alphas_batch (default: all)")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")

    load = lambda name: np.ascontiguousarray(np.load(args.dir / f"{name}.npy"), dtype=np.float32)
    train_x, train_y = load("train_x"), load("train_y")
    test_x, test_y = load("test_x"), load("test_y")
    if train_y.ndim == 1:
        train_y, test_y = train_y[:, None], test_y[:, None]
    n, p = train_x.shape
    targets = train_y.shape[1]

    set_backend("numpy")
    alphas = (RELATIVE_ALPHAS * mean_eigenvalue(train_x)).astype(np.float32)
    solver_params = dict(
        local_alpha=args.mode == "per-target",
        n_targets_batch=args.n_targets_batch,
        n_alphas_batch=args.n_alphas_batch,
        # himalaya warns that kernel ridge is faster when n < p; the comparison is RidgeCV.
        warn=False,
    )

    times = []
    model = None
    with threadpool_limits(limits=args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        blas = blas_description()
        for _ in range(args.repeats):
            model = RidgeCV(alphas=alphas, cv=FOLDS, fit_intercept=True, solver_params=solver_params)
            start = time.perf_counter()
            model.fit(train_x, train_y)
            times.append(time.perf_counter() - start)
        pred = model.predict(test_x)

    result = {
        "implementation": "himalaya",
        "mode": args.mode,
        "n": n,
        "p": p,
        "targets": targets,
        "threads": args.threads,
        "repeats": args.repeats,
        "fit_s_median": statistics.median(times),
        "fit_s_min": min(times),
        "fit_s_max": max(times),
        "test_r_mean": mean_pearson(pred, test_y),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "blas": blas,
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>14}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
