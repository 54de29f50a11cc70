"""Server, Client, Table and View: the reference's Python API over the Parallax engine.

A Server owns one engine (``_parallax.LockedEngine``, thread-safe; the GIL is released while it
works). Clients, Tables and Views are handles naming things in it. Callbacks live here, in
Python: the engine reports which on_update subscriptions heard a change, and they run after
the engine is unlocked, so a callback may call back into the API.
"""

import inspect
import itertools
import json
import logging
import threading
import uuid

from . import data as _data
from . import output as _output
from . import session as _remote
from ._parallax import LockedEngine, PerspectiveError

_log = logging.getLogger("parallax")
_VIEW_OPTIONS = ("columns", "group_by", "split_by", "aggregates", "sort", "filter", "filter_op",
                 "expressions", "group_by_depth")
_WINDOW_OPTIONS = ("start_row", "end_row", "start_col", "end_col", "id", "index", "leaves_only")


def _arity(callback):
    """How many of (port_id, delta) a callback takes."""
    try:
        parameters = inspect.signature(callback).parameters.values()
    except (TypeError, ValueError):
        return 2
    count = 0
    for parameter in parameters:
        if parameter.kind == parameter.VAR_POSITIONAL:
            return 2
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            count += 1
    return min(count, 2)


def _call(callback, *args):
    try:
        callback(*args[: _arity(callback)])
    except Exception:  # a failing callback must not undo or hide the change that ran it
        _log.exception("a parallax callback failed")


class Server:
    """An engine instance hosting tables and views for its clients.
    ``max_total_queued_bytes``: what all its remote clients' queues (``new_session``, the web
    handlers) may hold together; past it, the clients furthest behind are cut off first
    (default: 1 GiB, or a quarter of the machine's memory when less)."""

    def __init__(self, max_total_queued_bytes=None):
        self._session = (LockedEngine() if max_total_queued_bytes is None
                         else LockedEngine(int(max_total_queued_bytes)))
        self._lock = threading.RLock()
        self._updates = {}  # subscription id -> (view name, callback)
        self._view_deletes = {}  # view name -> {id: callback}
        self._table_deletes = {}  # table name -> {id: callback}
        self._views_of_table = {}  # table name -> set of view names
        self._lazy_deletes = set()  # tables to delete when their last view goes
        self._ids = itertools.count(1)

    def new_local_client(self):
        return Client(self)

    def new_session(self, response_cb, lock=False):
        """A remote client speaking the Perspective protocol (see parallax.session); the
        web handlers in parallax.handlers use one per websocket."""
        return _remote.Session(self, response_cb, lock=lock)

    # ---- used by the handles ----

    def _dispatch(self, notifications, port_id=0):
        with self._lock:
            calls = [(self._updates.get(sid), delta) for sid, delta in notifications]
        for entry, delta in calls:
            if entry is not None:
                _call(entry[1], port_id, delta)

    def _next_id(self):
        return next(self._ids)


class Client:
    """A client of an in-process Server (``Server().new_local_client()``)."""

    def __init__(self, server=None):
        self._server = server if server is not None else Server()

    def table(self, input, limit=None, index=None, name=None, format=None):
        """A new Table from data or a schema; see the reference's ``Client.table``."""
        if limit is not None and index is not None:
            raise PerspectiveError("a table cannot have both a limit and an index")
        name = str(name) if name is not None else str(uuid.uuid4())
        session = self._server._session
        prepared = _data.prepare(input, format)
        if isinstance(prepared, _data.SchemaInput):
            session.create_table_schema(name, prepared.fields, index, limit)
        elif isinstance(prepared, _data.Columns):
            session.create_table_columns(name, prepared.columns, index, limit)
        else:
            session.create_table_text(name, prepared.text, prepared.format, index, limit,
                                      prepared.known_types)
        return Table(self, name)

    def open_table(self, name):
        self._server._session.table_info(name)  # raises when there is no such table
        return Table(self, name)

    def get_hosted_table_names(self):
        return self._server._session.table_names()

    def terminate(self):
        pass


class Table:
    """A handle to a table hosted by a Server."""

    def __init__(self, client, name):
        self._client = client
        self._server = client._server
        self._session = self._server._session
        self._name = name
        self._ports = itertools.count(1)

    def __repr__(self):
        return "<parallax.Table %r>" % self._name

    def get_client(self):
        return self._client

    def get_name(self):
        return self._name

    def get_index(self):
        return self._session.table_info(self._name)[2]

    def get_limit(self):
        return self._session.table_info(self._name)[3]

    def size(self):
        return self._session.table_info(self._name)[0]

    def schema(self):
        return dict(self._session.table_info(self._name)[1])

    def columns(self):
        return [name for name, _ in self._session.table_info(self._name)[1]]

    def make_port(self):
        return next(self._ports)

    def update(self, input, port_id=None, format=None):
        self._load(input, format, replace=False, port_id=port_id)

    def replace(self, input, format=None):
        self._load(input, format, replace=True, port_id=None)

    def _load(self, input, format, replace, port_id):
        schema = self.schema()
        prepared = _data.prepare(input, format, schema)
        if isinstance(prepared, _data.Columns):
            notifications = self._session.update_columns(self._name, prepared.columns, replace)
        else:
            notifications = self._session.update_text(self._name, prepared.text,
                                                       prepared.format, replace)
        self._server._dispatch(notifications, port_id or 0)

    def remove(self, input, format=None):
        """Removes the rows whose primary key is in `input` (a list of keys)."""
        if not isinstance(input, (list, tuple)):
            raise PerspectiveError("remove takes a list of primary keys")
        text, _ = _data.dumps(list(input))
        self._server._dispatch(self._session.remove(self._name, text))

    def clear(self):
        self._server._dispatch(self._session.clear(self._name))

    def view(self, **config):
        unknown = sorted(set(config) - set(_VIEW_OPTIONS))
        if unknown:
            raise PerspectiveError("unknown view option(s): %s" % ", ".join(unknown))
        config = {k: v for k, v in config.items() if v is not None}
        text, _ = _data.dumps(config)
        name = "%s/view-%d" % (self._name, self._server._next_id())
        self._session.create_view(self._name, name, text)
        with self._server._lock:
            self._server._views_of_table.setdefault(self._name, set()).add(name)
        return View(self, name)

    def delete(self, lazy=False):
        server = self._server
        with server._lock:
            if lazy and server._views_of_table.get(self._name):
                server._lazy_deletes.add(self._name)
                return
        self._session.delete_table(self._name)
        with server._lock:
            callbacks = list(server._table_deletes.pop(self._name, {}).values())
            server._views_of_table.pop(self._name, None)
        for callback in callbacks:
            _call(callback)

    def on_delete(self, callback):
        with self._server._lock:
            callback_id = self._server._next_id()
            self._server._table_deletes.setdefault(self._name, {})[callback_id] = callback
        return callback_id

    def remove_delete(self, callback_id):
        _remove_callback(self._server, self._server._table_deletes.get(self._name, {}),
                         callback_id)

    def validate_expressions(self, expressions):
        """Each expression's type or its error, as the reference answers: a dict with
        "expression_schema", "errors" and "expression_alias". ``expressions``: a dict of
        alias -> expression, or a list of expressions (each its own alias)."""
        if isinstance(expressions, dict):
            pairs = [(str(alias), str(text)) for alias, text in expressions.items()]
        elif isinstance(expressions, (list, tuple)):
            pairs = [(str(text), str(text)) for text in expressions]
        else:
            raise PerspectiveError("validate_expressions takes a dict of alias -> expression")
        return json.loads(self._session.validate_expressions(self._name, pairs))


def _remove_callback(server, callbacks, callback_id):
    """Removes a callback by the id it was registered under (or, as older APIs did, by
    the callback itself)."""
    with server._lock:
        if callback_id in callbacks:
            del callbacks[callback_id]
            return
        for key, callback in list(callbacks.items()):
            if callback is callback_id:
                del callbacks[key]
                return
    raise PerspectiveError("no callback %r to remove" % (callback_id,))


def _window(window):
    unknown = sorted(set(window) - set(_WINDOW_OPTIONS))
    if unknown:
        raise PerspectiveError("unknown window option(s): %s" % ", ".join(unknown))
    window = {k: v for k, v in window.items() if v is not None}
    return json.dumps(window) if window else ""


class View:
    """A handle to a view of a hosted table."""

    def __init__(self, table, name):
        self._table = table
        self._server = table._server
        self._session = table._session
        self._name = name

    def __repr__(self):
        return "<parallax.View of %r>" % self._table._name

    # ---- reads ----

    def _types(self):
        return dict(self._session.view_schema(self._name))

    def _path_types(self):
        """The type of each group_by level's key (table columns, else expression columns)."""
        group_by = self.get_config().get("group_by") or []
        if not group_by:
            return []
        types = dict(self._table.schema())
        shown = self._types()
        return [types.get(name) or shown.get(name) for name in group_by]

    def to_columns_string(self, **window):
        return self._session.read(self._name, "columns", _window(window))

    def to_json_string(self, **window):
        return self._session.read(self._name, "json", _window(window))

    def to_columns(self, **window):
        columns = json.loads(self.to_columns_string(**window))
        return _output.columns_to_python(columns, self._types(), self._path_types())

    def to_json(self, **window):
        rows = json.loads(self.to_json_string(**window))
        return _output.rows_to_python(rows, self._types(), self._path_types())

    to_dict = to_columns
    to_records = to_json

    def to_csv(self, **window):
        return self._session.read(self._name, "csv", _window(window))

    def to_ndjson(self, **window):
        return self._session.read(self._name, "ndjson", _window(window))

    def to_arrow(self, compression=None, **window):
        """Arrow IPC stream bytes; compression="lz4" compresses the bodies (LZ4_FRAME)."""
        if compression not in (None, "lz4"):
            raise PerspectiveError("to_arrow compression must be \"lz4\" or None")
        return self._session.read(self._name, "arrow", _window(window), compression == "lz4")

    def to_pandas(self, **window):
        config = self.get_config()
        if config.get("group_by") or config.get("split_by"):
            return _output.grouped_frame(self.to_columns(**window), config.get("group_by") or [])
        return _output.copies_to_frame(self._session.copy_columns(self._name, _window(window)))

    to_dataframe = to_pandas

    # ---- about the view ----

    def schema(self):
        return self._types()

    def expression_schema(self):
        return dict(self._session.expression_schema(self._name))

    def num_rows(self):
        return self._session.dimensions(self._name)[0]

    def num_columns(self):
        return self._session.dimensions(self._name)[1]

    def dimensions(self):
        rows, columns, table_rows, table_columns = self._session.dimensions(self._name)
        return {"num_table_rows": table_rows, "num_table_columns": table_columns,
                "num_view_rows": rows, "num_view_columns": columns}

    def column_paths(self):
        return self._session.column_paths(self._name)

    def get_config(self):
        return json.loads(self._session.view_config_json(self._name))

    def get_min_max(self, column_name):
        type_name, low, high = self._session.min_max(self._name, column_name)
        return (_output.cell_to_python(low, type_name, days=True),
                _output.cell_to_python(high, type_name, days=True))

    def expand(self, index):
        return self._session.expand(self._name, index)

    def collapse(self, index):
        return self._session.collapse(self._name, index)

    # ---- callbacks and lifetime ----

    def on_update(self, callback, mode=None):
        """Calls callback(port_id[, delta]) after every change of the table; with
        mode="row", delta is the view's changed rows as Arrow bytes."""
        if mode not in (None, "row", "none"):
            raise PerspectiveError("on_update mode must be \"row\" or None, not %r" % (mode,))
        subscription = self._session.on_update(self._name, mode == "row")
        with self._server._lock:
            self._server._updates[subscription] = (self._name, callback)
        return subscription

    def remove_update(self, callback_id):
        server = self._server
        with server._lock:
            ids = [sid for sid, (view, callback) in server._updates.items()
                   if view == self._name and (sid == callback_id or callback is callback_id)]
            if not ids:
                raise PerspectiveError("no on_update callback %r to remove" % (callback_id,))
            for sid in ids:
                self._session.remove_update(self._name, sid)
                del server._updates[sid]

    def on_delete(self, callback):
        with self._server._lock:
            callback_id = self._server._next_id()
            self._server._view_deletes.setdefault(self._name, {})[callback_id] = callback
        return callback_id

    def remove_delete(self, callback_id):
        _remove_callback(self._server, self._server._view_deletes.get(self._name, {}),
                         callback_id)

    def delete(self):
        server = self._server
        table = self._table._name
        self._session.delete_view(self._name)
        with server._lock:
            for sid in [s for s, (view, _) in server._updates.items() if view == self._name]:
                del server._updates[sid]
            callbacks = list(server._view_deletes.pop(self._name, {}).values())
            views = server._views_of_table.get(table, set())
            views.discard(self._name)
            delete_table = not views and table in server._lazy_deletes
            if delete_table:
                server._lazy_deletes.discard(table)
        for callback in callbacks:
            _call(callback)
        if delete_table:
            self._table.delete()
