#!/usr/bin/env bash
# Times the 1,000 x 1,000 x 768 retrieval evaluation in brainclip (criterion) and in numpy in one
# go and prints numpy time / brainclip time (> 1: brainclip is faster).
#
# Usage: benches/retrieval_vs_numpy.sh            (python3 must import numpy; set PYTHON to override)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
# Where they are set, these pin OpenBLAS to a slower kernel: numpy runs its fastest one.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
if ! "$PYTHON" -c 'import numpy' 2>/dev/null; then
    echo "error: $PYTHON cannot import numpy (set PYTHON=/path/to/python with numpy)" >&2
    exit 1
fi

# numpy first, then brainclip, then numpy again: the machine's load is sampled on both sides.
np_before=$("$PYTHON" benches/reference/retrieval_eval.py 30 | tee /dev/stderr | awk '/^numpy_core_ms/ {print $2}')
cargo bench --bench retrieval_eval -- --noplot 2>&1 | grep -v '^\s*$' | grep -Ev '^(Benchmarking|Gnuplot|Found|  [0-9]+ \()' >&2
np_after=$("$PYTHON" benches/reference/retrieval_eval.py 30 | awk '/^numpy_core_ms/ {print $2}')

# criterion's median estimate of `core`, in ns
estimates="${CARGO_TARGET_DIR:-target}/criterion/retrieval_1000x1000x768/core/new/estimates.json"
"$PYTHON" - "$estimates" "$np_before" "$np_after" <<'PY'
import json, sys
est = json.load(open(sys.argv[1]))
rust_ms = est["median"]["point_estimate"] / 1e6
numpy_ms = (float(sys.argv[2]) + float(sys.argv[3])) / 2
print()
print(f"retrieval 1000x1000x768 (normalise, matmul, ranks, top-1/5, median rank, MRR)")
print(f"  brainclip  {rust_ms:8.2f} ms   (criterion median)")
print(f"  numpy      {numpy_ms:8.2f} ms   (median; {sys.argv[2]} before, {sys.argv[3]} after)")
print(f"  ratio numpy / brainclip = {numpy_ms / rust_ms:.2f}")
PY
