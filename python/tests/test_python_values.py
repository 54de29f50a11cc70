"""Python values keep their type both ways: a Python float makes a float column (JSON text
alone would read 10.0 as an integer and later truncate 10.75 to 10), and float cells come
back as Python floats (1.0, never 1), as in the reference's Python API."""

import datetime
import json
import math

import numpy
import pytest


@pytest.mark.parametrize("data", [
    [{"price": 10.0}, {"price": 20.0}],
    {"price": [10.0, 20.0]},
    {"price": [None, 10.0]},
    [{"price": None}, {"price": 10.0}],
    {"price": [numpy.float64(10.0), numpy.float64(20.0)]},
])
def test_whole_number_floats_make_a_float_column(client, data):
    table = client.table(data)
    assert table.schema() == {"price": "float"}
    table.update([{"price": 10.75}])
    assert table.view().to_columns()["price"][-1] == 10.75  # not truncated to 10


def test_non_finite_floats_make_a_float_column(client):
    table = client.table({"a": [math.inf, math.nan, 1.0]})
    assert table.schema() == {"a": "float"}
    table.update({"a": [2.5]})
    assert table.view().to_columns()["a"][-1] == 2.5


def test_integers_and_mixed_columns_keep_their_inference(client):
    table = client.table([{"i": 1, "f": 1, "b": True}, {"i": 2, "f": 2.5, "b": False}])
    assert table.schema() == {"i": "integer", "f": "float", "b": "boolean"}


def test_only_a_new_table_is_typed_by_python_values(client):
    table = client.table({"n": "integer"})
    table.update([{"n": 3.0}])  # a float into an integer column is the column's integer
    assert table.schema() == {"n": "integer"}
    assert table.view().to_columns() == {"n": [3]}


def test_float_cells_read_back_as_python_floats(client):
    table = client.table({"x": [1.0, 2.5, -3.0], "i": [1, 2, 3]})
    view = table.view()
    columns = view.to_columns()
    assert columns == {"x": [1.0, 2.5, -3.0], "i": [1, 2, 3]}
    assert [type(v) for v in columns["x"]] == [float, float, float]
    assert [type(v) for v in columns["i"]] == [int, int, int]
    records = view.to_records()
    assert type(records[0]["x"]) is float and type(records[0]["i"]) is int
    assert json.loads(view.to_json_string())[0] == {"x": 1.0, "i": 1}
    assert '"x":1.0' in view.to_json_string() and '"x":[1.0,2.5,-3.0]' in view.to_columns_string()


def test_grouped_float_aggregates_read_back_as_floats(client):
    table = client.table({"g": ["a", "a", "b"], "x": [1.0, 1.0, 2.0]})
    columns = table.view(group_by=["g"], columns=["x"], aggregates={"x": "sum"}).to_columns()
    assert columns["x"] == [4.0, 2.0, 2.0]
    assert all(type(v) is float for v in columns["x"])


def test_datetimes_at_midnight_stay_datetimes(client):
    table = client.table({"d": [datetime.datetime(2024, 1, 1), None], "x": [1.0, 2.0]})
    assert table.schema() == {"d": "datetime", "x": "float"}


@pytest.mark.parametrize("data", [{"a": 5.0}, {"a": 1.5, "b": [1.0]}, [{"a": 1.0}, 3]])
def test_malformed_data_is_a_clear_error(client, data):
    import parallax
    with pytest.raises(parallax.PerspectiveError):
        client.table(data)
