"""Parallax: the reference's (Perspective 3.8) Python API on the Parallax engine.

    import parallax
    client = parallax.Server().new_local_client()
    table = client.table({"x": [1, 2, 3]}, name="numbers")
    table.view(sort=[["x", "desc"]]).to_columns()   # {"x": [3, 2, 1]}

Code written for the reference moves over by changing its import
(``import parallax as perspective``). See docs/python.md.
"""

import threading as _threading

from ._parallax import PerspectiveError
from .core import AsyncServer, Client, Server, Table, View
from .legacy import Aggregate, PerspectiveManager, Plugin, Sort
from .remote import AsyncClient, ProxySession
from .system import num_cpus, set_num_cpus

PyPerspectiveError = PerspectiveError  # the reference's name for the same class

__version__ = "0.1.0"
__all__ = ["Server", "AsyncServer", "Client", "AsyncClient", "ProxySession", "Table", "View",
           "PerspectiveError", "table", "open_table", "get_hosted_table_names", "system_info",
           "num_cpus", "set_num_cpus", "websocket"]

_default_client = None
_default_lock = _threading.Lock()


def _client():
    global _default_client
    with _default_lock:
        if _default_client is None:
            _default_client = Server().new_local_client()
        return _default_client


def table(input, limit=None, index=None, name=None, format=None):
    """A Table on the module's own Server (as the reference's ``perspective.table``)."""
    return _client().table(input, limit=limit, index=index, name=name, format=format)


def open_table(name):
    """A table of the module's own Server by name (as the reference's ``perspective.open_table``)."""
    return _client().open_table(name)


def get_hosted_table_names():
    return _client().get_hosted_table_names()


def system_info():
    """Memory and CPU time of this process (the module's Server runs in it)."""
    return _client().system_info()


def table_names():
    return _client().get_hosted_table_names()


def websocket(url, **options):
    """A synchronous Client of a remote server (``parallax serve``, or an app with a
    handler from parallax.handlers); see parallax.client."""
    from .client import websocket as connect
    return connect(url, **options)


def __getattr__(name):
    """``parallax.widget`` / ``parallax.PerspectiveWidget`` (as the reference's
    ``perspective.widget``) and ``PerspectiveTornadoHandler`` (its older guide's top-level
    name), imported on first use: they need ipywidgets or Tornado."""
    import importlib
    if name in ("widget", "PerspectiveWidget"):
        module = importlib.import_module(".widget", __name__)
        return module if name == "widget" else module.PerspectiveWidget
    if name == "PerspectiveTornadoHandler":
        return importlib.import_module(".handlers.tornado", __name__).PerspectiveTornadoHandler
    raise AttributeError("module 'parallax' has no attribute %r" % name)
