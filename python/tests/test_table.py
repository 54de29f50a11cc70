"""Tables: construction from each kind of input, schemas, index, limit, update, remove,
clear, replace, delete, hosting (names, open_table)."""

import datetime

import pytest

import parallax
from parallax import PerspectiveError

DATA = [{"a": 1, "b": "x", "c": 1.5, "d": True}, {"a": 2, "b": "y", "c": 2.5, "d": False}]


def test_rows_and_columns_make_the_same_table(client):
    rows = client.table(DATA)
    columns = client.table({"a": [1, 2], "b": ["x", "y"], "c": [1.5, 2.5], "d": [True, False]})
    expected = {"a": "integer", "b": "string", "c": "float", "d": "boolean"}
    assert rows.schema() == expected and columns.schema() == expected
    assert rows.view().to_columns() == columns.view().to_columns()
    assert rows.columns() == ["a", "b", "c", "d"]
    assert rows.size() == 2


def test_csv_string_and_format_option(client):
    table = client.table("x,y\n1,2\n3,4")
    assert table.schema() == {"x": "integer", "y": "integer"}
    assert table.view().to_columns() == {"x": [1, 3], "y": [2, 4]}
    json_table = client.table('[{"x": 1}]', format="json")
    assert json_table.view().to_json() == [{"x": 1}]
    ndjson = client.table('{"x": 1}\n{"x": 2}', format="ndjson")
    assert ndjson.size() == 2
    with pytest.raises(PerspectiveError):
        client.table("x\n1", format="yaml")


def test_schema_from_python_types_and_names(client):
    table = client.table({"i": int, "f": float, "b": bool, "s": str, "d": datetime.date,
                          "t": datetime.datetime})
    assert table.schema() == {"i": "integer", "f": "float", "b": "boolean", "s": "string",
                              "d": "date", "t": "datetime"}
    assert table.size() == 0
    named = client.table({"i": "integer", "s": "string"})
    assert named.schema() == {"i": "integer", "s": "string"}
    named.update([{"i": "7", "s": 8}])
    assert named.view().to_json() == [{"i": 7, "s": "8"}]


def test_index_upserts_and_partial_updates(client):
    table = client.table(DATA, index="a")
    assert table.get_index() == "a" and table.get_limit() is None
    table.update([{"a": 2, "b": "z"}, {"a": 3, "b": "w", "c": 0.5}])
    assert table.view().to_columns() == {
        "a": [1, 2, 3], "b": ["x", "z", "w"], "c": [1.5, 2.5, 0.5], "d": [True, False, None]}


def test_limit_overwrites_the_oldest_rows(client):
    table = client.table({"a": [1, 2, 3]}, limit=2)
    assert table.get_limit() == 2
    assert table.size() == 2
    table.update({"a": [4]})
    assert sorted(table.view().to_columns()["a"]) == [3, 4]


def test_limit_and_index_together_are_refused(client):
    with pytest.raises(PerspectiveError):
        client.table(DATA, index="a", limit=3)


def test_remove_clear_replace(client):
    table = client.table(DATA, index="b")
    table.remove(["x", "nope"])
    assert table.view().to_columns()["b"] == ["y"]
    table.replace([{"a": 9, "b": "q", "c": 0.25, "d": True}])
    assert table.view().to_json() == [{"a": 9, "b": "q", "c": 0.25, "d": True}]
    table.clear()
    assert table.size() == 0
    assert table.schema()["a"] == "integer"


def test_remove_needs_an_index(client):
    table = client.table(DATA)
    with pytest.raises(PerspectiveError, match="index"):
        table.remove([1])


def test_names_hosting_and_open_table(client):
    table = client.table(DATA, name="hosted")
    assert table.get_name() == "hosted"
    unnamed = client.table(DATA)
    assert set(client.get_hosted_table_names()) == {"hosted", unnamed.get_name()}
    other = table.get_client()._server.new_local_client()
    opened = other.open_table("hosted")
    opened.update([{"a": 5}])
    assert table.size() == 3
    with pytest.raises(PerspectiveError):
        client.open_table("missing")
    with pytest.raises(PerspectiveError, match="already exists"):
        client.table(DATA, name="hosted")


def test_delete_and_on_delete(client):
    table = client.table(DATA)
    heard = []
    table.on_delete(lambda: heard.append("first"))
    second = table.on_delete(lambda: heard.append("second"))
    table.remove_delete(second)
    view = table.view()
    with pytest.raises(PerspectiveError, match="views"):
        table.delete()
    view.delete()
    table.delete()
    assert heard == ["first"]
    assert client.get_hosted_table_names() == []
    with pytest.raises(PerspectiveError):
        table.size()


def test_lazy_delete_waits_for_the_last_view(client):
    table = client.table(DATA)
    view = table.view()
    table.delete(lazy=True)
    assert table.size() == 2
    view.delete()
    assert client.get_hosted_table_names() == []


def test_module_level_table():
    table = parallax.table({"x": [1]}, name="module-level-%d" % id(object()))
    assert table.get_name() in parallax.table_names()
    assert table.view().to_json() == [{"x": 1}]


def test_failed_update_changes_nothing(client):
    table = client.table({"i": "integer"})
    table.update([{"i": 1}])
    with pytest.raises(PerspectiveError):
        table.update([{"i": 2}, {"i": "abc"}])
    assert table.view().to_columns() == {"i": [1]}


def test_numpy_scalars_decimals_and_nan_in_python_data(client):
    import decimal
    import numpy as np
    table = client.table([{"i": np.int64(3), "f": float("nan"), "d": decimal.Decimal("1.25")},
                          {"i": np.int32(4), "f": 2.5, "d": decimal.Decimal("2")}])
    assert table.view().to_columns() == {"i": [3, 4], "f": [None, 2.5], "d": [1.25, 2.0]}


def test_errors_keep_the_reference_alias():
    assert parallax.PyPerspectiveError is PerspectiveError
    assert issubclass(PerspectiveError, Exception)


def test_deliberate_differences_of_docs_differences_md(client):
    empty = client.table({"a": []})
    assert empty.schema() == {"a": "string"} and empty.size() == 0
    with pytest.raises(PerspectiveError, match="no columns"):
        client.table([])
    view = client.table({"s": ["x", "y"]}).view(filter=[["s", "in", ["x"]]])
    assert view.get_config()["filter"] == [["s", "in", ["x"]]]
