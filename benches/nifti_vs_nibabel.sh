#!/usr/bin/env bash
# Reads the same .nii.gz series with brainclip (cargo bench --bench nifti_read) and with nibabel
# (benches/reference/nifti_read.py) on this machine, and prints the throughput ratio per file.
#
#   benches/nifti_vs_nibabel.sh            # PYTHON defaults to .venv/bin/python, else python3
#
# Needs nibabel and numpy in that Python. Files: a generated 64x64x40x200 int16 series with
# scl_slope (written to $BENCH_DIR, default /tmp/brainclip-bench, not committed) and the nibabel
# fixture tests/data/nifti/example4d.nii.gz. Each program takes the best of 5 reads per file; the
# two alternate for $ROUNDS rounds (default 3) and the best of each side is kept, so a burst of
# load from elsewhere on the machine does not land on one side only.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
BENCH_DIR=${BENCH_DIR:-/tmp/brainclip-bench}
ROUNDS=${ROUNDS:-3}
mkdir -p "$BENCH_DIR"
SERIES="$BENCH_DIR/series_64x64x40x200_int16.nii.gz"
[ -f "$SERIES" ] || "$PYTHON" benches/reference/make_series.py "$SERIES"
FILES=("$SERIES" tests/data/nifti/example4d.nii.gz)

cargo bench --quiet --bench nifti_read --no-run 2>/dev/null
: > "$BENCH_DIR/rust.txt"
: > "$BENCH_DIR/nibabel.txt"
for round in $(seq "$ROUNDS"); do
    echo "--- round $round"
    cargo bench --quiet --bench nifti_read -- "${FILES[@]}" | tee -a "$BENCH_DIR/rust.txt"
    "$PYTHON" benches/reference/nifti_read.py "${FILES[@]}" | tee -a "$BENCH_DIR/nibabel.txt"
done

best() { # best MB/s for file $2 in results $1
    awk -v f="$2" '$2 == f { sub("MB/s=", "", $4); v = $4 + 0; if (v > m) m = v } END { print m }' "$1"
}
echo "--- brainclip / nibabel throughput (best of $ROUNDS rounds x 5 reads)"
for f in "${FILES[@]}"; do
    r=$(best "$BENCH_DIR/rust.txt" "$f")
    p=$(best "$BENCH_DIR/nibabel.txt" "$f")
    awk -v f="$f" -v r="$r" -v p="$p" 'BEGIN { printf "%s: brainclip %.1f MB/s, nibabel %.1f MB/s, ratio %.2fx\n", f, r, p, r / p }'
done
