#!/usr/bin/env python3
"""Differential check of table.validate_expressions: Parallax against the reference.

usage: validate_expressions.py [--parallax build/parallax] [--generated N] [--seed S]

Validates the expressions of ../shared/reference/expressions.md, those it says are rejected,
more that the reference rejects (probed), and N generated ones (generate_expressions.py)
against one table in both engines, and compares, per expression, the type it gets or that it
is rejected. Error messages and positions are not compared (Parallax's say more); the unit
tests pin them. Prints 'N passed, N failed'; exits 1 on any mismatch.
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

FIXED = [
    '"i" + "f" * 2 - 1 / 3 % 2', '"f" ^ 2', 'abs("i")', 'sqrt("f")', 'trunc("f")', 'sgn("i")',
    'min("i", "f")', 'max("i", 2, "f")', 'avg("f", 3)', 'sum("i", "f")', 'percent_of("i", "f")',
    'inrange(0, "f", 2)', 'clamp(0, "f", 2)', 'bucket("f", 0.5)', "bucket(\"dt\", 'M')",
    "bucket(\"dt\", '5m')", "bucket(\"dt\", '10Y')", "bucket(\"d\", 'W')", "bucket(\"d\", 'h')",
    'hour_of_day("dt")', 'day_of_week("dt")', 'month_of_year("d")', 'today()', 'now()',
    'datetime(1704067200000)', 'date(2024, 1, 2)', "concat(\"s\", '-', 'x')", 'upper("s")',
    'lower("s")', 'substring("s", 0, 1)', "replace(\"s\", 'b', 'c')",
    "replace_all(\"s\", 'b', 'c')", "search(\"s\", '(b)')", 'length("s")',
    "order(\"s\", 'bb', 'a')", "match(\"s\", 'b+')", "match_all(\"s\", 'b+')", 'integer("f")',
    'float("i")', 'string("i")', 'boolean("i")', 'is_null("f")', 'is_not_null("f")',
    'random()', 'index()', "col('i') + 1", "if (\"i\" > 0) { 'pos' } else { 'neg' }",
    '"i" > 0 ? 1 : 0', 'var x := "i" * 2; x + 1', '"i" == 1 and "f" < 2 or "b"',
    "\"s\" == 'a'", '"dt" > datetime(1704067200000)', '"b"', '"d"', "1", "'abc'", "true",
    'var y := 0; for (var k := 0; k < 3; k += 1) { y += k; }; y', '-"i"', '// c\n"f" + 1',
    # rejected by the reference
    'case(1)', '"dt" - "dt"', 'ln(2)', 'x + 1', '1 +', '"nope" + 1', '"f" / 0', "bucket(\"dt\", '3D')",
    "bucket(\"dt\", '2W')", '"b" + 1', "\"s\" + 'x'", 'concat("s", 1)', 'upper("i")',
    "match(\"s\", '[')", "search(\"s\", 'l+')", 'if ("f" > 0) { 1 }', '"f" +\n  bad(1)',
    'max("d", "d")', '"i" + "b"', 'not "b"', "(\"f\" + 1", '"f" + 1)',
]


def parallax_answer(binary, expressions):
    ops = [{"op": "table", "name": "t", "data": SCHEMA},
           {"op": "validate_expressions", "table": "t", "expressions": expressions}]
    out = subprocess.run([binary, "replay", "-"], input="\n".join(map(json.dumps, ops)),
                         capture_output=True, text=True, timeout=120)
    lines = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    return lines[1]["ok"]


def reference_answer(expressions):
    out = subprocess.run(["node", os.path.join(HERE, "validate_expressions.mjs")],
                         input=json.dumps({"schema": SCHEMA, "expressions": expressions}),
                         capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, ORACLE_NODE_MODULES=NODE_MODULES))
    if out.returncode != 0:
        raise SystemExit("validate_expressions.py: the reference failed: " + out.stderr[-2000:])
    return json.loads(out.stdout)


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
    expected = reference_answer(expressions)
    actual = parallax_answer(args.parallax, expressions)
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
