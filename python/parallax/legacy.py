"""The reference's older Python API (its 0.x/2.x user guide), kept so that code written for it
runs: ``PerspectiveManager`` (host_table, lock, set_loop_callback, call_loop), used with
``PerspectiveTornadoHandler(manager=...)``, and the ``Aggregate``, ``Sort`` and ``Plugin``
names for the strings view configs and widgets take. ``Table(data)`` is in core.py."""

import enum

from ._parallax import PerspectiveError
from .core import Server, Table, View, check_callback


class PerspectiveManager:
    """Hosts tables by name for websocket clients (``PerspectiveTornadoHandler(manager=...)``)
    on a Server of its own. ``host_table(name, table)`` moves a table made with
    ``Table(data)`` there under `name` (its rows, index and limit; the handle follows), so a
    table is hosted by one manager, as the reference documents. ``lock=True`` (or ``lock()``):
    clients may read but not change tables."""

    def __init__(self, lock=False):
        self._server = Server()
        self._client = self._server.new_local_client()
        self._locked = bool(lock)
        self._views = {}
        self._loop_callback = None

    def lock(self):
        self._locked = True

    def unlock(self):
        self._locked = False

    def host_table(self, name, table):
        if not isinstance(name, str):
            raise PerspectiveError("host_table takes a name (str) and a Table")
        if not isinstance(table, Table):
            table = Table(table)
        if table._server is self._server and table._name == name:
            return table
        if name in self._client.get_hosted_table_names():
            raise PerspectiveError("a table named '%s' is hosted already" % name)
        index, limit = table.get_index(), table.get_limit()
        view = table.view()
        arrow = view.to_arrow()
        view.delete()
        hosted = self._client.table(arrow, name=name, index=index, limit=limit)
        try:
            table.delete()
        except PerspectiveError:
            hosted.delete()
            raise PerspectiveError("host_table: table '%s' has views; host it before making "
                                   "views on it" % table.get_name()) from None
        table._point(self._client, hosted.get_name())
        return table

    def host_view(self, name, view):
        """Keeps a view by name (get_view). The 3.x protocol opens tables, not views, so
        websocket clients make their own views of the hosted tables."""
        if not isinstance(view, View):
            raise PerspectiveError("host_view takes a name (str) and a View")
        self._views[str(name)] = view

    def host(self, item, name=None):
        """host_table or host_view, under `name` (a new one when not given)."""
        if isinstance(item, View):
            return self.host_view(name or "view-%d" % (len(self._views) + 1), item)
        return self.host_table(name or item.get_name(), item)

    def get_table(self, name):
        return self._client.open_table(name)

    def get_view(self, name):
        return self._views[name]

    def get_table_names(self):
        return self._client.get_hosted_table_names()

    def set_loop_callback(self, loop_callback, *args, **kwargs):
        """Changes to the hosted tables (update, remove, clear, replace) wait for
        ``loop_callback(function)`` (e.g. ``IOLoop.add_callback``) to run them, and so do
        their on_update callbacks: the Server's ``on_poll_request``. Unlike the reference's
        0.x, a read before the loop ran sees the table without the waiting changes."""
        check_callback(loop_callback, "set_loop_callback")
        self._loop_callback = lambda function, *a, **k: loop_callback(function, *args, *a,
                                                                      **kwargs, **k)
        self._server._on_poll_request = lambda server: self._loop_callback(server.poll)

    def call_loop(self, function, *args, **kwargs):
        """Runs function(*args, **kwargs) through the loop callback."""
        if self._loop_callback is None:
            raise PerspectiveError("call_loop needs set_loop_callback first")
        return self._loop_callback(function, *args, **kwargs)

    def new_session(self, response_cb):
        return self._server.new_session(response_cb, lock=self._locked)


class _Name(str, enum.Enum):
    """A name that reads as its string (in view configs, traits, JSON and f-strings)."""

    def __str__(self):
        return self.value


class Aggregate(_Name):
    """Aggregate names (``aggregates={"x": Aggregate.SUM}``)."""
    ABS_SUM = "abs sum"
    ANY = "any"
    AVG = "avg"
    COUNT = "count"
    DISTINCT_COUNT = "distinct count"
    DOMINANT = "dominant"
    FIRST = "first"
    JOIN = "join"
    LAST_MINUS_FIRST = "last minus first"
    HIGH = "high"
    LAST = "last"
    LAST_BY_INDEX = "last by index"
    LOW = "low"
    MAX = "max"
    MEAN = "mean"
    MEDIAN = "median"
    MIN = "min"
    PCT_SUM_PARENT = "pct sum parent"
    Q1 = "q1"
    Q3 = "q3"
    STANDARD_DEVIATION = "stddev"
    SUM = "sum"
    SUM_ABS = "sum abs"
    SUM_NOT_NULL = "sum not null"
    UNIQUE = "unique"
    VARIANCE = "var"


class Sort(_Name):
    """Sort directions (``sort=[["x", Sort.DESC]]``)."""
    NONE = "none"
    ASC = "asc"
    DESC = "desc"
    COL_ASC = "col asc"
    COL_DESC = "col desc"
    ASC_ABS = "asc abs"
    DESC_ABS = "desc abs"
    COL_ASC_ABS = "col asc abs"
    COL_DESC_ABS = "col desc abs"


class Plugin(_Name):
    """The viewer's plugins (``PerspectiveWidget(data, plugin=Plugin.XBAR)``)."""
    GRID = "Datagrid"
    DATAGRID = "Datagrid"
    YBAR = "Y Bar"
    XBAR = "X Bar"
    YLINE = "Y Line"
    YAREA = "Y Area"
    YSCATTER = "Y Scatter"
    XYLINE = "X/Y Line"
    XYSCATTER = "X/Y Scatter"
    TREEMAP = "Treemap"
    SUNBURST = "Sunburst"
    HEATMAP = "Heatmap"
    CANDLESTICK = "Candlestick"
    OHLC = "OHLC"
