"""The time zone rules of docs/python.md: naive datetimes are local time, aware ones use
their tzinfo, naive pandas Timestamps are UTC; datetimes come out in local time."""

import datetime

import pandas as pd

TOKYO = datetime.timezone(datetime.timedelta(hours=9))


def stored(table):
    return table.view().to_columns_string()


def test_naive_datetime_is_local_time(client, local_time_zone):
    local_time_zone("America/New_York")  # UTC-5 in January
    table = client.table([{"t": datetime.datetime(2024, 1, 2, 10, 0)}])
    assert stored(table) == '{"t":[1704207600000]}'  # 15:00 UTC
    assert table.view().to_json() == [{"t": datetime.datetime(2024, 1, 2, 10, 0)}]
    local_time_zone("Asia/Tokyo")
    assert table.view().to_json() == [{"t": datetime.datetime(2024, 1, 3, 0, 0)}]


def test_aware_datetime_uses_its_zone(client, local_time_zone):
    local_time_zone("UTC")
    table = client.table({"t": [datetime.datetime(2024, 1, 2, 10, 0, tzinfo=TOKYO)]})
    assert stored(table) == '{"t":[1704157200000]}'  # 01:00 UTC


def test_naive_pandas_timestamp_is_utc(client, local_time_zone):
    local_time_zone("America/New_York")
    table = client.table([{"t": pd.Timestamp("2024-01-02 10:00")}])
    assert stored(table) == '{"t":[1704189600000]}'
    aware = client.table([{"t": pd.Timestamp("2024-01-02 10:00", tz="Asia/Tokyo")}])
    assert stored(aware) == '{"t":[1704157200000]}'


def test_local_midnight_stays_a_datetime(client, local_time_zone):
    """The engine reads a datetime string at midnight as a date (the reference's JSON rule);
    datetime objects must still make a datetime column."""
    local_time_zone("UTC")
    table = client.table([{"t": datetime.datetime(2024, 1, 2)}])
    assert table.schema() == {"t": "datetime"}


def test_dst_and_updates_follow_the_rules(client, local_time_zone):
    local_time_zone("Europe/London")
    table = client.table({"t": datetime.datetime}, index="t")
    summer = datetime.datetime(2024, 7, 1, 12, 0)  # BST, UTC+1
    table.update([{"t": summer}])
    assert stored(table) == '{"t":[1719831600000]}'
    table.remove([summer])
    assert table.size() == 0


def test_dates_have_no_zone(client, local_time_zone):
    local_time_zone("Pacific/Kiritimati")  # UTC+14
    table = client.table([{"d": datetime.date(2024, 1, 2)}])
    assert stored(table) == '{"d":[1704153600000]}'
    assert table.view().to_json() == [{"d": datetime.date(2024, 1, 2)}]
