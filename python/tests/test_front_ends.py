"""Every front end answers the same way: the same table and view configs through `parallax
replay`, `parallax view` and the Python API give identical CSV and NDJSON text and equal
columns, and the same request scripts through replay, the websocket (`parallax serve` and the
reference's client, tests/oracle/replay.mjs --websocket) and the Python API give identical
answers. Each request has one implementation in `api` (api/engine, api/view_output,
api/json_results); these cover what once differed: a pct sum of integers printed as
42.857142857142854 by `parallax view`, validate_expressions answered by making views over
the websocket (no error positions), expression_schema's raw types in Python and its missing
hidden expressions over the websocket."""

import json
import os
import shutil
import socket
import subprocess
import time

import pytest

import parallax

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORDERS = os.path.join(REPO, "examples", "orders_sample.csv")
BINARY = os.environ.get("PARALLAX_BIN") or os.path.join(REPO, "build", "parallax")

CONFIGS = [
    {},
    {"columns": ["region", "price"], "sort": [["price", "desc"]]},
    {"group_by": ["region"], "columns": ["qty", "price"],
     "aggregates": {"qty": "pct sum total", "price": "avg"}},
    {"group_by": ["region", "product"], "columns": ["qty"],
     "aggregates": {"qty": "pct sum parent"}},
    {"group_by": ["region"], "split_by": ["flag"], "columns": ["price", "qty"],
     "aggregates": {"price": "sum", "qty": "median"}},
    {"split_by": ["region"], "columns": ["price"], "filter": [["price", ">", 50]]},
    {"group_by": ["product"], "columns": ["price"], "aggregates": {"price": "stddev"},
     "sort": [["price", "desc"]]},
]


def replay(config, op):
    script = "\n".join(json.dumps(line) for line in [
        {"op": "table", "path": ORDERS},
        {"op": "view", "config": config},
        {"op": op},
    ])
    out = subprocess.run([BINARY, "replay", "-"], input=script, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    return json.loads(out[-1])["ok"]


def view(config, output_format):
    return subprocess.run([BINARY, "view", ORDERS, "--config", json.dumps(config), "--format",
                           output_format], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def table():
    if not os.path.exists(BINARY):
        pytest.skip("no parallax binary at %s (set PARALLAX_BIN)" % BINARY)
    with open(ORDERS) as data:
        return parallax.Server().new_local_client().table(data.read())


@pytest.mark.parametrize("config", CONFIGS, ids=range(len(CONFIGS)))
def test_csv_is_the_same_text_everywhere(table, config):
    from_replay = replay(config, "to_csv")
    assert view(config, "csv") == from_replay
    assert table.view(**config).to_csv() == from_replay


@pytest.mark.parametrize("config", CONFIGS, ids=range(len(CONFIGS)))
def test_ndjson_is_the_same_text_everywhere(table, config):
    from_replay = replay(config, "to_ndjson")
    assert view(config, "ndjson").rstrip("\n") == from_replay
    assert table.view(**config).to_ndjson() == from_replay


@pytest.mark.parametrize("config", CONFIGS, ids=range(len(CONFIGS)))
def test_columns_are_equal_everywhere(table, config):
    from_replay = replay(config, "to_columns")
    assert json.loads(view(config, "columns")) == from_replay
    # Python writes float cells as 1.0 (the reference's Python API): equal as numbers.
    assert json.loads(table.view(**config).to_columns_string()) == from_replay


# Request scripts (tests/oracle/README.md) answered by every front end. No request fails, so
# the answers compare exactly (front ends word transport errors differently).
ROWS = [{"a": 1, "b": "x", "c": 1.5}, {"a": 2, "b": "y", "c": 2.5}, {"a": 3, "b": "x", "c": None},
        {"a": 4, "b": "z", "c": 0.25}]
EXPRESSIONS = {"e1": '"a" + 1', "e3": "concat(\"b\", 'z')", "e6": '"a" > 1',
               "e9": '"c" * 2'}
SCRIPTS = {
    "validate_expressions": [
        {"op": "validate_expressions", "expressions": {
            "ok": '"a" + 1', "missing": '"nope" * 2', "cut": "1 +", "a": '"a" * 2',
            "date": "today()", "bucket": 'bucket("c", 1)', "text": "concat(\"b\", 'z')",
            "bad_call": 'sqrt("b")'}},
    ],
    "grouped": [
        {"op": "view", "config": {"group_by": ["b"], "columns": ["e1", "e3", "e6", "a"],
                                  "expressions": EXPRESSIONS,
                                  "aggregates": {"e1": "count", "e3": "count", "e6": "count"}}},
        {"op": "expression_schema"}, {"op": "schema"}, {"op": "dimensions"},
        {"op": "to_columns"},
    ],
    "split": [
        {"op": "view", "config": {"group_by": ["e3"], "split_by": ["b"], "columns": ["e1", "c"],
                                  "expressions": EXPRESSIONS, "aggregates": {"e1": "avg"}}},
        {"op": "expression_schema"}, {"op": "dimensions"}, {"op": "to_columns"},
        {"op": "to_csv"},
    ],
    "flat": [
        {"op": "view", "config": {"columns": ["e9", "b"], "expressions": EXPRESSIONS,
                                  "sort": [["e9", "desc"]]}},
        {"op": "expression_schema"}, {"op": "dimensions"}, {"op": "to_columns"},
        {"op": "to_csv"},
    ],
    # group_by_depth: the levels shown, also after an update adds groups; echoed by config.
    "depth": [
        {"op": "view", "config": {"group_by": ["b", "a"], "columns": ["c"],
                                  "group_by_depth": 1}},
        {"op": "to_columns"}, {"op": "config"}, {"op": "num_rows"},
        {"op": "update", "data": [{"a": 5, "b": "w", "c": 9.5}]},
        {"op": "to_columns"}, {"op": "dimensions"},
    ],
    # formatted reads: dates and datetimes as the reference's text (UTC), in cells, row paths
    # and temporal aggregates; counts stay numbers; NDJSON and CSV ignore the option.
    "formatted": [
        {"op": "view", "config": {"group_by": ["when"], "columns": ["day", "when", "a"],
                                  "aggregates": {"day": "last", "when": "max", "a": "count"}}},
        {"op": "to_columns", "window": {"formatted": True}},
        {"op": "to_json", "window": {"formatted": True, "start_row": 1}},
        {"op": "to_ndjson", "window": {"formatted": True}},
        {"op": "to_csv", "window": {"formatted": True}},
        {"op": "view", "name": "flat", "config": {"columns": ["when", "day", "c"]}},
        {"op": "to_columns", "view": "flat", "window": {"formatted": True}},
        {"op": "to_json", "view": "flat", "window": {"formatted": True, "id": True}},
        {"op": "to_columns", "view": "flat"},
    ],
}
TEMPORAL_ROWS = [
    {"a": 1, "c": 1.5, "day": "1969-12-31", "when": "1969-12-31 23:59:59.999"},
    {"a": 2, "c": None, "day": "2024-01-02", "when": "2024-01-02 03:04:05.007"},
    {"a": 3, "c": 2.25, "day": None, "when": None},
    {"a": 4, "c": 0.5, "day": "0001-01-01", "when": "2024-01-02 03:04:05.007"},
]


def script_lines(name):
    return [{"op": "table", "data": TEMPORAL_ROWS if name == "formatted" else ROWS}] + SCRIPTS[name]


def answers_of(output):
    """The answers of a replay run, as values (each line {"ok": ...})."""
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    for line in lines:
        assert "ok" in line, line
    return [line["ok"] for line in lines]


def run_replay(name):
    script = "\n".join(json.dumps(line) for line in script_lines(name))
    return answers_of(subprocess.run([BINARY, "replay", "-"], input=script, capture_output=True,
                                     text=True, check=True).stdout)


def run_python(name):
    """The same requests through the Python API, answered as the reference's JS API would."""
    client = parallax.Server().new_local_client()
    answers, table, views = [], None, {}
    for op in script_lines(name):
        kind = op["op"]
        if kind == "table":
            table = client.table(op["data"])
            answers.append(None)
        elif kind == "validate_expressions":
            answers.append(table.validate_expressions(op["expressions"]))
        elif kind == "view":
            views[op.get("name", "v")] = table.view(**op["config"])
            answers.append(None)
        elif kind == "update":
            table.update(op["data"])
            answers.append(None)
        elif kind == "config":
            answers.append(views[op.get("view", "v")].get_config())
        elif kind == "to_columns" or kind == "to_json":
            # the _string forms: Python's own give date and datetime objects
            read = getattr(views[op.get("view", "v")], kind + "_string")
            answers.append(json.loads(read(**op.get("window", {}))))
        else:
            answers.append(getattr(views[op.get("view", "v")], kind)(**op.get("window", {})))
    return answers


@pytest.fixture(scope="module")
def websocket_url(tmp_path_factory):
    """`parallax serve` on a free port, for the reference's client."""
    if not os.path.exists(BINARY):
        pytest.skip("no parallax binary at %s (set PARALLAX_BIN)" % BINARY)
    if shutil.which("node") is None:
        pytest.skip("no node for the reference's client")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(tmp_path_factory.mktemp("serve") / "serve.log", "w")
    server = subprocess.Popen([BINARY, "serve", "--port", str(port)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60  # generous: the machine may be loaded
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, "parallax serve stopped; see " + log.name
                assert time.monotonic() < deadline, "parallax serve did not listen in 60 s"
                time.sleep(0.05)
        yield "ws://127.0.0.1:%d/websocket" % port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def run_websocket(url, name):
    script = "\n".join(json.dumps(line) for line in script_lines(name))
    done = subprocess.run(["node", os.path.join(REPO, "tests", "oracle", "replay.mjs"),
                           "--websocket", url, "--table-prefix", name + "_", "-"],
                          input=script, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return answers_of(done.stdout)


def same_answers(expected, got):
    """Equal answers; Python writes whole floats as 1.0 where JSON has 1, so numbers compare
    as numbers, and maps regardless of key order."""
    assert json.loads(json.dumps(got)) == expected


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_requests_answer_the_same_through_every_front_end(websocket_url, name):
    from_replay = run_replay(name)
    same_answers(from_replay, run_websocket(websocket_url, name))
    same_answers(from_replay, run_python(name))
