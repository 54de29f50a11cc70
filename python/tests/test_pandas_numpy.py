"""pandas and numpy input (the buffer path) and to_pandas output."""

import datetime

import numpy as np
import pandas as pd
import pytest

from parallax import PerspectiveError


def test_dataframe_index_becomes_a_column(client):
    frame = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, np.nan], "s": ["x", None, "z"]})
    table = client.table(frame)
    assert table.columns() == ["index", "a", "b", "s"]
    assert table.schema() == {"index": "integer", "a": "integer", "b": "float", "s": "string"}
    assert table.view().to_columns() == {"index": [0, 1, 2], "a": [1, 2, 3],
                                         "b": [0.5, 1.5, None], "s": ["x", None, "z"]}


def test_named_index_and_index_option(client):
    frame = pd.DataFrame({"v": [1.5, 2.5]}, index=pd.Index(["p", "q"], name="key"))
    table = client.table(frame, index="key")
    table.update(pd.DataFrame({"v": [9.5]}, index=pd.Index(["q"], name="key")))
    assert table.view().to_columns() == {"key": ["p", "q"], "v": [1.5, 9.5]}


def test_series(client):
    table = client.table(pd.Series([1.5, 2.5], name="s"))
    assert table.view().to_columns() == {"index": [0, 1], "s": [1.5, 2.5]}


def test_dict_of_numpy_arrays(client):
    table = client.table({"i": np.arange(3, dtype=np.int64), "f": np.array([1.0, np.nan, 3.5]),
                          "b": np.array([True, False, True]), "u": np.array(["a", "b", "c"])})
    assert table.schema() == {"i": "integer", "f": "float", "b": "boolean", "u": "string"}
    assert table.view().to_columns() == {"i": [0, 1, 2], "f": [1.0, None, 3.5],
                                         "b": [True, False, True], "u": ["a", "b", "c"]}
    with pytest.raises(PerspectiveError, match="numpy"):
        client.table({"a": np.arange(2), "b": [1, 2]})


def test_int64_round_trip(client):
    # int64 in, int64 out (the engine keeps 32-bit integers; pandas' integers are int64).
    frame = pd.DataFrame({"i": np.array([3, -7, 2 ** 31 - 1], dtype=np.int64)})
    back = client.table(frame).view().to_pandas()
    assert back["i"].dtype == np.int64
    assert back["i"].tolist() == [3, -7, 2 ** 31 - 1]
    # Past 32 bits the engine keeps a float (exact to 2^53): still int64 out.
    big = client.table({"big": np.array([1, 2 ** 40 + 1], dtype=np.int64)}).view().to_pandas()
    assert big["big"].dtype == np.int64 and big["big"].tolist() == [1, 2 ** 40 + 1]
    with_null = client.table({"i": [1, None, 3]}).view().to_pandas()
    assert with_null["i"].dtype == np.float64
    assert with_null["i"].isna().tolist() == [False, True, False]


def test_large_integers_become_float(client):
    table = client.table({"big": np.array([1, 2 ** 40], dtype=np.int64)})
    assert table.schema() == {"big": "float"}
    assert table.view().to_columns() == {"big": [1.0, float(2 ** 40)]}


def test_structured_and_record_arrays(client):
    structured = np.array([(1, 2.5, b"x"), (2, 3.5, b"y")],
                          dtype=[("i", "i4"), ("f", "f8"), ("s", "S1")])
    table = client.table(structured)
    assert table.view().to_columns() == {"i": [1, 2], "f": [2.5, 3.5], "s": ["x", "y"]}
    record = structured.view(np.recarray)
    assert client.table(record).view().to_columns() == table.view().to_columns()
    with pytest.raises(PerspectiveError):
        client.table(np.arange(3))


def test_datetime64_columns_are_utc_and_dates(client, local_time_zone):
    local_time_zone("America/New_York")
    frame = pd.DataFrame({
        "t": pd.to_datetime(["2024-01-02 10:00:00", None]),
        "z": pd.to_datetime(["2024-01-02 10:00:00"] * 2).tz_localize("Asia/Tokyo"),
        "d": [datetime.date(2024, 1, 2), None],
    })
    table = client.table(frame)
    assert table.schema()["t"] == "datetime" and table.schema()["d"] == "date"
    columns = table.view().to_columns_string()
    assert '"t":[1704189600000,null]' in columns  # naive Timestamp: UTC
    assert '"z":[1704157200000,1704157200000]' in columns  # 10:00 Tokyo is 01:00 UTC
    assert '"d":[1704153600000,null]' in columns
    # numpy day precision is a date (pandas would widen it to a datetime in a DataFrame).
    days = client.table({"day": np.array(["2024-03-04", "NaT"], dtype="datetime64[D]")})
    assert days.schema() == {"day": "date"}
    assert days.view().to_columns_string() == '{"day":[1709510400000,null]}'


def test_mixed_object_columns_go_through_engine_inference(client):
    frame = pd.DataFrame({"m": [1, "x", 2.5]})
    table = client.table(frame)
    assert table.schema()["m"] == "string"


def test_update_casts_to_the_table_types(client):
    table = client.table({"i": "integer", "f": "float", "d": "date", "t": "datetime",
                          "s": "string"})
    table.update(pd.DataFrame({"i": [1.7, np.nan], "f": [1, 2], "s": ["a", "b"],
                               "d": pd.to_datetime(["2024-01-02 10:00", "2024-01-03"]),
                               "t": [datetime.date(2024, 1, 2), None]}))
    assert table.view().to_columns_string() == (
        '{"i":[1,null],"f":[1.0,2.0],"d":[1704153600000,1704240000000],'
        '"t":[1704153600000,null],"s":["a","b"]}')
    table.update(pd.DataFrame({"i": ["3", "4"]}))  # strings into integers: engine coercion
    assert table.view().to_columns()["i"][-2:] == [3, 4]


def test_to_pandas_round_trip(client):
    frame = pd.DataFrame({
        "i": np.array([1, 2, 3], dtype=np.int32), "f": [0.5, np.nan, 2.5], "s": ["a", None, "a"],
        "b": [True, False, True], "t": pd.to_datetime(["2024-01-02 10:00", None, "2024-02-03"])})
    out = client.table(frame).view().to_pandas()
    assert list(out.columns) == ["index", "i", "f", "s", "b", "t"]
    pd.testing.assert_frame_equal(out.drop(columns=["index"]), frame, check_dtype=False)
    assert str(out["t"].dtype) == "datetime64[ns]"
    assert out["i"].dtype == np.int32 and out["b"].dtype == bool


def test_to_pandas_nulls_and_windows(client):
    table = client.table({"i": [1, None, 3], "b": [True, None, False],
                          "d": ["2024-01-02", None, "2024-01-04"]})
    out = table.view().to_dataframe(start_row=1)
    assert len(out) == 2
    assert np.isnan(out["i"].iloc[0]) and out["i"].iloc[1] == 3
    assert out["b"].tolist() == [None, False]
    assert pd.isna(out["d"].iloc[0]) and out["d"].iloc[1] == pd.Timestamp("2024-01-04")


def test_categorical_and_nullable_dtypes(client):
    frame = pd.DataFrame({"c": pd.Categorical(["x", "y", "x"]),
                          "n": pd.array([1, None, 3], dtype="Int64")})
    table = client.table(frame)
    assert table.schema()["c"] == "string" and table.schema()["n"] == "integer"
    assert table.view().to_columns()["n"] == [1, None, 3]


def test_grouped_to_pandas_has_a_column_per_group_level(client):
    """As the reference's to_pandas (its Arrow layout): "NAME (Group by N)" columns holding
    each level's key, no __ROW_PATH__ list column; date keys are dates in row paths too."""
    table = client.table("a,d,v\nx,2024-01-01,1\nx,2024-01-02,2\ny,2024-01-01,3\n")
    view = table.view(group_by=["a", "d"], columns=["v"])
    frame = view.to_pandas()
    assert list(frame.columns) == ["a (Group by 1)", "d (Group by 2)", "v"]
    assert list(frame["a (Group by 1)"]) == [None, "x", "x", "x", "y", "y"]
    day = datetime.date(2024, 1, 1)
    assert list(frame["d (Group by 2)"]) == [None, None, day, datetime.date(2024, 1, 2), None, day]
    assert list(frame["v"]) == [6, 3, 1, 2, 3, 3]
    assert view.to_columns()["__ROW_PATH__"][2] == ["x", day]
    assert view.to_json()[2]["__ROW_PATH__"] == ["x", day]
