"""The rest of the reference's (perspective-python 3.8) documented surface: the module's
names, Client.from_server, Server(on_poll_request) with poll(), terminate, hosted-table
callbacks, set_depth, the `formatted` window option, argument errors, custom objects and
tables deleted lazily or by another client."""
import datetime
import sys
import types

import pytest

import parallax
from parallax import PerspectiveError

DATA = {"a": [1, 2, 3], "b": ["x", "y", "z"]}


def test_every_name_the_reference_exports_is_there():
    for name in ["Server", "Client", "Table", "View", "PerspectiveError", "ProxySession",
                 "AsyncClient", "AsyncServer", "num_cpus", "set_num_cpus", "system_info",
                 "table", "open_table", "get_hosted_table_names"]:
        assert hasattr(parallax, name), name
    assert set(parallax.__all__) >= {"ProxySession", "AsyncClient", "AsyncServer", "num_cpus"}


def test_module_level_open_table_and_names():
    table = parallax.table(DATA, name="surface_module_table")
    assert "surface_module_table" in parallax.get_hosted_table_names()
    assert parallax.open_table("surface_module_table").size() == 3
    with pytest.raises(PerspectiveError):
        parallax.open_table("no_such_table_here")
    table.delete()


def test_system_info_reports_this_process():
    info = parallax.system_info()
    assert set(info) >= {"heap_size", "used_size", "cpu_time", "cpu_time_epoch", "timestamp"}
    assert info["heap_size"] >= info["used_size"] > 1 << 20
    assert parallax.Server().new_local_client().system_info()["used_size"] > 0


def test_num_cpus_is_honest_and_set_num_cpus_checks_its_argument():
    assert parallax.num_cpus() == 1  # the engine has no thread pool
    parallax.set_num_cpus(4)
    assert parallax.num_cpus() == 1
    for bad in [0, -1, "4", 2.5, None, True]:
        with pytest.raises(PerspectiveError):
            parallax.set_num_cpus(bad)


def test_client_from_server_shares_the_server():
    server = parallax.Server()
    client = parallax.Client.from_server(server)
    client.table(DATA, name="table1", index="a")
    other = server.new_local_client()
    assert other.get_hosted_table_names() == ["table1"]
    assert other.open_table("table1").get_index() == "a"
    assert isinstance(client, parallax.Client)
    with pytest.raises(PerspectiveError):
        parallax.Client.from_server("not a server")


def test_on_poll_request_defers_changes_and_callbacks_until_poll():
    requests = []
    server = parallax.Server(on_poll_request=lambda s: requests.append(s))
    table = server.new_local_client().table(DATA)
    view = table.view()
    heard = []
    view.on_update(lambda port: heard.append(port))
    table.update({"a": [4], "b": ["w"]})
    table.update({"a": [5], "b": ["v"]})
    assert requests == [server]  # once per batch
    assert table.size() == 3 and heard == []
    server.poll()
    assert table.size() == 5 and heard == [0, 0]
    table.remove([1]) if table.get_index() else table.clear()
    assert table.size() == 5
    server.poll()
    assert table.size() == 0
    assert len(requests) == 2


def test_on_poll_request_defers_a_sessions_changes_too():
    """As the reference documents it, on_poll_request is called for any change to flush, a
    remote client's too: its update waits for poll(), and so does what it asks after it (so
    it reads its own change); other requests are answered at once."""
    pb = pytest.importorskip("parallax.perspective_pb2")
    requests = []
    server = parallax.Server(on_poll_request=lambda s: requests.append(s))
    table = server.new_local_client().table(DATA, name="t")
    heard = []
    table.view().on_update(lambda: heard.append(1))
    answers = []
    session = server.new_session(lambda message: answers.append(pb.Response.FromString(message)))
    other = server.new_session(lambda message: None)

    def request(msg_id, **body):
        session.handle_request(pb.Request(msg_id=msg_id, entity_id="t", **body).SerializeToString())

    request(1, table_size_req=pb.TableSizeReq())
    assert [(a.msg_id, a.table_size_resp.size) for a in answers] == [(1, 3)]
    request(2, table_update_req=pb.TableUpdateReq(data=pb.MakeTableData(
        from_rows='[{"a": 4, "b": "w"}]')))
    request(3, table_size_req=pb.TableSizeReq())
    assert requests == [server] and len(answers) == 1  # both wait
    assert table.size() == 3 and heard == []
    other.handle_request(pb.Request(msg_id=1, entity_id="t", table_size_req=pb.TableSizeReq())
                         .SerializeToString())  # another client is not held up
    server.poll()
    assert [a.msg_id for a in answers] == [1, 2, 3]
    assert answers[1].WhichOneof("client_resp") == "table_update_resp"
    assert answers[2].table_size_resp.size == 4
    assert table.size() == 4 and heard == [1]
    request(4, table_size_req=pb.TableSizeReq())  # nothing waits: answered at once
    assert answers[-1].msg_id == 4 and len(requests) == 1


def test_poll_raises_a_failed_change_after_applying_the_others():
    server = parallax.Server(on_poll_request=lambda: None)
    table = server.new_local_client().table({"a": "integer"})
    table.update("a\nnot a number\n")
    table.update({"a": [7]})
    with pytest.raises(PerspectiveError):
        server.poll()
    assert table.view().to_columns() == {"a": [7]}


def test_terminate_stops_callbacks_and_handles_fail_clearly():
    server = parallax.Server()
    client = server.new_local_client()
    table = client.table(DATA, name="t")
    view = table.view()
    heard = []
    view.on_update(lambda: heard.append(1))
    client.terminate()
    other = server.new_local_client().open_table("t")
    other.update({"a": [9], "b": ["q"]})
    assert heard == []
    for call in [table.size, view.to_columns, lambda: table.view(), client.get_hosted_table_names]:
        with pytest.raises(PerspectiveError, match="terminated"):
            call()
    assert other.size() == 4  # the table stays hosted
    other.delete()  # the terminated client's view went with it


def test_hosted_tables_update_fires_on_create_and_delete():
    server = parallax.Server()
    client = server.new_local_client()
    heard = []
    callback_id = client.on_hosted_tables_update(lambda: heard.append(1))
    table = client.table(DATA)
    server.new_local_client().table(DATA, name="other")
    table.delete()
    assert len(heard) == 3
    client.remove_hosted_tables_update(callback_id)
    client.table(DATA)
    assert len(heard) == 3
    with pytest.raises(PerspectiveError):
        client.remove_hosted_tables_update(callback_id)


def test_set_depth_expands_a_grouped_view():
    table = parallax.Server().new_local_client().table(
        {"a": ["x", "x", "y"], "b": ["p", "q", "p"], "n": [1, 2, 3]})
    view = table.view(group_by=["a", "b"], columns=["n"])
    assert view.num_rows() == 6
    view.set_depth(0)
    assert view.to_columns()["__ROW_PATH__"] == [[], ["x"], ["y"]]
    view.set_depth(1)
    assert view.num_rows() == 6
    with pytest.raises(PerspectiveError):
        view.set_depth("deep")


def test_formatted_reads_give_datetimes_and_dates_as_the_reference_formats_them():
    moment = datetime.datetime(2024, 1, 2, 3, 4, 5, 7000, tzinfo=datetime.timezone.utc)
    table = parallax.Server().new_local_client().table(
        {"d": [moment, None], "day": [datetime.date(2024, 1, 2), None], "x": [1.5, 2.25]})
    view = table.view()
    # What the reference's to_columns({formatted: true}) answers for the same data.
    assert view.to_columns(formatted=True) == {
        "d": ["2024-01-02 03:04:05.007", None], "day": ["2024-01-02", None], "x": [1.5, 2.25]}
    assert view.to_json(formatted=True)[0] == {"d": "2024-01-02 03:04:05.007",
                                               "day": "2024-01-02", "x": 1.5}
    assert '"2024-01-02 03:04:05.007"' in view.to_columns_string(formatted=True)
    assert '"2024-01-02"' in view.to_json_string(formatted=True)
    assert isinstance(view.to_columns()["d"][0], datetime.datetime)  # unformatted: objects
    grouped = table.view(group_by=["d"], columns=["x"])
    assert grouped.to_columns(formatted=True)["__ROW_PATH__"] == [
        [], [None], ["2024-01-02 03:04:05.007"]]
    # A protocol client gets the same: the server formats (api/view_output), as the local
    # engine does.
    server = parallax.Server()
    server.new_local_client().table(
        {"d": [moment, None], "day": [datetime.date(2024, 1, 2), None], "x": [1.5, 2.25]},
        name="t")
    client = parallax.Client(lambda message: session.handle_request(message))
    session = server.new_session(lambda message: client.handle_response(message))
    remote = client.open_table("t")
    assert remote.view().to_columns(formatted=True) == view.to_columns(formatted=True)
    assert remote.view().to_json(formatted=True) == view.to_json(formatted=True)
    remote_grouped = remote.view(group_by=["d"], columns=["x"])
    assert remote_grouped.to_columns(formatted=True) == grouped.to_columns(formatted=True)
    assert isinstance(remote.view().to_columns()["d"][0], datetime.datetime)


@pytest.mark.parametrize("call", [
    lambda c: c.table(DATA, index=5),
    lambda c: c.table(DATA, limit="ten"),
    lambda c: c.table(DATA, limit=True),
    lambda c: c.table(DATA, name=["x"]),
    lambda c: c.table(DATA, format=3),
    lambda c: c.open_table(7),
    lambda c: c.table(DATA).update(DATA, port_id="p"),
    lambda c: c.table(DATA).view().get_min_max(3),
    lambda c: c.table(DATA).view().expand("1"),
    lambda c: c.table(DATA).view().to_columns(start_row="a"),
    lambda c: c.table(DATA).view().on_update("not callable"),
    lambda c: c.table(DATA).view().on_delete(None),
    lambda c: c.table(DATA).on_delete(42),
    lambda c: c.on_hosted_tables_update("x"),
    lambda c: c.table(DATA).view(columns="a"),
    lambda c: c.table(DATA).view(group_by=5),
    lambda c: c.table(DATA).remove("a"),
    lambda c: c.table(DATA).delete(lazy="yes"),
    lambda c: c.table(DATA).view().to_json(id="x"),
    lambda c: c.table(DATA).view().to_columns(index=1),
    lambda c: c.table(DATA).view().to_json(leaves_only="no"),
    lambda c: c.table(DATA).view().to_columns(formatted="yes"),
])
def test_bad_argument_types_are_perspective_errors(call):
    client = parallax.Server().new_local_client()
    with pytest.raises(PerspectiveError):
        call(client)


class Price:
    """A custom object as the reference documents them (_psp_repr_, _psp_dtype_)."""

    def __init__(self, value):
        self.value = value

    def _psp_repr_(self):
        return self.value

    def _psp_dtype_(self):
        return float


class Tag:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "Tag(%s)" % self.name

    __str__ = __repr__


def test_custom_objects_and_the_object_schema_type():
    client = parallax.Server().new_local_client()
    table = client.table({"price": [Price(2), Price(3)], "tag": [Tag("a"), Tag("b")]})
    assert table.schema() == {"price": "float", "tag": "string"}
    assert table.view().to_columns() == {"price": [2.0, 3.0], "tag": ["Tag(a)", "Tag(b)"]}
    schema_table = client.table({"o": object, "n": "object", "i": int})
    assert schema_table.schema() == {"o": "string", "n": "string", "i": "integer"}
    schema_table.update([{"o": Tag("z"), "n": Tag("y"), "i": 1}])
    assert schema_table.view().to_json() == [{"o": "Tag(z)", "n": "Tag(y)", "i": 1}]


def test_lazy_delete_waits_for_the_last_view_and_fires_on_delete():
    server = parallax.Server()
    table = server.new_local_client().table(DATA)
    view = table.view()
    deleted = []
    table.on_delete(lambda: deleted.append(1))
    with pytest.raises(PerspectiveError):
        table.delete()
    table.delete(lazy=True)
    assert table.size() == 3 and deleted == []
    view.delete()
    assert deleted == [1]
    with pytest.raises(PerspectiveError):
        table.size()


class FakePolarsFrame:
    """A stand-in with polars' DataFrame.write_ipc (Debian packages no polars): it checks
    that a polars frame is read as the Arrow it writes. Its Arrow comes from the engine."""

    __module__ = "polars.dataframe.frame"

    def __init__(self, arrow):
        self.arrow = arrow

    def write_ipc(self, file, compression="uncompressed"):
        import io
        assert file is None
        return io.BytesIO(self.arrow)


def test_a_polars_frame_is_read_through_its_arrow():
    client = parallax.Server().new_local_client()
    arrow = client.table(DATA).view().to_arrow()
    table = client.table(FakePolarsFrame(arrow))
    assert table.view().to_columns() == DATA
    table.update(FakePolarsFrame(arrow))
    assert table.size() == 6


def test_to_polars_needs_polars():
    view = parallax.Server().new_local_client().table(DATA).view()
    if "polars" in sys.modules or _importable("polars"):
        assert view.to_polars().shape == (3, 2)
    else:
        with pytest.raises(PerspectiveError, match="polars"):
            view.to_polars()


def _importable(name):
    import importlib.util
    return importlib.util.find_spec(name) is not None


def test_a_protocol_client_over_an_in_process_session():
    """Client(send_callback) + handle_response: the custom-transport API, here over
    Server.new_session in the same process."""
    server = parallax.Server()
    server.new_local_client().table(DATA, name="t", index="a")
    client = parallax.Client(lambda message: session.handle_request(message))
    session = server.new_session(lambda message: client.handle_response(message))
    assert client.get_hosted_table_names() == ["t"]
    table = client.open_table("t")
    assert table.get_index() == "a" and table.schema() == {"a": "integer", "b": "string"}
    view = table.view(sort=[["a", "desc"]])
    heard = []
    view.on_update(lambda port, delta: heard.append((port, delta)), mode="row")
    port = table.make_port()
    table.update({"a": [4], "b": ["w"]}, port_id=port)
    assert view.to_columns() == {"a": [4, 3, 2, 1], "b": ["w", "z", "y", "x"]}
    assert heard and heard[0][0] == port and isinstance(heard[0][1], bytes)
    assert client.system_info()["used_size"] > 0
    with pytest.raises(PerspectiveError):
        table.delete()  # it has a view
    view.delete()
    table.delete()
    assert client.get_hosted_table_names() == []
    assert isinstance(client, parallax.Client)


@pytest.mark.parametrize("call", [
    lambda c: c.table(DATA, index=5),
    lambda c: c.table(DATA, limit="ten"),
    lambda c: c.open_table(7),
    lambda c: c.open_table("t").view(columns="a"),
    lambda c: c.open_table("t").view(sort=[["a"]]),
    lambda c: c.open_table("t").view(filter=["a"]),
    lambda c: c.open_table("t").view(aggregates={"a": 5}),
    lambda c: c.open_table("t").view(pivot=["a"]),
    lambda c: c.open_table("t").view().to_columns(start_row="x"),
    lambda c: c.open_table("t").view().on_update("not callable"),
    lambda c: c.open_table("t").view().expand("1"),
    lambda c: c.open_table("t").update(DATA, port_id="p"),
    lambda c: c.open_table("t").remove("a"),
    lambda c: c.on_hosted_tables_update(None),
    lambda c: c.open_table("t").delete(lazy="yes"),
    lambda c: c.open_table("t").view().to_json(id="x"),
    lambda c: c.open_table("t").view().to_columns(formatted=1),
])
def test_a_remote_clients_bad_arguments_are_perspective_errors(call):
    server = parallax.Server()
    server.new_local_client().table(DATA, name="t")
    client = parallax.Client(lambda message: session.handle_request(message))
    session = server.new_session(lambda message: client.handle_response(message))
    with pytest.raises(PerspectiveError):
        call(client)
    assert client.open_table("t").size() == 3
