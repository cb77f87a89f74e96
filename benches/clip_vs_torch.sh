#!/usr/bin/env bash
# Images/s of the CLIP image encoder on the CPU: brainclip (burn, flex backend; criterion) and
# PyTorch (transformers' CLIPModel) on the same tiny fixture model and batch, in one run; then
# ViT-B/32 projected from FLOPs at each side's measured FLOP rate.
#
# Usage: PYTHON=venv/bin/python benches/clip_vs_torch.sh   (PYTHON must import torch and transformers)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import torch, transformers' 2>/dev/null; then
    echo "error: $PYTHON cannot import torch and transformers (set PYTHON=...)" >&2
    exit 1
fi
threads=$(nproc)
before=$("$PYTHON" benches/reference/clip_encoder.py 50 "$threads" | tee /dev/stderr | awk '/^torch_images_per_s/ {print $2}')
# The default profile (dependencies optimised) shares the test suite's build; CARGO_FEATURES=tch
# reuses the build of scripts/test.sh.
flops=$(cargo bench --profile dev ${CARGO_FEATURES:+--features "$CARGO_FEATURES"} --bench clip_encoder -- --noplot 2>&1 | tee /dev/stderr | grep '^FLOPs per image')
after=$("$PYTHON" benches/reference/clip_encoder.py 50 "$threads" | awk '/^torch_images_per_s/ {print $2}')
estimates="target/criterion/clip_image_encoder/tiny_batch32/new/estimates.json"
"$PYTHON" - "$estimates" "$before" "$after" "$flops" <<'PY'
import json, re, sys
est = json.load(open(sys.argv[1]))
rust = 32 / (est["median"]["point_estimate"] / 1e9)
torch = (float(sys.argv[2]) + float(sys.argv[3])) / 2
tiny, b32 = map(float, re.findall(r"([0-9.]+) [MG]FLOPs", sys.argv[4]))
ratio = b32 * 1e9 / (tiny * 1e6)
print()
print("CLIP image encoder, CPU, batch 32")
print(f"  tiny model ({tiny:.3f} MFLOPs/image)   brainclip {rust:10.1f} images/s   torch {torch:10.1f} images/s   brainclip/torch = {rust / torch:.2f}")
print(f"  ViT-B/32 projected ({b32:.2f} GFLOPs)  brainclip {rust / ratio:10.2f} images/s   torch {torch / ratio:10.2f} images/s")
print("  (projection: images/s × tiny FLOPs / ViT-B/32 FLOPs; the tiny model's small matrices run")
print("   further from peak than B/32's, so real B/32 throughput is likely higher on both sides)")
PY
