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
CARGO_TARGET_DIR=target/gpu cargo build --release --features tch --bin brainclip --example adm256_check
stage=target/gpu-check
rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/data/clip" "$stage/vendor"
cp target/gpu/release/brainclip target/gpu/release/examples/adm256_check "$stage/bin/"
cp -r benches/gpu benches/reference scripts "$stage/"
# The generation check (gpu/generation.sh): the tiny guide CLIP, and guided-diffusion-sdk 1.0.0
# (the authors' fork, pure Python) for the reference side, since the GPU machine has no network.
cp -r tests/data/clip/tiny "$stage/data/clip/"
pip download --quiet --no-deps --no-binary :all: guided-diffusion-sdk==1.0.0 -d "$stage/vendor"
tar -C "$stage/vendor" -xzf "$stage/vendor"/guided*diffusion*sdk-1.0.0.tar.gz
mv "$stage/vendor"/guided*diffusion*sdk-1.0.0 "$stage/vendor/guided_diffusion_sdk"
rm "$stage/vendor"/guided*diffusion*sdk-1.0.0.tar.gz
tar -C target -czf target/gpu-check.tar.gz gpu-check
echo "target/gpu-check.tar.gz: copy it to the GPU machine, unpack, run gpu-check/gpu/run.sh and gpu-check/gpu/generation.sh"
