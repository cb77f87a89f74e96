#!/usr/bin/env bash
# Re-execute notebooks/evcxr_quickstart.ipynb with the real evcxr kernel and save it with its
# outputs. Not part of the test suite: installing evcxr_jupyter and compiling brainclip inside
# evcxr take tens of minutes on 2 cores.
#
#   notebooks/execute_evcxr.sh
#
# Needs `evcxr_jupyter` on PATH (cargo install evcxr_jupyter --locked) and the kernel tests'
# Python environment (tests/kernel/setup_venv.sh, created by the first `cargo test`).
# EVCXR_TMPDIR keeps evcxr's build of brainclip between runs (target/evcxr).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v evcxr_jupyter >/dev/null || { echo "evcxr_jupyter not found: cargo install evcxr_jupyter --locked" >&2; exit 2; }
python="$(tests/kernel/setup_venv.sh "$PWD/target/tmp/kernel-venv")"
export JUPYTER_DATA_DIR="$PWD/target/evcxr/jupyter"
export XDG_DATA_HOME="$PWD/target/evcxr/xdg"
export EVCXR_TMPDIR="$PWD/target/evcxr/tmp"
mkdir -p "$JUPYTER_DATA_DIR" "$XDG_DATA_HOME" "$EVCXR_TMPDIR"
# evcxr's crate lives in EVCXR_TMPDIR; starting its lock file from ours builds brainclip's
# dependencies at the versions the test suite uses (and needs no new downloads).
[ -f "$EVCXR_TMPDIR/Cargo.lock" ] || cp Cargo.lock "$EVCXR_TMPDIR/Cargo.lock"
evcxr_jupyter --install >/dev/null
# evcxr writes its kernelspec under XDG_DATA_HOME; make it visible to jupyter_client.
[ -d "$JUPYTER_DATA_DIR/kernels/rust" ] || cp -r "$XDG_DATA_HOME/jupyter/kernels/rust" "$JUPYTER_DATA_DIR/kernels/" 2>/dev/null || true
start=$(date +%s)
(cd notebooks && "$python" ../tests/kernel/run_notebook.py evcxr_quickstart.ipynb rust \
    --timeout 3600 --expect image/png --json --output evcxr_quickstart.ipynb)
echo "executed in $(( $(date +%s) - start )) s"
