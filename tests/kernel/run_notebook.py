"""Execute a notebook with nbclient and report errors and the output MIME types that appeared.

usage: run_notebook.py NOTEBOOK KERNEL_NAME [--timeout SECONDS] [--expect MIME]... [--json]
                       [--output EXECUTED.ipynb]

Every cell runs (errors do not stop the run). Exit status 0 when no cell errored and every
--expect'ed MIME type (or output type such as `stream`) appeared, 1 otherwise, 2 when the
notebook could not be run at all. With --json, stdout is one JSON object:
    {"cells": N, "errors": [{"cell", "ename", "evalue", "traceback"}], "mime_types": [...],
     "output_types": [...], "missing": [...], "seconds": S}
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import nbformat
from nbclient import NotebookClient


def summarize(nb: nbformat.NotebookNode) -> dict:
    errors = []
    mime_types: set[str] = set()
    output_types: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            output_types.add(output["output_type"])
            mime_types.update(output.get("data", {}).keys())
            if output["output_type"] == "error":
                errors.append(
                    {
                        "cell": index,
                        "ename": output["ename"],
                        "evalue": output["evalue"],
                        "traceback": output["traceback"],
                    }
                )
    return {
        "cells": len(nb.cells),
        "errors": errors,
        "mime_types": sorted(mime_types),
        "output_types": sorted(output_types),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook")
    parser.add_argument("kernel_name")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    parser.add_argument("--expect", action="append", default=[], help="a MIME type or output type that must appear")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.add_argument("--output", help="write the executed notebook here")
    args = parser.parse_args()

    nb = nbformat.read(args.notebook, as_version=4)
    client = NotebookClient(nb, kernel_name=args.kernel_name, timeout=args.timeout, allow_errors=True)
    start = time.monotonic()
    try:
        client.execute()
    except Exception as e:  # the kernel did not start, died, or a cell timed out
        print(f"{args.notebook}: could not run: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    summary = summarize(nb)
    summary["seconds"] = round(time.monotonic() - start, 2)
    seen = set(summary["mime_types"]) | set(summary["output_types"])
    summary["missing"] = [m for m in args.expect if m not in seen]
    if args.output:
        nbformat.write(nb, args.output)

    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{args.notebook}: {summary['cells']} cells in {summary['seconds']} s")
        print(f"output types: {', '.join(summary['output_types']) or '-'}")
        print(f"MIME types:   {', '.join(summary['mime_types']) or '-'}")
        for error in summary["errors"]:
            print(f"cell {error['cell']}: {error['ename']}: {error['evalue']}")
            for line in error["traceback"]:
                print(f"    {line}")
        for missing in summary["missing"]:
            print(f"expected output not found: {missing}")
    return 0 if not summary["errors"] and not summary["missing"] else 1


if __name__ == "__main__":
    sys.exit(main())
