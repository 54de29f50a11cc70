"""Python data in: what ``Client.table``, ``Table.update`` and ``Table.replace`` accept.

Each input becomes one of three things the engine takes:
- ``Columns``: typed column buffers (numpy arrays of the engine's storage, lists of str),
  for pandas DataFrames and Series, dicts of numpy arrays and numpy structured arrays. This
  path copies whole buffers and never builds JSON, which is what makes it fast.
- ``Text``: CSV, JSON rows or columns, NDJSON (or Arrow bytes), for str/bytes input and for
  lists of dicts and dicts of lists (encoded as JSON, so the engine's own type inference and
  coercions apply, exactly as for the reference's JSON input).
- ``SchemaInput``: a dict of column -> type (Python types or type names).
"""

import datetime
import decimal
import json
import math
import sys

from . import temporal
from ._parallax import PerspectiveError

try:
    import numpy
except ImportError:  # numpy is optional for plain Python data
    numpy = None


class Text:
    def __init__(self, text, format, known_types=(), forced_types=None):
        self.text = text
        self.format = format
        # [(column, "datetime" | "float")]: types the Python values fix (see _known_type).
        self.known_types = list(known_types)
        # {column: type name}: named by the values themselves (_psp_dtype_).
        self.forced_types = dict(forced_types or {})


class Columns:
    def __init__(self, columns, int64=()):
        self.columns = columns  # [(name, type name, values, valid or None)]
        # Columns that came as 64-bit integers: the engine keeps 32-bit integers (a float past
        # them), to_pandas gives them back as int64.
        self.int64 = set(int64)


class SchemaInput:
    def __init__(self, fields):
        self.fields = fields  # [(name, type name)]


TYPE_NAMES = ("integer", "float", "string", "boolean", "date", "datetime")
_PYTHON_TYPES = {
    int: "integer",
    float: "float",
    bool: "boolean",
    str: "string",
    datetime.date: "date",
    datetime.datetime: "datetime",
}
_FORMATS = ("csv", "json", "columns", "ndjson", "arrow")


def type_name_of(value):
    """The engine's type name for a schema value (a Python type or a type name), or None.
    ``object`` (the reference's custom objects) is a string column of each object's
    ``_psp_repr_()`` or ``str()``."""
    if isinstance(value, str):
        return value if value in TYPE_NAMES else ("string" if value == "object" else None)
    if isinstance(value, type):
        if value is object:
            return "string"
        if value in _PYTHON_TYPES:
            return _PYTHON_TYPES[value]
        if numpy is not None and issubclass(value, numpy.generic):
            kind = numpy.dtype(value).kind
            return {"b": "boolean", "i": "integer", "u": "integer", "f": "float",
                    "U": "string", "M": "datetime"}.get(kind)
    return None


def _is_schema(data):
    return bool(data) and all(
        isinstance(v, type) or (isinstance(v, str) and (v in TYPE_NAMES or v == "object"))
        for v in data.values())


def _is_polars(data):
    """A polars DataFrame, recognised without importing polars (Debian has none)."""
    return type(data).__module__.split(".")[0] == "polars" and hasattr(data, "write_ipc")


def polars_from_arrow(arrow):
    """View.to_polars: a polars DataFrame read from Arrow IPC stream bytes."""
    import io
    try:
        import polars
    except ImportError:
        raise PerspectiveError("to_polars needs the polars package, which is not installed") from None
    return polars.read_ipc_stream(io.BytesIO(arrow))


def _pandas():
    return sys.modules.get("pandas")


def prepare(data, format=None, schema=None):
    """The engine input for `data`. `schema` ({name: type name}) is the table's, for updates."""
    if format is not None and format not in _FORMATS:
        raise PerspectiveError("unknown format '%s' (one of %s)" % (format, ", ".join(_FORMATS)))
    if isinstance(data, str):
        return Text(data, format or "csv")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return Text(bytes(data), format or "arrow")
    if _is_polars(data):  # as Arrow: polars writes IPC itself, without pyarrow
        return Text(bytes(data.write_ipc(None).getvalue()), "arrow")
    pandas = _pandas()
    if pandas is not None:
        if isinstance(data, pandas.Series):
            data = data.to_frame(name=data.name if data.name is not None else "0")
        if isinstance(data, pandas.DataFrame):
            return _from_frame(data, schema)
    if numpy is not None and isinstance(data, numpy.ndarray):
        if data.dtype.names is None:
            raise PerspectiveError("a numpy array needs named fields (a structured or record array)")
        return _from_arrays({name: data[name] for name in data.dtype.names}, schema)
    if isinstance(data, dict):
        if _is_schema(data):
            if schema is not None:
                raise PerspectiveError("update and replace take data, not a schema")
            return SchemaInput([(str(k), type_name_of(v)) for k, v in data.items()])
        arrays = [v for v in data.values() if _is_array(v)]
        if arrays and len(arrays) == len(data):
            return _from_arrays(data, schema)
        if arrays:
            raise PerspectiveError("a dict of columns must hold only numpy arrays, or no arrays")
        return _as_json(data, "columns", schema is None)
    if isinstance(data, (list, tuple)):
        if not all(isinstance(row, dict) for row in data):
            raise PerspectiveError("a list of data must hold dicts (one per row)")
        return _as_json(list(data), "json", schema is None)
    raise PerspectiveError("cannot load data of type %s" % type(data).__name__)


def _is_array(value):
    if numpy is not None and isinstance(value, numpy.ndarray):
        return True
    pandas = _pandas()
    return pandas is not None and isinstance(value, pandas.Series)


# ---- JSON: lists of dicts, dicts of lists ----

class _Encoder:
    def __init__(self):
        self.saw_datetime = False
        self.saw_typed_objects = False  # values with _psp_dtype_

    def default(self, value):
        if hasattr(value, "_psp_dtype_"):
            self.saw_typed_objects = True
        if hasattr(value, "_psp_repr_"):  # the reference's custom objects
            return value._psp_repr_()
        if isinstance(value, datetime.datetime):
            if value != value:  # NaT
                return None
            self.saw_datetime = True
            return temporal.datetime_to_text(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        if numpy is not None and isinstance(value, numpy.generic):
            if isinstance(value, numpy.datetime64):
                return None if numpy.isnat(value) else str(value.astype("datetime64[ms]")) + "Z"
            return value.item()
        if isinstance(value, decimal.Decimal):
            return float(value)
        pandas = _pandas()
        if pandas is not None and value is pandas.NA:
            return None
        return str(value)


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def dumps(data, encoder=None):
    """JSON text of Python data (NaN and infinities as null); also says if datetimes occur."""
    encoder = encoder or _Encoder()
    text = json.dumps(data, default=encoder.default, separators=(",", ":"))
    if "NaN" in text or "Infinity" in text:
        text = json.dumps(_finite(data), default=encoder.default, separators=(",", ":"))
    return text, encoder.saw_datetime


def _known_type(value):
    """The type a Python value fixes for its column where JSON text would not: a datetime
    (JSON reads one at midnight as a date) or a float (JSON reads 10.0 as an integer; in
    Python, and in the reference's Python API, a float is a float, NaN and infinities too)."""
    if isinstance(value, datetime.datetime):
        return "datetime" if value == value else None
    if isinstance(value, float):  # numpy.float64 too; never bool
        return "float"
    if numpy is not None and isinstance(value, numpy.floating):
        return "float"
    return None


def _forced_type(value):
    """The type an object names with ``_psp_dtype_`` (a Python type or a type name)."""
    dtype = getattr(value, "_psp_dtype_", None)
    if dtype is None:
        return None
    if callable(dtype) and not isinstance(dtype, type):
        dtype = dtype()
    kind = type_name_of(dtype)
    if kind is None:
        raise PerspectiveError("_psp_dtype_ %r is not a type (one of int, float, bool, str, "
                               "date, datetime, object or their names)" % (dtype,))
    return kind


def _forced_types(data, format):
    found = {}
    values = ([(str(k), v) for k, column in data.items() if isinstance(column, (list, tuple))
               for v in column] if format == "columns" else
              [(str(k), v) for row in data if isinstance(row, dict) for k, v in row.items()])
    for key, value in values:
        if key not in found:
            kind = _forced_type(value)
            if kind:
                found[key] = kind
    return found


def _known_types(data, format):
    found = {}
    # Only well-formed parts are looked at: the engine reports anything else with its own
    # clear error (a column that is not a list, a row that is not a dict).
    if format == "columns":
        for key, values in data.items():
            if not isinstance(values, (list, tuple)):
                continue
            for value in values:
                kind = _known_type(value)
                if kind:
                    found.setdefault(str(key), kind)
                    break
    else:
        for row in data:
            if not isinstance(row, dict):
                continue
            for key, value in row.items():
                if str(key) not in found:
                    kind = _known_type(value)
                    if kind:
                        found[str(key)] = kind
    return list(found.items())


def _as_json(data, format, new_table):
    encoder = _Encoder()
    text, _ = dumps(data, encoder)
    if not new_table:
        return Text(text, format)
    forced = _forced_types(data, format) if encoder.saw_typed_objects else {}
    return Text(text, format, _known_types(data, format), forced)


# ---- numpy / pandas columns ----

class _Fallback(Exception):
    """A column the buffer path cannot type; the whole input then goes as JSON."""


def _from_frame(frame, schema):
    # The reference flattens the index into a column ("index" when unnamed).
    frame = frame.reset_index()
    return _from_arrays({str(name): frame[name] for name in frame.columns}, schema,
                        fallback=lambda: frame.to_dict(orient="list"))


def _from_arrays(arrays, schema, fallback=None):
    try:
        columns, int64 = [], []
        for name, values in arrays.items():
            name = str(name)
            target = None
            if schema is not None:
                target = schema.get(name)
                if target is None:
                    continue  # columns the table lacks are ignored, as the reference does
            dtype = getattr(values, "dtype", None)
            if getattr(dtype, "kind", None) == "i" and dtype.itemsize == 8:
                int64.append(name)
            kind, values, valid = _classify(values)
            columns.append((name,) + _finish(kind, values, valid, target))
        return Columns(columns, int64)
    except _Fallback:
        if fallback is not None:
            data = fallback()
        else:
            data = {str(k): _to_list(v) for k, v in arrays.items()}
        return _as_json(data, "columns", schema is None)


def _to_list(values):
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _nulls(values):
    pandas = _pandas()
    if pandas is not None:
        return numpy.asarray(pandas.isna(values), dtype=bool)
    return numpy.array([v is None or (isinstance(v, float) and v != v) for v in values], dtype=bool)


def _classify(values):
    """(kind, values, valid): kind is boolean/int/float/string/date/datetime; values are
    bool, int64, float64, a list of str, int32 days or int64 ms; valid is None or bool."""
    pandas = _pandas()
    if pandas is not None and isinstance(values, pandas.Series):
        dtype = values.dtype
        if isinstance(dtype, pandas.DatetimeTZDtype):
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        elif isinstance(dtype, pandas.CategoricalDtype) or pandas.api.types.is_extension_array_dtype(dtype):
            values = values.astype(object)
        values = values.to_numpy()
    values = numpy.asarray(values)
    kind = values.dtype.kind
    if kind == "b":
        return "boolean", values, None
    if kind in "iu":
        return "int", values, None
    if kind == "f":
        valid = ~numpy.isnan(values)
        return "float", values.astype(numpy.float64, copy=False), None if valid.all() else valid
    if kind == "M":
        unit = numpy.datetime_data(values.dtype)[0]
        valid = ~numpy.isnat(values)
        valid = None if valid.all() else valid
        if unit in ("D", "W", "M", "Y"):
            days = values.astype("datetime64[D]").view(numpy.int64)
            return "date", days.astype(numpy.int32), valid
        millis = values.astype("datetime64[ms]").view(numpy.int64)
        return "datetime", millis, valid
    if kind in "US":
        return "string", [str(v) if kind == "U" else v.decode() for v in values.tolist()], None
    if kind != "O":
        raise _Fallback()
    return _classify_objects(values)


def _classify_objects(values):
    pandas = _pandas()
    nulls = _nulls(values)
    valid = None if not nulls.any() else ~nulls
    if pandas is not None:
        inferred = pandas.api.types.infer_dtype(values, skipna=True)
    else:
        inferred = _infer_objects(values[~nulls])
    if inferred in ("string", "empty"):
        if valid is not None:
            values = values.copy()
            values[nulls] = None
        return "string", values.tolist(), None
    if inferred == "boolean":
        return "boolean", numpy.where(nulls, False, values).astype(bool), valid
    if inferred == "integer":
        return "int", numpy.where(nulls, 0, values).astype(numpy.int64), valid
    if inferred in ("floating", "mixed-integer-float", "decimal"):
        return "float", numpy.where(nulls, 0.0, values).astype(numpy.float64), valid
    if inferred == "date":
        days = [0 if null else temporal.date_to_days(v) for v, null in zip(values, nulls)]
        return "date", numpy.array(days, dtype=numpy.int32), valid
    if inferred == "datetime":
        millis = [0 if null else temporal.datetime_to_millis(v) for v, null in zip(values, nulls)]
        return "datetime", numpy.array(millis, dtype=numpy.int64), valid
    raise _Fallback()


def _infer_objects(values):
    kinds = set()
    for value in values:
        if isinstance(value, bool):
            kinds.add("boolean")
        elif isinstance(value, int):
            kinds.add("integer")
        elif isinstance(value, float):
            kinds.add("floating")
        elif isinstance(value, str):
            kinds.add("string")
        elif isinstance(value, datetime.datetime):
            kinds.add("datetime")
        elif isinstance(value, datetime.date):
            kinds.add("date")
        else:
            kinds.add("mixed")
    if not kinds:
        return "empty"
    if kinds == {"integer", "floating"}:
        return "mixed-integer-float"
    return kinds.pop() if len(kinds) == 1 else "mixed"


_INT32_MIN, _INT32_MAX = -(2 ** 31), 2 ** 31 - 1
_STORAGE = {"boolean": numpy.uint8 if numpy else None, "integer": numpy.int32 if numpy else None,
            "float": numpy.float64 if numpy else None, "date": numpy.int32 if numpy else None,
            "datetime": numpy.int64 if numpy else None}


def _fits_int32(values):
    return len(values) == 0 or (values.min() >= _INT32_MIN and values.max() <= _INT32_MAX)


def _finish(kind, values, valid, target):
    """(type name, values, valid) as the engine stores `target` (or the natural type)."""
    if target is None:
        if kind == "int":
            target = "integer" if _fits_int32(values) else "float"
        else:
            target = {"boolean": "boolean", "float": "float", "string": "string",
                      "date": "date", "datetime": "datetime"}[kind]
    if target == "string":
        if kind != "string":
            raise _Fallback()
        return "string", values, None
    if kind == "string":
        raise _Fallback()
    if target == "boolean":
        if kind != "boolean":
            raise _Fallback()
    elif target == "integer":
        if kind == "float":
            ok = numpy.isfinite(values)
            valid = ok if valid is None else (valid & ok)
            values = numpy.trunc(numpy.where(ok, values, 0))
            if not _fits_int32(values):
                raise _Fallback()  # the engine refuses these (docs/differences.md)
        elif kind != "int" or not _fits_int32(values):
            raise _Fallback()
    elif target == "float":
        if kind not in ("int", "float"):
            raise _Fallback()
    elif target == "date":
        if kind == "datetime":
            values = numpy.floor_divide(values, 86400000)
        elif kind != "date":
            raise _Fallback()
    elif target == "datetime":
        if kind == "date":
            values = values.astype(numpy.int64) * 86400000
        elif kind != "datetime":
            raise _Fallback()
    values = numpy.ascontiguousarray(values.astype(_STORAGE[target], copy=False))
    if valid is not None:
        valid = numpy.ascontiguousarray(valid, dtype=numpy.uint8)
    return target, values, valid
