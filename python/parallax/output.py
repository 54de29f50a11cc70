"""Python data out: JSON reads turned into Python values (dates and datetimes as objects,
by the rules in temporal.py), and column copies turned into pandas DataFrames."""

import numpy

from . import temporal


def cell_to_python(value, type_name, days=False):
    """A cell of a date or datetime column as a Python object (others unchanged). Cells
    are epoch milliseconds as JSON reads give them, or days for dates when `days`."""
    if value is None or isinstance(value, bool):
        return value
    if type_name == "datetime":
        return temporal.millis_to_local(value)
    if type_name == "date":
        return temporal.days_to_date(value) if days else temporal.millis_to_date(value)
    return value


def text_cell(value, type_name, days=False):
    """A cell of a ``formatted=True`` read, unchanged: the engine (api/view_output) wrote its
    dates and datetimes as the reference's text already."""
    return value


def _column_type(name, types):
    # Split-by columns are "a|b|column"; keys and row paths are not cells.
    return types.get(name.rsplit("|", 1)[-1]) if not name.startswith("__") else None


def _path_to_python(path, path_types, convert=cell_to_python):
    """A row path's keys as Python values: a date or datetime group key as the object its
    cells are, not epoch milliseconds."""
    return [convert(key, path_types[level] if level < len(path_types) else None)
            for level, key in enumerate(path)]


def _temporal_levels(path_types):
    return any(t in ("date", "datetime") for t in path_types)


def columns_to_python(columns, types, path_types=(), convert=cell_to_python, every_column=False):
    """`convert`: cell_to_python (Python objects) or text_cell (a formatted read's cells);
    applied to date and datetime columns, or to every column when `every_column`."""
    for name, values in columns.items():
        type_name = _column_type(name, types)
        if type_name in ("date", "datetime") or every_column:
            columns[name] = [convert(v, type_name) for v in values]
    if "__ROW_PATH__" in columns and _temporal_levels(path_types):
        columns["__ROW_PATH__"] = [_path_to_python(p, path_types, convert)
                                   for p in columns["__ROW_PATH__"]]
    return columns


def grouped_frame(columns, group_by):
    """A DataFrame of a grouped view's columns as the reference's to_pandas gives it (from
    its Arrow layout): one column per group level, "NAME (Group by N)", holding that level's
    key (None above it), then the data columns; no __ROW_PATH__ list column."""
    import pandas

    paths = columns.pop("__ROW_PATH__", None)
    frame = {}
    if paths is not None:
        for level, name in enumerate(group_by):
            frame["%s (Group by %d)" % (name, level + 1)] = [
                path[level] if level < len(path) else None for path in paths]
    frame.update(columns)
    return pandas.DataFrame(frame)


def rows_to_python(rows, types, path_types=(), convert=cell_to_python, every_column=False):
    if rows and "__ROW_PATH__" in rows[0] and _temporal_levels(path_types):
        for row in rows:
            row["__ROW_PATH__"] = _path_to_python(row["__ROW_PATH__"], path_types, convert)
    if not rows:
        return rows
    temporal_columns = [(name, _column_type(name, types)) for name in rows[0]]
    temporal_columns = [(n, t) for n, t in temporal_columns
                        if t in ("date", "datetime") or every_column]
    for row in rows:
        for name, type_name in temporal_columns:
            if name in row:
                row[name] = convert(row[name], type_name)
    return rows


def copies_to_frame(copies, int64=()):
    """A DataFrame from the engine's column copies: integers with nulls become float64 with
    NaN, booleans with nulls objects with None, dates and datetimes naive-UTC datetime64.
    Columns named in `int64` (made from int64 data) come back int64 when they hold no null,
    also when the engine kept them as floats (values past 32 bits; exact up to 2^53)."""
    import pandas

    columns = {}
    for name, type_name, values, valid, strings in copies:
        has_nulls = not valid.all()
        if name in int64 and not has_nulls and type_name in ("integer", "float") and (
                type_name == "integer" or numpy.array_equal(values, numpy.trunc(values))):
            columns[name] = values.astype(numpy.int64)
            continue
        if type_name == "string":
            lookup = numpy.empty(len(strings) + 1, dtype=object)
            lookup[: len(strings)] = strings  # code -1 (null) reads the last slot, None
            column = lookup[values]
        elif type_name == "integer":
            column = values.astype(numpy.float64) if has_nulls else values
            if has_nulls:
                column[~valid] = numpy.nan
        elif type_name == "float":
            column = values
            if has_nulls:
                column = values.copy()
                column[~valid] = numpy.nan
        elif type_name == "boolean":
            column = values.astype(bool)
            if has_nulls:
                column = column.astype(object)
                column[~valid] = None
        else:
            unit = "datetime64[D]" if type_name == "date" else "datetime64[ms]"
            wide = values.astype(numpy.int64) if type_name == "date" else values
            column = wide.view(unit).astype("datetime64[ns]")
            if has_nulls:
                column[~valid] = numpy.datetime64("NaT")
        columns[name] = column
    return pandas.DataFrame(columns)
