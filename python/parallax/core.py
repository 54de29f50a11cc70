"""Server, Client, Table and View: the reference's Python API over the Parallax engine.

A Server owns one engine (``_parallax.LockedEngine``, thread-safe; the GIL is released while it
works). Clients, Tables and Views are handles naming things in it. Callbacks live here, in
Python: the engine reports which on_update subscriptions heard a change, and they run after
the engine is unlocked, so a callback may call back into the API.

``Client(send_callback)`` (a client of a remote server over any transport) is in remote.py.
"""

import asyncio
import inspect
import itertools
import json
import logging
import threading
import uuid
import weakref

from . import data as _data
from . import output as _output
from . import session as _remote
from . import system as _system
from ._parallax import LockedEngine, PerspectiveError

_log = logging.getLogger("parallax")
_VIEW_OPTIONS = ("columns", "group_by", "split_by", "aggregates", "sort", "filter", "filter_op",
                 "expressions", "group_by_depth")
_WINDOW_OPTIONS = ("start_row", "end_row", "start_col", "end_col", "id", "index", "leaves_only",
                   "formatted")


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


def check_callback(callback, what):
    if not callable(callback):
        raise PerspectiveError("%s takes a function, not %s" % (what, type(callback).__name__))


def check_int(value, what, minimum=0):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PerspectiveError("%s must be an integer >= %d, not %r" % (what, minimum, value))
    return value


def check_bool(value, what):
    if not isinstance(value, bool):
        raise PerspectiveError("%s must be True or False, not %r" % (what, value))
    return value


def check_table_options(limit, index, name, format):
    """The reference's Client.table options, checked so that a wrong type is a clear error."""
    if limit is not None and index is not None:
        raise PerspectiveError("a table cannot have both a limit and an index")
    if limit is not None:
        check_int(limit, "limit", 1)
    if index is not None and not isinstance(index, str):
        raise PerspectiveError("index must be a column name (str), not %s" % type(index).__name__)
    if name is not None and not isinstance(name, (str, int)):
        raise PerspectiveError("name must be a str, not %s" % type(name).__name__)
    if format is not None and not isinstance(format, str):
        raise PerspectiveError("format must be a str, not %s" % type(format).__name__)


class Server:
    """An engine instance hosting tables and views for its clients.
    ``max_total_queued_bytes``: what all its remote clients' queues (``new_session``, the web
    handlers) may hold together; past it, the clients furthest behind are cut off first
    (default: 1 GiB, or a quarter of the machine's memory when less).
    ``on_poll_request``: when given, changes made through this Server's local clients
    (update, replace, remove, clear) and its sessions' (parallax.session) wait until
    ``poll()``, and so do the callbacks they fire; ``on_poll_request`` (called with the Server when it takes an argument) is called
    when changes start to wait, to schedule that ``poll()`` (e.g. on an event loop)."""

    def __init__(self, max_total_queued_bytes=None, on_poll_request=None):
        if on_poll_request is not None:
            check_callback(on_poll_request, "on_poll_request")
        if max_total_queued_bytes is None:
            self._session = LockedEngine()
        else:
            self._session = LockedEngine(check_int(max_total_queued_bytes,
                                                   "max_total_queued_bytes", 1))
        self._lock = threading.RLock()
        self._updates = {}  # subscription id -> (view name, callback, client)
        self._view_deletes = {}  # view name -> {id: (callback, client)}
        self._table_deletes = {}  # table name -> {id: (callback, client)}
        self._hosted_updates = {}  # id -> (callback, client)
        self._views_of_table = {}  # table name -> set of view names
        self._int64_columns = {}  # table name -> columns made from int64 data (data.Columns)
        self._lazy_deletes = set()  # tables to delete when their last view goes
        self._known_tables = None  # table names as the callbacks last heard of them
        self._ids = itertools.count(1)
        self._on_poll_request = on_poll_request
        self._pending = []  # changes waiting for poll()
        self._sessions = weakref.WeakSet()

    def new_local_client(self):
        return Client(self)

    def new_session(self, response_cb, lock=False):
        """A remote client speaking the Perspective protocol (see parallax.session); the
        web handlers in parallax.handlers use one per websocket."""
        check_callback(response_cb, "new_session")
        session = _remote.Session(self, response_cb, lock=lock)
        self._sessions.add(session)
        return session

    def poll(self):
        """Applies the changes waiting (see ``on_poll_request``) in order, runs the callbacks
        they fire, and sends what waits to this Server's sessions. Raises the first change's
        error after applying the others."""
        errors = self._apply_pending()
        for session in list(self._sessions):
            session.poll()
        if errors:
            raise errors[0]

    def _apply_pending(self):
        """Applies the changes waiting for poll(); answers their errors."""
        with self._lock:
            pending, self._pending = self._pending, []
        errors = []
        for change in pending:
            try:
                change()
            except PerspectiveError as error:
                errors.append(error)
        return errors

    # ---- used by the handles ----

    def _change(self, apply):
        """Runs a table change now, or queues it for poll() under on_poll_request."""
        if self._on_poll_request is None:
            apply()
            return
        with self._lock:
            self._pending.append(apply)
            first = len(self._pending) == 1
        if first:
            callback = self._on_poll_request
            callback(*[self][: min(_arity(callback), 1)])

    def _dispatch(self, notifications, port_id=0):
        with self._lock:
            calls = [(self._updates.get(sid), delta) for sid, delta in notifications]
        for entry, delta in calls:
            if entry is not None:
                _call(entry[1], port_id, delta)

    def _next_id(self):
        return next(self._ids)

    def _tables_changed(self):
        """After anything that may have made or deleted tables (a local client, a remote
        one): lazily deleted tables whose last view went are deleted, tables that went fire
        their on_delete callbacks, and on_hosted_tables_update callbacks fire."""
        for name in list(self._lazy_deletes):
            try:
                self._session.delete_table(name)
                self._lazy_deletes.discard(name)
            except PerspectiveError:
                if name not in self._session.table_names():
                    self._lazy_deletes.discard(name)
        with self._lock:
            if not self._table_deletes and not self._hosted_updates:
                self._known_tables = None
                return
        names = set(self._session.table_names())
        with self._lock:
            gone = [t for t in self._table_deletes if t not in names]
            deleted = [cb for t in gone for cb, _ in self._table_deletes.pop(t).values()]
            for table in gone:
                self._views_of_table.pop(table, None)
            hosted = []
            if names != self._known_tables:
                hosted = [cb for cb, _ in self._hosted_updates.values()]
            self._known_tables = names
        for callback in deleted + hosted:
            _call(callback)

    def _follow_tables(self, client, registry, callback):
        """Registers a callback that _tables_changed runs; answers its id."""
        names = set(client._engine.table_names())
        with self._lock:
            if self._known_tables is None:
                self._known_tables = names
            callback_id = self._next_id()
            registry[callback_id] = (callback, client)
        return callback_id

    def _forget_client(self, client):
        """Client.terminate: its callbacks stop."""
        with self._lock:
            for sid in [s for s, entry in self._updates.items() if entry[2] is client]:
                del self._updates[sid]
            for registry in list(self._view_deletes.values()) + list(self._table_deletes.values()) + [
                    self._hosted_updates]:
                for key in [k for k, entry in registry.items() if entry[1] is client]:
                    del registry[key]


class _Engine:
    """The Server's engine as one client's handles reach it: a terminated client's handles
    fail clearly, and an argument the binding cannot take is a PerspectiveError, never a raw
    TypeError."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        method = getattr(self._client._server._session, name)
        client = self._client

        def call(*args):
            if client._terminated:
                raise PerspectiveError("this client was terminated (Client.terminate): its tables "
                                       "and views can no longer be used")
            try:
                return method(*args)
            except TypeError as error:
                raise PerspectiveError("bad argument to %s: %s" % (name, error)) from None

        return call


class Client:
    """A client of a Server: ``Server().new_local_client()`` or ``Client.from_server(server)``
    for an in-process one; ``Client(send_callback)`` for a remote one over any transport
    (parallax.remote.ProtocolClient: it sends protocol bytes to ``send_callback`` and takes
    the server's through ``handle_response``)."""

    def __new__(cls, server=None, *args, **kwargs):
        if cls is Client and server is not None and not isinstance(server, Server):
            if not callable(server):
                raise PerspectiveError("Client takes a Server or a send callback, not %s"
                                       % type(server).__name__)
            from .remote import ProtocolClient
            return super().__new__(ProtocolClient)
        return super().__new__(cls)

    def __init__(self, server=None):
        self._server = server if server is not None else Server()
        self._engine = _Engine(self)
        self._terminated = False
        self._views = set()  # names of the views this client made

    @staticmethod
    def from_server(server):
        """A client bound to an in-process Server (the reference's ``Client.from_server``)."""
        if not isinstance(server, Server):
            raise PerspectiveError("from_server takes a parallax.Server, not %s"
                                   % type(server).__name__)
        return Client(server)

    def table(self, input, limit=None, index=None, name=None, format=None):
        """A new Table from data or a schema; see the reference's ``Client.table``."""
        check_table_options(limit, index, name, format)
        name = str(name) if name is not None else str(uuid.uuid4())
        session = self._engine
        prepared = _data.prepare(input, format)
        if isinstance(prepared, _data.SchemaInput):
            session.create_table_schema(name, prepared.fields, index, limit)
        elif isinstance(prepared, _data.Columns):
            session.create_table_columns(name, prepared.columns, index, limit)
        elif prepared.forced_types:
            self._create_typed(name, prepared, index, limit)
        else:
            session.create_table_text(name, prepared.text, prepared.format, index, limit,
                                      prepared.known_types)
        with self._server._lock:  # (a name may be reused after a delete)
            int64 = prepared.int64 if isinstance(prepared, _data.Columns) else ()
            self._server._int64_columns[name] = int64
        self._server._tables_changed()
        return Table(self, name)

    def _create_typed(self, name, prepared, index, limit):
        """Objects that name their type (``_psp_dtype_``): the inferred schema with those
        columns' types, then the data."""
        scratch = "%s/scratch-%d" % (name, self._server._next_id())
        session = self._engine
        session.create_table_text(scratch, prepared.text, prepared.format, None, None,
                                  prepared.known_types)
        try:
            fields = [(column, prepared.forced_types.get(column, kind))
                      for column, kind in session.table_info(scratch)[1]]
        finally:
            session.delete_table(scratch)
        session.create_table_schema(name, fields, index, limit)
        try:
            session.update_text(name, prepared.text, prepared.format, False)
        except PerspectiveError:
            session.delete_table(name)
            raise

    def open_table(self, name):
        if not isinstance(name, str):
            raise PerspectiveError("open_table takes a table name (str), not %s"
                                   % type(name).__name__)
        self._engine.table_info(name)  # raises when there is no such table
        return Table(self, name)

    def get_hosted_table_names(self):
        return self._engine.table_names()

    def system_info(self):
        """Memory and CPU time of the process hosting the engine (as the reference's
        SystemInfo; see parallax.system)."""
        if self._terminated:
            self._engine.table_names()  # raises
        return _system.system_info()

    def on_hosted_tables_update(self, callback):
        """Calls callback() whenever a table of the Server is made or deleted (by any of its
        clients, local or remote); answers an id for remove_hosted_tables_update."""
        check_callback(callback, "on_hosted_tables_update")
        return self._server._follow_tables(self, self._server._hosted_updates, callback)

    def remove_hosted_tables_update(self, callback_id):
        _remove_callback(self._server, self._server._hosted_updates, callback_id)

    def terminate(self):
        """Deletes the views this client made and stops its callbacks; its Table and View
        handles then raise PerspectiveError. Tables stay hosted by the Server."""
        if self._terminated:
            return
        server = self._server
        with server._lock:
            views = list(self._views)
            self._views.clear()
        for view in views:
            try:
                server._session.delete_view(view)
            except PerspectiveError:
                pass  # deleted already
            with server._lock:
                server._view_deletes.pop(view, None)
                for names in server._views_of_table.values():
                    names.discard(view)
        server._forget_client(self)
        self._terminated = True
        server._tables_changed()


class Table:
    """A handle to a table hosted by a Server. ``Table(data, index=, limit=)`` (the
    reference's older constructor, its 0.x/2.x guide) makes a table on the module's Server,
    as ``parallax.table`` does; ``PerspectiveManager.host_table`` then hosts it by name."""

    def __init__(self, client, name=None, index=None, limit=None, format=None):
        if not (isinstance(client, Client) and isinstance(name, str)):
            import parallax
            made = parallax.table(client, index=index, limit=limit, name=name, format=format)
            client, name = made._client, made._name
        self._point(client, name)

    def _point(self, client, name):
        """Makes this handle name `name` on `client`'s Server."""
        self._client = client
        self._server = client._server
        self._session = client._engine
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
        self._session.table_info(self._name)  # raises for a deleted table
        return next(self._ports)

    def update(self, input, port_id=None, format=None):
        if port_id is not None:
            check_int(port_id, "port_id")
        self._load(input, format, replace=False, port_id=port_id)

    def replace(self, input, format=None):
        self._load(input, format, replace=True, port_id=None)

    def _load(self, input, format, replace, port_id):
        schema = self.schema()
        prepared = _data.prepare(input, format, schema)
        session, name = self._session, self._name

        def apply():
            if isinstance(prepared, _data.Columns):
                notifications = session.update_columns(name, prepared.columns, replace)
            else:
                notifications = session.update_text(name, prepared.text, prepared.format,
                                                    replace)
            self._server._dispatch(notifications, port_id or 0)

        self._server._change(apply)

    def remove(self, input, format=None):
        """Removes the rows whose primary key is in `input` (a list of keys)."""
        if not isinstance(input, (list, tuple)):
            raise PerspectiveError("remove takes a list of primary keys")
        text, _ = _data.dumps(list(input))
        self._session.table_info(self._name)  # raises for a deleted table
        self._server._change(
            lambda: self._server._dispatch(self._session.remove(self._name, text)))

    def clear(self):
        self._session.table_info(self._name)
        self._server._change(lambda: self._server._dispatch(self._session.clear(self._name)))

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
            self._client._views.add(name)
        return View(self, name)

    def delete(self, lazy=False):
        """Deletes the table; with views on it (from any client, local or remote) that is an
        error, unless ``lazy``: then it goes when its last view does."""
        check_bool(lazy, "delete's lazy")
        server = self._server
        try:
            self._session.delete_table(self._name)
        except PerspectiveError:
            if not lazy or self._name not in self._session.table_names():
                raise
            with server._lock:
                server._lazy_deletes.add(self._name)
            return
        server._tables_changed()

    def on_delete(self, callback):
        """Calls callback() once, when the table is deleted (by any client, local or remote)."""
        check_callback(callback, "on_delete")
        self._session.table_info(self._name)  # raises for a deleted table
        server = self._server
        with server._lock:
            registry = server._table_deletes.setdefault(self._name, {})
        return server._follow_tables(self._client, registry, callback)

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
        if not isinstance(callback_id, bool) and callback_id in callbacks:
            del callbacks[callback_id]
            return
        for key, entry in list(callbacks.items()):
            if entry[0] is callback_id:
                del callbacks[key]
                return
    raise PerspectiveError("no callback %r to remove" % (callback_id,))


def split_window(window):
    """(window JSON for the engine, formatted): the reference's window options, checked."""
    unknown = sorted(set(window) - set(_WINDOW_OPTIONS))
    if unknown:
        raise PerspectiveError("unknown window option(s): %s" % ", ".join(unknown))
    window = {k: v for k, v in window.items() if v is not None}
    for key in ("id", "index", "leaves_only", "formatted"):
        if key in window:
            check_bool(window[key], key)
    formatted = window.get("formatted", False)  # the engine writes dates and datetimes as text
    for key in ("start_row", "end_row", "start_col", "end_col"):
        value = window.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise PerspectiveError("%s must be a number, not %r" % (key, value))
    return (json.dumps(window) if window else ""), formatted


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

    def _read_json(self, format, window):
        """The engine's JSON text, and whether it was `formatted` (dates already text)."""
        text, formatted = split_window(window)
        return self._session.read(self._name, format, text), formatted

    def to_columns_string(self, **window):
        return self._read_json("columns", window)[0]

    def to_json_string(self, **window):
        return self._read_json("json", window)[0]

    def to_columns(self, **window):
        text, formatted = self._read_json("columns", window)
        if formatted:
            return json.loads(text)
        return _output.columns_to_python(json.loads(text), self._types(), self._path_types())

    def to_json(self, **window):
        text, formatted = self._read_json("json", window)
        if formatted:
            return json.loads(text)
        return _output.rows_to_python(json.loads(text), self._types(), self._path_types())

    to_dict = to_columns
    to_records = to_json

    def to_csv(self, **window):
        return self._session.read(self._name, "csv", split_window(window)[0])

    def to_ndjson(self, **window):
        return self._session.read(self._name, "ndjson", split_window(window)[0])

    def to_arrow(self, compression=None, **window):
        """Arrow IPC stream bytes; compression="lz4" compresses the bodies (LZ4_FRAME)."""
        if compression not in (None, "lz4"):
            raise PerspectiveError("to_arrow compression must be \"lz4\" or None")
        return self._session.read(self._name, "arrow", split_window(window)[0],
                                  compression == "lz4")

    def to_pandas(self, **window):
        config = self.get_config()
        if config.get("group_by") or config.get("split_by"):
            return _output.grouped_frame(self.to_columns(**window), config.get("group_by") or [])
        with self._server._lock:
            int64 = set(self._server._int64_columns.get(self._table._name, ()))
        # (An expression column is not the table's column of the same name.)
        int64 -= set(self.expression_schema())
        return _output.copies_to_frame(
            self._session.copy_columns(self._name, split_window(window)[0]), int64)

    to_dataframe = to_pandas

    def to_polars(self, **window):
        """A polars.DataFrame (when polars is importable; read from this view's Arrow)."""
        return _data.polars_from_arrow(self.to_arrow(**window))

    # ---- about the view ----

    def schema(self):
        return self._types()

    def expression_schema(self):
        return dict(self._session.expression_schema(self._name))

    def num_rows(self):
        return self.dimensions()["num_view_rows"]

    def num_columns(self):
        return self.dimensions()["num_view_columns"]

    def dimensions(self):
        return json.loads(self._session.dimensions(self._name))

    def column_paths(self):
        return self._session.column_paths(self._name)

    def get_config(self):
        return json.loads(self._session.view_config_json(self._name))

    def get_min_max(self, column_name):
        if not isinstance(column_name, str):
            raise PerspectiveError("get_min_max takes a column name (str), not %r" % (column_name,))
        type_name, low, high = self._session.min_max(self._name, column_name)
        return (_output.cell_to_python(low, type_name, days=True),
                _output.cell_to_python(high, type_name, days=True))

    def expand(self, index):
        return self._session.expand(self._name, check_int(index, "expand's row index"))

    def collapse(self, index):
        return self._session.collapse(self._name, check_int(index, "collapse's row index"))

    def set_depth(self, depth):
        """Expands a grouped view to `depth` levels (0: only the total row's children)."""
        self._session.set_depth(self._name, check_int(depth, "set_depth's depth"))

    # ---- callbacks and lifetime ----

    def on_update(self, callback, mode=None):
        """Calls callback(port_id[, delta]) after every change of the table; with
        mode="row", delta is the view's changed rows as Arrow bytes."""
        check_callback(callback, "on_update")
        if mode not in (None, "row", "none"):
            raise PerspectiveError("on_update mode must be \"row\" or None, not %r" % (mode,))
        subscription = self._session.on_update(self._name, mode == "row")
        with self._server._lock:
            self._server._updates[subscription] = (self._name, callback, self._table._client)
        return subscription

    def remove_update(self, callback_id):
        server = self._server
        with server._lock:
            ids = [sid for sid, (view, callback, _) in server._updates.items()
                   if view == self._name and (sid == callback_id or callback is callback_id)]
            if not ids or isinstance(callback_id, bool):
                raise PerspectiveError("no on_update callback %r to remove" % (callback_id,))
            for sid in ids:
                self._session.remove_update(self._name, sid)
                del server._updates[sid]

    def on_delete(self, callback):
        check_callback(callback, "on_delete")
        with self._server._lock:
            callback_id = self._server._next_id()
            self._server._view_deletes.setdefault(self._name, {})[callback_id] = (
                callback, self._table._client)
        return callback_id

    def remove_delete(self, callback_id):
        _remove_callback(self._server, self._server._view_deletes.get(self._name, {}),
                         callback_id)

    def delete(self):
        server = self._server
        table = self._table._name
        self._session.delete_view(self._name)
        with server._lock:
            for sid in [s for s, entry in server._updates.items() if entry[0] == self._name]:
                del server._updates[sid]
            callbacks = [cb for cb, _ in server._view_deletes.pop(self._name, {}).values()]
            server._views_of_table.get(table, set()).discard(self._name)
            self._table._client._views.discard(self._name)
        for callback in callbacks:
            _call(callback)
        if table in server._lazy_deletes:
            server._tables_changed()


class AsyncServer(Server):
    """A Server for asyncio programs: ``new_session(response_cb)`` answers an
    AsyncSession (``await session.handle_request(bytes)``; ``response_cb`` may be a
    coroutine function), and ``await server.poll()``. After a session's request, or a change
    made through a local client while a loop runs, every session of this server is polled, so
    each client hears of every change (the reference's AsyncServer, used with AsyncClient)."""

    def new_session(self, response_cb, lock=False):
        check_callback(response_cb, "new_session")
        session = _remote.AsyncSession(self, response_cb, lock=lock)
        self._sessions.add(session)
        return session

    async def poll(self):
        errors = self._apply_pending()
        await self._poll_sessions()
        if errors:
            raise errors[0]

    async def _poll_sessions(self):
        for session in list(self._sessions):
            await session.poll()

    def _change(self, apply):
        super()._change(apply)
        if self._on_poll_request is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            loop.create_task(self._poll_sessions())
