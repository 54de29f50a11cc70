"""The Python API against the reference: each scenario runs through parallax here and, as
the equivalent replay script, through the reference engine's fresh-state oracle
(tests/oracle/replay.mjs --fresh: every read as a view made then on a copy of the table's rows,
as the differential suite), and the two result streams must match under tests/oracle/compare.py. pandas inputs are sent to the
reference as the equivalent JSON columns (what the reference's own pandas loader yields)."""

import datetime
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import parallax
from parallax import PerspectiveError, temporal

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORACLE = os.path.join(REPO, "tests", "oracle")
NODE_MODULES = os.path.abspath(os.environ.get("ORACLE_NODE_MODULES")
                               or os.path.join(REPO, "tests", "oracle", "node_modules"))


def plain(value):
    """A Python API result as the replay format writes it (dates/datetimes as epoch ms)."""
    if isinstance(value, datetime.datetime):
        return temporal.datetime_to_millis(value)
    if isinstance(value, datetime.date):
        return temporal.date_to_days(value) * 86400000
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def min_max_text(value):
    """min_max as the replay format writes it: dates and datetimes as text."""
    if isinstance(value, datetime.datetime):
        millis = temporal.datetime_to_millis(value)
        utc = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=millis)
        return utc.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (millis % 1000)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class Scenario:
    """Records each operation twice: as a replay line, and as what parallax answered."""

    def __init__(self):
        self.ops, self.results = [], []

    def run(self, op, call, convert=plain):
        self.ops.append(op)
        try:
            self.results.append({"ok": convert(call())})
        except PerspectiveError as error:
            self.results.append({"error": str(error)})

    def table(self, client, name, data, oracle_data=None, **options):
        op = {"op": "table", "name": name, "data": data if oracle_data is None else oracle_data}
        op.update(options)
        holder = {}

        def make():
            holder["table"] = client.table(data, name=name, **options)

        self.run(op, make)
        return holder.get("table")

    def view(self, table, name, **config):
        holder = {}

        def make():
            holder["view"] = table.view(**config)

        self.run({"op": "view", "table": table.get_name(), "name": name, "config": config}, make)
        return holder.get("view")

    def reads(self, view, name, window=None, config=True):
        window = window or {}
        base = {"view": name}
        if window:
            base["window"] = window
        self.run(dict(base, op="to_columns"), lambda: view.to_columns(**window))
        self.run(dict(base, op="to_json"), lambda: view.to_json(**window))
        self.run(dict(base, op="to_csv"), lambda: view.to_csv(**window))
        self.run({"op": "to_ndjson", "view": name}, lambda: view.to_ndjson())
        self.run({"op": "schema", "view": name}, view.schema)
        self.run({"op": "num_rows", "view": name}, view.num_rows)
        self.run({"op": "num_columns", "view": name}, view.num_columns)
        self.run({"op": "dimensions", "view": name}, view.dimensions)
        self.run({"op": "column_paths", "view": name}, view.column_paths)
        if config:
            self.run({"op": "config", "view": name}, view.get_config)

    def table_info(self, table):
        name = table.get_name()
        self.run({"op": "size", "table": name}, table.size)
        self.run({"op": "table_schema", "table": name}, table.schema)
        self.run({"op": "columns", "table": name}, table.columns)

    def compare(self, tmp_path):
        assert os.path.isdir(NODE_MODULES), "the oracle is not installed (make deps): " + NODE_MODULES
        script = tmp_path / "script.jsonl"
        script.write_text("".join(json.dumps(op) + "\n" for op in self.ops))
        env = dict(os.environ, ORACLE_NODE_MODULES=NODE_MODULES)
        expected = subprocess.run(["node", os.path.join(ORACLE, "replay.mjs"), "--fresh",
                                   str(script)], env=env, capture_output=True, text=True, timeout=300)
        assert expected.returncode == 0, expected.stderr
        (tmp_path / "expected.jsonl").write_text(expected.stdout)
        (tmp_path / "actual.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in self.results))
        compared = subprocess.run(
            [sys.executable, os.path.join(ORACLE, "compare.py"), str(tmp_path / "expected.jsonl"),
             str(tmp_path / "actual.jsonl"), "--ops", str(script)],
            capture_output=True, text=True)
        assert compared.returncode == 0, compared.stdout + compared.stderr


@pytest.fixture
def scenario(local_time_zone):
    local_time_zone("America/New_York")  # results must not depend on the local zone
    return Scenario()


def test_rows_index_updates_and_flat_views(client, scenario, tmp_path):
    rows = [{"id": i, "sym": "s%d" % (i % 4), "px": round(i * 1.25 + 0.1, 2),
             "qty": (i * 7) % 11, "live": i % 3 == 0} for i in range(30)]
    table = scenario.table(client, "py_rows", rows, index="id")
    scenario.table_info(table)
    scenario.run({"op": "update", "table": "py_rows", "data": [{"id": 3, "px": 99.5},
                                                              {"id": 40, "sym": "new"}]},
                 lambda: table.update([{"id": 3, "px": 99.5}, {"id": 40, "sym": "new"}]))
    scenario.run({"op": "remove", "table": "py_rows", "keys": [4, 5, 123]},
                 lambda: table.remove([4, 5, 123]))
    view = scenario.view(table, "py_v1", columns=["sym", "px", "qty"],
                         sort=[["qty", "desc"], ["px", "asc"]], filter=[["px", ">", 5]])
    scenario.reads(view, "py_v1")
    scenario.reads(view, "py_v1", {"start_row": 2, "end_row": 9, "start_col": 1, "id": True})
    scenario.run({"op": "min_max", "view": "py_v1", "column": "px"},
                 lambda: view.get_min_max("px"), lambda r: [min_max_text(v) for v in r])
    other = scenario.view(table, "py_v2", filter=[["sym", "in", ["s1", "s3"]],
                                                   ["live", "==", False]], filter_op="or")
    # The reference echoes nulls into an "in" filter's config (docs/differences.md).
    scenario.reads(other, "py_v2", {"index": True, "end_row": 5}, config=False)
    scenario.table_info(table)
    scenario.compare(tmp_path)


def test_csv_limit_replace_clear(client, scenario, tmp_path):
    csv = "a,b,when\n1,x,2024-01-02 10:00:00\n2,y,2024-03-04 05:06:07\n3,,\n4,w,2024-01-05 00:00:01\n"
    table = scenario.table(client, "py_csv", csv, limit=3)
    scenario.table_info(table)
    view = scenario.view(table, "py_csv_v")
    scenario.reads(view, "py_csv_v")
    scenario.run({"op": "min_max", "view": "py_csv_v", "column": "when"},
                 lambda: view.get_min_max("when"), lambda r: [min_max_text(v) for v in r])
    scenario.run({"op": "update", "table": "py_csv", "data": "a,b\n9,z\n"},
                 lambda: table.update("a,b\n9,z\n"))
    scenario.reads(view, "py_csv_v")
    scenario.run({"op": "replace", "table": "py_csv", "data": [{"a": 7, "b": "r"}]},
                 lambda: table.replace([{"a": 7, "b": "r"}]))
    scenario.reads(view, "py_csv_v")
    scenario.run({"op": "clear", "table": "py_csv"}, table.clear)
    scenario.reads(view, "py_csv_v")
    scenario.compare(tmp_path)


def test_pandas_frames_as_the_reference_loads_them(client, scenario, tmp_path):
    frame = pd.DataFrame({
        "i": np.arange(8, dtype=np.int64) * 3,
        "f": [0.5, 1.25, np.nan, 3.75, -2.5, 8.125, 0.0625, 1e6 + 0.5],
        "s": ["a", "b", None, "a", "c", "b", "a", "d"],
        "b": [True, False, True, True, False, False, True, False],
        "d": [datetime.date(2024, 1, day) for day in range(1, 9)],
        "t": pd.to_datetime(["2024-01-02 10:00:00.123"] * 4 + ["2023-12-31 23:59:59"] * 4),
    })
    as_columns = {
        "index": list(range(8)), "i": [int(v) for v in frame["i"]],
        "f": [None if np.isnan(v) else float(v) for v in frame["f"]],
        "s": list(frame["s"]), "b": [bool(v) for v in frame["b"]],
        "d": [d.isoformat() for d in frame["d"]],
        "t": [t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" for t in frame["t"]],
    }
    table = scenario.table(client, "py_frame", frame, as_columns, index="index")
    scenario.table_info(table)
    view = scenario.view(table, "py_frame_v", sort=[["f", "desc"]],
                         filter=[["d", ">", "2024-01-02"]])
    scenario.reads(view, "py_frame_v")
    update = pd.DataFrame({"f": [42.5]}, index=pd.Index([2], name="index"))
    scenario.run({"op": "update", "table": "py_frame", "data": {"index": [2], "f": [42.5]}},
                 lambda: table.update(update))
    scenario.reads(view, "py_frame_v")
    scenario.run({"op": "min_max", "view": "py_frame_v", "column": "t"},
                 lambda: view.get_min_max("t"), lambda r: [min_max_text(v) for v in r])
    scenario.compare(tmp_path)


def test_schemas_coercions_and_errors(client, scenario, tmp_path):
    schema = {"i": "integer", "f": "float", "s": "string", "b": "boolean", "d": "date",
              "t": "datetime"}
    table = scenario.table(client, "py_schema", schema)
    scenario.table_info(table)
    good = [{"i": "3", "f": "2.5", "s": 7, "b": "true", "d": "2024-01-02",
             "t": "2024-01-02T10:00:00Z"}, {"i": 2.7, "f": 1, "s": "x", "b": 0}]
    scenario.run({"op": "update", "table": "py_schema", "data": good}, lambda: table.update(good))
    bad = [{"i": "abc"}]
    scenario.run({"op": "update", "table": "py_schema", "data": bad}, lambda: table.update(bad))
    scenario.run({"op": "remove", "table": "py_schema", "keys": [1]}, lambda: table.remove([1]))
    view = scenario.view(table, "py_schema_v", sort=[["i", "asc"]])
    scenario.reads(view, "py_schema_v")
    scenario.view(table, "py_schema_bad", columns=["nope"])
    scenario.view(table, "py_schema_bad2", filter=[["i", "~=", 1]])
    scenario.compare(tmp_path)
