"""Tables between the wire and a script: columns in (typed by Parallax), rows or a DataFrame
out, turned back into columns of plain values with a kind per column."""

import datetime
import math

EPOCH = datetime.datetime(1970, 1, 1)
EPOCH_DATE = datetime.date(1970, 1, 1)


class OutputError(ValueError):
    pass


def _decode_column(kind, values):
    if kind == "datetime":  # UTC epoch milliseconds -> naive datetime (UTC)
        return [None if v is None else EPOCH + datetime.timedelta(milliseconds=v) for v in values]
    if kind == "date":  # days since the epoch
        return [None if v is None else EPOCH_DATE + datetime.timedelta(days=v) for v in values]
    return list(values)


def input_rows(table):
    """{'names': [...], 'types': [...], 'columns': [[...], ...]} -> a list of dicts."""
    names = table["names"]
    columns = [_decode_column(kind, values) for kind, values in zip(table["types"], table["columns"])]
    return [dict(zip(names, cells)) for cells in zip(*columns)] if names else []


def input_frame(table):
    import pandas
    names = table["names"]
    data = {name: _decode_column(kind, values)
            for name, kind, values in zip(names, table["types"], table["columns"])}
    return pandas.DataFrame(data, columns=names)


def _iso_datetime(value):
    if value.tzinfo is not None:  # aware: shown as UTC
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def _plain(value, row, column):
    """A value the wire carries, and its kind: bool, int, float, str, datetime, date, None."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return value, "bool"
    if isinstance(value, int):
        return value, "int"
    if isinstance(value, float):
        return value, "float"
    if isinstance(value, str):
        return value, "str"
    if isinstance(value, datetime.datetime):
        return _iso_datetime(value), "datetime"
    if isinstance(value, datetime.date):
        return value.isoformat(), "date"
    item = getattr(value, "item", None)  # numpy scalars
    type_name = type(value).__name__
    if callable(item) and type(value).__module__ == "numpy":
        if type_name == "datetime64":
            import pandas
            return _plain(None if pandas.isna(value) else pandas.Timestamp(value).to_pydatetime(),
                          row, column)
        return _plain(item(), row, column)
    if type(value).__module__.startswith("pandas"):
        import pandas
        if value is pandas.NaT or pandas.isna(value):
            return None, None
        if isinstance(value, pandas.Timestamp):
            return _iso_datetime(value.to_pydatetime()), "datetime"
    if type_name == "Decimal":
        return float(value), "float"
    raise OutputError("row %d, column '%s': a %s cannot be put in a table"
                      % (row, column, type_name))


def _column_kind(kinds):
    kinds.discard(None)
    if len(kinds) == 1:
        return next(iter(kinds))
    if kinds <= {"int", "float"}:
        return "float"
    if kinds <= {"date", "datetime"}:
        return "datetime"
    return "mixed" if kinds else "none"


def _not_a_table(result):
    if result is None:
        return OutputError("the script returned nothing: end it with `return rows` "
                           "(a list of dicts or a DataFrame)")
    return OutputError("the script returned a %s: return a list of dicts or a DataFrame"
                       % type(result).__name__)


def output_columns(result, max_cells):
    """The script's return value as {'names', 'kinds', 'columns', 'num_rows'}."""
    if type(result).__name__ == "DataFrame" and type(result).__module__.startswith("pandas"):
        names = [str(name) for name in result.columns]
        if len(set(names)) != len(names):
            raise OutputError("the returned DataFrame repeats a column name")
        rows = result.to_dict("records")
        order = names
    elif isinstance(result, (list, tuple)):
        rows = result
        order = None
    else:
        raise _not_a_table(result)
    positions = {}
    names = []
    if order is not None:
        for name in order:
            positions[name] = len(names)
            names.append(name)
    columns = [[] for _ in names]
    kinds = [set() for _ in names]
    if len(rows) * max(1, len(names)) > max_cells:
        raise OutputError("the output has more than %d cells" % max_cells)
    for number, row in enumerate(rows):
        if not isinstance(row, dict):
            raise OutputError("row %d is a %s, not a dict" % (number, type(row).__name__))
        for key, value in row.items():
            name = key if isinstance(key, str) else str(key)
            position = positions.get(name)
            if position is None:
                position = positions[name] = len(names)
                names.append(name)
                columns.append([None] * number)
                kinds.append(set())
                if len(rows) * len(names) > max_cells:
                    raise OutputError("the output has more than %d cells" % max_cells)
            column = columns[position]
            if len(column) < number:
                column.extend([None] * (number - len(column)))
            plain, kind = _plain(value, number, name)
            if isinstance(plain, float) and math.isnan(plain):
                plain, kind = None, "float"
            column.append(plain)
            kinds[position].add(kind)
        for column in columns:
            if len(column) <= number:
                column.append(None)
    return {"names": names, "kinds": [_column_kind(k) for k in kinds], "columns": columns,
            "num_rows": len(rows)}


def output_arrow(result, max_cells):
    """The script's return value as an Arrow IPC stream (bytes) and its row count."""
    import pandas

    from parallax_scripthost import arrow_ipc
    if type(result).__name__ == "DataFrame" and type(result).__module__.startswith("pandas"):
        frame = result
    elif isinstance(result, (list, tuple)):
        for number, row in enumerate(result):
            if not isinstance(row, dict):
                raise OutputError("row %d is a %s, not a dict" % (number, type(row).__name__))
        if len(result) > max_cells:
            raise OutputError("the output has more than %d cells" % max_cells)
        # Object columns keep what the rows hold (ints with a None stay ints, not floats).
        names, cells = {}, []
        for number, row in enumerate(result):
            for key, value in row.items():
                name = key if isinstance(key, str) else str(key)
                if name not in names:
                    names[name] = len(cells)
                    cells.append([None] * number)
                column = cells[names[name]]
                column.extend([None] * (number - len(column)))
                column.append(value)
        for column in cells:
            column.extend([None] * (len(result) - len(column)))
        frame = pandas.DataFrame({name: pandas.Series(cells[position], dtype=object)
                                  for name, position in names.items()})
    else:
        raise _not_a_table(result)
    if len(frame) * max(1, len(frame.columns)) > max_cells:
        raise OutputError("the output has more than %d cells" % max_cells)
    if len(set(map(str, frame.columns))) != len(frame.columns):
        raise OutputError("the returned DataFrame repeats a column name")
    return {"arrow_bytes": arrow_ipc.write_frame(frame), "num_rows": len(frame)}
