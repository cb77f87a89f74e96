#!/usr/bin/env bash
# Wall time of scripts/generate.rhai with its defaults (the README's ladder and grid) and of its
# parts (world + CLIP embeddings, mapping-net training, decoding, each generation condition,
# metrics), from the timing the script records in metrics.json. A benchmark, not a test.
#
# Usage: benches/world_generate.sh [brainclip options, e.g. --device cpu:libtorch]
set -euo pipefail
cd "$(dirname "$0")/.."
out="target/bench-world-generate"
rm -rf "$out"
cargo build --quiet ${CARGO_FEATURES:+--features "$CARGO_FEATURES"} --bin brainclip
start=$(date +%s.%N)
target/debug/brainclip script scripts/generate.rhai --out "$out" "$@" >/dev/null
end=$(date +%s.%N)
python3 - "$out/metrics.json" "$start" "$end" <<'PY'
import json, sys
timing = json.load(open(sys.argv[1]))["timing"]
total = float(sys.argv[3]) - float(sys.argv[2])
print(f"scripts/generate.rhai with defaults: {total:.1f} s in all (process start to exit)")
for part, seconds in timing.items():
    print(f"  {part:<22} {seconds:7.1f} s")
PY
