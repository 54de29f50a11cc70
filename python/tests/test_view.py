"""Views: configs, reads in every format, windows, metadata, min/max, errors."""

import datetime
import json

import pytest

from parallax import PerspectiveError

ROWS = [{"k": i, "name": "n%d" % i, "price": i * 1.5, "ok": i % 2 == 0} for i in range(6)]


@pytest.fixture
def table(client):
    return client.table(ROWS, index="k")


def test_columns_sort_filter(table):
    view = table.view(columns=["name", "price"], sort=[["price", "desc"]],
                      filter=[["ok", "==", True]])
    assert view.to_columns() == {"name": ["n4", "n2", "n0"], "price": [6.0, 3.0, 0.0]}
    assert view.to_json() == [{"name": "n4", "price": 6.0}, {"name": "n2", "price": 3.0},
                              {"name": "n0", "price": 0.0}]
    assert view.to_dict() == view.to_columns() and view.to_records() == view.to_json()
    assert view.num_rows() == 3 and view.num_columns() == 2
    assert view.schema() == {"name": "string", "price": "float"}
    assert view.column_paths() == ["name", "price"]


def test_filter_op_or(table):
    view = table.view(columns=["k"], filter=[["k", "<", 1], ["k", ">", 4]], filter_op="or")
    assert view.to_columns() == {"k": [0, 5]}


def test_windows_as_keyword_arguments(table):
    view = table.view()
    assert view.to_columns(start_row=1, end_row=3, start_col=1, end_col=3) == {
        "name": ["n1", "n2"], "price": [1.5, 3.0]}
    assert view.to_json(start_row=4, index=True)[0]["__INDEX__"] == [4]
    with pytest.raises(PerspectiveError, match="window"):
        view.to_json(start=1)


def test_csv_and_ndjson(table):
    view = table.view(columns=["k", "name"], sort=[["k", "desc"]])
    assert view.to_csv(end_row=2) == '"k","name"\n5,"n5"\n4,"n4"\n'
    lines = view.to_ndjson().split("\n")
    assert [json.loads(line) for line in lines][:2] == [{"k": 5, "name": "n5"},
                                                        {"k": 4, "name": "n4"}]


def test_dimensions_config_min_max(table):
    view = table.view(columns=["price", "name"], sort=[["k", "asc"]])
    assert view.dimensions() == {"num_table_rows": 6, "num_table_columns": 4,
                                 "num_view_rows": 6, "num_view_columns": 2}
    config = view.get_config()
    assert config["columns"] == ["price", "name"] and config["sort"] == [["k", "asc"]]
    assert view.get_min_max("price") == (0.0, 7.5)
    assert view.get_min_max("name") == ("n0", "n5")


def test_views_follow_updates(table):
    view = table.view(columns=["k"], filter=[["k", ">=", 4]])
    table.update([{"k": 10}])
    assert view.to_columns() == {"k": [4, 5, 10]}
    table.remove([4])
    assert view.to_columns() == {"k": [5, 10]}


def test_bad_configs_raise(table):
    with pytest.raises(PerspectiveError):
        table.view(columns=["missing"])
    with pytest.raises(PerspectiveError):
        table.view(sort=[["k", "sideways"]])
    with pytest.raises(PerspectiveError, match="unknown view option"):
        table.view(colums=["k"])
    with pytest.raises(PerspectiveError):
        table.view().get_min_max("missing")


def test_deleted_view_raises(table):
    view = table.view()
    heard = []
    view.on_delete(lambda: heard.append(True))
    view.delete()
    assert heard == [True]
    with pytest.raises(PerspectiveError):
        view.to_json()


def test_dates_and_datetimes_come_out_as_objects(client, local_time_zone):
    local_time_zone("UTC")
    table = client.table({"d": [datetime.date(2024, 1, 2)],
                          "t": [datetime.datetime(2024, 1, 2, 3, 4, 5, 678000)]})
    assert table.schema() == {"d": "date", "t": "datetime"}
    assert table.view().to_json() == [{"d": datetime.date(2024, 1, 2),
                                       "t": datetime.datetime(2024, 1, 2, 3, 4, 5, 678000)}]
    assert table.view().to_columns_string() == '{"d":[1704153600000],"t":[1704164645678]}'
    assert table.view().get_min_max("d") == (datetime.date(2024, 1, 2),
                                             datetime.date(2024, 1, 2))


def test_grouped_views(table):
    view = table.view(group_by=["ok"], columns=["price"], aggregates={"price": "sum"})
    assert view.to_columns() == {"__ROW_PATH__": [[], [False], [True]],
                                 "price": [sum(r["price"] for r in ROWS), 13.5, 9.0]}
    assert view.to_pandas()["price"].tolist() == [22.5, 13.5, 9.0]


def test_validate_expressions_and_expression_schema(table):
    answer = table.validate_expressions({"double": '"price" * 2', "broken": '"nope" + 1'})
    assert answer["expression_schema"] == {"double": "float"}
    assert answer["expression_alias"] == {"double": '"price" * 2', "broken": '"nope" + 1'}
    assert set(answer["errors"]) == {"broken"} and answer["errors"]["broken"]["error_message"]
    view = table.view(columns=["double"], expressions={"double": '"price" * 2'})
    assert view.expression_schema() == {"double": "float"}
    assert view.to_columns() == {"double": [r["price"] * 2 for r in ROWS]}
    with pytest.raises(PerspectiveError):
        table.validate_expressions(42)


def test_to_arrow_round_trips(client, table):
    view = table.view(columns=["name", "price", "ok"], sort=[["k", "desc"]])
    for compression in (None, "lz4"):
        arrow = view.to_arrow(compression=compression, end_row=3)
        assert isinstance(arrow, bytes)
        copy = client.table(arrow)
        assert copy.schema() == {"name": "string", "price": "float", "ok": "boolean"}
        assert copy.view().to_columns() == view.to_columns(end_row=3)
    with pytest.raises(PerspectiveError):
        view.to_arrow(compression="zip")
    with pytest.raises(PerspectiveError):
        client.table(b"not arrow at all")
    # Arrow updates too: upserts by the index, so the same rows change nothing.
    table.update(table.view().to_arrow())
    assert table.size() == 6


def test_group_by_depth_shows_that_many_levels(client):
    """group_by_depth N shows N group levels when the view is made (groups added later too),
    0 every level; it is echoed by get_config (the reference's behaviour)."""
    table = client.table([{"a": "x", "b": "p", "v": 1}, {"a": "x", "b": "q", "v": 2},
                          {"a": "y", "b": "p", "v": 3}])
    view = table.view(group_by=["a", "b"], columns=["v"], group_by_depth=1)
    assert view.to_columns() == {"__ROW_PATH__": [[], ["x"], ["y"]], "v": [6, 3, 3]}
    assert view.get_config()["group_by_depth"] == 1
    table.update([{"a": "z", "b": "r", "v": 4}])
    assert view.to_columns()["__ROW_PATH__"] == [[], ["x"], ["y"], ["z"]]
    every = table.view(group_by=["a", "b"], columns=["v"], group_by_depth=0)
    assert len(every.to_columns()["__ROW_PATH__"]) == 8
    with pytest.raises(PerspectiveError):
        table.view(group_by=["a"], group_by_depth=-1)
