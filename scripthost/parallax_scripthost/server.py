"""The script host's Pyro4 server: Pyro4's wire format, serializers and exposure rules with
our own connection handling, because Pyro4's daemon gives each connection a thread from
the moment it is accepted and reads whatever size a header claims before checking the HMAC.

One selector thread owns every connection that is not running a request. It reads messages
in stages (wire.MessageReader) with the limits checked before the bytes are read: a
connection has `handshake_timeout` seconds and `HANDSHAKE_MAX_BYTES` to complete its
CONNECT; a header claiming more than `max_message_bytes` closes the connection; with the
connection challenge (wire.py) a message not signed for this connection is refused before
its payload is read. Only a complete, authenticated message reaches the thread pool, which
runs the call and sends the reply, then hands the connection back. Idle connections cost a
file descriptor, not a thread, and are closed after `idle_timeout` seconds.

Peers that fail authentication are closed with at most a short CONNECTFAIL reason: no
traceback, no metadata. Tracebacks (not detailed) go only to authenticated callers."""

import collections
import errno
import logging
import resource
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from Pyro4 import errors as pyro_errors
from Pyro4 import util as pyro_util

from parallax_scripthost import wire

log = logging.getLogger("parallax_scripthost.server")

HANDSHAKE_MAX_BYTES = 64 << 10


class _Connection:
    __slots__ = ("sock", "peer", "reader", "deadline", "session", "legacy", "serializer_id",
                 "object_id", "accepted_at")

    def __init__(self, sock, peer):
        self.sock = sock
        self.peer = peer
        self.reader = None
        self.deadline = 0.0
        self.session = None       # wire.Session once challenged
        self.legacy = False       # a stock Pyro4 client (--pyro-compat or no key)
        self.serializer_id = None
        self.object_id = None
        self.accepted_at = time.monotonic()

    @property
    def authenticated(self):
        return self.session is not None or self.legacy


class Server:
    def __init__(self, host, port, key, objects, serializers, *, handshake_timeout=5.0,
                 idle_timeout=120.0, max_message_bytes=1025 << 20, threads=64,
                 max_pending=256, max_connections=4096, allow_stock_clients=False):
        self.key = key
        self.objects = dict(objects)
        self.serializer_ids = {pyro_util.get_serializer(name).serializer_id
                               for name in serializers}
        self.handshake_timeout = handshake_timeout
        self.idle_timeout = idle_timeout
        self.max_message_bytes = max_message_bytes
        self.max_pending = max_pending
        # Keep descriptors for the worker pool, the exchange and logging: at the cap the
        # oldest unauthenticated connection makes room, so accept() never runs out.
        soft_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft_limit != resource.RLIM_INFINITY:
            max_connections = min(max_connections, max(16, soft_limit - 64))
        self.max_connections = max_connections
        # Without a key there is nothing to challenge with: stock Pyro4 framing, unsigned.
        self.allow_stock_clients = allow_stock_clients or key is None
        # Every key exists from the start, so info() can copy it while it is counted.
        self.stats = collections.Counter(dict.fromkeys((
            "accepted", "connected_challenged", "connected_stock", "refused_auth",
            "refused_framing", "refused_connect", "refused_full", "dropped_pending",
            "timed_out_handshake", "timed_out_idle"), 0))

        self._listener = socket.create_server((host, port), backlog=512)
        self._listener.setblocking(False)
        self.host, self.port = self._listener.getsockname()[:2]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._selector.register(self._wake_reader, selectors.EVENT_READ, None)
        self._returned = collections.deque()   # connections handed back by the pool
        self._waiting = {}                     # fd -> _Connection, in the selector
        self._busy = 0
        self._lock = threading.Lock()
        self._stopping = False
        self._accept_paused_until = None  # the listener is out of the selector until then
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="pyro-call")

    def uri(self, object_id):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "PYRO:%s@%s:%d" % (object_id, host, self.port)

    # ---- the selector thread ----

    def serve_forever(self):
        try:
            while not self._stopping:
                now = time.monotonic()
                if self._accept_paused_until is not None and now >= self._accept_paused_until:
                    self._accept_paused_until = None
                    self._selector.register(self._listener, selectors.EVENT_READ, None)
                timeout = max(0.0, min([c.deadline for c in self._waiting.values()],
                                       default=now + 1.0) - now)
                if self._accept_paused_until is not None:
                    timeout = min(timeout, max(0.0, self._accept_paused_until - now))
                for key, _ in self._selector.select(min(timeout, 1.0)):
                    if key.fileobj is self._listener:
                        self._accept()
                    elif key.fileobj is self._wake_reader:
                        self._drain_wakeups()
                    else:
                        try:
                            self._read(key.data)
                        except Exception:  # one bad connection never stops the server
                            log.exception("closing %s", key.data.peer)
                            self._close(key.data)
                self._expire(time.monotonic())
        finally:
            self._close_all()

    def shutdown(self):
        """Callable from a signal handler or another thread."""
        self._stopping = True
        self._wake()

    def _wake(self):
        try:
            self._wake_writer.send(b"x")
        except OSError:
            pass

    def _drain_wakeups(self):
        try:
            while self._wake_reader.recv(4096):
                pass
        except BlockingIOError:
            pass
        while self._returned:
            connection, keep = self._returned.popleft()
            self._busy -= 1
            if keep and not self._stopping:
                self._wait_for_message(connection)
            else:
                self._close(connection)

    def _accept(self):
        for _ in range(64):
            try:
                sock, peer = self._listener.accept()
            except BlockingIOError:
                return
            except OSError as error:
                if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    # Out of descriptors: free the oldest unauthenticated one, and take the
                    # listener out of the selector for a moment rather than spin on it.
                    log.warning("accept failed: %s", error)
                    self._drop_oldest_pending()
                    self._selector.unregister(self._listener)
                    self._accept_paused_until = time.monotonic() + 0.1
                    return
                if error.errno in (errno.ECONNABORTED, errno.EPROTO, errno.EINTR):
                    continue
                raise
            self.stats["accepted"] += 1
            if self._pending_count() >= self.max_pending:
                self._drop_oldest_pending()
            if len(self._waiting) + self._busy >= self.max_connections:
                if not self._drop_oldest_pending():
                    self.stats["refused_full"] += 1
                    sock.close()
                    continue
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._wait_for_message(_Connection(sock, peer))

    def _pending_count(self):
        return sum(1 for c in self._waiting.values() if not c.authenticated)

    def _drop_oldest_pending(self):
        pending = [c for c in self._waiting.values() if not c.authenticated]
        if not pending:
            return False
        self.stats["dropped_pending"] += 1
        self._close(min(pending, key=lambda c: c.accepted_at))
        return True

    def _wait_for_message(self, connection):
        now = time.monotonic()
        if connection.authenticated:
            connection.reader = wire.MessageReader(
                self.max_message_bytes, (wire.INVOKE, wire.PING),
                key=None if connection.session else self.key, session=connection.session)
            connection.deadline = now + self.idle_timeout
        else:
            connection.reader = wire.MessageReader(HANDSHAKE_MAX_BYTES, (wire.CONNECT,),
                                                   key=self.key)
            connection.deadline = connection.accepted_at + self.handshake_timeout
        connection.sock.setblocking(False)
        self._waiting[connection.sock.fileno()] = connection
        self._selector.register(connection.sock, selectors.EVENT_READ, connection)

    def _read(self, connection):
        reader = connection.reader
        try:
            message = reader.receive(connection.sock)
        except (BlockingIOError, InterruptedError):
            return
        except wire.AuthenticationError as error:
            self.stats["refused_auth"] += 1
            log.info("refused %s: %s", connection.peer, error)
            if not connection.authenticated:
                # Like Pyro4: a CONNECT with a bad HMAC gets the reason (nothing else).
                self._send_quietly(connection, self._connect_fail(str(error), reader.header))
            self._close(connection)
            return
        except wire.WireError as error:
            self.stats["refused_framing"] += 1
            log.info("closed %s: %s", connection.peer, error)
            self._close(connection)
            return
        except OSError:  # closed or reset by the peer
            self._close(connection)
            return
        if connection.authenticated:
            connection.deadline = time.monotonic() + self.idle_timeout  # progress
        if message is None:
            return
        self._unwatch(connection)
        self._busy += 1
        self._pool.submit(self._handle, connection, message)

    def _expire(self, now):
        for connection in [c for c in self._waiting.values() if c.deadline <= now]:
            self.stats["timed_out_" + ("idle" if connection.authenticated else "handshake")] += 1
            self._close(connection)

    def _unwatch(self, connection):
        if self._waiting.pop(connection.sock.fileno(), None) is not None:
            self._selector.unregister(connection.sock)

    def _close(self, connection):
        self._unwatch(connection)
        try:
            connection.sock.close()
        except OSError:
            pass

    def _close_all(self):
        for connection in list(self._waiting.values()):
            self._close(connection)
        self._pool.shutdown(wait=False)
        self._selector.close()  # (the listener may be out of it)
        self._listener.close()
        self._wake_reader.close()
        self._wake_writer.close()

    # ---- pool threads ----

    def _handle(self, connection, message):
        keep = False
        try:
            if message.type == wire.CONNECT:
                keep = self._handshake(connection, message)
            elif message.type == wire.PING:
                self._send(connection, self._encode(connection, wire.PING, b"pong", 42,
                                                    seq=message.seq))
                keep = True
            else:
                keep = self._invoke(connection, message)
        except (OSError, pyro_errors.CommunicationError) as error:
            log.info("connection %s lost: %s", connection.peer, error)
        except Exception:
            log.exception("error handling a request from %s", connection.peer)
        self._returned.append((connection, keep))
        self._wake()

    def _send(self, connection, data):
        # A client that stops reading holds this thread for the idle timeout plus 1 s/MB.
        connection.sock.settimeout(self.idle_timeout + len(data) / 1e6)
        connection.sock.sendall(data)

    def _encode(self, connection, msg_type, data, serializer_id, flags=0, seq=0,
                annotations=None):
        return wire.encode(msg_type, data, serializer_id, flags, seq, annotations,
                           key=self.key, session=connection.session)

    def _connect_fail(self, reason, header, serializer_id=None):
        """A CONNECTFAIL with the reason only, in marshal unless the client's serializer is
        known (Pyro4 does the same), signed with the shared key."""
        serializer = pyro_util.get_serializer_by_id(serializer_id or wire.MARSHAL_SERIALIZER)
        data, _ = serializer.serializeData(reason)
        return wire.encode(wire.CONNECTFAIL, data, serializer.serializer_id, 0,
                           header.seq if header else 0, key=self.key)

    @staticmethod
    def _send_quietly(connection, data):
        try:
            connection.sock.send(data)  # non-blocking: a few bytes, dropped if they do not fit
        except OSError:
            pass

    def _handshake(self, connection, message):
        def refuse(reason, serializer_id=None):
            self.stats["refused_connect"] += 1
            self._send(connection, self._connect_fail(reason, message, serializer_id))
            return False

        if message.serializer_id not in self.serializer_ids:
            return refuse("message used serializer that is not accepted: %d"
                          % message.serializer_id)
        client_nonce = message.annotations.get("PXNC")
        if client_nonce is None and not self.allow_stock_clients:
            return refuse("this script host needs Parallax's connection challenge (PXNC); "
                          "stock Pyro4 clients only with --pyro-compat",
                          message.serializer_id)
        serializer = pyro_util.get_serializer_by_id(message.serializer_id)
        try:
            data = serializer.deserializeData(message.data, message.flags & wire.FLAG_COMPRESSED)
            object_id = data["object"]
        except Exception:
            return refuse("malformed handshake", message.serializer_id)
        target = self.objects.get(object_id) if isinstance(object_id, str) else None
        if target is None:
            return refuse("unknown object", message.serializer_id)
        reply = "hello"
        flags = 0
        if message.flags & wire.FLAG_META_ON_CONNECT:
            flags = wire.FLAG_META_ON_CONNECT
            reply = {"handshake": reply,
                     "meta": pyro_util.get_exposed_members(target, as_lists=True)}
        annotations = {}
        if client_nonce is not None and self.key is not None:
            host_nonce = wire.new_nonce()
            try:
                connection.session = wire.Session(self.key, client_nonce, host_nonce, True)
            except wire.AuthenticationError as error:
                return refuse(str(error), message.serializer_id)
            annotations["PXNC"] = host_nonce
        else:
            connection.legacy = True
        connection.serializer_id = message.serializer_id
        connection.object_id = object_id
        payload, _ = serializer.serializeData(reply)
        self._send(connection, self._encode(connection, wire.CONNECTOK, payload,
                                            message.serializer_id, flags, message.seq,
                                            annotations))
        self.stats["connected_" + ("challenged" if connection.session else "stock")] += 1
        return True

    def _invoke(self, connection, message):
        flags, seq, serializer_id = message.flags, message.seq, message.serializer_id
        try:
            if serializer_id not in self.serializer_ids:
                serializer_id = connection.serializer_id
                raise pyro_errors.SerializeError(
                    "message used serializer that is not accepted: %d" % message.serializer_id)
            serializer = pyro_util.get_serializer_by_id(serializer_id)
            if flags & (wire.FLAG_BATCH | wire.FLAG_KEEPSERIALIZED):
                raise pyro_errors.ProtocolError("batched and blob calls are not supported")
            object_id, method, vargs, kwargs = serializer.deserializeCall(
                message.data, compressed=flags & wire.FLAG_COMPRESSED)
            del message
            target = self.objects.get(object_id) if isinstance(object_id, str) else None
            if target is None:
                raise pyro_errors.DaemonError("unknown object")
            if method in ("__getattr__", "__setattr__"):
                raise AttributeError("attribute access is not supported")
            result = pyro_util.getAttribute(target, method)(*vargs, **kwargs)
            if flags & wire.FLAG_ONEWAY:
                return True
            payload, _ = serializer.serializeData(result)
            reply_flags = 0
        except Exception as error:
            if flags & wire.FLAG_ONEWAY:
                return True
            error._pyroTraceback = pyro_util.formatTraceback(detailed=False)
            serializer = pyro_util.get_serializer_by_id(serializer_id)
            try:
                payload, _ = serializer.serializeData(error)
            except Exception:
                substitute = pyro_errors.PyroError("%s: %s" % (type(error).__name__, error))
                substitute._pyroTraceback = error._pyroTraceback
                payload, _ = serializer.serializeData(substitute)
            reply_flags = wire.FLAG_EXCEPTION
        self._send(connection, self._encode(connection, wire.RESULT, payload, serializer_id,
                                            reply_flags, seq))
        return True
