"""Summarise throughput.jsonl (benches/gpu/run.sh) as a markdown table: median samples/s of each
implementation per precision over the rounds, and brainclip / PyTorch."""

import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
doctor = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else {}
rates = defaultdict(list)
meta = {}
for r in rows:
    rates[(r["precision"], r["implementation"])].append(r["samples_per_s"])
    meta[r["implementation"]] = r
device = meta.get("brainclip", {}).get("device", "?")
torch = meta.get("pytorch", {}).get("torch", "?")
libtorch = (doctor.get("libtorch") or {}).get("version", "?")
print(f"Training throughput, default network (residual MLP 4500 → 512 ×2 blocks → 2 × 512), "
      f"batch {rows[0]['batch_size']}, {rows[0]['epochs']} epochs, device {device}; "
      f"brainclip on libtorch {libtorch}, PyTorch {torch}; median of {len(rows) // 4 or 1} alternating rounds.\n")
print("| precision | brainclip samples/s | PyTorch samples/s | brainclip / PyTorch |")
print("|---|---|---|---|")
for precision in ("f32", "bf16"):
    b = rates.get((precision, "brainclip"))
    p = rates.get((precision, "pytorch"))
    if not b or not p:
        continue
    mb, mp = statistics.median(b), statistics.median(p)
    print(f"| {precision} | {mb:,.0f} ({min(b):,.0f}–{max(b):,.0f}) | {mp:,.0f} ({min(p):,.0f}–{max(p):,.0f}) | {mb / mp:.2f} |")
