"""The matching rules of compare.py (README.md beside this file), one by one."""
import json
import math
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import compare  # noqa: E402


@pytest.mark.parametrize("expected, actual", [
    (1, 1.0), (0.1 + 0.2, 0.3), (1e20, 1e20 * (1 + 1e-10)), (None, None), ("a", "a"),
    (float("nan"), float("nan")), (math.inf, math.inf), ([1, [2, "x"]], [1.0, [2, "x"]]),
    ({"a": 1, "b": [True]}, {"a": 1, "b": [True]}), (True, True),
])
def test_values_that_match(expected, actual):
    assert compare.values_match(expected, actual)


@pytest.mark.parametrize("expected, actual", [
    (1, 1.001), (0.0, 1e-300), (1, True), (0, False), (True, False), (None, 0), ("1", 1),
    (float("nan"), 1.0), (1.0, float("nan")), (math.inf, -math.inf), (math.inf, 1e308),
    ([1, 2], [1, 2, 3]), ([1], {"a": 1}), ({"a": 1}, {"a": 1, "b": 2}),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}), ({"a": {"x": 1, "y": 2}}, {"a": {"y": 2, "x": 1}}),
])
def test_values_that_do_not_match(expected, actual):
    assert not compare.values_match(expected, actual)


def test_key_order_is_free_only_for_schema_like_results():
    e, a = {"ok": {"a": "integer", "b": "float"}}, {"ok": {"b": "float", "a": "integer"}}
    for op in ("table_schema", "schema", "expression_schema", "dimensions", "config"):
        assert compare.lines_match(e, a, op)
    for op in ("to_columns", "to_json", None):
        assert not compare.lines_match(e, a, op)


def test_errors_match_any_error_and_nothing_else():
    assert compare.lines_match({"error": "one message"}, {"error": "another"})
    assert not compare.lines_match({"error": "x"}, {"ok": None})
    assert not compare.lines_match({"ok": None}, {"error": "x"})


def test_timing_is_ignored_and_arrow_types_on_request():
    assert compare.lines_match({"ok": 3, "ms": 1.0}, {"ok": 3, "ms": 99.0})
    e = {"ok": {"schema": {"a": "Int32"}, "columns": {"a": [1]}}}
    a = {"ok": {"schema": {"a": "Float64"}, "columns": {"a": [1.0]}}}
    assert not compare.lines_match(e, a, "to_arrow")
    assert compare.lines_match(e, a, "to_arrow", ignore_arrow_types=True)


def test_numbers_in_text_get_the_tolerance_only_with_float_text():
    e, a = {"ok": "a,b\n0.30000000000000004,x\n"}, {"ok": "a,b\n0.3,x\n"}
    assert not compare.lines_match(e, a, "to_csv")
    assert compare.lines_match(e, a, "to_csv", float_text=True)
    for other in ("a,b\n0.3,y\n", "a,b\n0.31,x\n", "a;b\n0.3,x\n"):
        assert not compare.lines_match(e, {"ok": other}, "to_csv", float_text=True)
    # A formatting difference of the same value is not a rounding difference.
    assert not compare.lines_match({"ok": "1\n"}, {"ok": "1.0\n"}, "to_csv", float_text=True)
    assert not compare.lines_match(e, a, "to_columns", float_text=True)


def test_missing_extra_and_broken_lines_fail():
    ok = [{"ok": 1}, {"ok": 2}]
    assert compare.mismatches(ok, ok) == []
    assert [m[0] for m in compare.mismatches(ok, ok[:1])] == [2]
    assert [m[0] for m in compare.mismatches(ok[:1], ok)] == [2]
    assert [m[0] for m in compare.mismatches(ok, compare.parse_jsonl('{"ok": 1}\nnot json\n'))] == [2]


def test_command_line(tmp_path):
    script = tmp_path / "s.jsonl"
    script.write_text('{"op": "table"}\n{"op": "schema"}\n{"op": "to_columns"}\n')
    expected = tmp_path / "e.jsonl"
    expected.write_text('{"ok": null}\n{"ok": {"a": "integer", "b": "string"}}\n{"ok": {"a": [1]}}\n')
    good = tmp_path / "good.jsonl"
    good.write_text('{"ok":null,"ms":1}\n\n{"ok":{"b":"string","a":"integer"}}\n{"ok":{"a":[1.0]}}\n')
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"ok": None}) + "\n" + json.dumps({"error": "no"}) + "\n")

    def run(*args):
        return subprocess.run([sys.executable, compare.__file__, *map(str, args)],
                              capture_output=True, text=True)

    passed = run(expected, good, "--ops", script)
    assert passed.returncode == 0 and passed.stdout.strip() == "3 passed, 0 failed"
    failed = run(expected, bad, "--ops", script)
    assert failed.returncode == 1
    assert failed.stdout.splitlines()[-1] == "1 passed, 2 failed"
    assert failed.stdout.startswith("line 2 (schema): expected")
    assert run(expected, tmp_path / "missing.jsonl").returncode == 2
