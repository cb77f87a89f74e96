#!/usr/bin/env bash
# Build brainclip with the libtorch backend (CPU and CUDA devices), ready to run:
#
#   scripts/setup-libtorch.sh            # creates target/torch-venv, builds target/release/brainclip
#   target/release/brainclip doctor      # shows the backends, libtorch and whether CUDA works
#   target/release/brainclip script scripts/zero_shot.rhai --device cuda
#
# The binary finds libtorch through an rpath into the environment (no LD_LIBRARY_PATH to set),
# and links libtorch_cuda explicitly so CUDA is found (build.rs). Keep the environment where it
# is: the binary loads libtorch from it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/libtorch-env.sh
cargo build --release --features tch "$@"
target/release/brainclip doctor
