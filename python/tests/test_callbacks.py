"""on_update / remove_update / on_delete, as the reference's Python guide shows them."""

import pytest

from parallax import PerspectiveError


def test_on_update_receives_the_port(client):
    table = client.table({"a": [1]})
    view = table.view()
    heard = []

    def callback(port_id):
        heard.append((port_id, view.num_rows()))

    view.on_update(callback)
    table.update({"a": [2]})
    port = table.make_port()
    table.update({"a": [3]}, port_id=port)
    assert heard == [(0, 2), (port, 3)]


def test_callbacks_without_arguments_and_removal(client):
    table = client.table({"a": [1]}, index="a")
    view = table.view()
    heard = []

    def update_callback():
        heard.append("update")

    callback_id = view.on_update(update_callback)
    view.on_update(lambda *args: heard.append(len(args)))
    table.update({"a": [2]})
    table.remove([1])
    table.clear()
    assert heard == ["update", 2] * 3
    view.remove_update(callback_id)
    table.update({"a": [5]})
    assert heard[-1] == 2 and heard.count("update") == 3
    with pytest.raises(PerspectiveError):
        view.remove_update(callback_id)


def test_remove_update_by_callback_as_older_versions(client):
    table = client.table({"a": [1]})
    view = table.view()
    heard = []

    def callback():
        heard.append(1)

    view.on_update(callback)
    view.remove_update(callback)
    table.update({"a": [1]})
    assert heard == []


def test_row_mode_delivers_a_delta_argument(client):
    table = client.table({"a": [1]})
    view = table.view()
    deltas = []
    view.on_update(lambda port_id, delta: deltas.append(delta), mode="row")
    table.update({"a": [2, 3]})
    assert len(deltas) == 1 and isinstance(deltas[0], bytes)
    # The delta is the changed rows, as Arrow any client (here parallax itself) can read.
    assert client.table(deltas[0]).view().to_columns() == {"a": [2, 3]}
    with pytest.raises(PerspectiveError):
        view.on_update(lambda: None, mode="cells")


def test_a_failing_update_calls_nothing_and_callbacks_may_reenter(client):
    table = client.table({"i": [1]})
    view = table.view()
    seen = []
    view.on_update(lambda: seen.append(view.to_columns()["i"]))
    with pytest.raises(PerspectiveError):
        table.update({"i": ["not a number"]})
    table.update({"i": [2]})
    assert seen == [[1, 2]]


def test_a_raising_callback_does_not_undo_the_update(client):
    table = client.table({"i": [1]})
    view = table.view()

    def broken():
        raise RuntimeError("boom")

    view.on_update(broken)
    table.update({"i": [2]})
    assert table.size() == 2


def test_callbacks_of_other_tables_are_quiet(client):
    first = client.table({"a": [1]})
    second = client.table({"a": [1]})
    heard = []
    first.view().on_update(lambda: heard.append("first"))
    second.update({"a": [2]})
    assert heard == []


def test_deleting_a_view_drops_its_callbacks(client):
    table = client.table({"a": [1]})
    view = table.view()
    heard = []
    view.on_update(lambda: heard.append(1))
    view.delete()
    table.update({"a": [2]})
    assert heard == []


def test_row_deltas_of_an_indexed_table_hold_only_changed_rows(client):
    table = client.table({"k": [1, 2, 3], "v": ["a", "b", "c"]}, index="k")
    view = table.view(columns=["v", "k"], filter=[["k", "!=", 3]])
    deltas = []
    view.on_update(lambda port_id, delta: deltas.append(delta), mode="row")
    table.update([{"k": 2, "v": "B"}, {"k": 3, "v": "C"}, {"k": 4, "v": "d"}])
    table.remove([1])
    delta = client.table(deltas[0]).view().to_columns()
    assert delta == {"v": ["B", "d"], "k": [2, 4]}  # k=3 is filtered out of the view
    assert client.table(deltas[1], format="arrow").size() == 0


def test_row_deltas_of_a_grouped_view_hold_only_the_groups_a_change_touched(client):
    # As the server's ROW mode (checked against the reference by
    # tests/server/row_delta_test.mjs): the totals row and the changed row's group, not "b".
    table = client.table({"k": [1, 2, 3], "g": ["a", "b", "a"], "v": [1, 2, 3]}, index="k")
    view = table.view(group_by=["g"], columns=["v"])
    deltas = []
    view.on_update(lambda port_id, delta: deltas.append(delta), mode="row")
    table.update([{"k": 3, "g": "a", "v": 30}])
    assert client.table(deltas[0]).view().to_columns() == {"v": [33, 31]}
    table.update([{"k": 4, "g": "c", "v": 4}])
    assert client.table(deltas[1]).view().to_columns() == {"v": [37, 4]}
