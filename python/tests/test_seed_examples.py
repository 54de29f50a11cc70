"""Every example of the reference's two Python user guides (its 3.x guide and its older
0.x/2.x one), as written there with only the import changed to parallax (and, where the
guide's own snippet does not run as printed, the fix named in a comment). The widget and
web-server ones are exercised further in python/tests_web."""
import threading
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

import parallax as perspective


@pytest.fixture
def data():
    return pd.DataFrame({
        "int": np.arange(100),
        "float": [i * 1.5 for i in range(100)],
        "bool": [True for i in range(100)],
        "date": [date.today() for i in range(100)],
        "datetime": [datetime.now() for i in range(100)],
        "string": [str(i) for i in range(100)]
    })


def test_3x_module_docstring_example():
    from parallax import Server
    arrow_bytes_data = Server().new_local_client().table(
        {"CounterParty": ["a", "b", "a"], "Security": ["x", "y", "y"], "Qty": [1, 2, 3]}
    ).view().to_arrow()

    client = Server().new_local_client()
    table = client.table(arrow_bytes_data)
    view = table.view(group_by = ["CounterParty", "Security"])
    arrow = view.to_arrow()
    assert perspective.table(arrow).size() == 6  # total, 2 parties, 3 pairs


def test_3x_pandas_index_example(data):
    data.set_index("datetime")
    table = perspective.table(data, index="index")
    assert table.get_index() == "index" and table.size() == 100


def test_3x_callbacks_example(data):
    table = perspective.table(data)
    view = table.view()
    printed = []
    print = printed.append

    def update_callback():
        print("Updated!")

    # set the update callback
    on_update_id = view.on_update(update_callback)

    def delete_callback():
        print("Deleted!")

    # set the delete callback
    on_delete_id = view.on_delete(delete_callback)

    # set a lambda as a callback
    view.on_delete(lambda: print("Deleted x2!"))

    view.remove_update(on_update_id)
    view.remove_delete(on_delete_id)
    table.update(data)
    view.delete()
    assert printed == ["Deleted x2!"]


def test_3x_hosting_and_tornado_server_example(data):
    new_data = data
    server = perspective.Server()
    client = server.new_local_client()
    table = client.table(data, name="data_source")

    for i in range(10):
        # updates continue to propagate automatically
        table.update(new_data)
    assert table.size() == 1100

    # server.py (the guide writes perspective.hadnlers and client for CLIENT)
    import tornado.web
    from parallax import Server
    from parallax.handlers.tornado import PerspectiveTornadoHandler

    SERVER = Server()
    CLIENT = SERVER.new_local_client()
    CLIENT.table(data, name = "data_source")
    app = tornado.web.Application([
        (r"/websocket", PerspectiveTornadoHandler, {"perspective_server": SERVER})
    ])
    assert app.wildcard_router.rules


def test_older_guide_table_and_view(data):
    table = perspective.Table(data, index="float")
    view = table.view(group_by=["float"], filter=[["bool", "==", True]])
    column_data = view.to_dict()
    row_data = view.to_records()
    assert len(column_data["int"]) == 101 and len(row_data) == 101
    data.set_index("datetime")
    table = perspective.Table(data, index="index")
    assert table.size() == 100


def test_older_guide_schema_types():
    import datetime as dt
    table = perspective.Table({"i": int, "f": float, "b": bool, "d": dt.date,
                               "t": dt.datetime, "s": str, "o": object})
    assert table.schema() == {"i": "integer", "f": "float", "b": "boolean", "d": "date",
                              "t": "datetime", "s": "string", "o": "string"}


def test_older_guide_callbacks_removed_by_function(data):
    view = perspective.Table(data).view()
    printed = []

    def update_callback():
        printed.append("Updated!")

    view.on_update(update_callback)

    def delete_callback():
        printed.append("Deleted!")

    view.on_delete(delete_callback)
    view.on_delete(lambda: printed.append("Deleted x2!"))
    view.remove_update(update_callback)
    view.remove_delete(delete_callback)
    view.delete()
    assert printed == ["Deleted x2!"]


def test_older_guide_manager_hosting(data):
    from parallax import PerspectiveManager, Table
    new_data = data
    manager = PerspectiveManager()
    table = Table(data)
    manager.host_table("data_source", table)

    for i in range(10):
        # updates continue to propagate automatically
        table.update(new_data)
    assert manager.get_table("data_source").size() == 1100
    assert table.get_name() == "data_source"

    # lock prevents clients from calling methods that may mutate the state
    # of the table.
    manager = PerspectiveManager(lock=True)
    table = Table(data)
    manager.host_table("data_source", table)
    assert manager._locked and manager.get_table_names() == ["data_source"]


def test_older_guide_async_mode():
    import tornado.ioloop
    manager = perspective.PerspectiveManager()
    table = perspective.Table({"a": [1]})
    manager.host_table("t", table)
    started = threading.Event()

    def perspective_thread():
        loop = tornado.ioloop.IOLoop()
        manager.set_loop_callback(loop.add_callback)
        holder.append(loop)
        started.set()
        loop.start()

    holder = []
    thread = threading.Thread(target=perspective_thread)
    thread.daemon = True
    thread.start()
    started.wait(10)
    done = threading.Event()
    table.update({"a": [2]})
    manager.call_loop(done.set)
    assert done.wait(10)
    assert table.size() == 2  # the update ran on the loop before done.set
    holder[0].add_callback(holder[0].stop)
    thread.join(10)


def test_older_guide_tornado_handler_with_a_manager(data):
    import tornado.web
    from parallax import Table, PerspectiveManager, PerspectiveTornadoHandler

    MANAGER = PerspectiveManager()
    TABLE = Table(data)
    MANAGER.host_table("data_source", TABLE)
    app = tornado.web.Application([
        (r"/websocket", PerspectiveTornadoHandler, {"manager": MANAGER, "check_origin": True})
    ])
    assert app.wildcard_router.rules
    from parallax.handlers._loop import take_options
    handler = type("Handler", (), {})()
    take_options(handler, manager=MANAGER, check_origin=True)
    assert handler._server is MANAGER._server and handler._lock is False


def test_older_guide_widget_examples(data):
    pytest.importorskip("ipywidgets")
    from parallax import PerspectiveWidget, Aggregate, Sort, Plugin, Table
    w = perspective.PerspectiveWidget(
        data,
        plugin=Plugin.XBAR,
        aggregates={"datetime": Aggregate.ANY},
        sort=[["date", Sort.DESC]]
    )
    assert w.plugin == "X Bar" and w.sort == [["date", "desc"]]
    PerspectiveWidget(data, group_by=["date"])
    PerspectiveWidget({"a": int, "b": str})
    table = Table(data)
    PerspectiveWidget(table)
    PerspectiveWidget(None)
    view = table.view(aggregates={"datetime": Aggregate.ANY}, sort=[["date", Sort.DESC]],
                      group_by=["bool"])
    assert view.num_rows() == 2
