"""Sessions: the reference's ``Server.new_session(response_cb)``, one remote client of a
Server speaking the Perspective 3.8 protocol (the bytes `parallax serve` exchanges over its
websocket). The web handlers in ``parallax.handlers`` are built on it; use it directly for
another transport.
"""

MAX_QUEUED_BYTES = 256 << 20  # as `parallax serve`: a client this far behind is cut off


class Session:
    """One remote client of a Server. ``handle_request(bytes)`` takes a protocol message;
    answers and ``on_update`` notifications go to ``response_cb(bytes)`` when ``poll()`` runs
    (``handle_request`` polls too). Notifications caused by other clients or by the Python
    API wait until the next ``poll()``: an event loop can watch ``fileno()``, which becomes
    readable when something waits. ``lock=True``: the client may read tables but not create,
    update, remove from or delete them (they are answered with a server_error)."""

    def __init__(self, server, response_cb, lock=False, max_queued_bytes=MAX_QUEUED_BYTES):
        self._server = server
        self._response_cb = response_cb
        self._client = server._session.connect(lock=bool(lock), max_queued_bytes=max_queued_bytes)

    def handle_request(self, message):
        self.handle(message)
        self.poll()

    def handle(self, message):
        """Applies one message without polling (safe from any thread; the engine is
        locked while it works, without the GIL)."""
        if isinstance(message, str):
            message = message.encode("utf-8")
        self._server._dispatch(self._client.handle(bytes(message)))
        self._server._tables_changed()

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
