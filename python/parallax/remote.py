"""Clients of a server over any transport, speaking the Perspective 3.8 protocol (the bytes
`parallax serve` and the web handlers exchange over a websocket):

- ``Client(send_callback)`` (a ``ProtocolClient``): a synchronous client. It hands each
  request's bytes to ``send_callback`` and blocks until the transport passes the server's
  answer to ``handle_response(bytes)`` (from any thread, or from within send_callback).
- ``AsyncClient(send_callback)``: the same API as coroutines; ``send_callback`` may be a
  coroutine function, and ``await client.handle_response(bytes)`` takes answers.

Both give Table and View handles with the local API (``RemoteTable``, ``RemoteView``); the
methods are written once as generators of requests (``_op``), which the sync client drives
by blocking and the async one by awaiting. ``parallax.websocket`` connects them to a URL.
"""

import asyncio
import datetime
import inspect
import itertools
import json
import logging
import threading
import uuid

from . import data as _data
from . import output as _output
from . import temporal
from ._parallax import PerspectiveError
from .core import (Client, _arity, check_bool, check_callback, check_int, check_table_options,
                   split_window, _VIEW_OPTIONS)

try:
    from . import perspective_pb2 as pb
except ImportError:  # protoc's output is made by the build (src/python/CMakeLists.txt)
    pb = None

_log = logging.getLogger("parallax")
_TYPES = {0: "string", 1: "date", 2: "datetime", 3: "integer", 4: "float", 5: "boolean"}
_TYPE_CODES = {name: code for code, name in _TYPES.items()}
_SORTS = {"none": 0, "asc": 1, "desc": 2, "col asc": 3, "col desc": 4, "asc abs": 5,
          "desc abs": 6, "col asc abs": 7, "col desc abs": 8}
_SORT_NAMES = {code: name for name, code in _SORTS.items()}
_SUBSCRIPTIONS = ("view_on_update_req", "view_on_delete_req", "table_on_delete_req")
DEFAULT_TIMEOUT = 60.0  # seconds a synchronous request waits for its answer


def check_timeout(timeout):
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise PerspectiveError("timeout must be a number of seconds > 0, not %r" % (timeout,))
    return timeout


def _proto():
    if pb is None:
        raise PerspectiveError("parallax was built without perspective_pb2 (protoc's Python "
                               "output); remote clients need it and python3-protobuf")
    return pb


# ---- Python values <-> protocol messages ----

def _scalar(message, value):
    if value is None:
        message.null = 0
    elif isinstance(value, bool):
        message.bool = value
    elif isinstance(value, (int, float)):
        message.float = float(value)
    elif isinstance(value, datetime.datetime):
        message.string = temporal.datetime_to_text(value)
    elif isinstance(value, datetime.date):
        message.string = value.isoformat()
    else:
        message.string = str(value)


def view_config_to_proto(config, message):
    """A view config (the keyword arguments of Table.view) into a ViewConfig message."""
    unknown = sorted(set(config) - set(_VIEW_OPTIONS))
    if unknown:
        raise PerspectiveError("unknown view option(s): %s" % ", ".join(unknown))
    try:
        columns = config.get("columns")
        if columns is None:
            message.columns.default_columns = 0
        else:
            message.columns.columns.columns.extend([str(c) for c in _listed(columns, "columns")])
        message.group_by.extend(_listed(config.get("group_by") or [], "group_by"))
        message.split_by.extend(_listed(config.get("split_by") or [], "split_by"))
        for column, aggregate in (config.get("aggregates") or {}).items():
            names = [aggregate] if isinstance(aggregate, str) else list(aggregate)
            flat = []
            for name in names:
                flat.extend(name if isinstance(name, (list, tuple)) else [name])
            message.aggregates[column].aggregations.extend([str(n) for n in flat])
        for term in config.get("sort") or []:
            column, direction = term
            if direction not in _SORTS:
                raise PerspectiveError("unknown sort direction '%s'" % (direction,))
            message.sort.add(column=column, op=_SORTS[direction])
        for term in config.get("filter") or []:
            if not isinstance(term, (list, tuple)) or len(term) not in (2, 3):
                raise PerspectiveError("a filter is [column, op, value], not %r" % (term,))
            entry = message.filter.add(column=term[0], op=term[1])
            if len(term) == 3:
                values = term[2] if isinstance(term[2], (list, tuple)) else [term[2]]
                for value in values:
                    _scalar(entry.value.add(), value)
        expressions = config.get("expressions") or {}
        if isinstance(expressions, (list, tuple)):
            expressions = {text: text for text in expressions}
        for alias, text in expressions.items():
            message.expressions[str(alias)] = str(text)
        filter_op = config.get("filter_op") or "and"
        if filter_op not in ("and", "or"):
            raise PerspectiveError("filter_op must be 'and' or 'or', not %r" % (filter_op,))
        message.filter_op = 0 if filter_op == "and" else 1
        if config.get("group_by_depth") is not None:
            message.group_by_depth = check_int(config["group_by_depth"], "group_by_depth")
    except (TypeError, ValueError, AttributeError) as error:
        raise PerspectiveError("bad view config: %s" % error) from None


def _listed(value, what):
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise PerspectiveError("%s must be a list of column names, not %r" % (what, value))
    return list(value)


def _scalar_value(message):
    kind = message.WhichOneof("scalar")
    return None if kind in (None, "null") else getattr(message, kind)


def view_config_from_proto(message):
    """A ViewConfig message as the dict Table.view takes (and View.get_config answers)."""
    config = {
        "group_by": list(message.group_by),
        "split_by": list(message.split_by),
        "columns": (list(message.columns.columns.columns)
                    if message.columns.WhichOneof("opt_columns") == "columns" else None),
        "filter": [[f.column, f.op] + ([_scalar_value(f.value[0])] if len(f.value) == 1 else
                                       [[_scalar_value(v) for v in f.value]] if f.value else [])
                   for f in message.filter],
        "sort": [[s.column, _SORT_NAMES.get(s.op, "none")] for s in message.sort],
        "expressions": dict(message.expressions),
        "aggregates": {k: (v.aggregations[0] if len(v.aggregations) == 1
                           else list(v.aggregations)) for k, v in message.aggregates.items()},
        "filter_op": "or" if message.filter_op == 1 else "and",
    }
    if message.HasField("group_by_depth"):
        config["group_by_depth"] = message.group_by_depth
    return config


def _table_data(message, prepared):
    """Prepared input (parallax.data) into a MakeTableData message."""
    if isinstance(prepared, _data.SchemaInput):
        for name, kind in prepared.fields:
            message.from_schema.schema.add(name=name, type=_TYPE_CODES[kind])
        return
    if isinstance(prepared, _data.Columns):  # numpy / pandas buffers travel as Arrow
        message.from_arrow = _arrow_of_columns(prepared)
        return
    field = {"csv": "from_csv", "json": "from_rows", "columns": "from_cols",
             "ndjson": "from_ndjson", "arrow": "from_arrow"}[prepared.format]
    setattr(message, field, prepared.text)


_scratch = []


def _scratch_client():
    """An in-process engine that turns inputs only it can read (numpy buffers, objects that
    name their type) into Arrow, so a remote server gets exactly the local API's types."""
    if not _scratch:
        from .core import Server
        _scratch.append(Server().new_local_client())
    return _scratch[0]


def _arrow_of_columns(prepared):
    client = _scratch_client()
    name = "scratch-%s" % uuid.uuid4()
    client._engine.create_table_columns(name, prepared.columns, None, None)
    return _arrow_of_scratch(client, name)


def _arrow_of_scratch(client, name):
    view = name + "/view"
    try:
        client._engine.create_view(name, view, "{}")
        try:
            return client._engine.read(view, "arrow", "", False)
        finally:
            client._engine.delete_view(view)
    finally:
        client._engine.delete_table(name)


def _prepare_new(input, format):
    """Input of a new remote table: where the Python values say more than their text
    (floats that look whole, datetimes at midnight, ``_psp_dtype_``), typed here as the
    local API would type them and sent as Arrow."""
    prepared = _data.prepare(input, format)
    if isinstance(prepared, _data.Text) and (prepared.known_types or prepared.forced_types):
        client = _scratch_client()
        name = "scratch-%s" % uuid.uuid4()
        if prepared.forced_types:
            client._create_typed(name, prepared, None, None)
        else:
            client._engine.create_table_text(name, prepared.text, prepared.format, None, None,
                                             prepared.known_types)
        return _data.Text(_arrow_of_scratch(client, name), "arrow")
    return prepared


def _floats(convert):
    def cell(value, type_name, days=False):
        if type_name == "float" and type(value) is int:
            return float(value)
        return convert(value, type_name, days)
    return cell


def _windowed(message, window, viewport=True):
    """The read options of a window into a View*Req message; answers `formatted`."""
    text, formatted = split_window(window)
    options = json.loads(text) if text else {}
    if viewport:
        for key in ("start_row", "end_row", "start_col", "end_col"):
            if key in options:
                setattr(message.viewport, key, max(0, int(options[key] + (0.999999 if key.startswith("end") else 0))))
    for key in ("id", "index", "leaves_only", "formatted"):
        if key in options and hasattr(message, key):
            setattr(message, key, bool(options[key]))
    return formatted


# ---- the handles ----

def _op(generator):
    """A method written as a generator of requests: ``response = yield request``; the
    client runs it (blocking or as a coroutine) and answers what it returns."""

    def method(self, *args, **kwargs):
        return self._client._run(generator(self, *args, **kwargs))

    method.__name__ = generator.__name__
    method.__doc__ = generator.__doc__
    return method


class RemoteTable:
    """A table hosted by the server a ProtocolClient or AsyncClient talks to."""

    def __init__(self, client, name, index=None, limit=None):
        self._client = client
        self._name = name
        self._index = index
        self._limit = limit
        self._schema = None

    def __repr__(self):
        return "<parallax.RemoteTable %r>" % self._name

    def _request(self, field):
        return self._client._request(self._name, field)

    def get_client(self):
        return self._client

    def get_name(self):
        return self._name

    def get_index(self):
        return self._index

    def get_limit(self):
        return self._limit

    def _fetch_schema(self):
        if self._schema is None:
            request, _ = self._request("table_schema_req")
            response = yield request
            self._schema = [(p.name, _TYPES[p.type]) for p in response.table_schema_resp.schema.schema]
        return self._schema

    @_op
    def size(self):
        request, _ = self._request("table_size_req")
        response = yield request
        return response.table_size_resp.size

    @_op
    def schema(self):
        return dict((yield from self._fetch_schema()))

    @_op
    def columns(self):
        return [name for name, _ in (yield from self._fetch_schema())]

    @_op
    def make_port(self):
        request, _ = self._request("table_make_port_req")
        response = yield request
        return response.table_make_port_resp.port_id

    @_op
    def update(self, input, port_id=None, format=None):
        if port_id is not None:
            check_int(port_id, "port_id")
        schema = dict((yield from self._fetch_schema()))
        request, body = self._request("table_update_req")
        _table_data(body.data, _data.prepare(input, format, schema))
        body.port_id = port_id or 0
        yield request

    @_op
    def replace(self, input, format=None):
        schema = dict((yield from self._fetch_schema()))
        request, body = self._request("table_replace_req")
        _table_data(body.data, _data.prepare(input, format, schema))
        yield request

    @_op
    def remove(self, input, format=None):
        """Removes the rows whose primary key is in `input` (a list of keys)."""
        if not isinstance(input, (list, tuple)):
            raise PerspectiveError("remove takes a list of primary keys")
        request, body = self._request("table_remove_req")
        body.data.from_rows = _data.dumps(list(input))[0]
        yield request

    @_op
    def clear(self):
        """Removes every row (a replace with no rows: the protocol has no clear)."""
        request, body = self._request("table_replace_req")
        body.data.from_rows = "[]"
        yield request

    @_op
    def view(self, **config):
        config = {k: v for k, v in config.items() if v is not None}
        view_id = str(uuid.uuid4())
        request, body = self._request("table_make_view_req")
        body.view_id = view_id
        view_config_to_proto(config, body.config)
        yield request
        self._client._views.add((view_id, self._name))
        return RemoteView(self, view_id)

    @_op
    def delete(self, lazy=False):
        """Deletes the table; with views on it that is an error, unless ``lazy``."""
        check_bool(lazy, "delete's lazy")
        request, body = self._request("table_delete_req")
        body.is_immediate = not lazy
        yield request

    @_op
    def on_delete(self, callback):
        """Calls callback() once, when the table is deleted (by any client)."""
        check_callback(callback, "on_delete")
        return (yield from self._client._subscription(self._name, "table_on_delete_req",
                                                      lambda response: callback(), once=True))

    @_op
    def remove_delete(self, callback_id):
        yield from self._client._unsubscription(self._name, "table_remove_delete_req",
                                                callback_id, "on_delete")

    @_op
    def validate_expressions(self, expressions):
        if isinstance(expressions, dict):
            pairs = {str(alias): str(text) for alias, text in expressions.items()}
        elif isinstance(expressions, (list, tuple)):
            pairs = {str(text): str(text) for text in expressions}
        else:
            raise PerspectiveError("validate_expressions takes a dict of alias -> expression")
        request, body = self._request("table_validate_expr_req")
        for alias, text in pairs.items():
            body.column_to_expr[alias] = text
        response = yield request
        answer = response.table_validate_expr_resp
        return {
            "expression_schema": {k: _TYPES[v] for k, v in answer.expression_schema.items()},
            "errors": {k: {"error_message": e.error_message, "line": e.line, "column": e.column}
                       for k, e in answer.errors.items()},
            "expression_alias": dict(answer.expression_alias),
        }


class RemoteView:
    """A view on the server a ProtocolClient or AsyncClient talks to."""

    def __init__(self, table, view_id):
        self._table = table
        self._client = table._client
        self._name = view_id
        self._types = None
        self._config = None

    def __repr__(self):
        return "<parallax.RemoteView of %r>" % self._table._name

    def _request(self, field):
        return self._client._request(self._name, field)

    def _fetch_types(self):
        if self._types is None:
            request, _ = self._request("view_schema_req")
            response = yield request
            self._types = {k: _TYPES[v] for k, v in response.view_schema_resp.schema.items()}
        return self._types

    def _fetch_config(self):
        if self._config is None:
            request, _ = self._request("view_get_config_req")
            response = yield request
            self._config = view_config_from_proto(response.view_get_config_resp.config)
        return self._config

    def _path_types(self):
        group_by = (yield from self._fetch_config()).get("group_by") or []
        if not group_by:
            return []
        table_types = dict((yield from self._table._fetch_schema()))
        shown = yield from self._fetch_types()
        return [table_types.get(name) or shown.get(name) for name in group_by]

    def _read(self, field, answer, window):
        request, body = self._request(field)
        formatted = _windowed(body, window)
        response = yield request
        return getattr(getattr(response, field.replace("_req", "_resp")), answer), formatted

    def _python(self, text, rows, formatted):
        convert = _output.rows_to_python if rows else _output.columns_to_python
        types = yield from self._fetch_types()
        path_types = yield from self._path_types()
        # formatted: the server wrote dates and datetimes as text already
        cell = _output.text_cell if formatted else _output.cell_to_python
        # The server writes whole floats as JavaScript does (9); Python reads give 9.0.
        try:
            return convert(json.loads(text), types, path_types, _floats(cell), every_column=True)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
            raise PerspectiveError("the server's answer does not read as %s: %s"
                                   % ("rows" if rows else "columns", error)) from None

    def _json(self, rows, window, python):
        """A JSON read: its text, or its cells as Python values when `python`."""
        field = "view_to_rows_string_req" if rows else "view_to_columns_string_req"
        text, formatted = yield from self._read(field, "json_string", window)
        if python:
            return (yield from self._python(text, rows, formatted))
        if formatted:
            return json.dumps((yield from self._python(text, rows, True)), separators=(",", ":"))
        return text

    @_op
    def to_columns_string(self, **window):
        return (yield from self._json(False, window, python=False))

    @_op
    def to_json_string(self, **window):
        return (yield from self._json(True, window, python=False))

    @_op
    def to_columns(self, **window):
        return (yield from self._json(False, window, python=True))

    @_op
    def to_json(self, **window):
        return (yield from self._json(True, window, python=True))

    to_dict = to_columns
    to_records = to_json

    @_op
    def to_ndjson(self, **window):
        return (yield from self._read("view_to_ndjson_string_req", "ndjson_string", window))[0]

    @_op
    def to_csv(self, **window):
        return (yield from self._read("view_to_csv_req", "csv", window))[0]

    @_op
    def to_arrow(self, compression=None, **window):
        if compression not in (None, "lz4"):
            raise PerspectiveError("to_arrow compression must be \"lz4\" or None")
        request, body = self._request("view_to_arrow_req")
        _windowed(body, window)
        if compression:
            body.compression = compression
        response = yield request
        return response.view_to_arrow_resp.arrow

    @_op
    def to_pandas(self, **window):
        config = yield from self._fetch_config()
        if config.get("group_by") or config.get("split_by"):
            request, body = self._request("view_to_columns_string_req")
            _windowed(body, window)
            response = yield request
            columns = yield from self._python(response.view_to_columns_string_resp.json_string,
                                              False, False)
            return _output.grouped_frame(columns, config.get("group_by") or [])
        request, body = self._request("view_to_arrow_req")
        _windowed(body, window)
        response = yield request
        local = _scratch_client().table(response.view_to_arrow_resp.arrow)
        view = local.view()
        try:
            return view.to_pandas()
        finally:
            view.delete()
            local.delete()

    to_dataframe = to_pandas

    @_op
    def to_polars(self, **window):
        request, body = self._request("view_to_arrow_req")
        _windowed(body, window)
        response = yield request
        return _data.polars_from_arrow(response.view_to_arrow_resp.arrow)

    @_op
    def schema(self):
        return dict((yield from self._fetch_types()))

    @_op
    def expression_schema(self):
        request, _ = self._request("view_expression_schema_req")
        response = yield request
        return {k: _TYPES[v] for k, v in response.view_expression_schema_resp.schema.items()}

    def _dimensions(self):
        request, _ = self._request("view_dimensions_req")
        response = yield request
        d = response.view_dimensions_resp
        return {"num_table_rows": d.num_table_rows, "num_table_columns": d.num_table_columns,
                "num_view_rows": d.num_view_rows, "num_view_columns": d.num_view_columns}

    @_op
    def dimensions(self):
        return (yield from self._dimensions())

    @_op
    def num_rows(self):
        return (yield from self._dimensions())["num_view_rows"]

    @_op
    def num_columns(self):
        return (yield from self._dimensions())["num_view_columns"]

    @_op
    def column_paths(self):
        request, _ = self._request("view_column_paths_req")
        response = yield request
        return list(response.view_column_paths_resp.paths)

    @_op
    def get_config(self):
        return dict((yield from self._fetch_config()))

    @_op
    def get_min_max(self, column_name):
        if not isinstance(column_name, str):
            raise PerspectiveError("get_min_max takes a column name (str), not %r" % (column_name,))
        request, body = self._request("view_get_min_max_req")
        body.column_name = column_name
        response = yield request
        answer = response.view_get_min_max_resp
        types = yield from self._fetch_types()
        kind = types.get(column_name)
        try:
            return tuple(_output.cell_to_python(json.loads(v) if v else None, kind)
                         for v in (answer.min, answer.max))
        except (ValueError, TypeError) as error:
            raise PerspectiveError("the server's min/max do not read: %s" % error) from None

    def _row_change(self, field, index):
        request, body = self._request(field + "_req")
        body.row_index = check_int(index, field.replace("view_", "") + "'s row index")
        response = yield request
        return getattr(response, field + "_resp").num_changed

    @_op
    def expand(self, index):
        return (yield from self._row_change("view_expand", index))

    @_op
    def collapse(self, index):
        return (yield from self._row_change("view_collapse", index))

    @_op
    def set_depth(self, depth):
        request, body = self._request("view_set_depth_req")
        body.depth = check_int(depth, "set_depth's depth")
        yield request

    @_op
    def on_update(self, callback, mode=None):
        """Calls callback(port_id[, delta]) after every change of the table; with
        mode="row", delta is the view's changed rows as Arrow bytes."""
        check_callback(callback, "on_update")
        if mode not in (None, "row", "none"):
            raise PerspectiveError("on_update mode must be \"row\" or None, not %r" % (mode,))
        arity = _arity(callback)

        def deliver(response):
            update = response.view_on_update_resp
            delta = update.delta if update.HasField("delta") else None
            return callback(*(update.port_id, delta)[:arity])

        def row_mode(body):
            if mode == "row":
                body.mode = 0

        return (yield from self._client._subscription(self._name, "view_on_update_req", deliver,
                                                      view=self._name, fill=row_mode))

    @_op
    def remove_update(self, callback_id):
        yield from self._client._unsubscription(self._name, "view_remove_on_update_req",
                                                callback_id, "on_update")

    @_op
    def on_delete(self, callback):
        check_callback(callback, "on_delete")
        return (yield from self._client._subscription(self._name, "view_on_delete_req",
                                                      lambda response: callback(), once=True,
                                                      view=self._name))

    @_op
    def remove_delete(self, callback_id):
        yield from self._client._unsubscription(self._name, "view_remove_delete_req",
                                                callback_id, "on_delete")

    @_op
    def delete(self):
        request, _ = self._request("view_delete_req")
        yield request
        self._client._views.discard((self._name, self._table._name))
        self._client._drop_view(self._name)


# ---- the clients ----

class _Protocol:
    """What both clients share: message ids, the subscriptions (on_update, on_delete, the
    hosted tables), answers matched to requests, and the Client methods."""

    def _setup(self, send_callback, close_callback):
        _proto()
        check_callback(send_callback, "Client")
        self._send_callback = send_callback
        self._close_callback = close_callback
        self._ids = itertools.count(1)
        self._mutex = threading.Lock()
        self._waiting = {}  # msg_id -> waiter (a one-off answer)
        self._subscriptions = {}  # msg_id -> (deliver(response), once, view id or None)
        self._views = set()  # (view id, table) made through this client
        self._terminated = False

    def _request(self, entity_id, field):
        message = pb.Request(msg_id=next(self._ids), entity_id=entity_id)
        body = getattr(message, field)
        body.SetInParent()
        return message, body

    def _subscribe(self, msg_id, deliver, once=False, view=None, errors=False):
        """Answers to `msg_id` go to deliver(response); `once`: only the first; `errors`:
        server errors too (else they are logged and end the subscription)."""
        subscription = _Subscription(deliver, once, view, errors)
        with self._mutex:
            self._subscriptions[msg_id] = subscription
        return subscription

    def _unsubscribe(self, callback_id, what):
        with self._mutex:
            if self._subscriptions.pop(callback_id, None) is None:
                raise PerspectiveError("no %s callback %r to remove" % (what, callback_id))

    def _drop_view(self, view_id):
        with self._mutex:
            for msg_id in [m for m, s in self._subscriptions.items() if s.view == view_id]:
                self._subscriptions.pop(msg_id)

    def _subscription(self, entity_id, field, deliver, once=False, view=None, fill=None):
        """Subscribes; answers the subscription's id (its msg_id). The server answers the
        request only when the event comes (or with an error), so a request it answers at
        once follows it: the server applies one client's requests in order, so once that
        answer is back the subscription is in place (an update made by another client or
        by the hosting program right after on_update returns is heard) or was refused."""
        request, body = self._request(entity_id, field)
        if fill is not None:
            fill(body)
        subscription = self._subscribe(request.msg_id, deliver, once=once, view=view)
        yield _Send(request)
        barrier, _ = self._request("", "get_hosted_tables_req")
        try:
            yield barrier
        finally:
            with self._mutex:
                subscription.confirmed = True
        if subscription.refused is not None:
            raise PerspectiveError(subscription.refused)
        return request.msg_id

    def _unsubscription(self, entity_id, field, callback_id, what):
        self._unsubscribe(callback_id, what)
        request, body = self._request(entity_id, field)
        body.id = callback_id
        yield request

    def _fail_waiting(self, reason):
        """The transport is gone: every request still waiting fails with `reason`."""
        with self._mutex:
            waiters = list(self._waiting.values())
            self._waiting.clear()
        error = pb.Response()
        error.server_error.message = reason
        for waiter in waiters:
            self._resolve(waiter, error)

    def _live(self):
        if self._terminated:
            raise PerspectiveError("this client was terminated (Client.terminate): its tables "
                                   "and views can no longer be used")

    def _answer(self, message):
        """Parses a server message: (response, waiter to resolve or None, subscription to
        deliver it to or None)."""
        response = pb.Response()
        try:
            response.ParseFromString(bytes(message))
        except Exception:
            raise PerspectiveError("not a Perspective protocol message (%s)" % (
                "%d bytes" % len(message) if isinstance(message, (bytes, bytearray, memoryview))
                else type(message).__name__)) from None
        failed = response.WhichOneof("client_resp") == "server_error"
        late = False
        with self._mutex:
            waiter = self._waiting.pop(response.msg_id, None)
            subscription = None
            if waiter is None:
                subscription = self._subscriptions.get(response.msg_id)
                if subscription is not None and (subscription.once or
                                                 (failed and not subscription.errors)):
                    self._subscriptions.pop(response.msg_id, None)
                if subscription is not None and failed and not subscription.errors:
                    # Raised by the subscribing call while it waits; later, only logged.
                    subscription.refused = response.server_error.message
                    late = subscription.confirmed
        if subscription is not None and failed and not subscription.errors:
            if late:
                _log.warning("parallax: a subscription was refused: %s",
                             response.server_error.message)
            subscription = None
        if self._terminated:
            subscription = None
        return response, waiter, subscription

    @staticmethod
    def _result(response, request):
        """The answer to `request`: its server error raised, and an answer of another kind
        (a broken or hostile server) refused rather than read as empty values."""
        answered = response.WhichOneof("client_resp")
        if answered == "server_error":
            raise PerspectiveError(response.server_error.message)
        asked = request.WhichOneof("client_req")
        if answered != asked[:-len("_req")] + "_resp":
            raise PerspectiveError("the server answered %s with %s" % (asked, answered or "nothing"))
        return response

    # ---- Client methods, as generators ----

    def _table(self, input, limit=None, index=None, name=None, format=None):
        check_table_options(limit, index, name, format)
        name = str(name) if name is not None else str(uuid.uuid4())
        request, body = self._request(name, "make_table_req")
        _table_data(body.data, _prepare_new(input, format))
        if index is not None:
            body.options.make_index_table = index
        elif limit is not None:
            body.options.make_limit_table = limit
        yield request
        return RemoteTable(self, name, index, limit)

    def _hosted(self):
        request, _ = self._request("", "get_hosted_tables_req")
        response = yield request
        return list(response.get_hosted_tables_resp.table_infos)

    def _open_table(self, name):
        if not isinstance(name, str):
            raise PerspectiveError("open_table takes a table name (str), not %s"
                                   % type(name).__name__)
        for info in (yield from self._hosted()):
            if info.entity_id == name:
                return RemoteTable(self, name, info.index if info.HasField("index") else None,
                                   info.limit if info.HasField("limit") else None)
        raise PerspectiveError("no table named '%s'" % name)

    def _get_hosted_table_names(self):
        return [info.entity_id for info in (yield from self._hosted())]

    def _system_info(self):
        request, _ = self._request("", "server_system_info_req")
        response = yield request
        info = response.server_system_info_resp
        return {"heap_size": info.heap_size, "used_size": info.used_size,
                "cpu_time": info.cpu_time, "cpu_time_epoch": info.cpu_time_epoch,
                "timestamp": int(datetime.datetime.now().timestamp() * 1000),
                "client_heap": None, "client_used": None}

    def _on_hosted_tables_update(self, callback):
        check_callback(callback, "on_hosted_tables_update")

        def subscribe(body):
            body.subscribe = True

        return (yield from self._subscription("", "get_hosted_tables_req",
                                              lambda response: callback(), fill=subscribe))

    def _remove_hosted_tables_update(self, callback_id):
        yield from self._unsubscription("", "remove_hosted_tables_update_req", callback_id,
                                        "on_hosted_tables_update")

    def _terminate(self):
        """Deletes the views made through this client and stops its callbacks."""
        with self._mutex:
            views = list(self._views)
            self._views.clear()
            self._subscriptions.clear()
        for view_id, _ in views:
            request, _ = self._request(view_id, "view_delete_req")
            try:
                yield request
            except PerspectiveError:
                pass
        self._terminated = True
        if self._close_callback is not None:
            result = self._close_callback()
            if inspect.isawaitable(result):
                yield result


class _Send:
    """A request sent without waiting for an answer (see _Protocol._sent)."""

    def __init__(self, request):
        self.request = request


class _Subscription:
    def __init__(self, deliver, once, view, errors):
        self.deliver = deliver
        self.once = once
        self.view = view
        self.errors = errors
        self.confirmed = False  # the subscribing call has returned
        self.refused = None  # the server's error, when it refused the subscription


class _Waiter:
    def __init__(self):
        self.event = threading.Event()
        self.response = None

    def set(self, response):
        self.response = response
        self.event.set()


class ProtocolClient(Client, _Protocol):
    """``Client(send_callback, close_callback=None)``: a synchronous client of a remote
    server. ``send_callback(bytes)`` sends a request; the transport passes the server's
    messages to ``handle_response(bytes)``. Each method blocks (up to ``timeout`` seconds)
    until its answer arrives; callbacks run on the thread that calls handle_response (or
    on ``callback_runner(function)`` when given, as the websocket client does)."""

    def __init__(self, send_callback, close_callback=None, timeout=DEFAULT_TIMEOUT,
                 callback_runner=None):
        self._setup(send_callback, close_callback)
        self._timeout = check_timeout(timeout)
        if callback_runner is not None:
            check_callback(callback_runner, "callback_runner")
        self._callback_runner = callback_runner

    def handle_response(self, response):
        """Takes one message from the server; answers True when it was expected."""
        response, waiter, subscription = self._answer(response)
        if waiter is not None:
            waiter.set(response)
        if subscription is not None:
            self._deliver(subscription.deliver, response)
        return waiter is not None or subscription is not None

    @staticmethod
    def _resolve(waiter, response):
        waiter.set(response)

    def _deliver(self, deliver, response):
        def run():
            try:
                deliver(response)
            except Exception:
                _log.exception("a parallax callback failed")

        if self._callback_runner is None:
            run()
        else:
            self._callback_runner(run)

    def _send(self, request):
        result = self._send_callback(request.SerializeToString())
        if inspect.isawaitable(result):
            if hasattr(result, "close"):
                result.close()
            raise PerspectiveError("Client's send_callback is a coroutine function: use "
                                   "AsyncClient for an asynchronous transport")

    def _roundtrip(self, request):
        waiter = _Waiter()
        with self._mutex:
            self._waiting[request.msg_id] = waiter
        try:
            self._send(request)
        except BaseException:
            with self._mutex:
                self._waiting.pop(request.msg_id, None)
            raise
        if not waiter.event.wait(self._timeout):
            with self._mutex:
                self._waiting.pop(request.msg_id, None)
            raise PerspectiveError("no answer from the server within %g s" % self._timeout)
        return self._result(waiter.response, request)

    def _run(self, generator):
        self._live()
        try:
            request = next(generator)
            while True:
                if inspect.isawaitable(request):  # a close callback's coroutine
                    raise PerspectiveError("Client's close_callback is a coroutine function")
                if isinstance(request, _Send):
                    self._send(request.request)
                    request = generator.send(None)
                    continue
                try:
                    response = self._roundtrip(request)
                except PerspectiveError as error:
                    request = generator.throw(error)
                    continue
                request = generator.send(response)
        except StopIteration as done:
            return done.value

    def table(self, input, limit=None, index=None, name=None, format=None):
        return self._run(self._table(input, limit, index, name, format))

    def open_table(self, name):
        return self._run(self._open_table(name))

    def get_hosted_table_names(self):
        return self._run(self._get_hosted_table_names())

    def system_info(self):
        return self._run(self._system_info())

    def on_hosted_tables_update(self, callback):
        return self._run(self._on_hosted_tables_update(callback))

    def remove_hosted_tables_update(self, callback_id):
        return self._run(self._remove_hosted_tables_update(callback_id))

    def terminate(self):
        if not self._terminated:
            self._run(self._terminate())


class AsyncClient(_Protocol):
    """``AsyncClient(send_callback, close_callback=None)``: the client API as coroutines,
    for asyncio programs. ``send_callback(bytes)`` may be a coroutine function; pass the
    server's messages to ``await client.handle_response(bytes)``. Callbacks (on_update, ...)
    may be coroutine functions too; they run on the loop that handles responses.
    ``Table.get_index/get_name/get_limit`` answer at once (no await), as the reference's."""

    def __init__(self, send_callback, close_callback=None):
        self._setup(send_callback, close_callback)

    @staticmethod
    def _resolve(waiter, response):
        loop = waiter.get_loop()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            if not waiter.done():
                waiter.set_result(response)
        else:
            loop.call_soon_threadsafe(lambda: waiter.done() or waiter.set_result(response))

    async def handle_response(self, response):
        """Takes one message from the server; answers True when it was expected."""
        response, waiter, subscription = self._answer(response)
        if waiter is not None:
            self._resolve(waiter, response)
        if subscription is not None:
            try:
                result = subscription.deliver(response)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                _log.exception("a parallax callback failed")
        return waiter is not None or subscription is not None

    async def _roundtrip(self, request):
        waiter = asyncio.get_running_loop().create_future()
        with self._mutex:
            self._waiting[request.msg_id] = waiter
        result = self._send_callback(request.SerializeToString())
        if inspect.isawaitable(result):
            await result
        return self._result(await waiter, request)

    async def _run(self, generator):
        self._live()
        try:
            request = next(generator)
            while True:
                if inspect.isawaitable(request):
                    await request
                    request = generator.send(None)
                    continue
                if isinstance(request, _Send):
                    result = self._send_callback(request.request.SerializeToString())
                    if inspect.isawaitable(result):
                        await result
                    request = generator.send(None)
                    continue
                try:
                    response = await self._roundtrip(request)
                except PerspectiveError as error:
                    request = generator.throw(error)
                    continue
                request = generator.send(response)
        except StopIteration as done:
            return done.value

    async def table(self, input, limit=None, index=None, name=None, format=None):
        return await self._run(self._table(input, limit, index, name, format))

    async def open_table(self, name):
        return await self._run(self._open_table(name))

    async def get_hosted_table_names(self):
        return await self._run(self._get_hosted_table_names())

    async def system_info(self):
        return await self._run(self._system_info())

    async def on_hosted_tables_update(self, callback):
        return await self._run(self._on_hosted_tables_update(callback))

    async def remove_hosted_tables_update(self, callback_id):
        return await self._run(self._remove_hosted_tables_update(callback_id))

    async def terminate(self):
        if not self._terminated:
            await self._run(self._terminate())


class ProxySession:
    """``ProxySession(client, handle_response)``: a session for another client (a browser's
    viewer, say) whose requests go to a server through ``client`` (a Client, local or
    remote, or an AsyncClient). ``handle_request(bytes)`` takes one of its requests;
    the answers (and its subscriptions' messages) go to ``handle_response(bytes)``. The
    widget uses one to serve its viewer from the kernel's Server."""

    def __init__(self, client, handle_response):
        check_callback(handle_response, "ProxySession")
        from .core import Client as LocalClient
        if isinstance(client, (ProtocolClient, AsyncClient)):
            self._forward = self._forward_remote
        elif isinstance(client, LocalClient):
            self._forward = None
            self._session = client._server.new_session(handle_response)
        else:
            raise PerspectiveError("ProxySession takes a parallax Client or AsyncClient, not %s"
                                   % type(client).__name__)
        self._client = client
        self._handle_response = handle_response
        self._ids = {}  # our msg_id -> the proxied client's msg_id
        self._closed = False

    def _forward_remote(self, data):
        """Renumbers a request into the client's ids and routes every answer back."""
        request = pb.Request()
        request.ParseFromString(bytes(data))
        theirs = request.msg_id
        ours = next(self._client._ids)
        request.msg_id = ours

        def back(response):
            response.msg_id = theirs
            return self._handle_response(response.SerializeToString())

        kind = request.WhichOneof("client_req")
        once = kind not in _SUBSCRIPTIONS and not (kind == "get_hosted_tables_req" and
                                                    request.get_hosted_tables_req.subscribe)
        self._client._subscribe(ours, back, once=once, errors=True)
        return self._client._send_callback(request.SerializeToString())

    def handle_request(self, data):
        if self._closed:
            raise PerspectiveError("this ProxySession is closed")
        if self._forward is None:
            self._session.handle_request(data)
            return None
        result = self._forward(data)
        if inspect.isawaitable(result) and not asyncio.iscoroutine(result):
            return result
        if asyncio.iscoroutine(result):
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return asyncio.run(result)
            return result
        return None

    async def handle_request_async(self, data):
        result = self.handle_request(data)
        if inspect.isawaitable(result):
            await result

    def poll(self):
        if self._forward is None:
            self._session.poll()

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self._forward is None:
            self._session.close()
