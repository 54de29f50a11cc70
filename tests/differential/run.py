#!/usr/bin/env python3
"""Differential test runner: parallax vs the reference oracle (FINOS Perspective 3.8).

usage: run.py [--parallax build/parallax] [--jobs N] [--generated N] [--seed S]
              [--keep DIR] [--expected-cache DIR] [--oracle-only] [--record] [FILES or DIRS...]

Without FILES/DIRS it runs the hand-written scripts tests/differential/cases/*.jsonl plus
--generated N (default 300) scripts made by generate.py with --seed S (default 0). With
FILES/DIRS it runs just those (a directory means its *.jsonl), plus generated scripts only
when --generated is given.

Each script is replayed by the oracle (node tests/oracle/replay.mjs) and by
`parallax replay SCRIPT`, and the two outputs are compared line by line with the rules of
tests/oracle/compare.py (imported from there; numbers inside CSV/NDJSON text get the same
tolerance as numbers, its --float-text). With --serve, the parallax side is
instead the reference's own client (`replay.mjs --websocket`) talking to `parallax serve`,
so the same scripts check the server's wire protocol. A hand-written case's reference output is
also recorded beside it (cases/NAME.expected, for readers and for check_recorded.sh, which
needs no node): the run fails when the live reference no longer answers as recorded, and
--record rewrites the recordings of the cases it runs. Exit status: 0 when all scripts match,
1 on any mismatch, 2 on a usage or set-up problem.

Environment: ORACLE_NODE_MODULES (default tests/oracle/node_modules in the repo),
NODE (default "node").
"""
import argparse
import concurrent.futures
import glob
import hashlib
import json
import re
import os
import shutil
import subprocess
import sys
import select
import shlex
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ORACLE_DIR = os.path.join(REPO, "tests", "oracle")
REPLAY = os.path.join(ORACLE_DIR, "replay.mjs")
# Absolute, because the oracle resolves it from its own directory.
NODE_MODULES = os.path.abspath(os.environ.get("ORACLE_NODE_MODULES") or os.path.join(REPO, "tests", "oracle", "node_modules"))
NODE = os.environ.get("NODE", "node")
BATCH_DRIVER = os.path.join(HERE, "oracle_batch.mjs")
TIMEOUT = 120  # seconds per script and engine

sys.path.insert(0, HERE)
sys.path.insert(0, ORACLE_DIR)
sys.dont_write_bytecode = True  # importing generate.py must not leave __pycache__ in the repo
import compare  # noqa: E402  (tests/oracle/compare.py: the matching rules)


parse_lines = compare.parse_jsonl


def compare_outputs(expected, actual, ops):
    """(number of expected lines, a message per mismatching line)."""
    bad = compare.mismatches(expected, actual, ops, float_text=True)
    return len(expected), [compare.describe(m) for m in bad]


def oracle_fingerprint():
    h = hashlib.sha256()
    for p in (REPLAY, os.path.join(ORACLE_DIR, "replay_lib.mjs"), os.path.join(NODE_MODULES, "@finos", "perspective", "package.json")):
        try:
            with open(p, "rb") as f:
                h.update(f.read())
        except OSError:
            h.update(p.encode())
    return h.hexdigest()[:12]


class BatchOracle:
    """One long-lived `node oracle_batch.mjs` process per worker thread (see that file)."""
    local = threading.local()
    all_procs = []
    lock = threading.Lock()
    disabled = None  # reason, once the batch driver proved unusable

    @classmethod
    def get(cls):
        p = getattr(cls.local, "proc", None)
        if p is not None and p.poll() is None:
            return p
        env = dict(os.environ, ORACLE_NODE_MODULES=NODE_MODULES)
        p = subprocess.Popen([NODE, BATCH_DRIVER], cwd=REPO, env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        first = cls.readline(p, TIMEOUT)
        if first != "ready":
            p.kill()
            p.wait()
            with cls.lock:
                cls.disabled = first or "batch driver did not start"
            return None
        cls.local.proc = p
        with cls.lock:
            cls.all_procs.append(p)
        return p

    @staticmethod
    def readline(p, timeout):
        ready, _, _ = select.select([p.stdout], [], [], timeout)
        if not ready:
            return None
        return p.stdout.readline().decode("utf-8", "replace").strip()

    @classmethod
    def run(cls, script, out_path, extra_args=()):
        """True when out_path now holds the oracle output; False to fall back to replay.mjs."""
        if cls.disabled:
            return False
        p = cls.get()
        if p is None:
            return False
        try:
            request = "\t".join([os.path.abspath(script), out_path, *extra_args])
            p.stdin.write((request + "\n").encode("utf-8"))
            p.stdin.flush()
        except OSError:
            return False
        reply = cls.readline(p, TIMEOUT)
        if reply == "ok":
            return True
        if reply is None:  # hung: kill it, the next script starts a new one
            p.kill()
        return False

    @classmethod
    def retire(cls):
        p = getattr(cls.local, "proc", None)
        cls.local.proc = None
        if p is not None:
            try:
                p.stdin.close()
            except OSError:
                pass

    @classmethod
    def close(cls):
        for p in cls.all_procs:
            try:
                p.stdin.close()
                p.wait(timeout=10)
            except Exception:
                p.kill()


def oracle_args(live):
    """The oracle's options: the fresh-state oracle unless `live` (replay_lib.mjs, FreshState)."""
    return [] if live else ["--fresh"]


# The reference's WASM crashing (seen once in 6,000 batch runs, on a table made from CSV that
# a new process makes without complaint).
WASM_CRASH = "RuntimeError: memory access out of bounds"


def cache_key(content):
    """The oracle cache's key of a script: its bytes, with each input file it names (`path`)
    replaced by the hash of the file's bytes, so the same script and inputs written to another
    folder (generate_arrow.py's files) find the same entry."""
    h = hashlib.sha256()
    for line in content.splitlines(keepends=True):
        try:
            op = json.loads(line)
        except ValueError:
            op = None
        if isinstance(op, dict) and isinstance(op.get("path"), str):
            try:
                with open(op["path"], "rb") as f:
                    op["path"] = "sha256:" + hashlib.sha256(f.read()).hexdigest()
            except OSError:
                pass  # (the oracle answers that with an error, like the file's absence)
            line = json.dumps(op, sort_keys=True).encode("utf-8") + b"\n"
        h.update(line)
    return h.hexdigest()


def run_oracle(script, content, cache_dir, batch=True, live=False):
    """Oracle output text for a script, from the cache when possible. Returns (text, problem)."""
    key = cache_key(content)
    cached = os.path.join(cache_dir, key + ".jsonl") if cache_dir else None
    if cached and os.path.exists(cached):
        with open(cached, encoding="utf-8") as f:
            return f.read(), None
    if batch:
        fd, out_path = tempfile.mkstemp(prefix="oracle-", suffix=".jsonl")
        os.close(fd)
        try:
            if BatchOracle.run(script, out_path, oracle_args(live)):
                with open(out_path, encoding="utf-8") as f:
                    text = f.read()
                if '{"error":' in text:
                    # An error inside the reference's WASM (an Abort) may leave state behind that
                    # changes later scripts run in the same process: start a fresh one.
                    BatchOracle.retire()
                if WASM_CRASH not in text:
                    if cached:
                        store(cached, text)
                    return text, None
                # The WASM itself crashed, from what earlier scripts left in that process (in a
                # process of its own the script runs): ask a new process, below.
        finally:
            os.unlink(out_path)
    env = dict(os.environ, ORACLE_NODE_MODULES=NODE_MODULES)
    try:
        p = subprocess.run([NODE, REPLAY, *oracle_args(live), os.path.abspath(script)], cwd=REPO, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "", "oracle timed out"
    text = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        return text, "oracle exited %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-500:])
    if cached:
        store(cached, text)
    return text, None


def store(path, text):
    tmp = "%s.%d.%d.tmp" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def run_parallax(parallax, script):
    try:
        p = subprocess.run([parallax, "replay", os.path.abspath(script)], cwd=REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "", "parallax timed out"
    except OSError as e:
        return "", "cannot run parallax: %s" % e
    text = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        return text, "parallax exited %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-500:])
    return text, None


class ServedParallax:
    """`parallax serve` (or --serve-command) on a free loopback port, for --serve runs."""

    def __init__(self, parallax, command=None):
        command = shlex.split(command) if command else [parallax, "serve"]
        self.proc = subprocess.Popen(command + ["--port", "0"], cwd=REPO,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], TIMEOUT)
        line = self.proc.stdout.readline().decode("utf-8", "replace") if ready else ""
        address = [w for w in line.split() if w.startswith("http://")]
        if not address:
            self.stop()
            raise SystemExit("run.py: %s did not start: %r" % (" ".join(command), line))
        self.url = address[0].replace("http://", "ws://").rstrip("/") + "/websocket"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_websocket(url, script, label, batch=True):
    """The reference client replaying `script` against the server at `url`."""
    extra = ["--websocket", url, "--table-prefix", label + "__"]
    if batch:
        fd, out_path = tempfile.mkstemp(prefix="websocket-", suffix=".jsonl")
        os.close(fd)
        try:
            if BatchOracle.run(script, out_path, extra):
                with open(out_path, encoding="utf-8") as f:
                    return f.read(), None
        finally:
            os.unlink(out_path)
    env = dict(os.environ, ORACLE_NODE_MODULES=NODE_MODULES)
    command = [NODE, REPLAY, *extra, os.path.abspath(script)]
    try:
        p = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "", "websocket replay timed out"
    text = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        return text, "websocket replay exited %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-500:])
    return text, None


def recording_of(script):
    """The recorded reference output of a hand-written case (cases/NAME.expected), or None."""
    if os.path.dirname(os.path.abspath(script)) != os.path.join(HERE, "cases"):
        return None
    return os.path.splitext(script)[0] + ".expected"


def check_recording(script, text, expected, ops, record):
    """Mismatches between a case's recording and the reference's output now; with `record`,
    (re)writes the recording instead."""
    path = recording_of(script)
    if path is None:
        return []
    if record:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return []
    if not os.path.exists(path):
        return ["no recorded output %s (run.py --record %s writes it)" % (os.path.basename(path), script)]
    with open(path, encoding="utf-8") as f:
        recorded = parse_lines(f.read())
    return [compare.describe(m) for m in compare.mismatches(recorded, expected, ops)]


def job(args, script, label, keep_out, cache_dir):
    with open(script, "rb") as f:
        content = f.read()
    ops = compare.script_ops(content.decode("utf-8"))
    res = {"label": label, "ops": ops}
    if args.record and recording_of(script):
        # A recording comes from a `node replay.mjs` process of its own: the same bytes every
        # time (in the batch driver, schema key order depends on the scripts run before).
        exp_text, problem = run_oracle(script, content, None, False, args.live_oracle)
    else:
        exp_text, problem = run_oracle(script, content, cache_dir, not args.no_batch, args.live_oracle)
    expected = parse_lines(exp_text)
    res["expected"] = expected
    if problem or len(expected) != len(ops):
        res["oracle_problem"] = problem or "oracle printed %d lines for %d ops" % (len(expected), len(ops))
    else:
        res["stale"] = check_recording(script, exp_text, expected, ops, args.record)
    if keep_out:
        with open(os.path.join(keep_out, label + ".expected.jsonl"), "w", encoding="utf-8") as f:
            f.write(exp_text)
    if args.oracle_only:
        return res
    if args.served:
        act_text, problem = run_websocket(args.served.url, script, label, not args.no_batch)
    else:
        act_text, problem = run_parallax(args.parallax, script)
    if keep_out:
        with open(os.path.join(keep_out, label + ".actual.jsonl"), "w", encoding="utf-8") as f:
            f.write(act_text)
    actual = parse_lines(act_text)
    n, bad = compare_outputs(expected, actual, ops)
    res["lines"] = n
    res["bad"] = bad
    res["problem"] = problem
    return res


def collect(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            out.extend(sorted(glob.glob(os.path.join(p, "*.jsonl"))))
        elif os.path.exists(p):
            out.append(p)
        else:
            raise SystemExit("run.py: no such file or directory: %s" % p)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Differential tests: parallax vs the reference oracle.")
    ap.add_argument("paths", nargs="*", help="scripts or directories of *.jsonl (default: cases/)")
    ap.add_argument("--parallax", default=os.path.join(REPO, "build", "parallax"))
    ap.add_argument("--known-failures", metavar="FILE",
                    help="scripts (by label) expected to fail, one per line with '#' comments; "
                         "they are still reported, and one that passes fails the run")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--generated", type=int, default=None, help="generated scripts (default 300, 0 with paths)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--grouped", type=int, default=0,
                    help="also N grouped-view scripts from generate_grouped.py (same --seed)")
    ap.add_argument("--expressions", type=int, default=0,
                    help="also N expression scripts from generate_expressions.py (same --seed)")
    ap.add_argument("--arrow", type=int, default=0,
                    help="also N scripts from generate_arrow.py (tables from and updates through "
                         "Arrow, same --seed)")
    ap.add_argument("--keep", metavar="DIR", help="keep generated scripts and both outputs in DIR")
    ap.add_argument("--expected-cache", metavar="DIR", help="cache oracle outputs by script sha256")
    ap.add_argument("--oracle-only", action="store_true", help="only run the oracle; print the error fraction")
    ap.add_argument("--record", action="store_true",
                    help="write each hand-written case's reference output beside it (cases/NAME.expected)")
    ap.add_argument("--live-oracle", action="store_true",
                    help="compare with the reference's live views instead of the fresh-state "
                         "oracle (every view read answered on a fresh copy of the table)")
    ap.add_argument("--no-batch", action="store_true",
                    help="start node replay.mjs per script instead of the batch driver (slower)")
    ap.add_argument("--max-lines", type=int, default=5, help="mismatching lines shown per script")
    ap.add_argument("--serve", action="store_true",
                    help="check `parallax serve` through the reference client instead of `parallax replay`")
    ap.add_argument("--serve-command", metavar="CMD",
                    help="with --serve: the server to start instead of `parallax serve` (given "
                         "--port 0, it prints its http:// address first), e.g. the Python handlers")
    args = ap.parse_args(argv)
    args.served = None

    if not os.path.exists(REPLAY):
        print("run.py: oracle script not found: %s" % REPLAY, file=sys.stderr)
        return 2
    if not os.path.isdir(NODE_MODULES):
        print("run.py: oracle node_modules not found: %s (set ORACLE_NODE_MODULES)" % NODE_MODULES,
              file=sys.stderr)
        return 2
    if not args.oracle_only and not args.serve_command:
        args.parallax = os.path.abspath(args.parallax)
        if not os.access(args.parallax, os.X_OK):
            print("run.py: parallax binary not found: %s (use --parallax)" % args.parallax, file=sys.stderr)
            return 2

    if args.paths:
        scripts = collect(args.paths)
        ngen = args.generated or 0
    else:
        scripts = collect([os.path.join(HERE, "cases")]) if os.path.isdir(os.path.join(HERE, "cases")) else []
        ngen = 300 if args.generated is None else args.generated

    tmp = None
    keep_out = None
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        gen_dir = os.path.join(args.keep, "generated")
        keep_out = os.path.join(args.keep, "out")
        os.makedirs(keep_out, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="parallax-diff-")
        gen_dir = tmp
    if ngen:
        import generate
        scripts += generate.generate(gen_dir, ngen, args.seed)
    if args.grouped:
        import generate_grouped
        scripts += generate_grouped.generate_grouped(gen_dir, args.grouped, args.seed, args.parallax)
    if args.expressions:
        import generate_expressions
        scripts += generate_expressions.generate(gen_dir, args.expressions, args.seed)
    if args.arrow:
        import generate_arrow
        scripts += generate_arrow.generate_arrow(gen_dir, args.arrow, args.seed, args.parallax)

    cache_dir = None
    if args.expected_cache:
        cache_dir = os.path.join(args.expected_cache, oracle_fingerprint() + ("-live" if args.live_oracle else "-fresh"))
        os.makedirs(cache_dir, exist_ok=True)

    # Labels unique per script: name, prefixed by the parent dir when names collide.
    labels = {}
    for s in scripts:
        base = os.path.splitext(os.path.basename(s))[0]
        label = base
        if label in labels.values():
            label = os.path.basename(os.path.dirname(os.path.abspath(s))) + "_" + base
        labels[s] = label

    started = time.time()
    results = []
    if args.serve and not args.oracle_only:
        args.served = ServedParallax(args.parallax, args.serve_command)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            futs = [ex.submit(job, args, s, labels[s], keep_out, cache_dir) for s in scripts]
            for s, fut in zip(scripts, futs):
                results.append((s, fut.result()))
    finally:
        if args.served:
            args.served.stop()
        BatchOracle.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.time() - started

    if BatchOracle.disabled and not args.no_batch:
        print("note: oracle batch driver unusable (%s); ran replay.mjs per script" % BatchOracle.disabled)
    oracle_problems = [(s, r) for s, r in results if r.get("oracle_problem")]
    for s, r in oracle_problems:
        print("ORACLE PROBLEM %s: %s" % (r["label"], r["oracle_problem"]))
    stale = [(s, r) for s, r in results if r.get("stale")]
    for s, r in stale:
        print("STALE RECORDING %s: the reference now answers differently from %s "
              "(check, then run.py --record %s):" % (r["label"], os.path.basename(recording_of(s)), s))
        for m in r["stale"][:args.max_lines]:
            print("    " + m)

    if args.oracle_only:
        total = sum(len(r["expected"]) for _, r in results)
        errors = sum(1 for _, r in results for e in r["expected"] if "error" in e)
        by_op = {}
        for s, r in results:
            for op, e in zip(r["ops"], r["expected"]):
                t = by_op.setdefault(op, [0, 0])
                t[0] += 1
                t[1] += "error" in e
        print("scripts: %d; lines: %d, errors: %d (%.2f%%); %.1f s"
              % (len(results), total, errors, 100.0 * errors / max(total, 1), elapsed))
        for op, (n, e) in sorted(by_op.items(), key=lambda kv: -kv[1][1]):
            if e:
                print("  %-14s %5d errors of %5d" % (op, e, n))
        return 1 if oracle_problems or stale else 0

    known = set()
    if args.known_failures:
        for line in open(args.known_failures, encoding="utf-8"):
            line = line.split("#", 1)[0].strip()
            if line:
                known.add(line)
    passed = failed = known_failed = 0
    lines_ok = lines_bad = 0
    for s, r in results:
        bad = r["bad"]
        problem = r.get("problem")
        lines_bad += len(bad)
        lines_ok += r["lines"] - min(len(bad), r["lines"])
        if r["label"] in known:
            if bad or problem:
                known_failed += 1
                print("KNOWN %s: %d mismatching line(s) (listed in %s)"
                      % (r["label"], len(bad), os.path.basename(args.known_failures)))
            else:
                failed += 1
                print("FAIL %s now matches the reference: remove it from %s"
                      % (r["label"], args.known_failures))
            continue
        if bad or problem:
            failed += 1
            print("FAIL %s (%s): %d mismatching line(s)%s" % (r["label"], s, len(bad),
                                                              "; " + problem if problem else ""))
            for m in bad[:args.max_lines]:
                print("    " + m)
            if len(bad) > args.max_lines:
                print("    ... %d more" % (len(bad) - args.max_lines))
        else:
            passed += 1
    print("scripts: %d passed, %d failed, %d known failures; lines: %d passed, %d failed; %.1f s"
          % (passed, failed, known_failed, lines_ok, lines_bad, elapsed))
    if failed and ngen and not args.keep:
        print("(generated scripts were in a temporary directory: re-run with --keep DIR to keep "
              "them and both outputs; same --generated/--seed give the same scripts)")
    return 1 if failed or oracle_problems or stale else 0


if __name__ == "__main__":
    sys.exit(main())
