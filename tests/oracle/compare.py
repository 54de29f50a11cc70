#!/usr/bin/env python3
"""Compares two replay outputs (JSON Lines, one result per script line), line by line.

usage: compare.py EXPECTED.jsonl ACTUAL.jsonl [--ops SCRIPT.jsonl] [--ignore-arrow-types]
                  [--float-text]

Matching rules (README.md beside this file):
- an error matches any error: messages are not compared;
- numbers match within a relative 1e-9, whatever their JSON spelling (1 matches 1.0); NaN
  matches NaN only; booleans match booleans only (true is not 1);
- lists match element by element; objects need the same keys in the same order, except the
  results of schema-like operations (SCHEMA_OPS; --ops names each line's operation), whose
  key order is free;
- the "ms" field of --timing outputs is ignored;
- --ignore-arrow-types compares only the decoded values of to_arrow results, not the Arrow
  type names;
- --float-text gives numbers inside to_csv/to_ndjson text the same 1e-9 (see text_close).
Prints each mismatching line, then "N passed, N failed"; exits 0 when every line matches,
1 otherwise, 2 when a file cannot be read.
"""
import argparse
import json
import math
import re
import sys

RELATIVE_TOLERANCE = 1e-9
# Operations whose results are read as sets of named entries: key order is not compared.
SCHEMA_OPS = frozenset({"table_schema", "schema", "dimensions", "config", "expression_schema"})
TEXT_OPS = frozenset({"to_csv", "to_ndjson"})


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def numbers_close(x, y):
    if math.isnan(x) or math.isnan(y):
        return isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return x == y or abs(x - y) <= RELATIVE_TOLERANCE * max(abs(x), abs(y))


def values_match(expected, actual, keyed_in_order=True):
    """Whether two decoded JSON values match under the rules above."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if _is_number(expected) and _is_number(actual):
        return numbers_close(expected, actual)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            values_match(e, a, keyed_in_order) for e, a in zip(expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        if keyed_in_order and list(expected) != list(actual):
            return False
        return expected.keys() == actual.keys() and all(
            values_match(expected[k], actual[k], keyed_in_order) for k in expected)
    return type(expected) is type(actual) and expected == actual


# A number inside CSV or NDJSON text.
_NUMBER = re.compile(r"(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)")


def text_close(expected, actual):
    """Whether two texts differ only in the last digits of floats.

    The tolerance numbers get (a float sum's last bits depend on the order of addition) given
    to the numbers in text, and nothing more: everything else must be identical, and two
    different number tokens pass only when one is written as a float, their values differ
    (so "1.0" against "1", a formatting difference, still fails) and they are within 1e-9."""
    e_parts, a_parts = _NUMBER.split(expected), _NUMBER.split(actual)
    if len(e_parts) != len(a_parts):
        return False
    for index, (e, a) in enumerate(zip(e_parts, a_parts)):
        if e == a:
            continue
        is_number = index % 2 == 1  # re.split puts the captured numbers at odd indexes
        if not is_number or not any(c in e + a for c in ".eE"):
            return False
        x, y = float(e), float(a)
        if x == y or not numbers_close(x, y):
            return False
    return True


def lines_match(expected, actual, op=None, ignore_arrow_types=False, float_text=False):
    """Whether one output line (a decoded {"ok": ...} or {"error": ...}) matches another."""
    if not isinstance(expected, dict) or not isinstance(actual, dict):
        return False  # a missing line, or one that is not an output object
    if "error" in expected or "error" in actual:
        return "error" in expected and "error" in actual
    e, a = expected.get("ok"), actual.get("ok")
    if op == "to_arrow" and ignore_arrow_types:
        e = e.get("columns") if isinstance(e, dict) else e
        a = a.get("columns") if isinstance(a, dict) else a
    if values_match(e, a, op not in SCHEMA_OPS):
        return True
    return float_text and op in TEXT_OPS and isinstance(e, str) and isinstance(a, str) and text_close(e, a)


def mismatches(expected, actual, ops=(), **rules):
    """[(line number, op, expected line, actual line)] for every line that does not match;
    a line missing on either side is a mismatch. `rules` are lines_match's keywords."""
    out = []
    for i in range(max(len(expected), len(actual))):
        e = expected[i] if i < len(expected) else None
        a = actual[i] if i < len(actual) else None
        op = ops[i] if i < len(ops) else None
        if not lines_match(e, a, op, **rules):
            out.append((i + 1, op, e, a))
    return out


def describe(mismatch, width=300):
    number, op, e, a = mismatch
    return "line %d (%s): expected %s got %s" % (
        number, op, json.dumps(e, ensure_ascii=False)[:width], json.dumps(a, ensure_ascii=False)[:width])


def parse_jsonl(text):
    """Decoded non-blank lines; a line that is not JSON decodes to a marker that matches
    nothing (so a broken output line fails, and is shown, instead of stopping the run)."""
    out = []
    for line in text.splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"unparsable": line[:200]})
    return out


def script_ops(text):
    """The "op" of each non-blank line of a replay script (None where there is none)."""
    ops = []
    for line in parse_jsonl(text):
        ops.append(line.get("op") if isinstance(line, dict) else None)
    return ops


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("expected")
    parser.add_argument("actual")
    parser.add_argument("--ops", metavar="SCRIPT", help="the replay script both outputs answer")
    parser.add_argument("--ignore-arrow-types", action="store_true")
    parser.add_argument("--float-text", action="store_true")
    args = parser.parse_args(argv)
    try:
        with open(args.expected, encoding="utf-8") as f:
            expected = parse_jsonl(f.read())
        with open(args.actual, encoding="utf-8") as f:
            actual = parse_jsonl(f.read())
        ops = []
        if args.ops:
            with open(args.ops, encoding="utf-8") as f:
                ops = script_ops(f.read())
    except OSError as error:
        print("compare.py: %s" % error, file=sys.stderr)
        return 2
    bad = mismatches(expected, actual, ops, ignore_arrow_types=args.ignore_arrow_types,
                     float_text=args.float_text)
    for mismatch in bad:
        print(describe(mismatch))
    total = max(len(expected), len(actual))
    print("%d passed, %d failed" % (total - len(bad), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
