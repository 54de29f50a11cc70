"""Every front end answers the same way: the same table and view configs through `parallax
replay`, `parallax view` and the Python API give identical CSV and NDJSON text and equal
columns (the websocket server is held to replay by the differential server_conformance
suites). Each front end writes views through api/view_output; these configs cover what
once differed (a pct sum of integers printed as 42.857142857142854 by `parallax view`)."""

import json
import os
import subprocess

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
