#!/usr/bin/python3
"""`make bench`: the orders workload side by side on the reference, DuckDB and Parallax, the
scaling runs and their plot, peak memory, update latency and the micro benchmarks.

usage: run.py [--build DIR] [--rows N] [--scale N,N,...] [--repeat N] [--skip-micro]
              [--reference-max N] [--baseline PARALLAX_BINARY] [--python-rows N] [--only-orders]
              [--results DIR]

--rows (1,000,000 by default) sizes every step: the side-by-side table, memory, latency, the
Python package and the micro benchmarks (PARALLAX_BENCH_ROWS); the scaling plot takes it and
ten times it unless --scale says otherwise. A small --rows (`make bench BENCH_ROWS=10000
BENCH_RESULTS=build/bench/results`) is a quick check that every step runs.

Each engine runs the same replay script (workload/orders_workload.py over workload/gen_orders.py
data) in its own process, one after the other: the reference (node tests/oracle/replay.mjs
--timing), DuckDB (bench/duckdb_replay.mjs, the same operations as SQL) and Parallax (parallax
replay --timing). A label's time is the sum of its lines, update_1row the median (update + read)
pair, as workload/compare_timing.py computes them; a label any of whose lines failed is "n/a".
With --repeat N the engines take turns N times (reference, DuckDB, Parallax, then again) and each
label's time is the median of its N runs, so a burst of load on the shared machine moves one run only.
Results go to bench/results/ (markdown and JSON; --results elsewhere), with the machine's facts. With --baseline,
an older parallax binary runs the same script too (before/after figures from one run).
"""
import argparse
import datetime
import json
import math
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
ENGINES = ("reference", "duckdb", "parallax")

sys.path.insert(0, str(BENCH / "workload"))
sys.dont_write_bytecode = True  # importing must not leave __pycache__ in the repo
from compare_timing import per_label  # noqa: E402  the definition of a label's time
from gen_orders import write_orders  # noqa: E402
sys.path.insert(0, str(BENCH))
from loads import loads_markdown, run_loads  # noqa: E402
from orders_workload import orders_workload  # noqa: E402

# The workloads the scaling plot and table follow: all of them, in the workload's order.
SCALING_LABELS = tuple(dict.fromkeys(op["bench"] for op in orders_workload("x.csv") if op.get("bench")))


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(command, **kwargs):
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs).stdout


def orders_csv(data_dir, rows):
    path = data_dir / f"orders-{rows}.csv"
    if not path.exists():
        log(f"generating {path}")
        write_orders(str(path) + ".tmp", rows)
        os.replace(str(path) + ".tmp", path)
    return path


def engine_command(engine, build, script, baseline=None):
    if engine == "reference":
        return ["node", str(ROOT / "tests" / "oracle" / "replay.mjs"), "--timing", str(script)]
    if engine == "duckdb":
        return ["node", str(BENCH / "duckdb_replay.mjs"), str(script)]
    binary = Path(baseline) if engine == "parallax_before" else build / "parallax"
    return [str(binary), "replay", str(script), "--timing"]


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_engine(engine, build, script, baseline):
    """(one line of output per script line, or None when the engine could not run at all;
    the CPU seconds its process used, all threads, user + sys)."""
    env = dict(os.environ, ORACLE_NODE_MODULES=str(ROOT / "tests" / "oracle" / "node_modules"))
    cpu_before = children_cpu_seconds()
    proc = subprocess.run(engine_command(engine, build, script, baseline), text=True,
                          capture_output=True, env=env)
    cpu = children_cpu_seconds() - cpu_before
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        log(f"{engine} failed (exit {proc.returncode}): {proc.stderr.strip()[-400:]}")
        return None, cpu
    return lines, cpu


def label_times(ops, out):
    """({label: ms or None}, {label: error}); None when a line of the label failed."""
    labels = [op["bench"] for op in ops if op.get("bench")]
    times = per_label(ops, out)
    errors = {}
    for op, res in zip(ops, out):
        if op.get("bench") and "error" in res:
            errors.setdefault(op["bench"], res["error"])  # the first error is the cause
    return {label: (None if label in errors else times.get(label)) for label in labels}, errors


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def run_workload(build, data_dir, rows, engines, baseline=None, repeat=1):
    csv = orders_csv(data_dir, rows)
    script = data_dir / f"orders_workload_{rows}.jsonl"
    ops = orders_workload(str(csv))
    script.write_text("".join(json.dumps(op) + "\n" for op in ops))
    labels = [op["bench"] for op in ops if op.get("bench")]
    result = {"rows": rows, "repeat": repeat, "engines": {}, "errors": {}, "cpu_seconds": {}, "runs": {}}
    order = ENGINES + (("parallax_before",) if baseline else ())
    for engine in order:
        if engine not in engines and engine != "parallax_before":
            result["engines"][engine] = {label: None for label in labels}
            result["errors"][engine] = {"*": "not run at this size"}
    for turn in range(repeat):  # engines take turns, so a drift in load hits each alike
        for engine in order:
            if "*" in result["errors"].get(engine, {}):
                continue
            log(f"{rows} rows: {engine} ({turn + 1}/{repeat})")
            out, cpu = run_engine(engine, build, script, baseline)
            result["cpu_seconds"][engine] = result["cpu_seconds"].get(engine, 0) + cpu / repeat
            if out is None:
                result["engines"][engine] = {label: None for label in labels}
                result["errors"][engine] = {"*": "the engine failed"}
                result["runs"].pop(engine, None)
                continue
            times, errors = label_times(ops, out)
            result["runs"].setdefault(engine, []).append(times)
            result["errors"][engine] = errors
    for engine, runs in result["runs"].items():
        result["engines"][engine] = {
            label: (None if any(run[label] is None for run in runs) else median([run[label] for run in runs]))
            for label in labels}
    return result


def geomean(values):
    values = [v for v in values if v and v > 0 and not math.isnan(v)]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def fmt_ms(value):
    return "n/a" if value is None else f"{value:.1f}"


def fmt_ratio(value):
    return "n/a" if value is None else f"{value:.1f}x"


def ratio(a, b):
    return a / b if a is not None and b is not None and b > 0 else None


def table_markdown(result):
    engines = result["engines"]
    before = engines.get("parallax_before")
    header = "| workload | reference ms | DuckDB ms | Parallax ms | vs reference | vs DuckDB |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if before:
        header += " Parallax before ms | after vs before |"
        rule += "---:|---:|"
    lines = [header, rule]
    over_ref, over_duck, over_before = [], [], []
    for label in engines["reference"]:
        r, d, p = engines["reference"][label], engines["duckdb"][label], engines["parallax"][label]
        s_ref, s_duck = ratio(r, p), ratio(d, p)
        over_ref.append(s_ref)
        over_duck.append(s_duck)
        note = result["errors"]["parallax"].get(label)
        p_text = fmt_ms(p) if p is not None else ("n/a (error)" if note else "n/a")
        line = f"| {label} | {fmt_ms(r)} | {fmt_ms(d)} | {p_text} | {fmt_ratio(s_ref)} | {fmt_ratio(s_duck)} |"
        if before:
            over_before.append(ratio(before[label], p))
            line += f" {fmt_ms(before[label])} | {fmt_ratio(over_before[-1])} |"
        lines.append(line)
    g_ref, g_duck = geomean(over_ref), geomean(over_duck)
    n_ref = sum(1 for v in over_ref if v)
    n_duck = sum(1 for v in over_duck if v)
    line = f"| geometric mean | | | | {fmt_ratio(g_ref)} ({n_ref}) | {fmt_ratio(g_duck)} ({n_duck}) |"
    if before:
        line += f" | {fmt_ratio(geomean(over_before))} ({sum(1 for v in over_before if v)}) |"
    lines.append(line)
    result["geomean_speedup_over_reference"] = g_ref
    result["geomean_speedup_over_duckdb"] = g_duck
    cpu = ", ".join(f"{engine} {seconds:.1f} s" for engine, seconds in result["cpu_seconds"].items())
    lines.append("")
    lines.append(f"CPU time of each engine's whole run (user + sys, every thread): {cpu}.")
    errors = sorted({f"{label}: {message}" for label, message in result["errors"]["parallax"].items()})
    if errors:
        lines.append("")
        lines.append("Parallax errors (n/a): " + "; ".join(errors))
    return "\n".join(lines)


def machine_facts(build):
    def first(command):
        try:
            return run(command, cwd=ROOT).strip().splitlines()[0]
        except (subprocess.CalledProcessError, FileNotFoundError, IndexError):
            return "unknown"

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))

    def package_version(folder, name):
        try:
            return json.loads((folder / "node_modules" / name / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            return "unknown"

    dirty = first(["git", "status", "--porcelain", "--untracked-files=no"]) != "unknown"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory) / 1024 / 1024, 1),
        "load_average": os.getloadavg(),
        "kernel": platform.release(),
        "compiler": first(["c++", "--version"]),
        "node": first(["node", "--version"]),
        "reference": "@finos/perspective " + package_version(ROOT / "tests" / "oracle", "@finos/perspective"),
        "duckdb": "@duckdb/node-api " + package_version(BENCH, "@duckdb/node-api"),
        "parallax_commit": first(["git", "rev-parse", "--short", "HEAD"]) + (" (uncommitted changes)" if dirty else ""),
        "build_type": first(["grep", "-m1", "CMAKE_BUILD_TYPE:", str(build / "CMakeCache.txt")]).split("=")[-1],
    }


def facts_markdown(facts):
    load = ", ".join(f"{x:.1f}" for x in facts["load_average"])
    return "\n".join([
        f"- date: {facts['date']}; Parallax commit {facts['parallax_commit']} ({facts['build_type']})",
        f"- CPU: {facts['cpu']}, {facts['cores']} cores; memory {facts['memory_gib']} GiB; kernel {facts['kernel']}",
        f"- {facts['compiler']}; node {facts['node']}; {facts['reference']}; {facts['duckdb']}",
        f"- load average when the run started: {load}. The machine is shared with other developers:"
        " timings are wall times taken under that load, so compare engines within one run only.",
    ])


def plot_scaling(runs, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 4
    rows = -(-len(SCALING_LABELS) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.6 * rows), squeeze=False)
    for axis in axes.flat[len(SCALING_LABELS):]:
        axis.set_visible(False)
    for axis, label in zip(axes.flat, SCALING_LABELS):
        for engine, style in zip(ENGINES, ("o-", "s--", "^-")):
            points = [(r["rows"], r["engines"][engine].get(label)) for r in runs]
            points = [(x, y) for x, y in points if y]
            if points:
                axis.plot(*zip(*points), style, label=engine)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(label)
        axis.set_xlabel("rows")
        axis.set_ylabel("ms (wall)")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize="small")
    fig.suptitle("orders workload: cost against table size (missing points: n/a)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def scaling_markdown(runs):
    lines = ["| workload | rows | reference ms | DuckDB ms | Parallax ms |", "|---|---:|---:|---:|---:|"]
    for label in SCALING_LABELS:
        for r in runs:
            e = r["engines"]
            lines.append(f"| {label} | {r['rows']:,} | {fmt_ms(e['reference'].get(label))} | "
                         f"{fmt_ms(e['duckdb'].get(label))} | {fmt_ms(e['parallax'].get(label))} |")
    return "\n".join(lines)


LATENCY_CONFIGS = [
    'group_by_product={"group_by":["product"],"columns":["price","qty"],"aggregates":{"price":"sum","qty":"avg"}}',
    'group_by_region_median={"group_by":["region"],"columns":["price"],"aggregates":{"price":"median"}}',
    'group_by_region_distinct={"group_by":["region"],"columns":["customer","price"],'
    '"aggregates":{"customer":"distinct count","price":"max"}}',
    'group_by_customer_sum={"group_by":["customer"],"columns":["price"],"aggregates":{"price":"sum"}}',
    'group_by_customer_sorted={"group_by":["customer"],"columns":["price"],"aggregates":{"price":"sum"},'
    '"sort":[["price","desc"]]}',
    'group_by_region_customer_sorted={"group_by":["region","customer"],"columns":["price"],'
    '"aggregates":{"price":"sum"},"sort":[["price","desc"]]}',
    'group_by_product_sorted_avg={"group_by":["product"],"columns":["price"],"aggregates":{"price":"avg"},'
    '"sort":[["price","asc"]]}',
    'group_by_region_product_split_flag={"group_by":["region","product"],"split_by":["flag"],'
    '"columns":["price"],"aggregates":{"price":"sum"}}',
    'group_by_region_count_min_max={"group_by":["region"],"columns":["price","qty","order_id"],'
    '"aggregates":{"price":"min","qty":"count","order_id":"max"}}',
    'group_by_region_quantiles={"group_by":["region"],"columns":["price","qty"],'
    '"aggregates":{"price":"q1","qty":"q3"}}',
    'group_by_region_first_last={"group_by":["region"],"columns":["price","qty"],'
    '"aggregates":{"price":"first","qty":"last"}}',
    'group_by_region_dominant_unique={"group_by":["region"],"columns":["qty","product"],'
    '"aggregates":{"qty":"dominant","product":"unique"}}',
    'group_by_region_weighted_mean={"group_by":["region"],"columns":["price"],'
    '"aggregates":{"price":["weighted mean",["qty"]]}}',
    'group_by_region_product_pct_sum={"group_by":["region","product"],"columns":["price","qty"],'
    '"aggregates":{"price":"pct sum parent","qty":"pct sum total"}}',
    'group_by_region_var_stddev={"group_by":["region"],"columns":["price","qty"],'
    '"aggregates":{"price":"var","qty":"stddev"}}',
    'group_by_region_min_by_join={"group_by":["region"],"columns":["customer","product"],'
    '"aggregates":{"customer":["min by",["price"]],"product":"join"}}',
    'flat_unsorted={}',
    'flat_sort_price_desc={"sort":[["price","desc"]]}',
]


def view_configs():
    """NAME=CONFIG of every view the orders workload makes on table t (memory per view)."""
    return [f"{op['bench']}={json.dumps(op['config'])}" for op in orders_workload("x.csv")
            if op["op"] == "view" and op.get("table") == "t" and op.get("bench")]


def memory_markdown(memory, views):
    table = memory["rss_after_load_bytes"] - memory["rss_before_bytes"]
    lines = [f"""Resident set after loading {memory['rss_after_load_bytes'] / 2**20:.1f} MiB above a baseline of
{memory['rss_before_bytes'] / 2**20:.1f} MiB (peak while loading {memory['rss_peak_bytes'] / 2**20:.1f} MiB, the CSV text
and parse buffers included); the table's own accounting {memory['table_bytes'] / 2**20:.1f} MiB; raw columnar
size (Arrow plain layout) {memory['raw_columnar_bytes'] / 2**20:.1f} MiB. Resident / raw = {memory['resident_over_raw']:.2f}x,
table / raw = {memory['table_over_raw']:.2f}x.

Each view alone on that table (`parallax_memory_bench`): the resident set it adds once made and
read, and after it followed a one-row update (state built for the first change shows there).
The table's first append, made before the views, grew its columns by
{memory.get('table_growth_on_first_append_bytes', 0) / 2**20:.1f} MiB (not counted in any view).

| view | MiB made + read | MiB after one update | after update / table |
|---|---:|---:|---:|"""]
    for view in views:
        if "error" in view:
            lines.append(f"| {view['view']} | n/a | n/a ({view['error']}) | |")
            continue
        lines.append(f"| {view['view']} | {view['rss_view_bytes'] / 2**20:.1f} | "
                     f"{view['rss_view_after_update_bytes'] / 2**20:.1f} | "
                     f"{view['rss_view_after_update_bytes'] / table:.2f}x |")
    return "\n".join(lines)


def python_markdown(python):
    """bench/python_bench.py's figures: the bulk paths against the per-value ones."""
    return f"""Columns: {python['columns']}.

| path | seconds | bulk speed-up |
|---|---:|---:|
| `client.table(DataFrame)` (numpy buffers) | {python['load_dataframe_s']:.3f} | {python['load_speedup']:.1f}x |
| `client.table(list of dicts)` | {python['load_list_of_dicts_s']:.3f} | |
| `view.to_pandas()` | {python['to_pandas_s']:.3f} | {python['to_pandas_speedup']:.1f}x |
| `view.to_records()` | {python['to_records_s']:.3f} | |"""


def loads_section(loads):
    if loads is None:
        return ""
    return f"""## Loads on both cores, {loads['rows']:,} rows

A new table from the orders file in each format (loads.py): wall ms of the load and, in
brackets, the CPU seconds of the whole process; median of {loads['repeat']} turns, load average
{loads['loadavg'][0]:.1f}-{loads['loadavg'][1]:.1f} while they ran. parallax_N: `--threads N`.

{loads_markdown(loads)}

"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the side-by-side table")
    parser.add_argument("--scale", help="row counts of the scaling plot (default: --rows and 10x it)")
    parser.add_argument("--repeat", type=int, default=3, help="turns each engine takes; label times are medians")
    parser.add_argument("--only-orders", action="store_true",
                        help="the side-by-side and scaling runs only (no memory, latency, Python, micro)")
    parser.add_argument("--reference-max", type=int, default=1_000_000,
                        help="largest table the reference runs (it is slow, and WASM memory is bounded)")
    parser.add_argument("--skip-micro", action="store_true")
    parser.add_argument("--skip-loads", action="store_true",
                        help="no 'Loads on both cores' (loads.py: CSV, JSON, NDJSON, Arrow, 1 and 2 threads)")
    parser.add_argument("--python-rows", type=int,
                        help="rows of the Python package's bulk load and to_pandas runs (default --rows)")
    parser.add_argument("--results", default=str(BENCH / "results"), help="where the results go")
    parser.add_argument("--baseline", help="an older parallax binary to run beside (before/after)")
    args = parser.parse_args()
    global RESULTS
    RESULTS = Path(args.results).resolve()
    if args.scale is None:
        args.scale = f"{args.rows},{10 * args.rows}"
    if args.python_rows is None:
        args.python_rows = args.rows
    build = Path(args.build).resolve()
    data_dir = build / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    facts = machine_facts(build)

    sizes = sorted({args.rows, *map(int, args.scale.split(","))})
    runs = {}
    for rows in sizes:
        engines = ENGINES if rows <= args.reference_max else ("duckdb", "parallax")
        runs[rows] = run_workload(build, data_dir, rows, engines,
                                  args.baseline if rows == args.rows else None, args.repeat)
    main_run = runs[args.rows]
    table = table_markdown(main_run)
    print(f"\norders workload, {args.rows:,} rows (wall ms; speed-up = other engine's ms / Parallax ms)\n")
    print(table)

    scaling = [runs[n] for n in sorted(map(int, args.scale.split(",")))]
    plot_path = RESULTS / "scaling.png"
    plot_scaling(scaling, plot_path)
    print(f"\nscaling plot: {plot_path}")
    if args.only_orders:
        print("\n" + scaling_markdown(scaling))
        return

    log("memory and latency")
    memory_lines = [json.loads(line) for line in run(
        [str(build / "bench" / "parallax_memory_bench"), str(orders_csv(data_dir, args.rows)), *view_configs()]).splitlines()]
    memory, view_memory = {**memory_lines[0], **memory_lines[1]}, memory_lines[2:]
    latency = [json.loads(line) for line in
               run([str(build / "bench" / "parallax_latency_bench"), str(args.rows), "200", *LATENCY_CONFIGS]).splitlines()]
    print(f"\nmemory, {args.rows:,} rows: resident after load {memory['rss_after_load_bytes'] / 2**20:.0f} MiB "
          f"(peak {memory['rss_peak_bytes'] / 2**20:.0f} MiB), raw columnar {memory['raw_columnar_bytes'] / 2**20:.0f} MiB: "
          f"{memory['resident_over_raw']:.2f}x")
    for item in latency:
        text = item.get("error") or f"p50 {item['p50_ms']:.3f} ms, p99 {item['p99_ms']:.3f} ms"
        print(f"update 1 row + read 50 rows, {item['view']}: {text}")

    loads = None
    if not args.skip_loads:
        log("loads on both cores")
        loads = run_loads(build, data_dir, orders_csv(data_dir, args.rows), args.rows, args.repeat,
                          args.baseline)
        print("\n" + loads_markdown(loads))

    log("python package")
    python = json.loads(run(["/usr/bin/python3", str(BENCH / "python_bench.py"), str(args.python_rows)],
                            env=dict(os.environ, PYTHONPATH=str(build / "python"))))
    python_lines = python_markdown(python)
    print("\n" + python_lines)

    micro_path = RESULTS / "micro.json"
    if not args.skip_micro:
        log("micro benchmarks")
        subprocess.run([str(build / "bench" / "parallax_micro_bench"), "--benchmark_min_time=0.2",
                        f"--benchmark_out={micro_path}", "--benchmark_out_format=json"], check=False,
                       env=dict(os.environ, PARALLAX_BENCH_ROWS=str(args.rows)))

    (RESULTS / "orders.json").write_text(json.dumps(
        {"machine": facts, "side_by_side": main_run, "scaling": scaling, "memory": memory,
         "view_memory": view_memory, "latency": latency,
         "python": python, "loads": loads},
        indent=1) + "\n")
    latency_lines = "\n".join(
        f"| {i['view']} | " + (f"{i['p50_ms']:.3f} | {i['p99_ms']:.3f} | {i['max_ms']:.3f} |" if "p50_ms" in i
                              else f"n/a | n/a | n/a ({i['error']}) |") for i in latency)
    (RESULTS / "orders.md").write_text(f"""# Benchmark results

{facts_markdown(facts)}

## Orders workload, {args.rows:,} rows, side by side

Wall ms per workload (a view made and read is one workload; update_1row is the median update +
read pair). Speed-up = the other engine's ms / Parallax ms. n/a: the engine answered an error.

{table}

## Scaling

![scaling](scaling.png)

{scaling_markdown(scaling)}

## Memory, {args.rows:,} rows

{memory_markdown(memory, view_memory)}

## Single-row update then read ({args.rows:,} rows keyed by order_id, 200 repetitions)

| view | p50 ms | p99 ms | max ms |
|---|---:|---:|---:|
{latency_lines}

{loads_section(loads)}## Python package, {python['rows']:,} rows

{python_lines}

Micro benchmarks (Google Benchmark): `micro.json`.
""")
    print(f"results: {RESULTS / 'orders.md'}, {RESULTS / 'orders.json'}")


if __name__ == "__main__":
    main()
