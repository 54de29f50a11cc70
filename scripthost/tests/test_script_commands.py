"""End to end through the `parallax` binary: transforms in every serialization mode,
connectors with parameters, time zones and checkpoints, schema checks, run-script."""

import json
import os
import subprocess

import pytest

from conftest import RunningHost


def parallax(parallax_bin, *args, check=True):
    result = subprocess.run([parallax_bin, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def write_config(tmp_path, host, name="step.json", **settings):
    config = {"host": "127.0.0.1", "port": host.port, "hmac_key_file": host.key_file}
    config.update(settings)
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return str(path)


@pytest.fixture
def orders(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("region,price,qty,day\nnorth,1.5,2,2024-01-02\nsouth,2.5,4,2024-01-03\n"
                    "north,3.0,1,2024-01-04\n")
    return str(path)


@pytest.mark.parametrize("serialization", ["serpent", "json"])
def test_transform(parallax_bin, host, tmp_path, orders, serialization):
    script = tmp_path / "totals.py"
    script.write_text("out = []\nfor r in data:\n"
                      "    out.append({'region': r['region'], 'total': r['price'] * r['qty'],\n"
                      "                'day': r['day'], 'weekday': r['day'].weekday()})\n"
                      "return out\n")
    config = write_config(tmp_path, host, serialization=serialization, data_object_name="data",
                          script_file="totals.py")
    result = parallax(parallax_bin, "transform", "--config", config, "--input", orders)
    assert json.loads(result.stdout) == {
        "region": ["north", "south", "north"], "total": [3.0, 10.0, 3.0],
        "day": [1704153600000, 1704240000000, 1704326400000], "weekday": [1, 2, 3]}


def exchange_of(host):
    with host.proxy() as proxy:
        return proxy.info()["exchange"]


@pytest.mark.parametrize("serialization", ["serpent", "json"])
def test_arrow_mode_matches_the_row_mode(parallax_bin, host, tmp_path, orders, serialization):
    """use_arrow: the input arrives as a DataFrame (sent as Arrow IPC) and the output goes back
    as Arrow; the table is the same as through rows."""
    arrow = write_config(tmp_path, host, name="arrow.json", use_arrow=True,
                         serialization=serialization, data_object_name="data",
                         script="frame = data.assign(total=data['price'] * data['qty'])\n"
                                "frame['when'] = frame['day']\nreturn frame")
    rows = write_config(tmp_path, host, name="rows.json", data_object_name="data",
                        script="import pandas as pd\nframe = pd.DataFrame(data)\n"
                               "frame = frame.assign(total=frame['price'] * frame['qty'])\n"
                               "frame['when'] = frame['day']\nreturn frame")
    before = exchange_of(host)
    through_arrow = json.loads(parallax(parallax_bin, "transform", "--config", arrow, "--input",
                                        orders).stdout)
    after = exchange_of(host)
    through_rows = json.loads(parallax(parallax_bin, "transform", "--config", rows, "--input",
                                       orders).stdout)
    assert through_arrow["total"] == [3.0, 10.0, 3.0]
    assert through_arrow["region"] == ["north", "south", "north"]
    assert through_arrow == through_rows
    # On this machine the tables went through the host's exchange directory, and the client
    # deleted the reply's file.
    assert (after["taken"] - before["taken"], after["given"] - before["given"]) == (1, 1)
    assert os.listdir(after["dir"]) == ["host-id"]
    # A client that cannot see the host's directory (here: the id does not match) sends the
    # tables inside the messages, with the same result.
    id_file = os.path.join(after["dir"], "host-id")
    with open(id_file, "w") as out:
        out.write("another host")
    try:
        inline = json.loads(parallax(parallax_bin, "transform", "--config", arrow, "--input",
                                     orders).stdout)
    finally:
        with open(id_file, "w") as out:
            out.write(after["id"])
    assert inline == through_arrow
    assert exchange_of(host)["taken"] == after["taken"]
    # Lists of dicts come back through Arrow too, with nulls and datetimes.
    listed = write_config(tmp_path, host, name="listed.json", use_arrow=True,
                          time_zone="Europe/Paris", output_schema={"n": "integer", "t": "datetime"},
                          script="import datetime\nreturn [{'n': 1, 't': datetime.datetime(2024, 7, 1, 12)},"
                                 " {'n': None, 't': None}]")
    out = json.loads(parallax(parallax_bin, "transform", "--config", listed, "--input",
                              orders).stdout)
    assert out == {"n": [1, None], "t": [1719835200000 + 2 * 3600 * 1000, None]}


def test_pickle_mode_needs_a_host_that_allows_it(parallax_bin, host, tmp_path, orders):
    # The default host refuses pickle at the handshake, with a clear reason.
    config = write_config(tmp_path, host, serialization="pickle", script="return rows")
    result = parallax(parallax_bin, "transform", "--config", config, "--input", orders,
                      check=False)
    assert result.returncode == 1
    assert "refused the connection" in result.stderr and "serializer" in result.stderr
    # A host started with --allow-pickle: the same table as serpent, rows and Arrow modes.
    pickle_host = RunningHost(tmp_path, "--allow-pickle")
    try:
        script = ("return [{'region': r['region'], 'total': r['price'] * r['qty'], "
                  "'day': r['day']} for r in rows]")
        frame_script = ("rows['total'] = rows['price'] * rows['qty']\n"
                        "return rows[['region', 'total', 'day']]")
        outputs = []
        for name, settings in (("serpent.json", {"serialization": "serpent", "script": script}),
                               ("pickle.json", {"serialization": "pickle", "script": script}),
                               ("pickle_arrow.json", {"serialization": "pickle",
                                                      "use_arrow": True,
                                                      "script": frame_script})):
            config = write_config(tmp_path, pickle_host, name=name, **settings)
            outputs.append(json.loads(parallax(parallax_bin, "transform", "--config", config,
                                               "--input", orders).stdout))
        assert outputs[0]["total"] == [3.0, 10.0, 3.0]
        assert outputs[1] == outputs[0]
        assert outputs[2] == outputs[0]
        # Errors raised by the script come back through pickle too.
        failing = write_config(tmp_path, pickle_host, name="fail.json", serialization="pickle",
                               script="log.error('no good')\nreturn rows")
        result = parallax(parallax_bin, "transform", "--config", failing, "--input", orders,
                          check=False)
        assert result.returncode == 1 and "no good" in result.stderr
    finally:
        pickle_host.stop()


def test_output_schema_mismatch_names_column_and_row(parallax_bin, host, tmp_path, orders):
    config = write_config(tmp_path, host, output_schema={"region": "string", "qty": "integer"},
                          script="rows[1]['qty'] = 'many'\n"
                                 "return [{'region': r['region'], 'qty': r['qty']} for r in rows]")
    result = parallax(parallax_bin, "transform", "--config", config, "--input", orders,
                      check=False)
    assert result.returncode == 1
    assert "output column 'qty', row 1: expected integer, got str 'many'" in result.stderr
    assert "not in the declared schema" in parallax(
        parallax_bin, "transform", "--config", write_config(
            tmp_path, host, name="s2.json", output_schema={"qty": "integer"}, script="return rows"),
        "--input", orders, check=False).stderr
    # A matching schema types the output as declared.
    ok = write_config(tmp_path, host, name="s3.json",
                      output_schema={"region": "string", "qty": "float"},
                      script="return [{'region': r['region'], 'qty': r['qty']} for r in rows]")
    out = json.loads(parallax(parallax_bin, "transform", "--config", ok, "--input", orders,
                              "--format", "json").stdout)
    assert out[0] == {"region": "north", "qty": 2}


def test_script_failures_are_clear(parallax_bin, host, tmp_path, orders):
    config = write_config(tmp_path, host, script="import os\nreturn rows")
    result = parallax(parallax_bin, "transform", "--config", config, "--input", orders,
                      check=False)
    assert result.returncode == 1 and "import of 'os' is not allowed" in result.stderr
    slow = write_config(tmp_path, host, name="slow.json", timeout=1, script="while True:\n  pass")
    result = parallax(parallax_bin, "transform", "--config", slow, "--input", orders, check=False)
    assert result.returncode == 1 and "timeout of 1 s" in result.stderr


def test_connector_parameters_quotes_and_logs(parallax_bin, host, tmp_path):
    script = ("table = []\nfor i in range({count}):\n"
              "    table.append({'ID': str(i), 'label': {label}, 'size': i * 0.5})\n"
              "log.info('made', len(table))\nreturn table")
    config = write_config(tmp_path, host, script=script, parameters={"count": 3, "label": "a'b"},
                          enclose_parameters_in_quotes=True)
    # Quoting applies to every parameter: {count} becomes '3', so range() fails clearly...
    result = parallax(parallax_bin, "connector", "--config", config, check=False)
    assert result.returncode == 1 and "TypeError" in result.stderr
    script = script.replace("range({count})", "range(int({count}))")
    config = write_config(tmp_path, host, script=script, parameters={"count": 3, "label": "a'b"},
                          enclose_parameters_in_quotes=True)
    result = parallax(parallax_bin, "connector", "--config", config, "--format", "json")
    assert json.loads(result.stdout) == [
        {"ID": "0", "label": "a'b", "size": 0}, {"ID": "1", "label": "a'b", "size": 0.5},
        {"ID": "2", "label": "a'b", "size": 1}]
    assert "[info] made 3" in result.stderr
    assert "connected to 127.0.0.1" in parallax(parallax_bin, "connector", "--config", config,
                                               "--test").stdout


def test_connector_time_zones_and_datetime_formats(parallax_bin, host, tmp_path):
    script = ("return [{'a': '2024-07-01T12:00:00.250000', 'b': '2024-01-15T12:00:00', "
              "'c': '2024-01-15', 'p': {when}}]")
    utc = write_config(tmp_path, host, name="utc.json", script=script,
                       parameters={"when": "2024-07-01T09:30:00"}, enclose_parameters_in_quotes=True)
    zoned = write_config(tmp_path, host, name="ny.json", script=script,
                         parameters={"when": "2024-07-01T09:30:00"},
                         enclose_parameters_in_quotes=True, time_zone="America/New_York")
    plain = json.loads(parallax(parallax_bin, "connector", "--config", utc).stdout)
    shown = json.loads(parallax(parallax_bin, "connector", "--config", zoned).stdout)
    hour = 3600 * 1000
    assert plain["a"] == [1719835200250]            # 2024-07-01 12:00:00.250 UTC
    assert shown["a"] == [1719835200250 - 4 * hour]  # EDT: UTC-4
    assert shown["b"] == [plain["b"][0] - 5 * hour]  # EST in January: UTC-5
    assert plain["c"] == shown["c"] == [1705276800000]  # a date has no time zone
    # The parameter is read on New York's wall clock: 09:30 EDT is 13:30 UTC, then shown
    # again as 09:30 on the wall clock.
    assert plain["p"] == [1719826200000]
    assert shown["p"] == [1719826200000]
    bad = write_config(tmp_path, host, name="bad.json", script="return []", time_zone="Mars/Base")
    result = parallax(parallax_bin, "connector", "--config", bad, check=False)
    assert result.returncode == 1 and "unknown time zone 'Mars/Base'" in result.stderr
    # The time zone may come from a parameter.
    by_parameter = write_config(tmp_path, host, name="tz.json", script=script,
                                parameters={"when": "2024-07-01T09:30:00", "tz": "America/New_York"},
                                enclose_parameters_in_quotes=True, time_zone="{tz}")
    assert json.loads(parallax(parallax_bin, "connector", "--config", by_parameter).stdout) == shown
    bad = write_config(tmp_path, host, name="bad-tz.json", script="return []", time_zone="{tz}",
                       parameters={"tz": "Mars/Base"})
    result = parallax(parallax_bin, "connector", "--config", bad, check=False)
    assert result.returncode == 1 and "unknown time zone 'Mars/Base'" in result.stderr


def test_checkpoints_persist_across_runs(parallax_bin, host, tmp_path):
    script = ("start = DATA_CHECKPOINT or 0\n"
              "return [{'id': i, 'seen': DATA_CHECKPOINT} for i in range(start + 1, start + 4)]")
    config = write_config(tmp_path, host, script=script, checkpoint_column="id",
                          checkpoint_file="state.json")
    first = json.loads(parallax(parallax_bin, "connector", "--config", config).stdout)
    second = json.loads(parallax(parallax_bin, "connector", "--config", config).stdout)
    assert first == {"id": [1, 2, 3], "seen": [None, None, None]}
    assert second == {"id": [4, 5, 6], "seen": [3, 3, 3]}
    assert (tmp_path / "state.json").read_text().strip() == "6"
    # A failed run keeps the checkpoint.
    failing = write_config(tmp_path, host, name="fail.json", script="log.error('no')\nreturn []",
                           checkpoint_column="id", checkpoint_file="state.json")
    assert parallax(parallax_bin, "connector", "--config", failing, check=False).returncode == 1
    assert (tmp_path / "state.json").read_text().strip() == "6"


@pytest.mark.parametrize("use_arrow", [False, True])
def test_date_and_datetime_checkpoints_come_back_as_such(parallax_bin, host, tmp_path, use_arrow):
    """DATA_CHECKPOINT of a datetime or date column is a datetime or date again, not text."""
    kind_of = ("import datetime\n"
               "def kind(value):\n"
               "    if isinstance(value, datetime.datetime): return 'datetime'\n"
               "    if isinstance(value, datetime.date): return 'date'\n"
               "    return 'none' if value is None else 'other'\n")
    scripts = {
        "t": (kind_of +
              "start = DATA_CHECKPOINT or datetime.datetime(2024, 1, 1)\n"
              "return [{'t': start + datetime.timedelta(hours=1), 'was': kind(DATA_CHECKPOINT)}]"),
        "d": (kind_of +
              "start = DATA_CHECKPOINT or datetime.date(2024, 1, 1)\n"
              "return [{'d': start + datetime.timedelta(days=1), 'was': kind(DATA_CHECKPOINT)}]"),
    }
    for column, script in scripts.items():
        config = write_config(tmp_path, host, name=f"{column}.json", script=script, use_arrow=use_arrow,
                              checkpoint_column=column, checkpoint_file=f"{column}-state.json")
        runs = [json.loads(parallax(parallax_bin, "connector", "--config", config).stdout)
                for _ in range(3)]
        kind = "datetime" if column == "t" else "date"
        assert [run["was"] for run in runs] == [["none"], [kind], [kind]]
        step = 3600 * 1000 if column == "t" else 24 * 3600 * 1000
        assert [run[column][0] - runs[0][column][0] for run in runs] == [0, step, 2 * step]
        stored = json.loads((tmp_path / f"{column}-state.json").read_text())
        assert list(stored) == [kind] and stored[kind].startswith(
            "2024-01-01T03:00:00" if column == "t" else "2024-01-04")


def test_run_script_starts_its_own_host(parallax_bin, tmp_path, orders):
    script = tmp_path / "debug.py"
    script.write_text("import pandas as pd\nframe = pd.DataFrame(rows)\n"
                      "return frame.groupby('region', as_index=False)['qty'].sum()")
    result = parallax(parallax_bin, "run-script", str(script), "--input", orders, "--format", "csv")
    assert result.stdout.splitlines() == ['"region","qty"', '"north",3', '"south",4']
    result = parallax(parallax_bin, "run-script", str(script), "--input", orders, "--arrow",
                      "--format", "csv")
    assert result.stdout.splitlines() == ['"region","qty"', '"north",3', '"south",4']


@pytest.fixture(scope="module")
def stock_pyro(tmp_path_factory):
    """A stock Pyro4 daemon (plain_pyro_daemon.py) taking pickle, with a key."""
    key_file = tmp_path_factory.mktemp("stock") / "key"
    key_file.write_text("stock-key")
    daemon = subprocess.Popen(["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "plain_pyro_daemon.py"),
                               "--key", "stock-key", "--serializers", "serpent,json,pickle"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    uri = daemon.stdout.readline().strip()
    yield {"port": int(uri.rsplit(":", 1)[1]), "key_file": str(key_file)}
    daemon.stdin.close()
    daemon.wait(timeout=30)


def stock_config(tmp_path, stock_pyro, name, **settings):
    config = {"host": "127.0.0.1", "port": stock_pyro["port"], "hmac_key_file": stock_pyro["key_file"],
              "pyro_compat": True, "object_name": "panopticon", "method": "transform",
              "list_of_dicts": True, "data_object_name": "data"}
    config.update(settings)
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return str(path)


def test_a_stock_pyro4_server_takes_and_returns_lists_of_dicts(parallax_bin, stock_pyro, tmp_path, orders):
    """Panopticon's call: a list of dicts in (dates as ISO text), a list of dicts out; pickle
    replies holding datetime, date, numpy and pandas values become the right columns."""
    script = ("import datetime, numpy, pandas\n"
              "out = []\n"
              "for r in data:\n"
              "    day = datetime.date.fromisoformat(r['day'])\n"
              "    out.append({'region': r['region'], 'total': numpy.float64(r['price'] * r['qty']),\n"
              "                'qty': numpy.int64(r['qty']), 'big': numpy.uint8(200), 'many': r['qty'] > 1,\n"
              "                'flag': numpy.bool_(r['qty'] > 1), 'next': day + datetime.timedelta(days=1),\n"
              "                'at': datetime.datetime(day.year, day.month, day.day, 3, 4, 5, 678000),\n"
              "                'aware': datetime.datetime(2024, 1, 2, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),\n"
              "                'ts': pandas.Timestamp('2024-01-02 03:04:05.123'),\n"
              "                'np_at': numpy.datetime64('2024-01-02T03:04:05.250', 'ms'),\n"
              "                'np_day': numpy.datetime64('2024-01-02', 'D'), 'f32': numpy.float32(0.5)})\n"
              "return out\n")
    config = stock_config(tmp_path, stock_pyro, "pickle.json", serialization="pickle", script=script)
    table = json.loads(parallax(parallax_bin, "transform", "--config", config, "--input", orders).stdout)
    day = 86400 * 1000
    jan2 = 1704153600000
    assert table == {
        "region": ["north", "south", "north"], "total": [3.0, 10.0, 3.0], "qty": [2, 4, 1],
        "big": [200, 200, 200], "many": [True, True, False], "flag": [True, True, False],
        "next": [jan2 + day, jan2 + 2 * day, jan2 + 3 * day],
        "at": [jan2 + 11045678, jan2 + day + 11045678, jan2 + 2 * day + 11045678],
        "aware": [jan2 + 3 * 3600000] * 3, "ts": [jan2 + 11045123] * 3,
        "np_at": [jan2 + 11045250] * 3, "np_day": [jan2] * 3, "f32": [0.5] * 3}
    # Serpent and JSON: the same call; a connector gets None for the rows.
    for serialization in ("serpent", "json"):
        connector = stock_config(tmp_path, stock_pyro, f"{serialization}.json", serialization=serialization,
                                 script="return [{'none': data is None, 'when': '2024-01-02T00:00:00', 'n': 1.5}]")
        assert json.loads(parallax(parallax_bin, "connector", "--config", connector).stdout) == {
            "none": [True], "when": [jan2], "n": [1.5]}
    # What cannot be a cell is a clear error naming the row and column.
    bad = stock_config(tmp_path, stock_pyro, "bad.json", serialization="pickle",
                       script="import decimal\nreturn [{'a': 1}, {'a': decimal.Decimal('1.5')}]")
    result = parallax(parallax_bin, "connector", "--config", bad, check=False)
    assert result.returncode == 1 and "row 1, column 'a': a value of class 'decimal.Decimal'" in result.stderr
    not_rows = stock_config(tmp_path, stock_pyro, "not-rows.json", script="return 5")
    result = parallax(parallax_bin, "connector", "--config", not_rows, check=False)
    assert result.returncode == 1 and "no list of dicts" in result.stderr
    arrow = stock_config(tmp_path, stock_pyro, "arrow.json", script="return []", use_arrow=True)
    result = parallax(parallax_bin, "connector", "--config", arrow, check=False)
    assert result.returncode == 1 and "'list_of_dicts' (a stock Pyro4 server) takes no 'use_arrow'" in result.stderr
