#!/usr/bin/env bash
# The GPU check, for a machine with one NVIDIA GPU and Python torch installed, and no network.
#
#   gpu/run.sh [--device cuda] [--epochs 30] [--batch 600] [--rounds 3]
#
# Run from the unpacked bundle of benches/gpu/build.sh (bin/brainclip beside gpu/, reference/,
# scripts/), or from a repository checkout with BRAINCLIP_BIN pointing at a tch build.
#  1. `brainclip doctor` must see CUDA (the check stops and prints the reason if not);
#  2. the zero-shot experiment runs on the GPU (scripts/zero_shot.rhai --device cuda);
#  3. training throughput, brainclip vs the same network, loss and optimiser in plain PyTorch
#     (reference/train_mapping.py), alternating for --rounds rounds in this one run on the same
#     GPU, f32 and bf16; a table of samples/s and ratios is printed and saved as results.md.
# --device cpu (pure-Rust flex) or cpu:libtorch runs the same comparison on the CPU (no CUDA
# check), e.g. to try the script before taking it to the GPU machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"  # the bundle, or benches/ of a checkout
device=cuda epochs=30 batch=600 rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --device) device="$2"; shift 2 ;;
        --epochs) epochs="$2"; shift 2 ;;
        --batch) batch="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
case "$device" in cuda*) ref_device="$device" ;; *) ref_device=cpu ;; esac  # torch's name for it
bin="${BRAINCLIP_BIN:-$root/bin/brainclip}"
[ -x "$bin" ] || { echo "no brainclip binary at $bin (set BRAINCLIP_BIN)" >&2; exit 2; }
python="${PYTHON:-python3}"
scripts="$root/scripts"; [ -d "$scripts" ] || scripts="$root/../scripts"
torch_lib="$("$python" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
out="${OUT:-$PWD/gpu-check-results}"
mkdir -p "$out"

echo "== doctor"
"$bin" doctor | tee "$out/doctor.txt"
"$bin" doctor --json > "$out/doctor.json"
if [ "$ref_device" != cpu ] && ! "$python" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["cuda_available"] else 1)' "$out/doctor.json"; then
    echo "CUDA is not available to brainclip; see the reason above" >&2
    exit 1
fi

echo "== zero-shot experiment on $device"
"$bin" script "$scripts/zero_shot.rhai" --device "$device" --out "$out/runs/zero_shot" 2>&1 | tail -n 25 | tee "$out/zero_shot.txt"

echo "== training throughput on $device ($rounds rounds, alternating)"
: > "$out/throughput.jsonl"
for round in $(seq 1 "$rounds"); do
    for precision in f32 bf16; do
        run="$out/runs/throughput-$precision-$round"
        "$bin" script "$here/throughput.rhai" --device "$device" --out "$run" \
            --set epochs="$epochs" --set batch="$batch" --set precision="$precision" > /dev/null 2>&1
        metrics="$run/metrics.json"
        "$python" -c 'import json,sys; m=json.load(open(sys.argv[1])); m["round"]=int(sys.argv[2]); print(json.dumps(m))' "$metrics" "$round" >> "$out/throughput.jsonl"
        data="$run"
        "$python" "$root/reference/train_mapping.py" "$data" --device "$ref_device" --epochs "$epochs" \
            --batch-size "$batch" --precision "$precision" --json \
            | "$python" -c 'import json,sys; m=json.loads(sys.stdin.read()); m["round"]=int(sys.argv[1]); print(json.dumps(m))' "$round" >> "$out/throughput.jsonl"
    done
done
"$python" "$here/table.py" "$out/throughput.jsonl" "$out/doctor.json" | tee "$out/results.md"
