#!/usr/bin/env bash
# Seconds per CLIP-guided diffusion step on the CPU, brainclip (burn, flex; criterion) against
# PyTorch (guided-diffusion + transformers) on the same tiny models, cutouts and image size, in one
# run: torch, brainclip, torch again; the ratio with the range of the two torch runs.
#
# Usage: PYTHON=venv/bin/python benches/generation_vs_torch.sh
#   (PYTHON must import torch, transformers and guided_diffusion from guided-diffusion-sdk 1.0.0)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import torch, transformers, guided_diffusion' 2>/dev/null; then
    echo "error: $PYTHON cannot import torch, transformers and guided_diffusion (set PYTHON=...)" >&2
    exit 1
fi
threads=$(nproc)
before=$("$PYTHON" benches/reference/generation_step.py 10 "$threads" | tee /dev/stderr | awk '/^torch_seconds_per_step/ {print $2}')
cargo bench --profile dev ${CARGO_FEATURES:+--features "$CARGO_FEATURES"} --bench generation_step -- --noplot 2>&1 | tail -n 5 >&2
after=$("$PYTHON" benches/reference/generation_step.py 10 "$threads" | tee /dev/stderr | awk '/^torch_seconds_per_step/ {print $2}')
estimates="target/criterion/guided_step_tiny_adm_48px_16x2_cutouts/new/estimates.json"
"$PYTHON" - "$estimates" "$before" "$after" <<'PY'
import json, sys
rust = json.load(open(sys.argv[1]))["median"]["point_estimate"] / 1e9
torch = [float(sys.argv[2]), float(sys.argv[3])]
print()
print("CLIP-guided DDPM step, CPU, tiny ADM at 48x48, 16 cutouts x 2 batches (tiny ViT CLIP)")
print(f"  brainclip {rust * 1e3:8.1f} ms/step   torch {min(torch) * 1e3:.1f}..{max(torch) * 1e3:.1f} ms/step")
print(f"  torch/brainclip time ratio {min(torch) / rust:.2f}..{max(torch) / rust:.2f} (> 1: brainclip faster)")
PY
