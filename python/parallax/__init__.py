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
from .core import Client, Server, Table, View

PyPerspectiveError = PerspectiveError  # the reference's name for the same class

__version__ = "0.1.0"
__all__ = ["Server", "Client", "Table", "View", "PerspectiveError", "table", "table_names"]

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


def table_names():
    return _client().get_hosted_table_names()
