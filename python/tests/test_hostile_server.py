"""A server that sends garbage: answers of the wrong kind, not JSON or not the protocol at
all. A protocol client raises PerspectiveError and stays usable; it never returns empty values
for a wrong answer or lets a JSONDecodeError out. (The widget's comm channel under a front end
that sends garbage: test_widget.py.)"""
import pytest

import parallax
from parallax import PerspectiveError
from parallax import perspective_pb2 as pb

DATA = {"a": [1, 2, 3], "b": ["x", "y", "z"]}


class HostileServer:
    """A real session, except that answers to the request kinds in `self.answers` are
    replaced by what the function there makes of the real answer."""

    def __init__(self):
        server = parallax.Server()
        server.new_local_client().table(DATA, name="t")
        self.answers = {}
        self.kinds = {}  # msg_id -> request kind
        self.client = parallax.Client(self._send, timeout=10)
        self.session = server.new_session(self._answer)

    def _send(self, message):
        request = pb.Request()
        request.ParseFromString(message)
        self.kinds[request.msg_id] = request.WhichOneof("client_req")
        self.session.handle_request(message)

    def _answer(self, message):
        response = pb.Response()
        response.ParseFromString(message)
        make = self.answers.get(self.kinds.get(response.msg_id))
        if make is not None:
            message = make(response)
        self.client.handle_response(message)


def other_kind(response):
    wrong = pb.Response(msg_id=response.msg_id, entity_id=response.entity_id)
    wrong.table_size_resp.size = 7
    return wrong.SerializeToString()


def no_kind(response):
    return pb.Response(msg_id=response.msg_id, entity_id=response.entity_id).SerializeToString()


def json_text(text):
    def make(response):
        wrong = pb.Response(msg_id=response.msg_id, entity_id=response.entity_id)
        kind = response.WhichOneof("client_resp")
        getattr(wrong, kind).json_string = text
        return wrong.SerializeToString()
    return make


READS = {
    "view_to_columns_string_req": lambda view, table: view.to_columns(),
    "view_to_rows_string_req": lambda view, table: view.to_json(),
    "view_to_arrow_req": lambda view, table: view.to_arrow(),
    "view_to_csv_req": lambda view, table: view.to_csv(),
    "view_dimensions_req": lambda view, table: view.dimensions(),
    "view_schema_req": lambda view, table: view.schema(),
    "table_schema_req": lambda view, table: table.schema(),
    "view_get_min_max_req": lambda view, table: view.get_min_max("a"),
    "get_hosted_tables_req": lambda view, table: table.get_client().get_hosted_table_names(),
}


@pytest.mark.parametrize("wrong", [other_kind, no_kind], ids=["other kind", "no kind"])
@pytest.mark.parametrize("kind", sorted(READS))
def test_an_answer_of_the_wrong_kind_is_an_error_not_an_empty_value(kind, wrong):
    hostile = HostileServer()
    table = hostile.client.open_table("t")
    view = table.view()
    hostile.answers[kind] = wrong
    with pytest.raises(PerspectiveError, match="answered"):
        READS[kind](view, table)
    hostile.answers.clear()
    assert view.to_columns() == DATA  # the client goes on


@pytest.mark.parametrize("text", ["{not json", "", "[1, 2]", "{\"a\": 5}", "null", "{\"a\": [[]]}"])
@pytest.mark.parametrize("kind", ["view_to_columns_string_req", "view_to_rows_string_req"])
def test_json_answers_that_do_not_read_are_errors(kind, text):
    hostile = HostileServer()
    table = hostile.client.open_table("t")
    view = table.view()
    hostile.answers[kind] = json_text(text)
    try:
        READS[kind](view, table)
    except PerspectiveError:
        pass  # anything but a PerspectiveError escapes and fails the test
    hostile.answers.clear()
    assert view.to_columns() == DATA


def test_bytes_that_are_not_the_protocol_are_refused():
    hostile = HostileServer()
    for garbage in (b"\xff" * 9, b"\x0a\xff", "text", None):
        with pytest.raises(PerspectiveError):
            hostile.client.handle_response(garbage)
    # An answer to nothing asked is not expected, and changes nothing.
    assert hostile.client.handle_response(pb.Response(msg_id=12345).SerializeToString()) is False
    assert hostile.client.open_table("t").size() == 3
