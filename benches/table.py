"""The table of benches/run.sh: results.jsonl (one JSON line per workload, side and round) in,
a Markdown table out.

    python benches/table.py target/bench-results/results.jsonl

For each workload: both sides' median over rounds with the range, the speed ratio brainclip /
reference (> 1: brainclip is faster; computed per round from the pair run in that round, so the
range shows the spread), both sides' peak RSS and accuracy. Training rows also give the fraction
of the side's own sgemm peak (the `peak` rows: a plain matmul in the same run).
"""

import json
import statistics
import sys
from collections import defaultdict

# workload -> (speed metric, unit, higher is faster, accuracy metric)
METRICS = {
    "peak": ("gflops", "GFLOP/s", True, None),
    "train": ("samples_per_s", "samples/s", True, "top1"),
    "clip": ("images_per_s", "images/s", True, "checksum64"),
    "ridge": ("fit_s_median", "s per fit", False, "test_r_mean"),
    "retrieval": ("core_ms", "ms", False, "top1"),
    "retrieval_nway": ("nway_ms", "ms", False, "nway_top1"),
    "startup": ("ms", "ms", False, None),
    "nifti": ("mb_per_s", "MB/s", True, None),
}


def spread(values):
    values = sorted(values)
    return statistics.median(values), values[0], values[-1]


def fmt(x):
    if x is None or x != x:
        return "–"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def cell(values):
    m, lo, hi = spread(values)
    return f"{fmt(m)} ({fmt(lo)}–{fmt(hi)})" if len(values) > 1 else fmt(m)


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    for r in rows:  # a reference line that does not name its workload: the key's first word
        r.setdefault("workload", r["key"].split()[0])
    # The retrieval line carries two workloads: the 1,000-way core and the 300-way protocol.
    for r in list(rows):
        if r["workload"] == "retrieval":
            rows.append({**r, "workload": "retrieval_nway", "key": "retrieval 300-way x 30"})
            r["key"] = "retrieval 1000x1000x768"
    by_key = defaultdict(lambda: defaultdict(dict))  # key -> side -> round -> row
    order = []
    for r in rows:
        side = "brainclip" if r["implementation"] == "brainclip" else "reference"
        if r["key"] not in order:
            order.append(r["key"])
        by_key[r["key"]][side][r["round"]] = r
    peaks = {
        side: statistics.median(row["gflops"] for row in by_key["peak"][side].values())
        for side in ("brainclip", "reference")
        if by_key.get("peak", {}).get(side)
    }
    print("| workload | brainclip | reference | speed ratio (range) | peak RSS MB brainclip / reference | accuracy brainclip / reference |")
    print("|---|---|---|---|---|---|")
    for key in order:
        sides = by_key[key]
        if not sides["brainclip"] or not sides["reference"]:
            print(f"| {key} | {'–' if not sides['brainclip'] else 'ok'} | {'–' if not sides['reference'] else 'ok'} | one side failed | | |")
            continue
        any_row = next(iter(sides["reference"].values()))
        workload = any_row["workload"]
        metric, unit, higher, acc = METRICS[workload]
        ours = [r[metric] for r in sides["brainclip"].values()]
        theirs = [r[metric] for r in sides["reference"].values()]
        ratios = [
            (sides["brainclip"][k][metric] / sides["reference"][k][metric]) if higher
            else (sides["reference"][k][metric] / sides["brainclip"][k][metric])
            for k in sides["brainclip"] if k in sides["reference"]
        ]
        name = f"{key} ({unit})"
        impl = any_row["implementation"]
        extra = ""
        if workload == "train" and peaks:
            flop = next(iter(sides["brainclip"].values()))["gflop_per_sample"]
            frac = lambda side, vals: statistics.median(vals) * flop / peaks[side] if side in peaks else float("nan")
            extra = f"; {100 * frac('brainclip', ours):.0f} % / {100 * frac('reference', theirs):.0f} % of own sgemm peak"
        rss = lambda side: statistics.median(r.get("peak_rss_mb", float("nan")) for r in sides[side].values())
        accuracy = ""
        if acc:
            a = statistics.median(r[acc] for r in sides["brainclip"].values())
            b = statistics.median(r[acc] for r in sides["reference"].values())
            accuracy = f"{fmt(a)} / {fmt(b)}"
        m, lo, hi = spread(ratios)
        device = next(iter(sides["brainclip"].values())).get("device", "cpu")
        on = "" if device == "cpu" else f"{device}: "
        print(f"| {name} | {on}{cell(ours)} | {impl}: {cell(theirs)} | **{m:.2f}×** ({lo:.2f}–{hi:.2f}){extra} | {fmt(rss('brainclip'))} / {fmt(rss('reference'))} | {accuracy} |")
    blas = next((r.get("blas") for r in rows if isinstance(r.get("blas"), list) and r["blas"]), None)
    if blas:
        used = ", ".join("{} {} ({}, {} threads)".format(
            b.get("internal_api"), b.get("version"), b.get("architecture"), b.get("num_threads")) for b in blas)
        print(f"\nnumpy's BLAS: {used}")

if __name__ == "__main__":
    main()
