"""The web handlers (parallax.handlers) with raw protocol messages: read-only (lock) refusals,
malformed frames, disconnects, notifications from other threads, slow clients; each on
Tornado and on AIOHTTP. The reference's own client drives them in test_reference_client.py."""
import asyncio
import json
import threading

import aiohttp
import pytest

import parallax
from conftest import HANDLERS


class RawClient:
    """Protocol Requests out, Responses in, over one websocket."""

    def __init__(self, pb, ws):
        self.pb = pb
        self.ws = ws
        self.next_id = 0
        self.heard = []  # responses not yet asked for

    async def send(self, entity_id="", **request):
        self.next_id += 1
        await self.ws.send_bytes(self.pb.Request(msg_id=self.next_id, entity_id=entity_id,
                                                 **request).SerializeToString())
        return self.next_id

    async def receive(self, msg_id=None):
        """The next response (with `msg_id`, when given)."""
        for response in self.heard:
            if msg_id is None or response.msg_id == msg_id:
                self.heard.remove(response)
                return response
        while True:
            message = await asyncio.wait_for(self.ws.receive(), 30)
            assert message.type == aiohttp.WSMsgType.BINARY, message
            response = self.pb.Response.FromString(message.data)
            if msg_id is None or response.msg_id == msg_id:
                return response
            self.heard.append(response)

    async def call(self, entity_id="", **request):
        return await self.receive(await self.send(entity_id, **request))

    async def make_view(self, table, view_id, columns):
        pb = self.pb
        config = pb.ViewConfig(columns=pb.ColumnsUpdate(
            columns=pb.ColumnsUpdate.Columns(columns=columns)))
        response = await self.call(table, table_make_view_req=pb.TableMakeViewReq(
            view_id=view_id, config=config))
        assert response.WhichOneof("client_resp") == "table_make_view_resp", response
        return view_id

    async def columns(self, view_id):
        response = await self.call(view_id, view_to_columns_string_req=self.pb.ViewToColumnsStringReq(
            viewport=self.pb.ViewPort()))
        assert response.WhichOneof("client_resp") == "view_to_columns_string_resp", response
        return json.loads(response.view_to_columns_string_resp.json_string)


def run_client(app, pb, body):
    async def main():
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(app.url, max_msg_size=0) as ws:
                return await body(RawClient(pb, ws))
    return asyncio.run(main())


def hosted(name, **options):
    server = parallax.Server()
    table = server.new_local_client().table({"id": [1, 2, 3], "x": ["a", "b", "c"]}, name=name,
                                            **options)
    return server, table


@pytest.mark.parametrize("framework", HANDLERS)
def test_lock_refuses_changes_and_serves_reads(framework, pb, start_app):
    server, table = hosted("locked", index="id")
    app = start_app(framework, server, lock=True)

    async def body(client):
        view = await client.make_view("locked", "v", ["id", "x"])
        assert await client.columns(view) == {"id": [1, 2, 3], "x": ["a", "b", "c"]}
        data = pb.MakeTableData(from_rows='[{"id": 1, "x": "changed"}]')
        refusals = {
            "update": dict(table_update_req=pb.TableUpdateReq(data=data)),
            "replace": dict(table_replace_req=pb.TableReplaceReq(data=data)),
            "remove": dict(table_remove_req=pb.TableRemoveReq(data=pb.MakeTableData(from_rows="[1]"))),
            "delete": dict(table_delete_req=pb.TableDeleteReq()),
        }
        messages = {}
        for kind, request in refusals.items():
            response = await client.call("locked", **request)
            assert response.WhichOneof("client_resp") == "server_error", (kind, response)
            messages[kind] = response.server_error.message
        made = await client.call("new_table", make_table_req=pb.MakeTableReq(data=data))
        assert made.WhichOneof("client_resp") == "server_error"
        messages["make_table"] = made.server_error.message
        # Reads still work after the refusals, on the same connection.
        assert await client.columns(view) == {"id": [1, 2, 3], "x": ["a", "b", "c"]}
        return messages

    messages = run_client(app, pb, body)
    for kind in ("update", "replace", "remove", "delete"):
        assert "read-only" in messages[kind], messages
    assert "cannot create tables" in messages["make_table"]
    # Nothing changed, and no table was made.
    assert table.view().to_columns() == {"id": [1, 2, 3], "x": ["a", "b", "c"]}
    assert server.new_local_client().get_hosted_table_names() == ["locked"]


@pytest.mark.parametrize("framework", HANDLERS)
def test_malformed_frames_get_a_transport_error_and_the_client_stays(framework, pb, start_app):
    server, _ = hosted("frames")
    app = start_app(framework, server)

    async def body(client):
        answers = []
        await client.ws.send_bytes(b"\xff\xff\xff not protobuf")
        answers.append(await client.receive())
        await client.ws.send_str("a text frame")
        answers.append(await client.receive())
        await client.ws.send_bytes(b"")  # an empty Request names no operation
        answers.append(await client.receive())
        hosted_tables = await client.call(get_hosted_tables_req=pb.GetHostedTablesReq())
        return answers, hosted_tables

    answers, hosted_tables = run_client(app, pb, body)
    for answer in answers[:2]:
        assert answer.WhichOneof("client_resp") == "server_error"
        assert answer.server_error.status_code == pb.TRANSPORT_ERROR
        assert "malformed" in answer.server_error.message
    assert answers[2].WhichOneof("client_resp") == "server_error"
    assert "no operation" in answers[2].server_error.message
    assert [t.entity_id for t in hosted_tables.get_hosted_tables_resp.table_infos] == ["frames"]


@pytest.mark.parametrize("framework", HANDLERS)
def test_a_disconnect_drops_the_clients_views(framework, pb, start_app):
    server, table = hosted("dropped")
    app = start_app(framework, server)
    connected = threading.Event()
    leave = threading.Event()

    async def body(client):
        view = await client.make_view("dropped", "v", ["id"])
        await client.send(view, view_on_update_req=pb.ViewOnUpdateReq())
        await client.columns(view)  # the subscription is in place once this is answered
        connected.set()
        await asyncio.get_running_loop().run_in_executor(None, leave.wait, 30)

    thread = threading.Thread(target=run_client, args=(app, pb, body))
    thread.start()
    assert connected.wait(30)
    with pytest.raises(parallax.PerspectiveError, match="still has views"):
        table.delete()
    leave.set()
    thread.join(30)
    # The handler notices the close on its own loop: wait for the view to go.
    for _ in range(300):
        try:
            table.delete()
            break
        except parallax.PerspectiveError:
            threading.Event().wait(0.1)
    assert server.new_local_client().get_hosted_table_names() == []


@pytest.mark.parametrize("framework,executor", [(f, False) for f in HANDLERS] + [("tornado", True)])
def test_notifications_cross_threads_both_ways(framework, executor, pb, start_app):
    """A Python thread's update reaches the websocket client (the engine calls back on that
    thread, not the loop's); a websocket client's update reaches Python on_update callbacks."""
    from concurrent.futures import ThreadPoolExecutor

    server, table = hosted("crossing", index="id")
    options = {"executor": ThreadPoolExecutor(2)} if executor else {}
    app = start_app(framework, server, **options)
    python_heard = []
    python_view = table.view()
    python_view.on_update(lambda port_id: python_heard.append(port_id))

    async def body(client):
        view = await client.make_view("crossing", "v", ["id", "x"])
        subscription = await client.send(view, view_on_update_req=pb.ViewOnUpdateReq())
        await client.columns(view)
        updater = threading.Thread(target=table.update, args=([{"id": 2, "x": "from python"}],))
        updater.start()
        updater.join()
        note = await client.receive(subscription)
        assert note.WhichOneof("client_resp") == "view_on_update_resp"
        seen = await client.columns(view)
        port = (await client.call("crossing", table_make_port_req=pb.TableMakePortReq())).table_make_port_resp.port_id
        update = pb.TableUpdateReq(data=pb.MakeTableData(from_rows='[{"id": 3, "x": "from ws"}]'),
                                   port_id=port)
        answer = await client.call("crossing", table_update_req=update)
        assert answer.WhichOneof("client_resp") == "table_update_resp", answer
        note = await client.receive(subscription)
        assert note.view_on_update_resp.port_id == port
        return seen

    seen = run_client(app, pb, body)
    assert seen == {"id": [1, 2, 3], "x": ["a", "from python", "c"]}
    assert python_heard == [0, 0]  # the Python update, then the websocket client's
    assert python_view.to_columns() == {"id": [1, 2, 3], "x": ["a", "from python", "from ws"]}


@pytest.mark.parametrize("framework", HANDLERS)
def test_a_client_that_falls_behind_is_cut_off(framework, pb, start_app):
    server = parallax.Server()
    server.new_local_client().table({"id": list(range(100)), "x": ["row"] * 100}, name="slow")
    app = start_app(framework, server, max_queued_bytes=64)  # one view's rows do not fit

    async def body(client):
        view = await client.make_view("slow", "v", ["id", "x"])  # a short answer fits
        await client.send(view, view_to_columns_string_req=pb.ViewToColumnsStringReq(
            viewport=pb.ViewPort()))
        while True:
            message = await asyncio.wait_for(client.ws.receive(), 30)
            if message.type != aiohttp.WSMsgType.BINARY:
                return message.type, client.ws.close_code

    kind, code = run_client(app, pb, body)
    assert kind in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
    assert code == 1008


def test_clients_that_stop_polling_the_furthest_behind_are_cut_off_first(pb):
    """All of a Server's remote clients share max_total_queued_bytes: ROW-mode subscribers that
    never poll, subscribing one after another while the table changes, are cut off in that
    order (the most bytes waiting first), and the last one keeps its queue."""
    server = parallax.Server(max_total_queued_bytes=400_000)
    table = server.new_local_client().table({"id": list(range(1000)), "x": [0.0] * 1000},
                                            index="id", name="stream")
    config = pb.ViewConfig(columns=pb.ColumnsUpdate(columns=pb.ColumnsUpdate.Columns(columns=["x"])))
    sessions = []
    for n in range(40):
        if n % 10 == 0:
            session = server.new_session(lambda message: None)
            for request in (pb.Request(msg_id=1, entity_id="stream", table_make_view_req=pb.TableMakeViewReq(
                                view_id="v", config=config)),
                            pb.Request(msg_id=2, entity_id="v", view_on_update_req=pb.ViewOnUpdateReq(
                                mode=pb.ViewOnUpdateReq.ROW))):
                session.handle(request.SerializeToString())  # never polled
            sessions.append(session)
        table.update({"id": list(range(1000)), "x": [float(n)] * 1000})  # ~9 KB a delta
    alive = [session.poll() for session in sessions]
    assert alive[0] is False and alive[-1] is True, alive
    assert alive == sorted(alive), alive  # cut off in the order they fell behind
    for session in sessions:
        session.close()
    table.delete()


def test_server_new_session_is_a_transport_of_its_own(pb):
    """The reference's low-level API: Server.new_session(response_cb); notifications caused
    elsewhere wait for poll(), and fileno() becomes readable when they do."""
    import select

    server, table = hosted("sessions")
    answers = []
    session = server.new_session(answers.append)

    def call(entity_id="", **request):
        session.handle_request(pb.Request(msg_id=len(answers) + 1, entity_id=entity_id,
                                          **request).SerializeToString())
        return pb.Response.FromString(answers[-1])

    tables = call(get_hosted_tables_req=pb.GetHostedTablesReq())
    assert [t.entity_id for t in tables.get_hosted_tables_resp.table_infos] == ["sessions"]
    config = pb.ViewConfig(columns=pb.ColumnsUpdate(columns=pb.ColumnsUpdate.Columns(columns=["x"])))
    call("sessions", table_make_view_req=pb.TableMakeViewReq(view_id="v", config=config))
    session.handle_request(pb.Request(msg_id=99, entity_id="v",
                                      view_on_update_req=pb.ViewOnUpdateReq()).SerializeToString())
    heard = len(answers)
    assert select.select([session.fileno()], [], [], 0)[0] == []
    table.update([{"id": 9, "x": "z"}])
    table.update([{"id": 10, "x": "w"}])
    assert len(answers) == heard  # nothing is sent until polled
    assert select.select([session.fileno()], [], [], 5)[0] == [session.fileno()]
    assert session.poll() is True
    # Two changes while the client was not polled: conflated into one notification.
    assert [pb.Response.FromString(a).msg_id for a in answers[heard:]] == [99]
    session.close()
    assert session.poll() is False
    table.delete()  # the session's view went with it


@pytest.mark.parametrize("framework", HANDLERS)
def test_tables_made_from_python_reach_hosted_table_subscribers(framework, pb, start_app):
    """The viewer's table picker follows on_hosted_tables_update: tables a Python program
    makes or deletes while a page is open are announced as a client's would be."""
    server, _ = hosted("first")
    app = start_app(framework, server)

    async def body(client):
        subscription = await client.send(get_hosted_tables_req=pb.GetHostedTablesReq(subscribe=True))
        await client.call(get_hosted_tables_req=pb.GetHostedTablesReq())  # subscribed by now
        client_of_server = server.new_local_client()
        made = threading.Thread(target=client_of_server.table, args=({"y": [1]},),
                                kwargs={"name": "second"})
        made.start()
        made.join()
        await client.receive(subscription)
        client_of_server.open_table("second").delete()
        await client.receive(subscription)
        tables = await client.call(get_hosted_tables_req=pb.GetHostedTablesReq())
        return [t.entity_id for t in tables.get_hosted_tables_resp.table_infos]

    assert run_client(app, pb, body) == ["first"]


def test_a_locked_handlers_clients_hear_of_tables_other_clients_make(pb, start_app):
    server, _ = hosted("shared")
    locked = start_app("tornado", server, lock=True)
    writable = start_app("aiohttp", server)

    async def main():
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(locked.url) as ws1, http.ws_connect(writable.url) as ws2:
                reader, writer = RawClient(pb, ws1), RawClient(pb, ws2)
                subscription = await reader.send(
                    get_hosted_tables_req=pb.GetHostedTablesReq(subscribe=True))
                await reader.call(get_hosted_tables_req=pb.GetHostedTablesReq())
                made = await writer.call("by_client", make_table_req=pb.MakeTableReq(
                    data=pb.MakeTableData(from_rows='[{"z": 1}]')))
                assert made.WhichOneof("client_resp") == "make_table_resp", made
                await reader.receive(subscription)
                tables = await reader.call(get_hosted_tables_req=pb.GetHostedTablesReq())
                return sorted(t.entity_id for t in tables.get_hosted_tables_resp.table_infos)

    assert asyncio.run(main()) == ["by_client", "shared"]


@pytest.mark.parametrize("framework", HANDLERS)
def test_an_oversized_message_ends_the_connection_and_nothing_else(framework, pb, start_app):
    server, table = hosted("big")
    app = start_app(framework, server, max_message_size=1000)

    async def body(client):
        rows = json.dumps([{"id": 1, "x": "y" * 5000}])
        await client.send("big", table_update_req=pb.TableUpdateReq(
            data=pb.MakeTableData(from_rows=rows)))
        message = await asyncio.wait_for(client.ws.receive(), 30)
        return message.type, client.ws.close_code

    kind, code = run_client(app, pb, body)
    assert kind in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
    assert code == 1009  # message too big
    assert table.view().to_columns() == {"id": [1, 2, 3], "x": ["a", "b", "c"]}
    # The server goes on serving other clients.
    assert run_client(app, pb, lambda client: client.call(
        get_hosted_tables_req=pb.GetHostedTablesReq())).get_hosted_tables_resp.table_infos[0].entity_id == "big"


def upgrade_status(app, origin=None, host=None):
    """The HTTP status a websocket upgrade from a page on `origin` gets (101: opened)."""
    async def main():
        headers = {"Host": host} if host else {}
        async with aiohttp.ClientSession() as http:
            try:
                async with http.ws_connect(app.url, origin=origin, headers=headers):
                    return 101
            except aiohttp.WSServerHandshakeError as error:
                return error.status
    return asyncio.run(main())


@pytest.mark.parametrize("framework", HANDLERS)
def test_pages_on_other_origins_are_refused(framework, start_app):
    server, _ = hosted("origins")
    app = start_app(framework, server)
    own = "http://127.0.0.1:%d" % app.port
    assert upgrade_status(app) == 101, "no Origin: not a web page"
    assert upgrade_status(app, own) == 101
    assert upgrade_status(app, "http://localhost:%d" % app.port, "localhost:%d" % app.port) == 101
    for origin in ["http://evil.example", "http://127.0.0.1:1", "https://127.0.0.1:%d" % app.port,
                   "null", "http://127.0.0.1:%d.evil.example" % app.port]:
        assert upgrade_status(app, origin) == 403, origin
    listed = start_app(framework, server, allowed_origins=["https://app.example.com"])
    assert upgrade_status(listed, "https://app.example.com") == 101
    assert upgrade_status(listed, "https://app.example.com:443/") == 101
    assert upgrade_status(listed, "http://app.example.com") == 403
    assert upgrade_status(listed, "http://127.0.0.1:%d" % listed.port) == 101
    anyone = start_app(framework, server, check_origin=True)
    assert upgrade_status(anyone, "http://evil.example") == 101
    star = start_app(framework, server, allowed_origins=["*"])
    assert upgrade_status(star, "http://evil.example") == 101
