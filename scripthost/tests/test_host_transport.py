"""Attacks on the script host's transport: idle and slow connections, headers claiming huge
bodies, replayed requests and conversations (recorded through a TCP proxy, from our Python
client and from the `parallax` binary's C++ client), and what unauthenticated peers learn."""

import json
import os
import socket
import struct
import threading
import time

import Pyro4.errors
import pytest

from conftest import RunningHost
from parallax_scripthost import wire
from parallax_scripthost.client import HostClient

COUNTING_SCRIPT = "return [{'ran': 1}]"


@pytest.fixture(scope="module")
def fast_host(tmp_path_factory):
    """A host with short timeouts, a small message cap, stock Pyro4 clients allowed, and 300
    file descriptors (workers need 256)."""
    running = RunningHost(tmp_path_factory.mktemp("fast"), "--handshake-timeout", "1",
                          "--idle-timeout", "2", "--max-message-mb", "8", "--pyro-compat",
                          files_limit=300)
    yield running
    running.stop()


def runs(host):
    with host.proxy() as proxy:
        return proxy.info()["runs"]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def header(msg_type, data_size, annotations_size=0, serializer_id=1, flags=0, seq=0):
    return wire.HEADER.pack(b"PYRO", 48, msg_type, flags, seq, data_size, serializer_id,
                            annotations_size, 0,
                            wire.checksum(msg_type, flags, seq, data_size, serializer_id,
                                          annotations_size))


def read_all(sock, timeout=5.0):
    """Everything the peer sends until it closes (or the timeout: then None)."""
    sock.settimeout(timeout)
    received = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk
    except socket.timeout:
        return None
    except ConnectionResetError:
        return received


def closed_within(sock, seconds):
    return read_all(sock, seconds) is not None


def timed_ping(host):
    start = time.monotonic()
    with host.proxy() as proxy:
        assert proxy.ping() == "pong"
    return time.monotonic() - start


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_idle_and_slow_connections_do_not_starve_the_host(fast_host):
    """More sockets than the host has descriptors for: the oldest unauthenticated ones make
    room, the host neither spins nor stops serving."""
    baseline = timed_ping(fast_host)
    idle = [socket.create_connection(("127.0.0.1", fast_host.port)) for _ in range(350)]
    slow = []
    for _ in range(50):  # slowloris: a few bytes of a header, then nothing
        sock = socket.create_connection(("127.0.0.1", fast_host.port))
        sock.sendall(b"PYRO\x00")
        slow.append(sock)
    try:
        cpu = cpu_seconds(fast_host.process.pid)
        time.sleep(0.5)
        assert cpu_seconds(fast_host.process.pid) - cpu < 0.25
        latencies = [timed_ping(fast_host) for _ in range(5)]
        assert max(latencies) < 1.0, (baseline, latencies)
        # A run still goes through while they hang on.
        with fast_host.proxy() as proxy:
            assert proxy.run({"script": COUNTING_SCRIPT})["columns"] == [[1]]
        # Unauthenticated connections are closed after the handshake timeout (1 s here).
        start = time.monotonic()
        assert all(closed_within(sock, 3.0) for sock in idle + slow)
        assert time.monotonic() - start < 3.0
    finally:
        for sock in idle + slow:
            sock.close()


def test_idle_authenticated_connections_time_out(fast_host):
    client = HostClient(fast_host.uri, fast_host.key)
    try:
        assert client.ping() == "pong"
        time.sleep(2.6)  # --idle-timeout 2
        with pytest.raises(Pyro4.errors.CommunicationError):
            client.ping()
    finally:
        client.close()
    # One that keeps calling stays.
    with fast_host.proxy() as proxy:
        for _ in range(4):
            time.sleep(0.7)
            assert proxy.ping() == "pong"


def stream_until_closed(sock, limit_bytes, seconds):
    """Sends zeros until the peer closes (returns the bytes sent) or the limit/timeout."""
    block = bytes(1 << 20)
    sent = 0
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while sent < limit_bytes and time.monotonic() < deadline:
            sent += sock.send(block)
    except (BrokenPipeError, ConnectionResetError):
        return sent
    except socket.timeout:
        pass
    return None


@pytest.mark.parametrize("msg_type", [wire.CONNECT, wire.INVOKE])
def test_headers_claiming_huge_bodies_are_refused_before_reading(host, msg_type):
    pid = host.process.pid
    before = rss_kb(pid)
    sock = socket.create_connection(("127.0.0.1", host.port))
    try:
        sock.sendall(header(msg_type, 0x7FFFFFF0))  # 2 GB
        sent = stream_until_closed(sock, 400 << 20, 10.0)
        assert sent is not None, "the host kept reading the claimed body"
        assert sent < (64 << 20)  # what the kernel buffers before noticing the close
    finally:
        sock.close()
    assert rss_kb(pid) - before < 16 << 10, (before, rss_kb(pid))
    assert timed_ping(host) < 1.0


def test_authenticated_clients_are_capped_too(fast_host):
    """A keyed client may not send more than --max-message-mb (8 here) either."""
    with fast_host.proxy() as proxy:
        with pytest.raises(Pyro4.errors.CommunicationError):
            proxy.run({"script": "return []", "arrow_input": "A" * (9 << 20)})
    with fast_host.proxy() as proxy:
        reply = proxy.run({"script": "return [{'n': len(rows)}]",
                           "input": {"names": ["t"], "types": ["string"],
                                     "columns": [["x" * 1000] * 4000]}})
        assert reply["columns"] == [[4000]]


def test_unauthenticated_peers_learn_nothing(host):
    # Garbage, a request before the handshake, an unsigned handshake: closed, no traceback,
    # no metadata.
    for attempt in (b"GET / HTTP/1.0\r\n\r\n" + bytes(100),
                    wire.encode(wire.INVOKE, b"('parallax.scripthost','info',(),{})", 1, 0, 1,
                                key=host.key.encode()),
                    wire.encode(wire.CONNECT, b"{'handshake':'hello','object':'parallax.scripthost'}",
                                1, wire.FLAG_META_ON_CONNECT, 0, {"PXNC": bytes(16)})):
        sock = socket.create_connection(("127.0.0.1", host.port))
        sock.sendall(attempt)
        reply = read_all(sock)
        sock.close()
        assert reply is not None, "the connection stayed open"
        assert b"Traceback" not in reply and b"meta" not in reply and b"run" not in reply
        assert len(reply) < 120, reply
    # A wrong key: the reason only.
    with pytest.raises(Pyro4.errors.CommunicationError, match="hmac"):
        with host.proxy(key="wrong-key") as proxy:
            proxy.ping()


class RecordingProxy:
    """A TCP proxy in front of the host that records what clients send."""

    def __init__(self, port):
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conversations = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            record = bytearray()
            self.conversations.append(record)
            threading.Thread(target=self._pipe, args=(client, upstream, record),
                             daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, None),
                             daemon=True).start()

    @staticmethod
    def _pipe(source, sink, record):
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                if record is not None:
                    record += chunk
                sink.sendall(chunk)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.listener.close()


def split_messages(data):
    messages = []
    while data:
        head = wire.Header(data[:wire.HEADER_SIZE])
        size = wire.HEADER_SIZE + head.annotations_size + head.data_size
        messages.append(bytes(data[:size]))
        data = data[size:]
    return messages


def replay(port, messages):
    """Sends the recorded messages on a new connection, each after the previous reply."""
    sock = socket.create_connection(("127.0.0.1", port))
    replies = []
    try:
        for message in messages:
            sock.sendall(message)
            sock.settimeout(3.0)
            try:
                reply = sock.recv(1 << 20)
            except (socket.timeout, ConnectionResetError):
                reply = b""
            replies.append(reply)
            if not reply:
                break
    finally:
        sock.close()
    return replies


def refused(host):
    """Connections closed for a bad signature or a message out of place."""
    with host.proxy() as proxy:
        counts = proxy.info()["connections"]
    return counts["refused_auth"] + counts["refused_framing"]


def assert_replays_refused(host, conversation, runs_before):
    refused_before = refused(host)
    messages = split_messages(conversation)
    assert [wire.Header(m[:24]).type for m in messages][:1] == [wire.CONNECT]
    assert wire.INVOKE in [wire.Header(m[:24]).type for m in messages]
    # The whole conversation on a new connection: the CONNECT gets a fresh challenge, the
    # first request (signed for the old one) closes the connection unread.
    replies = replay(host.port, messages)
    assert len(replies) == 2 and replies[1] == b"", replies
    # The requests alone, or sent all at once.
    assert replay(host.port, messages[1:])[0] == b""
    sock = socket.create_connection(("127.0.0.1", host.port))
    sock.sendall(b"".join(messages))
    assert closed_within(sock, 5.0)
    sock.close()
    assert runs(host) == runs_before
    assert refused(host) == refused_before + 3


def test_a_recorded_python_client_conversation_cannot_be_replayed(host):
    proxy = RecordingProxy(host.port)
    try:
        runs_before = runs(host)
        uri = "PYRO:parallax.scripthost@127.0.0.1:%d" % proxy.port
        with HostClient(uri, host.key) as client:
            assert client.run({"script": COUNTING_SCRIPT})["columns"] == [[1]]
            assert client.info()["runs"] == runs_before + 1
        time.sleep(0.2)
        assert_replays_refused(host, proxy.conversations[0], runs_before + 1)
    finally:
        proxy.close()


def test_a_request_replayed_within_its_connection_is_refused(host):
    class Recording:
        def __init__(self, sock):
            self.sock, self.sent = sock, []

        def sendall(self, data):
            self.sent.append(data)
            self.sock.sendall(data)

        def __getattr__(self, name):
            return getattr(self.sock, name)

    with host.proxy() as client:
        client._sock = recording = Recording(client._sock)
        runs_before = client.info()["runs"]
        client.run({"script": COUNTING_SCRIPT})
        recording.sock.sendall(recording.sent[-1])  # the run again, on the same connection
        assert closed_within(recording.sock, 5.0)
    assert runs(host) == runs_before + 1


def test_a_recorded_parallax_connector_run_cannot_be_replayed(host, parallax_bin, tmp_path):
    """The C++ client (`parallax connector`) through the recording proxy."""
    import subprocess
    proxy = RecordingProxy(host.port)
    try:
        config = tmp_path / "step.json"
        config.write_text(json.dumps({"host": "127.0.0.1", "port": proxy.port,
                                      "hmac_key_file": host.key_file,
                                      "script": COUNTING_SCRIPT}))
        runs_before = runs(host)
        result = subprocess.run([parallax_bin, "connector", "--config", str(config)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert runs(host) == runs_before + 1
        time.sleep(0.2)
        conversation = max(proxy.conversations, key=len)
        assert_replays_refused(host, conversation, runs_before + 1)
    finally:
        proxy.close()


def test_stock_pyro4_clients_only_with_the_compat_flag(host, fast_host):
    with pytest.raises(Pyro4.errors.CommunicationError, match="challenge"):
        with host.stock_proxy() as proxy:
            proxy.ping()
    with fast_host.stock_proxy() as proxy:  # --pyro-compat
        assert proxy.ping() == "pong"
        assert proxy.run({"script": "return [{'a': 1}]"})["columns"] == [[1]]
    with fast_host.proxy() as proxy:  # our client still gets the challenge there
        assert proxy._session is not None and proxy.ping() == "pong"


def test_timeouts_and_caps_must_be_positive(tmp_path):
    import subprocess
    import sys
    from conftest import PYTHON_DIR
    result = subprocess.run([sys.executable, "-m", "parallax_scripthost", "--port", "0",
                             "--insecure-no-hmac", "--idle-timeout", "0"],
                            env={"PYTHONPATH": PYTHON_DIR}, capture_output=True, text=True)
    assert result.returncode != 0 and "--idle-timeout must be positive" in result.stderr
