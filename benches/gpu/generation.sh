#!/usr/bin/env bash
# The generation GPU check (a machine with one NVIDIA GPU, Python torch, no network), from the
# bundle of benches/gpu/build.sh:
#   1. guided-diffusion builds ADM-256 with random weights and records its f32 output on the GPU;
#   2. `brainclip convert-adm` converts it; bin/adm256_check runs it on burn-tch CUDA and must agree
#      to 1e-3 relative;
#   3. seconds per CLIP-guided step at 256² with 16 × 2 cutouts, PyTorch then brainclip then PyTorch.
#
#   gpu/generation.sh [--device cuda] [--steps 5]
#
# --device cpu runs the same on the CPU (flex; checked here on 2 cores: the converted 552.8 M-
# parameter ADM-256 matched guided-diffusion to 1.6e-6 relative; a guided step took 61 s in
# brainclip and 34 s in PyTorch). It needs about 6 GB of disk for the two random checkpoints.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
device=cuda steps=5
while [ $# -gt 0 ]; do
    case "$1" in
        --device) device="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
bin="${BRAINCLIP_BIN:-$root/bin/brainclip}"
check="${ADM_CHECK_BIN:-$root/bin/adm256_check}"
python="${PYTHON:-python3}"
torch_lib="$("$python" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
out="${OUT:-$PWD/gpu-check-results}/generation"
rm -rf "$out" && mkdir -p "$out"
clip_src="$root/data/clip/tiny"; [ -d "$clip_src" ] || clip_src="$root/../tests/data/clip/tiny"
cp -r "$clip_src" "$out/clip"
case "$device" in cuda*) ref="$device" ;; *) ref=cpu ;; esac
"$python" "$here/adm256.py" "$out" --device "$ref" --steps "$steps" | tee "$out/torch1.txt"
"$bin" convert-adm "$out/adm256.safetensors" "$out/adm256" --num-head-channels 64 --image-size 256
"$check" "$out" "$device" "$steps" | tee "$out/brainclip.json"
mkdir -p "$out/again" && cp -r "$clip_src" "$out/again/clip"
"$python" "$here/adm256.py" "$out/again" --device "$ref" --steps "$steps" > "$out/torch2.txt" 2>&1
rm -f "$out/again/adm256.safetensors"
grep -h torch_seconds_per_guided_step "$out/torch1.txt" "$out/torch2.txt"
