"""The attack battery (attacks.py) against two hosts: one as deployed (the first fence, then
the OS fences) and one started with --testing-skip-script-checks (full builtins, no checks:
the OS fences alone). Whatever an attack does, nothing outside the sandbox may change: the
marker file keeps its bytes and metadata, no file appears next to it, the listeners outside
get no connection or datagram, no secret comes back, and the host keeps serving."""

import errno
import os
import shutil
import socket
import subprocess
import tempfile

import pytest

from attacks import ATTACKS, BENIGN, FIRST_FENCE_ROUTES, SLOW
from conftest import REPO, RunningHost

SECRET = "parallax-secret-7f3a9c"
ENV_SECRET = "parallax-env-secret-51d2e8"


class World:
    """What lives outside the sandbox, reachable by path from it if a fence fails: the
    directory is world-writable (sticky) and the files world-readable and -writable, so
    Landlock and seccomp (not the file modes) are what keep a script out."""

    def __init__(self):
        # Not under /tmp, which workers do not see at all (their scratch is mounted there).
        base = os.path.join(REPO, "build")
        if not (os.path.isdir(base) and os.access(base, os.W_OK)):
            base = None
        self.dir = tempfile.mkdtemp(prefix="attack-world-", dir=base)
        os.chmod(self.dir, 0o1777)  # sticky: an attack cannot delete the whole world
        self.marker = os.path.join(self.dir, "marker")
        self.escape = os.path.join(self.dir, "escaped")
        self.secret_file = os.path.join(self.dir, "secret")
        for path, text in ((self.marker, "untouched"), (self.secret_file, SECRET)):
            with open(path, "w") as out:
                out.write(text)
            os.chmod(path, 0o666)
        self.unix = self._listen(socket.AF_UNIX, os.path.join(self.dir, "listener"))
        self.abstract_name = "\0parallax-attack-%d" % os.getpid()
        self.abstract = self._listen(socket.AF_UNIX, self.abstract_name)
        self.tcp = self._listen(socket.AF_INET, ("127.0.0.1", 0))
        self.dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.dgram.bind(os.path.join(self.dir, "dgram"))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        for listener in (self.dgram, self.udp):
            listener.setblocking(False)
        for path in (self.unix.getsockname(), self.dgram.getsockname()):
            os.chmod(path, 0o777)
        self.hostname = socket.gethostname()
        self.victim = subprocess.Popen(["sleep", "3600"], preexec_fn=self._as_nobody)
        self.before = self.snapshot()

    @staticmethod
    def _as_nobody():
        if os.geteuid() == 0:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)

    def restore(self):
        """Puts the world back after an attack got through (so one failure stays one)."""
        for name in set(os.listdir(self.dir)) - set(self.before[-1]):
            path = os.path.join(self.dir, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
        os.chmod(self.marker, 0o666)
        os.chown(self.marker, self.before[2], self.before[3])
        for attribute in os.listxattr(self.marker):
            os.removexattr(self.marker, attribute)
        with open(self.marker, "w") as out:
            out.write("untouched")
        self.before = self.snapshot()

    @staticmethod
    def _listen(family, address):
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.bind(address)
        listener.listen(16)
        listener.setblocking(False)
        return listener

    def names(self, host_pid):
        import glob
        return {"dir": self.dir, "marker": self.marker, "escape": self.escape,
                "secret_file": self.secret_file,
                "unix": self.unix.getsockname(), "abstract": self.abstract_name,
                "dgram": self.dgram.getsockname(), "tcp": self.tcp.getsockname()[1],
                "udp": self.udp.getsockname()[1], "host_pid": host_pid,
                "victim": self.victim.pid,
                "forkservers": sorted(glob.glob(os.path.join(tempfile.gettempdir(),
                                                             "pymp-*", "listener-*")))}

    def snapshot(self):
        info = os.stat(self.marker)
        with open(self.marker) as marker:
            text = marker.read()
        return (text, info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns, info.st_nlink,
                os.listxattr(self.marker), sorted(os.listdir(self.dir)))

    def reached(self):
        """What reached the listeners since the last call."""
        got = []
        for listener in (self.unix, self.abstract, self.tcp):
            try:
                connection, _ = listener.accept()
                connection.close()
                got.append(listener.getsockname())
            except BlockingIOError:
                pass
        for listener in (self.dgram, self.udp):
            try:
                got.append(listener.recv(100))
            except BlockingIOError:
                pass
        return got

    def close(self):
        self.victim.kill()
        self.victim.wait()
        for listener in (self.unix, self.abstract, self.tcp, self.dgram, self.udp):
            listener.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def world():
    made = World()
    yield made
    made.close()


@pytest.fixture(scope="module")
def hosts(tmp_path_factory, world):
    env = {"PYRO_HMAC_KEY": ENV_SECRET, "PARALLAX_TEST_SECRET": ENV_SECRET}
    started = {
        "checked": RunningHost(tmp_path_factory.mktemp("checked"), "--disk-mb", "64",
                               "--workers", "2", env=env),
        "unchecked": RunningHost(tmp_path_factory.mktemp("unchecked"), "--disk-mb", "64",
                                 "--workers", "2", "--testing-skip-script-checks", env=env),
    }
    yield started
    for host in started.values():
        host.stop()


def attempt(host, world, script, timeout=10):
    """Runs the attack; returns (outcome, text): 'refused' by the first fence, 'failed' (an
    error from inside the sandbox, or the worker killed), 'escaped' (the script says it got
    through: a row with escaped=True) or 'returned'."""
    prelude = "W = %r\n" % world.names(host.process.pid)
    try:
        with host.proxy() as proxy:
            reply = proxy.run({"script": prelude + script, "timeout": timeout})
    except PermissionError as error:
        return ("refused" if "script refused" in str(error) else "failed"), str(error)
    except Exception as error:  # noqa: BLE001  any failure inside is fine
        return "failed", "%s: %s" % (type(error).__name__, error)
    columns = dict(zip(reply.get("names", []), reply.get("columns", [])))
    if any(value is True for value in columns.get("escaped", [])):
        return "escaped", repr(reply)
    return "returned", repr(reply)


def assert_contained(host, world, outcome, text):
    after, reached = world.snapshot(), world.reached()
    if after != world.before:
        world.restore()
    assert SECRET not in text and ENV_SECRET not in text, "a secret got out: " + text[:500]
    assert outcome != "escaped", "the attack says it got through: " + text[:500]
    assert after == world.before, "something outside changed (%s)" % text[:300]
    assert reached == [], "a listener outside was reached (%s)" % text[:300]
    escaped_tmp = os.path.exists("/tmp/parallax-escaped")
    if escaped_tmp:
        os.unlink("/tmp/parallax-escaped")
    assert not escaped_tmp
    assert socket.gethostname() == world.hostname
    assert host.process.poll() is None, "the host died"
    assert world.victim.poll() is None, "a process outside was killed"


@pytest.mark.parametrize("mode", ["checked", "unchecked"])
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_contained(hosts, world, mode, name):
    host = hosts[mode]
    outcome, text = attempt(host, world, ATTACKS[name], SLOW.get(name, 10))
    assert_contained(host, world, outcome, text)
    if mode == "checked" and name in FIRST_FENCE_ROUTES:
        assert outcome == "refused", "the first fence let it through: " + text[:300]


@pytest.mark.parametrize("mode", ["checked", "unchecked"])
@pytest.mark.parametrize("name", sorted(BENIGN))
def test_benign_script_works(hosts, mode, name):
    script, expected = BENIGN[name]
    with hosts[mode].proxy() as proxy:
        reply = proxy.run({"script": script})
    assert dict(zip(reply["names"], reply["columns"])) == expected


def test_every_layer_is_up(hosts):
    for host in hosts.values():
        with host.proxy() as proxy:
            layers = proxy.run({"script": "return []"})["sandbox"]
        assert {"mountns", "netns", "tmpfs-scratch", "seccomp", "rlimits"} <= set(layers)
        assert {"uid-nobody", "no-caps"} & set(layers)
        assert any(layer.startswith("landlock") for layer in layers)


def test_disk_limit_is_a_clear_error(hosts):
    with hosts["unchecked"].proxy() as proxy:
        with pytest.raises(ValueError, match="scratch space is full .limit 64 MB"):
            proxy.run({"script": ATTACKS["disk filling over many files"]})


def test_forged_replies_are_clear_errors(hosts):
    """What a script writes on its worker's pipe is read as JSON (never unpickled), and
    anything but a reply is an error naming the worker, not a host crash or traceback."""
    with hosts["unchecked"].proxy() as proxy:
        for name in ("forged reply: a JSON list", "forged reply: a pickle"):
            with pytest.raises(RuntimeError, match="the worker sent an unreadable reply"):
                proxy.run({"script": ATTACKS[name]})
        with pytest.raises(RuntimeError, match="output is larger than"):
            proxy.run({"script": ATTACKS["forged reply: a 2 GB length"]})


def test_host_still_serves_after_the_battery(hosts):
    for host in hosts.values():
        with host.proxy() as proxy:
            assert proxy.ping() == "pong"
            reply = proxy.run({"script": "return [{'ok': 1}]"})
        assert reply["columns"] == [[1]]


def test_workers_and_fork_server_start_without_the_hosts_secrets(hosts):
    """The fork server's environment (what workers inherit, and what /proc/PID/environ
    shows) holds none of the host's secrets, and the host took PYRO_HMAC_KEY out of its
    own environment (its children do not have it)."""
    host = hosts["checked"]
    with open("/proc/%d/task/%d/children" % (host.process.pid, host.process.pid)) as children:
        pids = [int(pid) for pid in children.read().split()]
    assert pids, "the host has no fork server"
    for pid in pids:
        with open("/proc/%d/environ" % pid, "rb") as environ:
            text = environ.read().decode(errors="replace")
        assert ENV_SECRET not in text and "PYRO_HMAC_KEY" not in text


def test_the_key_can_come_from_the_environment(tmp_path):
    host = RunningHost(tmp_path, key="from-env", key_in_env=True)
    try:
        with host.proxy() as proxy:
            assert proxy.ping() == "pong"
    finally:
        host.stop()


@pytest.mark.parametrize("start", ["parallax script-host", "python3 -m",
                                   "parallax script-host, PYTHONPATH with empty entries"])
def test_working_directory_is_not_on_the_hosts_import_path(tmp_path, start, request):
    """A user's inspect.py (or a module named like any other the host imports) in the
    working directory never runs in the host."""
    from conftest import PYTHON_DIR
    ran = tmp_path / "ran"
    # `python3 -m X` without -P imports X itself from the working directory: only the
    # modules the host imports after its __main__ starts are planted for that launch.
    planted = ("inspect", "Pyro4", "pandas", "seccomp")
    if start != "python3 -m":
        planted += ("parallax_scripthost", "runpy", "encodings")
    for module in planted:
        (tmp_path / (module + ".py")).write_text("open(%r, 'a').write(%r)\n" % (str(ran), module))
    key = tmp_path / "key"
    key.write_text("k")
    args = ["--port", "0", "--workers", "1", "--hmac-key-file", str(key)]
    if start == "python3 -m":
        command = ["/usr/bin/python3", "-m", "parallax_scripthost"] + args
    else:
        command = [request.getfixturevalue("parallax_bin"), "script-host"] + args
    # An empty PYTHONPATH entry means the working directory, even with -P.
    python_path = "::rel:" + PYTHON_DIR + ":" if "empty" in start else PYTHON_DIR
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONPATH=python_path,
                                        PARALLAX_PYTHON_DIR=PYTHON_DIR))
    try:
        line = process.stdout.readline()
        assert "serving PYRO:" in line, line
    finally:
        process.terminate()
        process.wait(15)
    assert not ran.exists(), "ran from the working directory: " + ran.read_text()


NETWORK_ALLOWED = {
    # (script, allowed?) with --allow-network: TCP/UDP over IP only.
    "unix socket": ("import socket\nsocket.socket(socket.AF_UNIX).connect(W['unix'])", False),
    "abstract unix socket": ("import socket\nsocket.socket(socket.AF_UNIX).connect(W['abstract'])",
                             False),
    "unix datagram socketpair": ("import socket\nsocket.socketpair(socket.AF_UNIX, "
                                 "socket.SOCK_DGRAM)[0].sendto(b'x', W['dgram'])", False),
    "vsock": ("import socket\nsocket.socket(40, socket.SOCK_STREAM)", False),
    "netlink": ("import socket\nsocket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)", False),
    "packet": ("import socket\nsocket.socket(socket.AF_PACKET, socket.SOCK_RAW)", False),
    "high bits in the family": ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                                "if libc.syscall(41, ctypes.c_long(0x100000001), 1, 0) < 0:\n"
                                "    raise OSError(ctypes.get_errno(), 'refused')", False),
    "tcp socket": ("import socket\nsocket.socket(socket.AF_INET, socket.SOCK_STREAM).close()", True),
    "udp over ipv6": ("import socket\nsocket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()",
                      True),
    "unix stream socketpair (asyncio's)": ("import socket\na, b = socket.socketpair()\n"
                                           "a.send(b'x')\nassert b.recv(1) == b'x'", True),
}


def test_with_network_only_ip_sockets(tmp_path, world):
    """--allow-network lets scripts make TCP/UDP sockets, and nothing else: no unix sockets
    (pathname, abstract, datagram through a socket pair), vsock, netlink or packet."""
    host = RunningHost(tmp_path, "--allow-network", "--testing-skip-script-checks")
    try:
        for name, (script, allowed) in NETWORK_ALLOWED.items():
            outcome, text = attempt(host, world, script + "\nreturn []")
            assert (outcome == "returned") == allowed, "%s: %s" % (name, text[:300])
            if not allowed:
                assert "[Errno 1]" in text, "%s: %s" % (name, text[:300])
            assert_contained(host, world, outcome, text)
    finally:
        host.stop()
