#!/usr/bin/env python3
"""Shrink a replay script on which parallax and the reference disagree.

usage: shrink.py SCRIPT OUT [--target N] [--parallax PATH]

Keeps the script's first mismatch on the same read (line N, 1-based; default: the first
mismatching line) and every line before it matching, while it drops script lines, rows of
data (rows lists, columns dicts, CSV and NDJSON lines), CSV columns, schema columns, config
entries and window keys, until no single removal keeps the mismatch. Writes the result to
OUT and prints it with both outputs. Oracle runs go through oracle_batch.mjs, so a shrink
takes seconds to a minute. Environment as run.py (ORACLE_NODE_MODULES).
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (paths)
from run import compare  # noqa: E402  (the matching rules)
PARALLAX = os.path.join(run.REPO, "build", "parallax")


class Oracle:
    def __init__(self):
        self.start()

    def start(self):
        self.p = subprocess.Popen([run.NODE, run.BATCH_DRIVER],
                                  env=dict(os.environ, ORACLE_NODE_MODULES=run.NODE_MODULES),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.p.stdout.readline().strip() == b"ready"

    def run(self, path):
        out = path + ".exp"
        self.p.stdin.write(("%s\t%s\n" % (path, out)).encode())
        self.p.stdin.flush()
        r = self.p.stdout.readline().strip()
        txt = open(out, encoding="utf-8").read() if r == b"ok" else ""
        if '"error"' in txt:
            # An error inside the reference's WASM may leave state behind (see run.py).
            self.p.stdin.close()
            self.p.wait()
            self.start()
        return txt


ORA = None
TMP = tempfile.mkdtemp(prefix="shrink-")


def outputs(ops):
    path = os.path.join(TMP, "s.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for o in ops:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    global ORA
    if ORA is None:
        ORA = Oracle()
    e = [json.loads(l) for l in ORA.run(path).splitlines() if l.strip()]
    out = subprocess.run([PARALLAX, "replay", path], capture_output=True, text=True).stdout
    a = [json.loads(l) for l in out.splitlines() if l.strip()]
    return e, a


def bad_at(ops, e, a, i):
    if i >= len(e) or i >= len(a):
        return True
    return not compare.lines_match(e[i], a[i], ops[i]["op"])


def interesting(ops, t):
    e, a = outputs(ops)
    if len(e) != len(ops):
        return False
    if any(bad_at(ops, e, a, i) for i in range(t)):
        return False
    return bad_at(ops, e, a, t)


def shrink_list(xs):
    """candidates: xs with one element removed (chunks first)."""
    n = len(xs)
    k = n // 2
    while k >= 1:
        for s in range(0, n, k):
            yield xs[:s] + xs[s + k:]
        k //= 2


def data_variants(o):
    d = o.get("data")
    if isinstance(d, list) and d:
        for c in shrink_list(d):
            yield dict(o, data=c)
        # drop keys from rows
        keys = list(dict.fromkeys(k for r in d if isinstance(r, dict) for k in r))
        for k in keys:
            if o.get("index") == k: continue
            yield dict(o, data=[{kk: v for kk, v in r.items() if kk != k} for r in d])
    elif isinstance(d, dict) and d and all(isinstance(v, list) for v in d.values()):
        n = max(len(v) for v in d.values())
        idx = list(range(n))
        for c in shrink_list(idx):
            yield dict(o, data={k: [v[i] for i in c if i < len(v)] for k, v in d.items()})
        for k in list(d):
            if o.get("index") == k: continue
            yield dict(o, data={kk: v for kk, v in d.items() if kk != k})
    elif isinstance(d, dict) and d and all(isinstance(v, str) for v in d.values()):
        for k in list(d):
            if o.get("index") == k: continue
            yield dict(o, data={kk: v for kk, v in d.items() if kk != k})
    if isinstance(d, str) and o.get("format") != "ndjson" and "\n" in d:
        rows = list(csv.reader(io.StringIO(d)))
        if rows and len(rows[0]) > 1:
            for j in range(len(rows[0])):
                buf = io.StringIO()
                w = csv.writer(buf, lineterminator="\n")
                for r in rows:
                    w.writerow(r[:j] + r[j + 1:])
                yield dict(o, data=buf.getvalue())
    if isinstance(d, str) and "\n" in d.strip():
        lines = d.split("\n")
        trail = lines[-1] == ""
        if trail: lines = lines[:-1]
        head = [] if o.get("format") == "ndjson" else lines[:1]
        body = lines[len(head):]
        for c in shrink_list(body):
            yield dict(o, data="\n".join(head + c) + ("\n" if trail else ""))


def config_variants(o):
    c = o.get("config")
    if not isinstance(c, dict): return
    for k in list(c):
        yield dict(o, config={kk: v for kk, v in c.items() if kk != k})
        if isinstance(c[k], list) and len(c[k]) > 1:
            for cc in shrink_list(c[k]):
                yield dict(o, config=dict(c, **{k: cc}))


def window_variants(o):
    w = o.get("window")
    if isinstance(w, dict):
        yield {k: v for k, v in o.items() if k != "window"}
        for k in list(w):
            yield dict(o, window={kk: v for kk, v in w.items() if kk != k})


def main():
    global PARALLAX
    if len(sys.argv) < 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    if "--parallax" in sys.argv:
        PARALLAX = os.path.abspath(sys.argv[sys.argv.index("--parallax") + 1])
    ops = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
    out = sys.argv[2]
    e, a = outputs(ops)
    if "--target" in sys.argv:
        t = int(sys.argv[sys.argv.index("--target") + 1]) - 1
    else:
        t = next((i for i in range(len(ops)) if bad_at(ops, e, a, i)), len(ops))
    if t >= len(ops) or not bad_at(ops, e, a, t):
        print("shrink.py: line %d does not differ" % (t + 1), file=sys.stderr)
        return 1
    ops = ops[:t + 1]
    changed = True
    while changed:
        changed = False
        # drop lines
        i = 0
        while i < t:
            cand = ops[:i] + ops[i + 1:]
            if interesting(cand, t - 1):
                ops = cand
                t -= 1
                changed = True
            else:
                i += 1
        # shrink data, configs and windows
        for i in range(len(ops)):
            progress = True
            while progress:
                progress = False
                for v in list(data_variants(ops[i])) + list(config_variants(ops[i])) + list(window_variants(ops[i])):
                    cand = ops[:i] + [v] + ops[i + 1:]
                    if interesting(cand, t):
                        ops = cand
                        changed = progress = True
                        break
    with open(out, "w", encoding="utf-8") as f:
        for o in ops:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    e, a = outputs(ops)
    for o, x, y in zip(ops, e, a):
        print(json.dumps(o, ensure_ascii=False)[:400])
        if o["op"] not in ("table", "update", "view", "remove", "clear", "replace") or x != y:
            print("   O:", json.dumps(x, ensure_ascii=False)[:400])
            print("   P:", json.dumps(y, ensure_ascii=False)[:400])

    return 0


if __name__ == "__main__":
    sys.exit(main())
