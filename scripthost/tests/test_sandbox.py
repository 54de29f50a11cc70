"""The OS fence on its own: a process that entered the restricted sandbox cannot fork, exec,
open a socket, read outside the system directories, write outside its scratch directory,
or outgrow its limits, whatever Python code it runs (no first-fence checks here)."""

import multiprocessing
import os
import socket
import subprocess
import tempfile

import pytest

from parallax_scripthost import sandbox

SETTINGS = {"profile": "restricted", "network": False, "cpu_seconds": 5,
            "memory_bytes": 256 << 20, "file_bytes": 1 << 20, "open_files": 64}


def attempt(action, sender, scratch):
    sandbox.enter(SETTINGS, scratch, [])
    try:
        result = action()
        sender.send(("allowed", repr(result)[:200]))
    except BaseException as error:  # noqa: B036
        sender.send(("refused", "%s: %s" % (type(error).__name__, error)))


def in_sandbox(action):
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)  # no feeder thread: a worker has none
    with tempfile.TemporaryDirectory() as scratch:
        process = context.Process(target=attempt, args=(action, sender, scratch))
        process.start()
        sender.close()
        process.join(30)
        assert process.exitcode is not None, "sandboxed process hung"
        assert receiver.poll(5), "no answer (exit code %s)" % process.exitcode
        return receiver.recv()


def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return pid


def read_private():
    with open(__file__) as f:  # this test's own file, outside the system directories
        return f.read()


ESCAPES = {
    "fork": fork,
    "subprocess": lambda: subprocess.run(["/bin/true"]),
    "exec": lambda: os.execv("/bin/true", ["true"]),
    "tcp socket": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM),
    "ipv6 socket": lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM),
    "read /etc/passwd": lambda: open("/etc/passwd").read(),
    "read a file outside system dirs": read_private,
    # /tmp is the sandbox's own tmpfs: write next to this file instead.
    "write outside the scratch": lambda: open(__file__ + ".escape", "w").write("x"),
    "memory bomb": lambda: bytearray(1 << 30),
    "file size": lambda: open("big", "wb").write(bytes(4 << 20)),
    "unshare back": lambda: os.unshare(0x40000000) if hasattr(os, "unshare") else os.fork(),
    "kill parent": lambda: os.kill(os.getppid(), 0),
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escape_is_refused_by_the_os(name):
    outcome, detail = in_sandbox(ESCAPES[name])
    assert outcome == "refused", "%s was allowed: %s" % (name, detail)


def test_ordinary_work_still_runs():
    def work():
        import pandas
        frame = pandas.DataFrame({"a": range(1000)})
        frame.to_csv("scratch.csv")
        return int(pandas.read_csv("scratch.csv")["a"].sum())
    assert in_sandbox(work) == ("allowed", "499500")
