#!/usr/bin/python3
"""Side-by-side timing of one replay script on two engines, from their --timing outputs.

usage: compare_timing.py WORKLOAD.jsonl REFERENCE_OUT.jsonl PROJECT_OUT.jsonl

A workload's time is the sum of the "ms" of the lines carrying its "bench" label, except
update_1row: the median over its repetitions of an (update, read) pair's time. Prints each
workload's reference ms, project ms and speed-up (reference / project), then the geometric
mean of the speed-ups.
"""
import json
import math
import statistics
import sys

# Workloads timed as repeated (update, read) pairs: their median pair, not their sum.
PAIRED = {"update_1row"}


def per_label(ops, outputs):
    """{label: ms}, labels in the order the script first uses them; a line without "ms"
    counts as NaN."""
    times = {}
    for op, out in zip(ops, outputs):
        if op.get("bench"):
            times.setdefault(op["bench"], []).append(out.get("ms", math.nan))
    result = {}
    for label, ms in times.items():
        if label in PAIRED:
            result[label] = statistics.median(a + b for a, b in zip(ms[0::2], ms[1::2]))
        else:
            result[label] = sum(ms)
    return result


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def geometric_mean(values):
    return math.exp(statistics.fmean(map(math.log, values))) if values else math.nan


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.strip())
    ops = read_jsonl(argv[0])
    reference, project = (per_label(ops, read_jsonl(path)) for path in argv[1:])
    speedups = []
    print(f"{'workload':22} {'reference ms':>13} {'project ms':>11} {'speed-up':>9}")
    for label, ref_ms in reference.items():
        project_ms = project.get(label, math.nan)
        speedup = ref_ms / project_ms if project_ms > 0 else math.nan
        if not math.isnan(speedup):
            speedups.append(speedup)
        print(f"{label:22} {ref_ms:13.2f} {project_ms:11.2f} {speedup:9.1f}")
    print(f"geometric mean speed-up {geometric_mean(speedups):.1f}x over {len(speedups)} workloads")


if __name__ == "__main__":
    main(sys.argv[1:])
