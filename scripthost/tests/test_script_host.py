"""Our script host called by a plain Pyro4 proxy (Debian's python3-pyro4): serializers,
HMAC, processor semantics, and the sandbox escape battery. Each escape must fail with a
clear error, and the host must keep serving."""

import os

import Pyro4
import Pyro4.errors
import pytest

from conftest import RunningHost


def run(host, script, serializer="serpent", **request):
    with host.proxy(serializer) as proxy:
        return proxy.run(dict(script=script, **request))


def table(reply):
    return {name: column for name, column in zip(reply["names"], reply["columns"])}


@pytest.mark.parametrize("serializer", ["serpent", "json"])
def test_transform_rows_in_both_serializers(host, serializer):
    reply = run(host, "return [dict(r, total=r['price'] * r['qty']) for r in rows]", serializer,
                input={"names": ["price", "qty"], "types": ["float", "integer"],
                       "columns": [[1.5, 2.0], [2, 3]]})
    assert table(reply) == {"price": [1.5, 2.0], "qty": [2, 3], "total": [3.0, 6.0]}
    assert reply["kinds"] == ["float", "int", "float"]


def test_dates_arrive_as_python_dates_and_leave_as_iso_text(host):
    script = ("out = []\nfor r in rows:\n"
              "    out.append({'d': r['d'], 't': r['t'], 'year': r['t'].year})\nreturn out")
    reply = run(host, script, input={"names": ["d", "t"], "types": ["date", "datetime"],
                                      "columns": [[19724], [1704164645123]]})
    assert table(reply) == {"d": ["2024-01-02"], "t": ["2024-01-02T03:04:05.123000"],
                            "year": [2024]}
    assert reply["kinds"] == ["date", "datetime", "int"]


def test_dataframes_are_returned_as_columns(host):
    reply = run(host, "import pandas as pd\nimport numpy as np\n"
                      "return pd.DataFrame({'x': np.arange(3), 'y': ['a', 'b', None]})")
    assert table(reply) == {"x": [0, 1, 2], "y": ["a", "b", None]}


def test_processor_semantics(host):
    script = ("log.info('starting', DATA_CHECKPOINT)\nawait sleep(0.01)\n"
              "number: int = 3\nreturn [{'n': number, 'cp': DATA_CHECKPOINT}]")
    reply = run(host, script, checkpoint=41)
    assert table(reply) == {"n": [3], "cp": [41]}
    assert reply["logs"] == [["info", "starting 41"]]
    with pytest.raises(ValueError, match="logged an error: bad row"):
        run(host, "log.error('bad row')\nreturn []")


def test_a_failed_run_keeps_its_logs(host):
    with pytest.raises(ValueError, match=r"(?s)ZeroDivisionError.*logs of the failed run:\n"
                                         r"\[info\] step 1\n\[warn\] odd row 7$"):
        run(host, "log.info('step 1')\nlog.warn('odd row', 7)\nx = 1 / 0\nreturn []")
    with pytest.raises(ValueError, match=r"(?s)logged an error: bad.*\[debug\] read 2 rows\n\[error\] bad"):
        run(host, "log.debug('read 2 rows')\nlog.error('bad')\nreturn []")


def test_allow_list_extended_and_missing_modules_named_as_such(tmp_path):
    extended = RunningHost(tmp_path, "--also-allow-import", "xml.etree",
                           "--also-allow-import", "no_such_module_for_parallax")
    try:
        # The default list stays, the addition works.
        assert table(run(extended, "import json\nfrom xml.etree import ElementTree\n"
                                   "return [{'tag': ElementTree.fromstring('<a/>').tag}]")) == {"tag": ["a"]}
        with pytest.raises(PermissionError, match="'no_such_module_for_parallax' is allowed but "
                                                  "not installed on the script host"):
            run(extended, "import no_such_module_for_parallax\nreturn []")
        with pytest.raises(PermissionError, match="'os' is not allowed"):
            run(extended, "import os\nreturn []")
        with extended.proxy() as proxy:
            assert "no_such_module_for_parallax" in proxy.info()["missing_imports"]
    finally:
        extended.stop()


def test_row_by_row_mode_calls_the_script_per_row(host):
    reply = run(host, "return {'double': INPUT_DATA['v'] * 2}", mode="row",
                input={"names": ["v"], "types": ["integer"], "columns": [[1, 2, 3]]})
    assert table(reply) == {"double": [2, 4, 6]}


def test_script_errors_name_the_line(host):
    with pytest.raises(ValueError, match=r"ZeroDivisionError.*\n  line 2"):
        run(host, "x = 1\ny = x / 0\nreturn []")
    with pytest.raises(ValueError, match="syntax error on line 2"):
        run(host, "x = 1\ny = = 2\nreturn []")
    with pytest.raises(ValueError, match="return rows"):
        run(host, "x = 1")
    with pytest.raises(ValueError, match="row 1 is a int"):
        run(host, "return [{'a': 1}, 2]")


def test_allow_list_is_exact_for_dotted_names(host):
    assert table(run(host, "from xml import etree\nimport json\nreturn [{'ok': json.dumps(1)}]"))
    with pytest.raises(PermissionError, match="'xml.etree' is not allowed"):
        run(host, "from xml.etree import ElementTree\nreturn []")
    with pytest.raises(PermissionError, match="'os' is not allowed"):
        run(host, "import os\nreturn []")


ESCAPES = {
    "dunder import": "__import__('os').system('true')\nreturn []",
    "builtins walk": "b = [].__class__.__base__.__subclasses__()\nreturn []",
    "getattr walk": "getattr((), '__class__')\nreturn []",
    "format walk": "'{0.__class__}'.format(1)\nreturn []",
    "open passwd": "return [{'x': open('/etc/passwd').read()}]",
    "import subprocess": "import subprocess\nsubprocess.run(['true'])\nreturn []",
    "eval": "eval('1')\nreturn []",
    "module attribute walk to os": "import pandas\npandas.io.common.os.system('true')\nreturn []",
    "globals": "globals()\nreturn []",
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_first_fence_refuses_escapes(host, name):
    with pytest.raises(PermissionError, match="script refused: line"):
        run(host, ESCAPES[name])


# Escapes that pass the first fence (through objects allowed modules expose) must be stopped
# by the OS: Landlock, the network namespace, seccomp (test_sandbox.py checks each layer).
def test_os_fence_stops_what_the_first_fence_lets_through(host):
    with pytest.raises(ValueError, match="Permission denied"):
        run(host, "import pandas\nreturn [{'x': pandas.read_csv('/etc/passwd').shape[0]}]")
    # /tmp is the worker's own tmpfs (its scratch): the host's /tmp is out of reach.
    run(host, "import pandas\npandas.DataFrame({'a': [1]}).to_csv('/tmp/parallax-escape.csv')\n"
              "return []")
    assert not os.path.exists("/tmp/parallax-escape.csv")
    # Writing inside the private scratch directory (the working directory) works.
    reply = run(host, "import pandas\npandas.DataFrame({'a': [1]}).to_csv('mine.csv')\n"
                      "return [{'back': len(pandas.read_csv('mine.csv'))}]")
    assert table(reply) == {"back": [1]}
    # No network: ssl exposes socket.socket (the attribute guard refuses it; without the first
    # fence, test_attacks.py shows that connecting fails in the sandbox).
    with pytest.raises((ValueError, PermissionError),
                       match="not allowed|Operation not permitted|unreachable"):
        run(host, "import ssl\ns = ssl.socket()\ns.connect(('127.0.0.1', 9))\nreturn []")


def test_resource_limits(host):
    with pytest.raises(TimeoutError, match="timeout of 1 s and was killed"):
        run(host, "while True:\n    pass", timeout=1)
    with pytest.raises(MemoryError, match="out of memory"):
        run(host, "x = 'a' * (8 << 30)\nreturn []")
    with pytest.raises(ValueError, match="File too large|file size|Errno 27"):
        run(host, "import io\nb = io.open('big.bin', 'wb')\nfor i in range(100):\n"
                  "    b.write(bytes(1 << 20))\nreturn []")
    with pytest.raises(Exception, match="more than .* cells"):
        run(host, "return [{'a': 1}] * 60_000_000", timeout=30)
    # The host is still serving.
    assert table(run(host, "return [{'ok': True}]")) == {"ok": [True]}


def test_every_sandbox_layer_is_applied(host):
    layers = run(host, "return [{'x': 1}]")["sandbox"]
    assert {"netns", "seccomp", "rlimits"} <= set(layers)
    assert any(layer.startswith("landlock") for layer in layers)


def test_hmac_mismatch_and_serializer_refusal(host):
    with pytest.raises(Pyro4.errors.CommunicationError):
        with host.proxy(key="wrong-key") as proxy:
            proxy.ping()
    with pytest.raises(Pyro4.errors.CommunicationError):
        with host.proxy(key="") as proxy:
            proxy.ping()
    for refused in ("pickle", "marshal"):
        with pytest.raises(Pyro4.errors.CommunicationError, match="serializer"):
            with host.proxy(serializer=refused) as proxy:
                proxy.ping()
    with host.proxy() as proxy:
        assert proxy.ping() == "pong"


def test_pickle_only_with_its_flag(tmp_path):
    pickle_host = RunningHost(tmp_path, "--allow-pickle")
    try:
        with pickle_host.proxy(serializer="pickle") as proxy:
            assert table(proxy.run({"script": "return [{'a': 1}]"})) == {"a": [1]}
    finally:
        pickle_host.stop()


def test_key_required_unless_insecure(tmp_path):
    import subprocess
    import sys
    from conftest import PYTHON_DIR
    result = subprocess.run([sys.executable, "-m", "parallax_scripthost", "--port", "0"],
                            env={"PYTHONPATH": PYTHON_DIR}, capture_output=True, text=True)
    assert result.returncode != 0 and "HMAC key is required" in result.stderr


def test_trusted_scripts_need_a_trusted_host(host, tmp_path):
    with pytest.raises(PermissionError, match="restricted scripts only"):
        run(host, "return []", profile="trusted")
    code = tmp_path / "code"
    code.mkdir()
    (code / "helpers.py").write_text("import os\n\ndef double(x):\n    return 2 * x\n")
    trusted = RunningHost(tmp_path, "--profile", "trusted", "--code-path", str(code))
    try:
        reply = run(trusted, "import os\nfrom helpers import double\n"
                             "return [{'pid_ok': os.getpid() > 0, 'd': double(21)}]")
        assert table(reply) == {"pid_ok": [True], "d": [42]}
        # A restricted step on a trusted host still gets the sandbox and the allow-list.
        with pytest.raises(PermissionError):
            run(trusted, "import os\nreturn []", profile="restricted")
        # Code-path modules are importable by restricted scripts too.
        assert table(run(trusted, "from helpers import double\nreturn [{'d': double(1)}]",
                         profile="restricted")) == {"d": [2]}
    finally:
        trusted.stop()


def test_arrow_tables_through_the_exchange_directory(host, tmp_path):
    """A client on the same machine passes Arrow tables as files in the host's exchange
    directory (private to the host's user); a request can name only a plain file directly
    in it, which is taken once; scripts cannot reach the directory."""
    import os
    import stat

    import pandas

    from parallax_scripthost import arrow_ipc
    with host.proxy() as proxy:
        exchange = proxy.info()["exchange"]
    folder = exchange["dir"]
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    with open(os.path.join(folder, "host-id")) as id_file:
        assert id_file.read() == exchange["id"]
    frame = pandas.DataFrame({"n": [1, 2, None], "s": ["a", None, "é"]}, dtype=object)
    data = arrow_ipc.write_frame(frame)
    name = "input-0123456789abcdef.arrow"
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)
    reply = run(host, "return rows", arrow=True, arrow_input_file=name, arrow_output_file=True)
    assert not os.path.exists(os.path.join(folder, name))  # taken
    output = os.path.join(folder, reply["arrow_file"])
    with open(output, "rb") as source:
        through_file = arrow_ipc.read_frame(source.read())
    os.unlink(output)
    # The same table as through the message (base64), and as what was sent.
    import base64
    inline = run(host, "return rows", arrow=True, arrow_input=base64.b64encode(data).decode())
    assert "arrow_file" not in inline
    through_message = arrow_ipc.read_frame(base64.b64decode(inline["arrow"]))
    def plain(table):
        return table.astype(object).where(table.notna(), None).to_dict("list")
    assert plain(through_file) == plain(through_message)
    assert plain(through_file) == {"n": [1, 2, None], "s": ["a", None, "é"]}
    # Only plain files directly in the directory, by a name of the expected shape.
    os.symlink("/etc/passwd", os.path.join(folder, "link-0123456789abcdef.arrow"))
    os.mkdir(os.path.join(folder, "dir-0123456789abcdef.arrow"))
    for bad, message in (("../x-0123456789abcdef.arrow", "must be a file name"),
                         ("host-id", "must be a file name"),
                         ("/etc/passwd", "must be a file name"),
                         ("gone-0123456789abcdef.arrow", "No such file"),
                         ("link-0123456789abcdef.arrow", "cannot open"),
                         ("dir-0123456789abcdef.arrow", "not a plain file|cannot open")):
        with pytest.raises(ValueError, match=message):
            run(host, "return rows", arrow=True, arrow_input_file=bad)
    with pytest.raises(ValueError, match="not both"):
        run(host, "return rows", arrow=True, arrow_input_file=name, arrow_input="")
    os.rmdir(os.path.join(folder, "dir-0123456789abcdef.arrow"))  # refused, so left there
    os.unlink(os.path.join(folder, "link-0123456789abcdef.arrow"))
    # Workers never see it, even through a module that opens files.
    with pytest.raises(ValueError, match="Permission denied|No such file"):
        run(host, "import pandas\nreturn [{'x': pandas.read_csv(%r).shape[0]}]"
                  % os.path.join(folder, "host-id"))
    assert sorted(os.listdir(folder)) == ["host-id"]
