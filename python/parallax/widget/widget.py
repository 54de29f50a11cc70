"""The widget's kernel side: traits for the viewer's settings, and one protocol session per
displayed view, fed by the view's comm messages (requests as binary buffers) and drained on
the kernel's event loop (the session's eventfd wakes it, so updates made by later cells or
other threads reach the viewer without polling)."""

import asyncio
import collections
import logging

import ipywidgets
from traitlets import Bool, Dict, List, Unicode, Union, observe

from .. import _client as _default_client
from .._parallax import PerspectiveError
from ..core import Client, Table

_log = logging.getLogger("parallax")

MODULE = "nbextensions/parallax-widget/widget"  # the requirejs name of widget.js
# Views' sessions a widget keeps: a reloaded page never says "close", so past this many the
# least recently used session is closed (its view, if still shown, sees its handles gone).
MAX_VIEWS = 32
# The viewer's settings kept in traits, in the order save() answers them.
CONFIG = ("plugin", "columns", "group_by", "split_by", "aggregates", "sort", "filter",
          "filter_op", "expressions", "plugin_config", "columns_config", "theme", "title",
          "settings")


class PerspectiveWidget(ipywidgets.DOMWidget):
    """``PerspectiveWidget(data_or_table, index=None, limit=None, server=None, plugin=...,
    columns=..., group_by=..., split_by=..., aggregates=..., sort=..., filter=...,
    filter_op=..., expressions=..., plugin_config=..., columns_config=..., theme=...,
    title=..., settings=..., height="480px")``. ``data_or_table``: a parallax Table (shown
    as it is), data or a schema (a new table on ``server``, by default the module's, with
    ``index``/``limit``), or None (``load()`` it later)."""

    _view_name = Unicode("PerspectiveView").tag(sync=True)
    _view_module = Unicode(MODULE).tag(sync=True)
    _model_name = Unicode("DOMWidgetModel").tag(sync=True)

    table_name = Unicode(None, allow_none=True).tag(sync=True)
    height = Unicode("480px").tag(sync=True)
    plugin = Unicode("Datagrid").tag(sync=True)
    columns = List(Union([Unicode(), Unicode(None, allow_none=True)]), default_value=None,
                   allow_none=True).tag(sync=True)
    group_by = List(Unicode(), default_value=[]).tag(sync=True)
    split_by = List(Unicode(), default_value=[]).tag(sync=True)
    aggregates = Dict(default_value={}).tag(sync=True)
    sort = List(default_value=[]).tag(sync=True)
    filter = List(default_value=[]).tag(sync=True)
    filter_op = Unicode("and").tag(sync=True)
    expressions = Dict(default_value={}).tag(sync=True)
    plugin_config = Dict(default_value={}).tag(sync=True)
    columns_config = Dict(default_value={}).tag(sync=True)
    theme = Unicode("Pro Light").tag(sync=True)
    title = Unicode(None, allow_none=True).tag(sync=True)
    settings = Bool(True).tag(sync=True)

    def __init__(self, data, index=None, limit=None, server=None, **config):
        unknown = sorted(set(config) - set(CONFIG) - {"height", "layout"})
        if unknown:
            raise PerspectiveError("unknown PerspectiveWidget option(s): %s" % ", ".join(unknown))
        if isinstance(config.get("expressions"), (list, tuple)):
            config["expressions"] = {text: text for text in config["expressions"]}
        config = {k: v for k, v in config.items() if v is not None}
        super().__init__(**config)
        self._client = server.new_local_client() if server is not None else _default_client()
        self._sessions = collections.OrderedDict()  # view id -> session, least recent first
        self.table = None
        self.on_msg(self._on_message)
        if data is not None:
            self.load(data, index=index, limit=limit)

    def load(self, data, index=None, limit=None):
        """Shows a Table, or a new table made from data or a schema."""
        if isinstance(data, Table):
            table = data
            self._client = data.get_client() if isinstance(data.get_client(), Client) else self._client
        else:
            if isinstance(data, (dict, list)) and not data:
                raise PerspectiveError("PerspectiveWidget takes data, a schema, a Table or None "
                                       "(not an empty dict or list)")
            table = self._client.table(data, index=index, limit=limit)
        self.table = table
        self.table_name = table.get_name()

    def _ipython_display_(self, **kwargs):
        """Shows the viewer. As ipywidgets 6 does, without its warning when the front end's
        version check ran before ipywidgets was imported in the kernel (it opens its comm at
        connection time, so a notebook that imports ipywidgets in a cell always has it)."""
        if ipywidgets.Widget._version_validated is not None:
            return super()._ipython_display_(**kwargs)
        from IPython.display import display
        self._send({"method": "display"})
        display({"application/vnd.jupyter.widget-view+json": {"model_id": self._model_id}},
                raw=True)
        self._handle_displayed(**kwargs)

    def update(self, data):
        self.table.update(data)

    def replace(self, data):
        self.table.replace(data)

    def clear(self):
        self.table.clear()

    def save(self):
        """The viewer's settings (the traits), as restore() takes them."""
        return {name: getattr(self, name) for name in CONFIG}

    def restore(self, **config):
        """Sets any of the viewer's settings; the viewer follows."""
        unknown = sorted(set(config) - set(CONFIG))
        if unknown:
            raise PerspectiveError("unknown viewer setting(s): %s" % ", ".join(unknown))
        # One trait at a time: Debian's ipywidgets 6 hold_sync() fails on Python 3.11
        # (collections.Iterable); the viewer applies each change as it comes.
        for name, value in config.items():
            setattr(self, name, value)

    @observe("expressions")
    def _expressions_as_dict(self, change):
        if isinstance(change["new"], (list, tuple)):
            self.expressions = {text: text for text in change["new"]}

    # ---- the viewers' sessions ----

    def _on_message(self, _widget, content, buffers):
        # Anything may come from the front end: what is not a request or close of a view
        # (a string id, the request as one binary buffer) is ignored.
        if not isinstance(content, dict) or not isinstance(content.get("view"), str):
            return
        view_id = content["view"]
        if content.get("type") == "close":
            session = self._sessions.pop(view_id, None)
            if session is not None:
                session.close()
            return
        if content.get("type") != "request" or not buffers:
            return
        try:
            message = bytes(memoryview(buffers[0]))
        except TypeError:
            return
        session = self._sessions.get(view_id)
        if session is None:
            while len(self._sessions) >= MAX_VIEWS:
                self._sessions.popitem(last=False)[1].close()
            session = self._sessions[view_id] = _ViewSession(self, view_id)
        self._sessions.move_to_end(view_id)
        session.handle(message)

    def close(self):
        for session in getattr(self, "_sessions", {}).values():
            session.close()
        getattr(self, "_sessions", {}).clear()
        super().close()


class _ViewSession:
    """One displayed view's session on the table's Server. Its answers and notifications go
    to the view as comm messages; the session's eventfd wakes the kernel's loop when a
    change made elsewhere (a later cell, another thread) queued some."""

    def __init__(self, widget, view_id):
        self._widget = widget
        self._view_id = view_id
        self._session = widget._client._server.new_session(self._send)
        self._loop = None
        try:
            self._loop = asyncio.get_event_loop()
            self._loop.add_reader(self._session.fileno(), self._drain)
        except (RuntimeError, NotImplementedError, ValueError):
            self._loop = None  # no loop: answers still go out after each request

    def _send(self, message):
        self._widget.send({"type": "response", "view": self._view_id}, [message])

    def handle(self, message):
        self._session.handle(message)
        self._drain()

    def _drain(self):
        if not self._session.poll():
            self.close()
            # Cut off (the view fell too far behind): its next request starts a new session.
            if self._widget._sessions.get(self._view_id) is self:
                del self._widget._sessions[self._view_id]

    def close(self):
        if self._loop is not None:
            try:
                self._loop.remove_reader(self._session.fileno())
            except (ValueError, OSError):
                pass
            self._loop = None
        self._session.close()
