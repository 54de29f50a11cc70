#!/usr/bin/python3
"""Virtual tables at scale (issue 20): a viewer browsing ClickHouse through Parallax.

usage: virtual_bench.py [--build DIR] [--rows N] [--small-rows N] [--products N] [--screen N]
                        [--steps N] [--reps N] [--direct-steps N] [--data DIR] [--out PATH]

Starts three throwaway clickhouse-servers (tests/virtual/db_servers.py): one node, and two
shards with a `Distributed` table over them. The orders rows are generated inside ClickHouse
(INSERT ... SELECT FROM numbers(), in chunks), never shipped, and kept in --data (reused while
the row count matches). Each row's cells are functions of its id, so the single node and the
two shards hold the same data.

For each size (--small-rows, then --rows) a fresh `parallax serve --virtual` hosts both, and
bench/virtual_viewer.mjs (the reference's JS client) times what a viewer asks: the first screen
of `group_by product, split_by region, sum(price)` (view, num_rows, rows 0..--screen) and
--steps scroll steps of a screen each, --reps times; p50 and p99 from request to answer, and
Parallax's resident memory after it (it must not grow with the rows: only groups cross).
Side by side, the same SQL issued directly to ClickHouse: the statements Parallax sent for a
first screen (captured once through a recording proxy) and, for a scroll step, the query a
client without Parallax would send (the grouped answer's next LIMIT/OFFSET window;
--direct-steps per viewer, as each reruns the whole grouping).

When split_by is refused by the virtual tables, the view is `group_by product, region` and the
results say so. Results: bench/results/virtual.md and virtual.json.
"""
import argparse
import datetime
import http.server
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests" / "virtual"))
sys.dont_write_bytecode = True
import db_servers  # noqa: E402

REGIONS = ("North", "South", "East", "West", "Central")
CHUNK = 10_000_000  # rows per INSERT ... SELECT (bounds ClickHouse's memory)


def log(message):
    print(message, file=sys.stderr, flush=True)


def sql(http_port, statement, database=None, timeout=3600):
    url = f"http://127.0.0.1:{http_port}/" + (f"?database={database}" if database else "")
    request = urllib.request.Request(url, data=statement.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return answer.read().decode()


ENUM = "Enum8(" + ", ".join(f"'{r}' = {i + 1}" for i, r in enumerate(REGIONS)) + ")"
# Product ids and an Enum region: ClickHouse 18.16 groups 100M rows by two String keys in
# ~130 s on the shared machine (by a UInt16 and an Enum8 in ~15 s), and the benchmark is about
# what Parallax adds to the database's time, not the database's choice of keys.
SCHEMA = f"(id UInt64, product UInt16, region {ENUM}, price Float64, qty Int32)"


def columns_of(id_expr, products):
    """The orders' cells as functions of the row's id (the same on every server)."""
    return (f"{id_expr} AS id, toUInt16(intHash32({id_expr}) % {products}) AS product, "
            f"CAST(intHash32({id_expr} + 1) % {len(REGIONS)} + 1 AS {ENUM}) AS region, "
            f"(intHash32({id_expr} + 2) % 100000) / 100 AS price, "
            f"toInt32(intHash32({id_expr} + 3) % 10 + 1) AS qty")


def types(port, database, table):
    try:
        return sql(port, "SELECT groupArray(type) FROM system.columns WHERE database = "
                         f"'{database}' AND table = '{table}'").strip()
    except Exception:
        return ""


def count(port, database, table):
    try:
        return int(sql(port, f"SELECT count() FROM {database}.{table}").strip())
    except Exception:
        return -1


def fill(port, database, table, rows, products, shard=None):
    """`rows` orders in database.table (ids shard, shard+2, ... on a shard), unless there."""
    wanted = rows if shard is None else (rows + 1 - shard) // 2
    if count(port, database, table) == wanted and "UInt16" in types(port, database, table):
        return False
    sql(port, f"CREATE DATABASE IF NOT EXISTS {database}")
    sql(port, f"DROP TABLE IF EXISTS {database}.{table}")
    sql(port, f"CREATE TABLE {database}.{table} {SCHEMA} ENGINE = MergeTree ORDER BY id")
    id_expr = "number" if shard is None else f"(number * 2 + {shard})"
    select = columns_of(id_expr, products)
    for start in range(0, wanted, CHUNK):
        chunk = min(CHUNK, wanted - start)
        began = time.monotonic()
        sql(port, f"INSERT INTO {database}.{table} SELECT {select} FROM "
                  f"(SELECT number + {start} AS number FROM numbers({chunk}))")
        log(f"  {database}.{table}: {start + chunk:,}/{wanted:,} rows "
            f"({time.monotonic() - began:.1f}s)")
    return True


class Recorder(http.server.BaseHTTPRequestHandler):
    """A proxy in front of ClickHouse's HTTP interface that keeps each statement it forwards."""
    target = None
    statements = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Recorder.statements.append(body.decode())
        request = urllib.request.Request(f"http://127.0.0.1:{self.target}{self.path}", data=body,
                                         method="POST")
        for header in ("Authorization",):
            if self.headers.get(header):
                request.add_header(header, self.headers[header])
        try:
            with urllib.request.urlopen(request, timeout=3600) as answer:
                status, payload = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def record_statements(target_port, run):
    """Runs run(proxy_port) with a recording proxy to target_port; answers the statements."""
    Recorder.target, Recorder.statements = target_port, []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        run(server.server_address[1])
    finally:
        server.shutdown()
    return list(Recorder.statements)


class Serve:
    """`parallax serve --virtual ...` on a free port; stopped by pid."""

    def __init__(self, build, urls):
        # (No refresh: the viewer's requests alone; a query over 100M rows may take minutes.)
        args = [str(build / "parallax"), "serve", "--port", "0", "--virtual-refresh", "0",
                "--virtual-timeout", "3600"]
        for url in urls:
            args += ["--virtual", url]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        line = self.process.stdout.readline()
        found = re.search(r"http://([\d.]+:\d+)", line)
        if not found:
            self.stop()
            raise SystemExit(f"parallax serve did not start: {line}{self.process.stderr.read()}")
        self.url = f"ws://{found.group(1)}/websocket"

    def memory_mb(self):
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
        return {"rss_mb": int(fields["VmRSS"]) / 1024, "peak_rss_mb": int(fields["VmHWM"]) / 1024}

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


def viewer(serve, table, config, args, reps=None):
    command = ["node", str(BENCH / "virtual_viewer.mjs"), serve.url, table, json.dumps(config),
               str(args.screen), str(args.steps), str(reps or args.reps)]
    env = dict(os.environ, ORACLE_NODE_MODULES=str(ROOT / "tests" / "oracle" / "node_modules"))
    out = subprocess.run(command, check=True, text=True, capture_output=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def percentiles(values):
    if not values:
        return {"p50_ms": None, "p99_ms": None, "n": 0}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p99_ms": round(p99, 2),
            "n": len(ordered)}


def timed(port, database, statement):
    began = time.perf_counter()
    sql(port, statement, database)
    return (time.perf_counter() - began) * 1000


def direct(port, database, table, first_sql, scroll_sql, config, args):
    """The same work issued to ClickHouse directly: the first screen's statements as Parallax
    sent them; a scroll step's too, or (when Parallax sent none, answering from the groups it
    holds) the next window as a client without Parallax would ask for it."""
    first, scroll = [], []
    keys = ", ".join(config["group_by"] + config.get("split_by", []))
    # A screen of a split view holds every region of its products: that many grouped rows.
    window = args.screen * (len(REGIONS) if config.get("split_by") else 1)
    for _ in range(args.reps):
        first.append(sum(timed(port, database, s) for s in first_sql))
        if scroll_sql:
            scroll.append(sum(timed(port, database, s) for s in scroll_sql) / args.steps)
            continue
        for step in range(1, args.direct_steps + 1):
            scroll.append(timed(port, database,
                                f"SELECT {keys}, sum(price) FROM {table} GROUP BY {keys} ORDER BY "
                                f"{keys} LIMIT {window} OFFSET {step * window} "
                                "FORMAT TabSeparated"))
    return percentiles(first), percentiles(scroll)


def bench_size(rows, args, servers, build):
    single, shard0, shard1 = servers
    database = f"bench_{rows}"
    log(f"{rows:,} rows: generating inside ClickHouse (kept in {args.data})")
    began = time.monotonic()
    generated = [fill(single, database, "orders_single", rows, args.products),
                 fill(shard0, database, "orders_local", rows, args.products, shard=0),
                 fill(shard1, database, "orders_local", rows, args.products, shard=1)]
    sql(shard0, f"DROP TABLE IF EXISTS {database}.orders_sharded")
    sql(shard0, f"CREATE TABLE {database}.orders_sharded AS {database}.orders_local "
                f"ENGINE = Distributed(shards, {database}, orders_local)")
    generated_s = time.monotonic() - began
    assert count(shard0, database, "orders_sharded") == rows, "the shards hold every row"

    urls = [f"clickhouse://127.0.0.1:{single}/{database}",
            f"clickhouse://127.0.0.1:{shard0}/{database}"]
    split = {"group_by": ["product"], "split_by": ["region"], "columns": ["price"],
             "aggregates": {"price": "sum"}}
    fallback = {"group_by": ["product", "region"], "columns": ["price"],
                "aggregates": {"price": "sum"}}
    serve = Serve(build, urls)
    result = {"rows": rows, "generate_s": round(generated_s, 1) if any(generated) else None,
              "memory_start": serve.memory_mb()}
    try:
        probe = viewer(serve, "orders_single", split, args, reps=1)
        config, note = split, None
        if probe["error"]:
            config = fallback
            note = f"split_by refused ({probe['error'][:160]}): group_by product, region instead"
            log(f"  {note}")
        result["config"], result["note"] = config, note
        for label, table, port in (("single node", "orders_single", single),
                                   ("two shards", "orders_sharded", shard0)):
            log(f"  {label}: parallax")
            timings = viewer(serve, table, config, args)
            if timings["error"]:
                raise SystemExit(f"{label}: {timings['error']}")
            first_sql = record_statements(
                port, lambda proxy: viewer_through(build, proxy, database, table, config,
                                                   args.screen, 0))
            scroll_sql = record_statements(
                port, lambda proxy: viewer_through(build, proxy, database, table, config,
                                                   args.screen, args.steps))[len(first_sql):]
            log(f"  {label}: direct ({len(first_sql)} statements per first screen, "
                f"{len(scroll_sql)} for {args.steps} scroll steps)")
            direct_first, direct_scroll = direct(port, database, table, first_sql, scroll_sql,
                                                 config, args)
            result[label] = {
                "groups_shown": timings["rows"], "columns": timings["columns"],
                "parallax_first_screen": percentiles(timings["first_screen_ms"]),
                "parallax_scroll": percentiles(timings["scroll_ms"]),
                "direct_first_screen": direct_first, "direct_scroll": direct_scroll,
                "first_screen_sql": first_sql, "scroll_sql": scroll_sql,
            }
        result["memory_end"] = serve.memory_mb()
    finally:
        serve.stop()
    return result


def viewer_through(build, proxy_port, database, table, config, screen, steps):
    """One first screen and `steps` scroll steps with Parallax talking through the proxy."""
    serve = Serve(build, [f"clickhouse://127.0.0.1:{proxy_port}/{database}"])
    try:
        Recorder.statements.clear()  # the tables' discovery is not the viewer's
        viewer(serve, table, config, argparse.Namespace(screen=screen, steps=steps, reps=1))
    finally:
        serve.stop()


def markdown(report):
    lines = [f"# Virtual tables over ClickHouse ({report['date']})", "",
             f"Machine: {report['machine']}; load average before: {report['load_before']}, "
             f"after: {report['load_after']}; ClickHouse {report['clickhouse']}. Parallax and "
             "direct are measured one after the other: compare them knowing the load moved.", "",
             f"Viewer: first screen = view + num_rows + rows 0..{report['screen']}; scroll step "
             f"= the next {report['screen']} rows; {report['reps']} viewers x {report['steps']} "
             f"steps (sent directly: {report['direct_steps']} steps per viewer, each reruns the "
             "grouping). Times from request to answer, ms.", ""]
    for size in report["sizes"]:
        view = "group_by product, split_by region" if "split_by" in size["config"] else \
            "group_by product, region"
        lines += [f"## {size['rows']:,} rows, {view}, sum(price)", ""]
        if size["note"]:
            lines += [f"Note: {size['note']}", ""]
        lines += ["| | rows of the view | Parallax first screen p50 / p99 | direct first screen p50 / p99 "
                  "| Parallax scroll p50 / p99 | direct scroll p50 / p99 |",
                  "|---|---|---|---|---|---|"]
        for label in ("single node", "two shards"):
            r = size[label]
            pair = lambda p: f"{p['p50_ms']} / {p['p99_ms']}"  # noqa: E731
            lines.append(f"| {label} | {r['groups_shown']:,} | {pair(r['parallax_first_screen'])} "
                         f"| {pair(r['direct_first_screen'])} | {pair(r['parallax_scroll'])} | "
                         f"{pair(r['direct_scroll'])} |")
        lines += ["", f"Parallax resident memory: {size['memory_start']['rss_mb']:.0f} MB at start, "
                  f"{size['memory_end']['rss_mb']:.0f} MB after (peak "
                  f"{size['memory_end']['peak_rss_mb']:.0f} MB). "
                  + (f"Generated in {size['generate_s']} s." if size["generate_s"] is not None
                     else "Data kept from an earlier run."), ""]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--small-rows", type=int, default=1_000_000,
                        help="a first, smaller size (0: none), to show memory does not grow")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--screen", type=int, default=40)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--direct-steps", type=int, default=3,
                        help="scroll steps per viewer sent directly (each reruns the grouping)")
    parser.add_argument("--data", default=None, help="ClickHouse data (default BUILD/bench/virtual)")
    parser.add_argument("--out", default=str(BENCH / "results" / "virtual"))
    args = parser.parse_args()
    build = Path(args.build).resolve()
    args.data = Path(args.data or build / "bench" / "virtual").resolve()
    processes = []
    try:
        single, single_http, _ = db_servers.retrying(
            lambda: db_servers.start_clickhouse(str(args.data / "single")))
        processes.append(single)
        pair = db_servers.retrying(lambda: db_servers.start_shards(str(args.data)))
        processes += [p for p, _ in pair]
        servers = (single_http, pair[0][1], pair[1][1])
        report = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared)",
            "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "clickhouse": sql(single_http, "SELECT version()").strip(),
            "screen": args.screen, "steps": args.steps, "reps": args.reps,
            "direct_steps": args.direct_steps, "sizes": [],
        }
        for rows in ([args.small_rows] if 0 < args.small_rows < args.rows else []) + [args.rows]:
            report["sizes"].append(bench_size(rows, args, servers, build))
        report["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    finally:
        for process in reversed(processes):
            db_servers.stop(process)
    text = markdown(report)
    print(text)
    Path(args.out + ".md").write_text(text)
    Path(args.out + ".json").write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
