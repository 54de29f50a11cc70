#!/usr/bin/env python3
"""Differential check of table.validate_expressions: Parallax against the reference.

usage: validate_expressions.py [--parallax build/parallax] [--generated N] [--seed S]

Validates the expressions of validate_expressions.json (the reference's documented examples,
and expressions it rejects) and N generated ones (generate_expressions.py) against one table
in both engines (the same two-line replay script: tests/oracle/replay.mjs and `parallax
replay`), and compares, per expression, the type it gets or that it is rejected. Error messages
and positions are not compared (Parallax's say more); the unit tests pin them. Prints
'N passed, N failed'; exits 1 on any mismatch.
"""
import argparse
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NODE_MODULES = os.path.abspath(os.environ.get("ORACLE_NODE_MODULES") or
                               os.path.join(REPO, "tests", "oracle", "node_modules"))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import generate_expressions  # noqa: E402

SCHEMA = {"i": "integer", "f": "float", "g": "float", "s": "string", "t": "string",
          "d": "date", "dt": "datetime", "b": "boolean"}

# The documented and rejected expressions (validate_expressions.json beside this file).
with open(os.path.join(HERE, "validate_expressions.json"), encoding="utf-8") as _f:
    _LISTS = json.load(_f)
FIXED = _LISTS["documented"] + _LISTS["rejected"]


def script(expressions):
    return "".join(json.dumps(op) + "\n" for op in [
        {"op": "table", "name": "t", "data": SCHEMA},
        {"op": "validate_expressions", "table": "t", "expressions": expressions}])


def answer(engine, command, expressions):
    """The validate_expressions result of one engine's replay of script(expressions)."""
    out = subprocess.run(command, input=script(expressions), capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, ORACLE_NODE_MODULES=NODE_MODULES))
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    if out.returncode != 0 or len(lines) != 2 or "ok" not in lines[1]:
        raise SystemExit("validate_expressions.py: %s failed: %s %s" % (
            engine, lines[1:] if len(lines) > 1 else "", out.stderr[-2000:]))
    return lines[1]["ok"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parallax", default=os.path.join(REPO, "build", "parallax"))
    ap.add_argument("--generated", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    texts = list(FIXED)
    exprs = generate_expressions.Exprs(random.Random(args.seed))
    texts += [exprs.any() for _ in range(args.generated)]
    expressions = {"e%d" % n: text for n, text in enumerate(texts)}
    expected = answer("the reference", ["node", os.path.join(REPO, "tests", "oracle", "replay.mjs"), "-"],
                      expressions)
    actual = answer("parallax", [args.parallax, "replay", "-"], expressions)
    passed = failed = 0
    for name, text in expressions.items():
        want = expected["expression_schema"].get(name, "error")
        got = actual["expression_schema"].get(name, "error")
        if (name in expected["errors"]) != (name in actual["errors"]) or want != got:
            failed += 1
            print("FAIL %r: reference %s%s, parallax %s%s" % (
                text, want, " " + json.dumps(expected["errors"].get(name, "")),
                got, " " + json.dumps(actual["errors"].get(name, ""))))
        else:
            passed += 1
    if expected["expression_alias"] != actual["expression_alias"]:
        failed += 1
        print("FAIL expression_alias differs")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
