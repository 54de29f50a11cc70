"""The reference's own JavaScript client (tests/oracle/replay.mjs --websocket) against the
Python web handlers: the differential scripts that check `parallax serve` (run.py --serve),
now served by examples/python_server.py on Tornado and on AIOHTTP, and a locked handler."""
import json
import os
import subprocess
import sys

import pytest

import parallax
from conftest import FRAMEWORKS, HANDLERS, REPO

RUN_PY = os.path.join(REPO, "tests", "differential", "run.py")
BUILD = os.environ.get("PARALLAX_BUILD_DIR", os.path.join(REPO, "build"))
NODE_MODULES = os.path.abspath(os.environ.get("ORACLE_NODE_MODULES")
                               or os.path.join(REPO, "tests", "oracle", "node_modules"))
GENERATED = os.environ.get("PARALLAX_WEB_GENERATED", "100")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_differential_scripts_through_the_reference_client(framework):
    server = "%s %s --framework %s" % (sys.executable,
                                       os.path.join(REPO, "examples", "python_server.py"), framework)
    run = subprocess.run(
        [sys.executable, RUN_PY, "--serve", "--serve-command", server, "--generated", GENERATED,
         "--seed", "1", "--jobs", "2", "--expected-cache", os.path.join(BUILD, "oracle-cache"),
         "--known-failures", os.path.join(REPO, "tests", "differential", "known_failures.txt")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    print(run.stdout[-4000:])
    assert run.returncode == 0, run.stdout[-4000:]
    assert " passed" in run.stdout


def replay(url, script, tmp_path):
    path = tmp_path / "script.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in script))
    run = subprocess.run(["node", os.path.join(REPO, "tests", "oracle", "replay.mjs"), "--websocket", url,
                          str(path)], env=dict(os.environ, ORACLE_NODE_MODULES=NODE_MODULES),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return [json.loads(line) for line in run.stdout.splitlines()]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_reference_client_reads_a_locked_server_but_cannot_change_it(framework, start_app,
                                                                         tmp_path):
    server = parallax.Server()
    table = server.new_local_client().table({"id": [1, 2], "x": ["a", "b"]}, name="prices",
                                            index="id")
    app = start_app(framework, server, lock=True)
    out = replay(app.url, [
        {"op": "hosted_tables"},
        {"op": "open_table", "name": "prices", "as": "p"},
        {"op": "view", "table": "p", "name": "v", "config": {"sort": [["id", "desc"]]}},
        {"op": "to_columns", "view": "v"},
        {"op": "update", "table": "p", "data": [{"id": 1, "x": "changed"}]},
        {"op": "remove", "table": "p", "keys": [1]},
        {"op": "clear", "table": "p"},
        {"op": "table", "name": "made_by_client", "data": {"y": [1]}},
        {"op": "size", "table": "p"},
    ], tmp_path)
    assert out[0] == {"ok": ["prices"]}
    assert out[1] == {"ok": None} and out[2] == {"ok": None}
    assert out[3] == {"ok": {"id": [2, 1], "x": ["b", "a"]}}
    for refused in out[4:7]:
        assert "read-only" in refused.get("error", ""), out
    assert "cannot create tables" in out[7].get("error", ""), out
    assert out[8] == {"ok": 2}
    assert table.view().to_columns() == {"id": [1, 2], "x": ["a", "b"]}


@pytest.mark.parametrize("framework", HANDLERS)
def test_the_reference_client_mirrors_and_deletes_across_python(framework, start_app):
    """The reference's JavaScript client, as a browser runs it (reference_lifecycle.mjs): the
    3.x guide's replicated mode (a client table made from a server view follows Python's
    updates), on_delete both ways, and Python's delete(lazy=True) waiting for its view."""
    server = parallax.Server()
    local = server.new_local_client()
    source = local.table({"id": [1, 2, 3], "x": ["a", "b", "c"]}, name="data_source", index="id")
    python_deletes = local.table({"y": [1]}, name="python_deletes")
    client_deletes = local.table({"y": [1]}, name="client_deletes")
    lazy = local.table({"y": [1, 2]}, name="lazy")
    heard = []
    client_deletes.on_delete(lambda: heard.append("client_deletes"))
    lazy.on_delete(lambda: heard.append("lazy"))
    app = start_app(framework, server)
    node = subprocess.Popen(["node", os.path.join(os.path.dirname(__file__), "reference_lifecycle.mjs"),
                             app.url], env=dict(os.environ, ORACLE_NODE_MODULES=NODE_MODULES),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)

    def step(say_next=False):
        if say_next:
            node.stdin.write("next\n")
            node.stdin.flush()
        line = node.stdout.readline()
        assert line, node.communicate(timeout=60)[1][-3000:]
        return json.loads(line)

    try:
        assert step() == {"mirrored": {"id": [1, 2, 3], "x": ["a", "b", "c"]}}
        source.update([{"id": 4, "x": "d"}])
        assert step(True) == {"followed": {"id": [1, 2, 3, 4], "x": ["a", "b", "c", "d"]}}
        assert step() == {"subscribed": True}
        python_deletes.delete()
        assert step(True) == {"heard_delete": True,
                              "tables": ["client_deletes", "data_source", "lazy"]}
        assert step() == {"deleted": True}
        assert heard == ["client_deletes"]
        assert step() == {"holding": True}
        with pytest.raises(parallax.PerspectiveError, match="views"):
            lazy.delete()
        lazy.delete(lazy=True)
        assert step(True) == {"still_readable": 2}
        assert step() == {"released": True}
        assert heard == ["client_deletes", "lazy"]
        assert local.get_hosted_table_names() == ["data_source"]
        node.stdin.write("next\n")
        node.stdin.flush()
        assert node.wait(60) == 0, node.stderr.read()[-3000:]
    finally:
        if node.poll() is None:
            node.kill()
            node.wait()
