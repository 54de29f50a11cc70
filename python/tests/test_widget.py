"""PerspectiveWidget's kernel side without a browser: tables it shows, its traits, save() and
restore(), and the protocol it serves its viewers over the comm channel (here driven by a
parallax protocol client standing in for the viewer's)."""
import pytest

import parallax
from parallax import PerspectiveError

ipywidgets = pytest.importorskip("ipywidgets")
from parallax.widget import PerspectiveWidget  # noqa: E402
from parallax.widget.widget import MAX_VIEWS  # noqa: E402
from parallax import perspective_pb2 as pb  # noqa: E402

ROWS = {"id": [1, 2, 3], "name": ["alpha", "beta", "gamma"]}


def test_the_widget_shows_a_table_data_a_schema_or_nothing_yet():
    server = parallax.Server()
    table = server.new_local_client().table(ROWS, index="id")
    assert PerspectiveWidget(table).table_name == table.get_name()
    made = PerspectiveWidget(ROWS, index="id", server=server)
    assert made.table.get_index() == "id" and made.table.size() == 3
    assert made.table_name in server.new_local_client().get_hosted_table_names()
    schema = PerspectiveWidget({"a": int, "b": str}, server=server)
    assert schema.table.schema() == {"a": "integer", "b": "string"}
    later = PerspectiveWidget(None)
    assert later.table is None and later.table_name is None
    later.load(table)
    assert later.table_name == table.get_name()
    with pytest.raises(PerspectiveError):
        PerspectiveWidget({})
    with pytest.raises(PerspectiveError):
        PerspectiveWidget(ROWS, colour="red")


def test_traits_save_and_restore():
    widget = PerspectiveWidget(ROWS, plugin="Y Bar", group_by=["name"], sort=[["id", "desc"]],
                               expressions=["\"id\" * 2"], theme="Pro Dark")
    saved = widget.save()
    assert saved["plugin"] == "Y Bar" and saved["group_by"] == ["name"]
    assert saved["expressions"] == {"\"id\" * 2": "\"id\" * 2"}
    assert saved["sort"] == [["id", "desc"]] and saved["theme"] == "Pro Dark"
    other = PerspectiveWidget(ROWS)
    other.restore(**saved)
    assert other.save() == saved
    with pytest.raises(PerspectiveError):
        other.restore(pivot=["x"])


def test_viewers_speak_the_protocol_over_the_comm_channel():
    table = parallax.Server().new_local_client().table(ROWS, index="id", name="shown")
    widget = PerspectiveWidget(table)
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    viewer = {}

    def request(message):
        widget._on_message(widget, {"type": "request", "view": "view-1"}, [message])
        while sent:
            content, buffers = sent.pop(0)
            assert content == {"type": "response", "view": "view-1"}
            viewer["client"].handle_response(buffers[0])

    viewer["client"] = parallax.Client(request)
    view = viewer["client"].open_table("shown").view(sort=[["id", "desc"]])
    assert view.to_columns() == {"id": [3, 2, 1], "name": ["gamma", "beta", "alpha"]}
    heard = []
    view.on_update(lambda: heard.append(1))
    table.update([{"id": 4, "name": "delta"}])  # a later cell
    widget._sessions["view-1"]._drain()  # what the kernel's loop does when the eventfd wakes it
    while sent:
        viewer["client"].handle_response(sent.pop(0)[1][0])
    assert heard == [1]
    assert view.num_rows() == 4
    # A second view of the same widget is a session of its own; closing one keeps the other.
    widget._on_message(widget, {"type": "close", "view": "view-1"}, [])
    assert "view-1" not in widget._sessions


def test_the_reference_names_reach_the_widget():
    import parallax as perspective
    assert perspective.widget.PerspectiveWidget is PerspectiveWidget
    assert perspective.PerspectiveWidget is PerspectiveWidget


def test_the_widget_takes_any_comm_message_without_raising():
    widget = PerspectiveWidget(parallax.Server().new_local_client().table(ROWS))
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    contents = [None, 5, "x", [], {}, {"type": "request"}, {"type": "request", "view": "v"},
                {"type": "request", "view": {"x": [1]}}, {"type": "close"},
                {"type": "close", "view": [1]}, {"type": 7, "view": "v"}]
    buffers = [None, [], [b""], [b"\xff" * 100], ["text"], [memoryview(b"\x00\x01")], [5],
               [None], [b"\x08\x01", b"more"]]
    for content in contents:
        for buffer in buffers:
            widget._on_message(widget, content, buffer)
    # Bytes that are not a request are answered with an error; the rest is ignored.
    for content, answer in sent:
        assert content["type"] == "response" and isinstance(answer[0], bytes)
    widget.close()
    assert widget._sessions == {}


def test_a_widget_keeps_a_bounded_number_of_view_sessions():
    """A reloaded page never says 'close': its views' sessions are dropped, the least
    recently used first, once the widget has MAX_VIEWS."""
    widget = PerspectiveWidget(parallax.Server().new_local_client().table(ROWS))
    widget.send = lambda content, buffers=None: None
    request = pb.Request(msg_id=1, entity_id="")
    request.get_hosted_tables_req.SetInParent()
    message = request.SerializeToString()
    for view in range(MAX_VIEWS * 3):
        widget._on_message(widget, {"type": "request", "view": "view-%d" % view}, [message])
        widget._on_message(widget, {"type": "request", "view": "view-0"}, [message])
    assert len(widget._sessions) == MAX_VIEWS
    assert "view-0" in widget._sessions  # in use: kept
    assert "view-1" not in widget._sessions
    widget.close()


def test_a_view_whose_session_ended_gets_a_new_one():
    """A session cut off by the server (its view fell too far behind) or closed: the view's
    next request starts a new session instead of raising in the kernel forever after."""
    widget = PerspectiveWidget(parallax.Server().new_local_client().table(ROWS))
    sent = []
    widget.send = lambda content, buffers=None: sent.append(buffers[0])
    request = pb.Request(msg_id=1, entity_id="")
    request.get_hosted_tables_req.SetInParent()
    message = request.SerializeToString()
    widget._on_message(widget, {"type": "request", "view": "v"}, [message])
    ended = widget._sessions["v"]
    ended._session.close()  # as the server does to a client that stopped reading
    ended._drain()  # the kernel's loop sees it closed
    assert "v" not in widget._sessions
    sent.clear()
    widget._on_message(widget, {"type": "request", "view": "v"}, [message])
    answer = pb.Response()
    answer.ParseFromString(sent[-1])
    assert answer.WhichOneof("client_resp") == "get_hosted_tables_resp"
    widget.close()

