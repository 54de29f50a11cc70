#!/usr/bin/env python3
"""Writes a replay script timing computed columns over N rows (default 1,000,000).

usage: bench/workload/expression_workload.py OUTDIR [--rows N]
Writes OUTDIR/expr_data.csv and OUTDIR/expr_workload.jsonl. Run the script with --timing on
both engines and compare the labelled lines with bench/workload/compare_timing.py:

    build/parallax replay OUTDIR/expr_workload.jsonl --timing > parallax.jsonl
    node tests/oracle/replay.mjs OUTDIR/expr_workload.jsonl --timing > reference.jsonl
    python3 bench/workload/compare_timing.py OUTDIR/expr_workload.jsonl reference.jsonl parallax.jsonl

Each label times making a view with one expression and reading its row count and first 100
rows (the expression is evaluated over every row either way); update_1row times an update
of one row and a read after it, so the incremental upkeep of the expression column.
"""
import argparse
import json
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    data = os.path.abspath(os.path.join(args.outdir, "expr_data.csv"))
    rng = random.Random(7)
    with open(data, "w") as f:
        f.write("id,a,b,s\n")
        for row in range(args.rows):
            f.write("%d,%.3f,%d,word %d\n" % (row, rng.uniform(-1000, 1000) + 0.125,
                                              rng.randint(-1000, 1000), rng.randint(0, 99)))
    expressions = {
        "arithmetic": '"a" * 2 + "b" - 1',
        "comparison": 'if ("a" > 0) { 1 } else { 2 }',
        "bucket": 'bucket("a", 10)',
        "string": 'upper("s")',
    }
    ops = [{"op": "table", "name": "t", "path": data, "index": "id"}]
    for label, text in expressions.items():
        view = "v_" + label
        ops.append({"op": "view", "table": "t", "name": view, "bench": label,
                    "config": {"columns": ["e"], "expressions": {"e": text}}})
        ops.append({"op": "num_rows", "view": view, "bench": label})
        ops.append({"op": "to_columns", "view": view, "window": {"start_row": 0, "end_row": 100},
                    "bench": label})
    for i in range(20):
        ops.append({"op": "update", "table": "t", "data": [{"id": i * 37, "a": i + 0.5}],
                    "bench": "update_1row"})
        ops.append({"op": "to_columns", "view": "v_arithmetic",
                    "window": {"start_row": 0, "end_row": 10}, "bench": "update_1row"})
    with open(os.path.join(args.outdir, "expr_workload.jsonl"), "w") as f:
        for op in ops:
            f.write(json.dumps(op) + "\n")


if __name__ == "__main__":
    main()
