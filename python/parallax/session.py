"""Sessions: the reference's ``Server.new_session(response_cb)``, one remote client of a
Server speaking the Perspective 3.8 protocol (the bytes `parallax serve` exchanges over its
websocket). The web handlers in ``parallax.handlers`` are built on it; use it directly for
another transport.
"""

MAX_QUEUED_BYTES = 256 << 20  # as `parallax serve`: a client this far behind is cut off
# The requests that change a table's rows: under a Server's on_poll_request they wait for poll().
_CHANGES = ("table_update_req", "table_replace_req", "table_remove_req")


def _changes_rows(message):
    try:
        from . import perspective_pb2 as pb
        return pb.Request.FromString(message).WhichOneof("client_req") in _CHANGES
    except Exception:  # no protobuf, or not a request: the engine answers it as it is
        return False


class Session:
    """One remote client of a Server. ``handle_request(bytes)`` takes a protocol message;
    answers and ``on_update`` notifications go to ``response_cb(bytes)`` when ``poll()`` runs
    (``handle_request`` polls too). Notifications caused by other clients or by the Python
    API wait until the next ``poll()``: an event loop can watch ``fileno()``, which becomes
    readable when something waits. ``lock=True``: the client may read tables but not create,
    update, remove from or delete them (they are answered with a server_error).
    Under a Server's ``on_poll_request``, a client's update, replace or remove waits for the
    Server's ``poll()`` (as local changes do; on_poll_request is called), and so does every
    later request of that client, which then reads its own change."""

    def __init__(self, server, response_cb, lock=False, max_queued_bytes=MAX_QUEUED_BYTES):
        self._server = server
        self._response_cb = response_cb
        self._client = server._session.connect(lock=bool(lock), max_queued_bytes=max_queued_bytes)
        self._held = 0  # this client's requests waiting for the Server's poll()
        self._closed = False

    def handle_request(self, message):
        self.handle(message)
        self.poll()

    def handle(self, message):
        """Applies one message without polling (safe from any thread; the engine is
        locked while it works, without the GIL)."""
        if isinstance(message, str):
            message = message.encode("utf-8")
        message = bytes(message)
        server = self._server
        if server._on_poll_request is not None:
            change = _changes_rows(message)
            with server._lock:
                hold = change or self._held > 0
                if hold:
                    self._held += 1
            if hold:
                server._change(lambda: self._apply_held(message))
                return
        self._apply(message)

    def _apply(self, message):
        self._server._dispatch(self._client.handle(message))
        self._server._tables_changed()

    def _apply_held(self, message):
        with self._server._lock:
            self._held -= 1
        if not self._closed:
            self._apply(message)

    def poll(self):
        """Sends what waits to response_cb; answers False once this client is cut off (its
        queue overflowed) or closed."""
        messages = self._client.drain()
        if messages is None:
            return False
        for message in messages:
            self._response_cb(message)
        return True

    def fileno(self):
        return self._client.fileno()

    def close(self):
        """The client went away: its views and subscriptions go with it."""
        self._closed = True
        self._client.close()
        self._server._tables_changed()


class AsyncSession:
    """A Session whose ``handle_request`` and ``poll`` are coroutines: ``response_cb`` may be
    a coroutine function (it is awaited for each message, in order). Made by
    ``AsyncServer.new_session``."""

    def __init__(self, server, response_cb, lock=False, max_queued_bytes=MAX_QUEUED_BYTES):
        self._server = server
        self._response_cb = response_cb
        self._outbox = []
        self._session = Session(server, self._outbox.append, lock=lock,
                                max_queued_bytes=max_queued_bytes)
        self._polling = None

    async def handle_request(self, message):
        self._session.handle(message)
        await self._server._poll_sessions()

    async def poll(self):
        """Sends what waits to response_cb; answers False once this client is cut off."""
        alive = self._session.poll()
        messages, self._outbox[:] = list(self._outbox), []
        for message in messages:
            result = self._response_cb(message)
            if hasattr(result, "__await__"):
                await result
        return alive

    def fileno(self):
        return self._session.fileno()

    def close(self):
        self._session.close()
