#!/usr/bin/env bash
# Prepare the GPU check on a machine WITH network access (the GPU machine has none): build a
# release brainclip with the libtorch backend against the torch version installed on the GPU
# machine, and pack it with the benchmark files into target/gpu-check.tar.gz.
#
#   benches/gpu/build.sh [TORCH_SPEC]     # default torch==2.11.0, the GPU machine's version
#
# burn-tch 0.22.1 targets torch 2.9.0; LIBTORCH_BYPASS_VERSION_CHECK=1 (set by
# scripts/libtorch-env.sh for any other version) builds against 2.11 and trains correctly
# (shared/DEPENDENCIES.md). The binary's rpath points into this machine's environment, so run.sh
# puts the GPU machine's torch/lib first on LD_LIBRARY_PATH instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
export BRAINCLIP_TORCH_SPEC="${1:-torch==2.11.0}"
export BRAINCLIP_TORCH_VENV="${BRAINCLIP_TORCH_VENV:-$PWD/target/torch-venv-gpu}"
source scripts/libtorch-env.sh
CARGO_TARGET_DIR=target/gpu cargo build --release --features tch
stage=target/gpu-check
rm -rf "$stage" && mkdir -p "$stage/bin"
cp target/gpu/release/brainclip "$stage/bin/"
cp -r benches/gpu benches/reference scripts "$stage/"
tar -C target -czf target/gpu-check.tar.gz gpu-check
echo "target/gpu-check.tar.gz: copy it to the GPU machine, unpack, run gpu-check/gpu/run.sh"
