#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this):
# a local PyTorch 2.9.0 environment for the libtorch backend (scripts/libtorch-env.sh), then one
# `cargo test` build with the `tch` feature, so every test also covers the libtorch CPU device.
# The Jupyter tests create their own small Python environment (tests/kernel/setup_venv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/libtorch-env.sh
exec cargo test --features tch "$@"
