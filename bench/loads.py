#!/usr/bin/python3
"""Loads on both cores: the orders data as CSV, JSON (a list of rows), NDJSON and Arrow IPC
(stream), each loaded into a new table by `parallax replay --threads 1` and `--threads 2`
(and a --baseline binary, and DuckDB for the text formats when bench/node_modules has it),
taking turns, the median of --repeat turns.

usage: loads.py [--build DIR] [--rows N] [--repeat N] [--baseline PARALLAX_BINARY]

run.py runs it for orders.md ("Loads on both cores"); alone it prints the table. The JSON files
are written from the CSV (numbers as numbers, an empty price as null, timestamps as text), the
Arrow stream by `parallax view ORDERS.csv --format arrow`; all are made once into the build's
bench folder.
"""
import argparse
import csv
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
FORMATS = ("csv", "json", "ndjson", "arrow")
NUMBERS = {"order_id": int, "qty": int, "price": float}


def log(message):
    print(message, file=sys.stderr, flush=True)


def orders_row(record):
    row = {}
    for name, text in record.items():
        if name in NUMBERS:
            row[name] = NUMBERS[name](text) if text else None
        elif name == "flag":
            row[name] = text == "true"
        else:
            row[name] = text
    return row


def write_formats(csv_path, data_dir, rows, build):
    """{format: path} of the orders data in every format (made when missing)."""
    paths = {"csv": csv_path, "json": data_dir / f"orders-{rows}.json",
             "ndjson": data_dir / f"orders-{rows}.ndjson", "arrow": data_dir / f"orders-{rows}.arrows"}
    if not paths["json"].exists() or not paths["ndjson"].exists():
        log(f"writing {paths['json']} and {paths['ndjson']}")
        with open(csv_path, newline="") as source, open(str(paths["json"]) + ".tmp", "w") as rows_out, \
                open(str(paths["ndjson"]) + ".tmp", "w") as lines_out:
            rows_out.write("[")
            for i, record in enumerate(csv.DictReader(source)):
                line = json.dumps(orders_row(record), separators=(",", ":"))
                rows_out.write(("," if i else "") + line)
                lines_out.write(line + "\n")
            rows_out.write("]\n")
        os.replace(str(paths["json"]) + ".tmp", paths["json"])
        os.replace(str(paths["ndjson"]) + ".tmp", paths["ndjson"])
    if not paths["arrow"].exists():
        log(f"writing {paths['arrow']}")
        with open(str(paths["arrow"]) + ".tmp", "wb") as out:
            subprocess.run([str(build / "parallax"), "view", str(csv_path), "--format", "arrow"],
                           stdout=out, check=True)
        os.replace(str(paths["arrow"]) + ".tmp", paths["arrow"])
    return paths


def load_script(data_dir, fmt, path):
    script = data_dir / f"load_{fmt}.jsonl"
    ops = [{"op": "table", "name": "t", "path": str(path), "format": fmt, "bench": f"load_{fmt}"},
           {"op": "size", "table": "t"}]
    script.write_text("".join(json.dumps(op) + "\n" for op in ops))
    return script


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_load(command):
    """(wall ms of the load line, CPU seconds of the process), or (None, error text)."""
    cpu_before = children_cpu_seconds()
    proc = subprocess.run(command, text=True, capture_output=True,
                          env=dict(os.environ, ORACLE_NODE_MODULES=str(ROOT / "tests" / "oracle" / "node_modules")))
    cpu = children_cpu_seconds() - cpu_before
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines or "error" in lines[0]:
        error = lines[0].get("error") if lines else proc.stderr.strip()[-200:]
        return None, error or f"exit {proc.returncode}"
    return lines[0]["ms"], cpu


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def run_loads(build, data_dir, csv_path, rows, repeat=3, baseline=None):
    """{"rows", "repeat", "loadavg", "results": {format: {engine: {"ms", "cpu_s"} or {"error"}}}}."""
    paths = write_formats(Path(csv_path), data_dir, rows, build)
    engines = {"parallax_1": [str(build / "parallax"), "replay", "SCRIPT", "--timing", "--threads", "1"],
               "parallax_2": [str(build / "parallax"), "replay", "SCRIPT", "--timing", "--threads", "2"]}
    if baseline:
        engines["before_1"] = [baseline, "replay", "SCRIPT", "--timing", "--threads", "1"]
        engines["before_2"] = [baseline, "replay", "SCRIPT", "--timing", "--threads", "2"]
    if (BENCH / "node_modules" / "@duckdb").exists():
        engines["duckdb"] = ["node", str(BENCH / "duckdb_replay.mjs"), "SCRIPT"]
    samples = {fmt: {engine: [] for engine in engines} for fmt in FORMATS}
    errors = {fmt: {} for fmt in FORMATS}
    loadavg = []
    for turn in range(repeat):  # engines take turns, so a drift in load hits each alike
        for fmt in FORMATS:
            script = load_script(data_dir, fmt, paths[fmt])
            for engine, command in engines.items():
                if engine in errors[fmt]:
                    continue
                log(f"load {fmt}: {engine} ({turn + 1}/{repeat})")
                loadavg.append(os.getloadavg()[0])
                ms, cpu = run_load([str(script) if part == "SCRIPT" else part for part in command])
                if ms is None:
                    errors[fmt][engine] = cpu
                else:
                    samples[fmt][engine].append((ms, cpu))
    results = {}
    for fmt in FORMATS:
        results[fmt] = {}
        for engine in engines:
            if engine in errors[fmt]:
                results[fmt][engine] = {"error": errors[fmt][engine]}
            else:
                results[fmt][engine] = {"ms": median([ms for ms, _ in samples[fmt][engine]]),
                                        "cpu_s": median([cpu for _, cpu in samples[fmt][engine]])}
    return {"rows": rows, "repeat": repeat, "engines": list(engines),
            "loadavg": [min(loadavg), max(loadavg)], "results": results}


def loads_markdown(loads):
    engines = loads["engines"]

    def cell(result):
        return "n/a" if "error" in result else f"{result['ms']:.0f} ({result['cpu_s']:.2f} s)"

    lines = ["| format | " + " | ".join(engines) + " | 1 -> 2 threads |",
             "|---|" + "---:|" * (len(engines) + 1)]
    for fmt, results in loads["results"].items():
        one, two = results["parallax_1"], results["parallax_2"]
        speedup = "n/a" if "error" in one or "error" in two else f"{one['ms'] / two['ms']:.2f}x"
        lines.append(f"| {fmt} | " + " | ".join(cell(results[e]) for e in engines) + f" | {speedup} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="an older parallax binary to run beside (before/after)")
    args = parser.parse_args()
    build = Path(args.build).resolve()
    data_dir = build / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(BENCH / "workload"))
    sys.dont_write_bytecode = True
    from gen_orders import write_orders
    csv_path = data_dir / f"orders-{args.rows}.csv"
    if not csv_path.exists():
        write_orders(str(csv_path) + ".tmp", args.rows)
        os.replace(str(csv_path) + ".tmp", csv_path)
    loads = run_loads(build, data_dir, csv_path, args.rows, args.repeat, args.baseline)
    print(json.dumps(loads))
    print(f"\nloads, {args.rows:,} rows: wall ms of the load (CPU seconds of the process), "
          f"load average {loads['loadavg'][0]:.1f}-{loads['loadavg'][1]:.1f}\n")
    print(loads_markdown(loads))


if __name__ == "__main__":
    main()
