"""Time zone rules for values going in and out (see docs/python.md).

In: a naive ``datetime.datetime`` is local time; an aware one uses its ``tzinfo``; a naive
``pandas.Timestamp`` (and numpy ``datetime64``) is UTC; an aware one uses its time zone.
Out: datetimes come back as naive ``datetime.datetime`` in local time, dates as
``datetime.date``; ``to_pandas`` gives naive UTC ``datetime64`` columns, so a DataFrame
round-trips unchanged.
"""

import datetime
import sys

_EPOCH_DATE = datetime.date(1970, 1, 1)
_EPOCH_UTC = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_MS = datetime.timedelta(milliseconds=1)


def is_pandas_timestamp(value):
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.Timestamp)


def datetime_to_millis(value):
    """UTC milliseconds since the epoch of a datetime, by the rules above."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        if is_pandas_timestamp(value):
            value = value.to_pydatetime()
            value = value.replace(tzinfo=datetime.timezone.utc)
        else:
            value = value.astimezone(datetime.timezone.utc)  # naive: local time
    return (value - _EPOCH_UTC) // _MS


def date_to_days(value):
    return (value - _EPOCH_DATE).days


def datetime_to_text(value):
    """The UTC ISO text of a datetime, which the engine reads back exactly."""
    millis = datetime_to_millis(value)
    utc = _EPOCH_UTC + datetime.timedelta(milliseconds=millis)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (millis % 1000)


def millis_to_local(millis):
    """A naive local datetime from UTC epoch milliseconds."""
    utc = _EPOCH_UTC + datetime.timedelta(milliseconds=millis)
    return utc.astimezone().replace(tzinfo=None)


def days_to_date(days):
    return _EPOCH_DATE + datetime.timedelta(days=days)


def millis_to_date(millis):
    return _EPOCH_DATE + datetime.timedelta(days=millis // 86400000)
