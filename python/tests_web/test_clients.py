"""Python clients of remote servers (parallax.websocket, parallax.client.tornado/aiohttp,
AsyncClient, ProxySession) against `parallax serve` and against the Tornado, AIOHTTP and
Starlette handlers: open a hosted table, make views, read, update, on_update (row mode too),
on_delete across clients, from sync and async code."""
import asyncio
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import parallax
from conftest import HANDLERS, REPO

BUILD = os.environ.get("PARALLAX_BUILD_DIR", os.path.join(REPO, "build"))
BINARY = os.environ.get("PARALLAX_BIN") or os.path.join(BUILD, "parallax")
ROWS = "id,name,price\n1,a,1.5\n2,b,2.5\n3,c,3.5\n"


def until(condition, seconds=10):
    deadline = time.time() + seconds
    while not condition():
        if time.time() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def serve(tmp_path):
    """`parallax serve prices.csv --index id` on a free port: its websocket URL."""
    if not os.path.exists(BINARY):
        pytest.skip("no parallax binary at %s" % BINARY)
    (tmp_path / "prices.csv").write_text(ROWS)
    proc = subprocess.Popen([BINARY, "serve", str(tmp_path / "prices.csv"), "--index", "id",
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline()
    url = "ws://" + line.split("http://")[1].split("/")[0].strip() + "/websocket"
    yield url
    proc.terminate()
    proc.wait(30)


def hosted_app(framework, start_app):
    server = parallax.Server()
    table = server.new_local_client().table(ROWS, name="prices", index="id")
    return server, table, start_app(framework, server)


def check_sync_client(client, python_table=None):
    """What every synchronous remote client must do against a server hosting `prices`."""
    assert "prices" in client.get_hosted_table_names()
    table = client.open_table("prices")
    assert table.get_index() == "id" and table.get_name() == "prices"
    assert table.schema() == {"id": "integer", "name": "string", "price": "float"}
    assert table.columns() == ["id", "name", "price"]
    view = table.view(sort=[["price", "desc"]], columns=["id", "price"])
    assert view.to_columns() == {"id": [3, 2, 1], "price": [3.5, 2.5, 1.5]}
    assert view.to_json(start_row=0, end_row=1) == [{"id": 3, "price": 3.5}]
    assert view.to_csv().splitlines()[0] == '"id","price"'
    assert view.num_rows() == 3 and view.dimensions()["num_table_columns"] == 3
    assert view.get_min_max("price") == (1.5, 3.5)
    heard, rows = [], []
    view.on_update(lambda port: heard.append(port))
    view.on_update(lambda port, delta: rows.append(delta), mode="row")
    table.update([{"id": 4, "name": "d", "price": 9.0}])
    assert table.size() == 4
    assert until(lambda: heard and rows)
    row_table = parallax.Server().new_local_client().table(rows[0])
    assert row_table.view().to_columns() == {"id": [4], "price": [9.0]}
    if python_table is not None:  # the hosting Python program's change reaches the client
        python_table.update([{"id": 5, "name": "e", "price": 0.5}])
        assert until(lambda: len(heard) == 2)
        assert view.to_columns()["id"] == [4, 3, 2, 1, 5]
    grouped = table.view(group_by=["name"], columns=["price"], aggregates={"price": "sum"})
    assert grouped.to_columns()["__ROW_PATH__"][0] == []
    grouped.set_depth(0)
    assert grouped.num_rows() >= 4
    grouped.delete()
    assert client.system_info()["used_size"] > 0
    made = client.table({"x": [1.0, 2.0], "when": ["2024-01-02", "2024-01-03"]}, name="made")
    assert made.schema() == {"x": "float", "when": "date"}
    deleted = []
    made.on_delete(lambda: deleted.append(1))
    made.delete()
    assert until(lambda: deleted == [1])
    view.delete()
    client.terminate()
    with pytest.raises(parallax.PerspectiveError, match="terminated"):
        table.size()


@pytest.mark.parametrize("framework", HANDLERS)
def test_the_sync_websocket_client_against_each_handler(framework, start_app):
    server, table, app = hosted_app(framework, start_app)
    check_sync_client(parallax.websocket(app.url), table)


@pytest.mark.parametrize("library", ["tornado", "aiohttp"])
def test_the_sync_websocket_client_against_parallax_serve(library, serve):
    check_sync_client(parallax.websocket(serve, framework=library))


async def check_async_client(client, python_table=None):
    table = await client.open_table("prices")
    assert table.get_index() == "id"  # answered at once, as the reference's
    view = await table.view(filter=[["price", ">", 2]])
    assert await view.to_columns() == {"id": [2, 3], "name": ["b", "c"], "price": [2.5, 3.5]}
    heard = asyncio.Queue()

    async def on_update(port, delta):  # a coroutine callback
        await heard.put(delta)

    await view.on_update(on_update, mode="row")
    await table.update([{"id": 1, "price": 7.0}])
    delta = await asyncio.wait_for(heard.get(), 10)
    assert isinstance(delta, bytes) and len(delta) > 0
    assert (await view.to_json())[0] == {"id": 1, "name": "a", "price": 7.0}  # by key
    hosted = asyncio.Event()
    await client.on_hosted_tables_update(hosted.set)
    other = await client.table("q\n1\n", name="other_table")
    await asyncio.wait_for(hosted.wait(), 10)
    await other.delete()
    await view.delete()
    await client.terminate()


@pytest.mark.parametrize("library", ["tornado", "aiohttp"])
@pytest.mark.parametrize("framework", HANDLERS)
def test_the_async_client_libraries_against_each_handler(library, framework, start_app):
    server, table, app = hosted_app(framework, start_app)

    async def main():
        if library == "tornado":
            from parallax.client.tornado import websocket
        else:
            from parallax.client.aiohttp import websocket
        await check_async_client(await websocket(app.url))

    asyncio.run(main())


@pytest.mark.parametrize("library", ["tornado", "aiohttp"])
def test_the_async_client_libraries_against_parallax_serve(library, serve):
    async def main():
        if library == "tornado":
            from parallax.client.tornado import websocket
        else:
            from parallax.client.aiohttp import websocket
        await check_async_client(await websocket(serve))

    asyncio.run(main())


def test_async_client_and_async_server_in_process():
    """The reference's AsyncServer/AsyncClient pairing: the session awaits the client's
    handle_response and the client awaits the session's handle_request."""
    server = parallax.AsyncServer()

    async def main():
        async def send_request(message):
            await session.handle_request(message)

        async def send_response(message):
            await client.handle_response(message)

        session = server.new_session(send_response)
        client = parallax.AsyncClient(send_request)
        assert await client.get_hosted_table_names() == []
        table = await client.table({"a": [0]}, name="my-cool-data", limit=100)
        assert table.get_name() == "my-cool-data" and table.get_limit() == 100
        view = await table.view()
        calls = []
        await view.on_update(lambda: calls.append(1))
        for i in range(1, 100):
            await table.update([{"a": i}])
        assert await table.size() == 100
        assert len(calls) == 99
        assert await view.to_records() == [{"a": i} for i in range(100)]
        deleted = []
        await table.on_delete(lambda: deleted.append("table"))
        await view.on_delete(lambda: deleted.append("view"))
        with pytest.raises(parallax.PerspectiveError, match="views"):
            await table.delete()
        await view.delete()
        await table.delete()
        assert deleted == ["view", "table"]

    asyncio.run(main())


@pytest.mark.parametrize("framework", HANDLERS)
def test_table_lifecycle_across_python_and_websocket_clients(framework, start_app):
    server, table, app = hosted_app(framework, start_app)
    remote = parallax.websocket(app.url)
    remote_table = remote.open_table("prices")
    # Deleted by the websocket client: Python's on_delete fires.
    python_deleted = []
    table.on_delete(lambda: python_deleted.append(1))
    remote_table.delete()
    assert python_deleted == [1]
    # Deleted from Python: the websocket client's on_delete fires.
    second = server.new_local_client().table(ROWS, name="second")
    remote_second = remote.open_table("second")
    remote_deleted = []
    remote_second.on_delete(lambda: remote_deleted.append(1))
    second.delete()
    assert until(lambda: remote_deleted == [1])
    # delete(lazy=True) from Python while a websocket client holds a view: the table goes
    # when that view does.
    third = server.new_local_client().table(ROWS, name="third")
    remote_view = remote.open_table("third").view()
    with pytest.raises(parallax.PerspectiveError):
        third.delete()
    third.delete(lazy=True)
    assert "third" in server.new_local_client().get_hosted_table_names()
    remote_view.delete()
    assert until(lambda: "third" not in server.new_local_client().get_hosted_table_names())
    remote.terminate()


def test_a_proxy_session_serves_another_client_through_a_remote_client(start_app):
    """ProxySession: a client (here a local protocol client standing in for a browser)
    reaches the server through another client's connection."""
    server, table, app = hosted_app("tornado", start_app)
    upstream = parallax.websocket(app.url)
    answers = []
    done = threading.Event()

    def to_inner(message):
        answers.append(message)
        inner.handle_response(message)

    proxy = parallax.ProxySession(upstream, to_inner)
    inner = parallax.Client(proxy.handle_request)
    view = inner.open_table("prices").view()
    heard = []
    view.on_update(lambda: (heard.append(1), done.set()))
    assert view.num_rows() == 3
    table.update([{"id": 9, "name": "z", "price": 1.0}])
    assert done.wait(10) and view.num_rows() == 4
    proxy.close()
    upstream.terminate()


def test_a_closed_server_fails_waiting_requests_clearly(start_app):
    server, table, app = hosted_app("aiohttp", start_app)
    client = parallax.websocket(app.url, timeout=5)
    assert client.open_table("prices").size() == 3
    app.stop()
    with pytest.raises(parallax.PerspectiveError):
        client.open_table("prices").size()


@pytest.mark.parametrize("framework", ["aiohttp"])
def test_a_lazy_delete_completes_when_the_websocket_client_holding_views_goes(framework, start_app):
    server, table, app = hosted_app(framework, start_app)
    remote = parallax.websocket(app.url)
    remote.open_table("prices").view()
    deleted = []
    table.on_delete(lambda: deleted.append(1))
    table.delete(lazy=True)
    assert table.size() == 3 and deleted == []
    remote._close_callback()  # the connection drops without deleting its view first
    assert until(lambda: deleted == [1])
    assert "prices" not in server.new_local_client().get_hosted_table_names()


def test_sync_callbacks_may_call_the_client(start_app):
    """Callbacks of the synchronous websocket client run on their own thread, so they may
    make requests (which the socket's thread answers)."""
    server, table, app = hosted_app("tornado", start_app)
    remote = parallax.websocket(app.url)
    view = remote.open_table("prices").view()
    sizes = []
    view.on_update(lambda: sizes.append(view.num_rows()))
    table.update([{"id": 7, "name": "g", "price": 1.0}])
    assert until(lambda: sizes == [4])
    remote.terminate()


class LateExecutor(ThreadPoolExecutor):
    """Applies each message of a client a while after it came: a busy server."""

    def submit(self, function, *args):
        return super().submit(lambda: (time.sleep(0.2), function(*args))[1])


def test_subscriptions_are_in_place_when_the_subscribing_call_returns(start_app):
    """on_update/on_delete/on_hosted_tables_update return once the server applied them, so a
    change the hosting program makes right after is heard, however late the server is."""
    server = parallax.Server()
    local = server.new_local_client()
    table = local.table(ROWS, name="prices", index="id")
    app = start_app("tornado", server, executor=LateExecutor(1))
    remote = parallax.websocket(app.url)
    remote_table = remote.open_table("prices")
    heard = []
    remote_table.view().on_update(lambda: heard.append("update"))
    remote_table.on_delete(lambda: heard.append("delete"))
    remote.on_hosted_tables_update(lambda: heard.append("hosted"))
    table.update([{"id": 8, "name": "h", "price": 1.0}])
    assert until(lambda: heard == ["update"])
    local.table("x\n1\n", name="other")
    assert until(lambda: heard == ["update", "hosted"])

    async def main():
        from parallax.client.tornado import websocket
        client = await websocket(app.url)
        view = await (await client.open_table("prices")).view()
        updated = asyncio.Event()
        await view.on_update(updated.set)
        table.update([{"id": 9, "name": "i", "price": 2.0}])
        await asyncio.wait_for(updated.wait(), 10)
        await client.terminate()

    asyncio.run(main())
    remote.terminate()


@pytest.mark.parametrize("framework", ["tornado"])
def test_a_refused_subscription_raises(framework, start_app):
    server, table, app = hosted_app(framework, start_app)
    remote = parallax.websocket(app.url)
    view = remote.open_table("prices").view()
    gone = remote.open_table("prices").view()
    gone.delete()
    for subscribe in (lambda: gone.on_update(lambda: None), lambda: gone.on_delete(lambda: None)):
        with pytest.raises(parallax.PerspectiveError, match="view"):
            subscribe()
    assert view.num_rows() == 3  # the client goes on

    async def main():
        from parallax.client.aiohttp import websocket
        client = await websocket(app.url)
        view = await (await client.open_table("prices")).view()
        await view.delete()
        with pytest.raises(parallax.PerspectiveError, match="view"):
            await view.on_update(lambda: None)
        await client.terminate()

    asyncio.run(main())
    remote.terminate()


@pytest.mark.parametrize("framework", HANDLERS)
def test_a_websocket_clients_update_waits_for_the_servers_poll(framework, start_app):
    """Server(on_poll_request=...) behind a handler: a websocket client's update calls it,
    and is applied (its answer sent, callbacks run) when the program's loop polls."""
    polls = []
    holder = {}

    def on_poll_request(server):
        polls.append(1)
        holder["app"].loop.call_soon_threadsafe(server.poll)

    server = parallax.Server(on_poll_request=on_poll_request)
    table = server.new_local_client().table(ROWS, name="prices", index="id")
    heard = []
    table.view().on_update(lambda: heard.append(1))
    holder["app"] = app = start_app(framework, server)
    remote = parallax.websocket(app.url)
    remote_table = remote.open_table("prices")
    remote_table.update([{"id": 4, "name": "d", "price": 4.5}])
    assert polls == [1] and heard == [1]
    assert remote_table.size() == 4 and table.size() == 4
    remote.terminate()


@pytest.mark.parametrize("call", [
    lambda: parallax.websocket(3),
    lambda: parallax.websocket("http://127.0.0.1:1/websocket"),
    lambda: parallax.websocket("ws://127.0.0.1:1/websocket", timeout="60"),
    lambda: parallax.Client(lambda message: None, timeout=0),
    lambda: parallax.Client(lambda message: None, callback_runner="thread"),
    lambda: asyncio.run(__import__("parallax.client.tornado").client.tornado.websocket(None)),
    lambda: asyncio.run(__import__("parallax.client.aiohttp").client.aiohttp.websocket("localhost")),
])
def test_bad_connection_arguments_say_what_is_wrong(call):
    """Not "could not connect: 'int' object has no attribute 'partition'"."""
    with pytest.raises(parallax.PerspectiveError, match="URL|timeout|callback_runner"):
        call()


def test_a_proxy_session_over_a_local_client():
    server = parallax.Server()
    server.new_local_client().table(ROWS, name="prices", index="id")
    proxy = parallax.ProxySession(server.new_local_client(),
                                  lambda message: inner.handle_response(message))
    inner = parallax.Client(proxy.handle_request)
    assert inner.open_table("prices").view().num_rows() == 3
    proxy.close()
    with pytest.raises(parallax.PerspectiveError):
        proxy.handle_request(b"")
