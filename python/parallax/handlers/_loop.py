"""What both web handlers share: a Session whose answers and notifications an asyncio event
loop writes to the websocket, in order, from one writer task. Notifications may be queued
by any thread (a Python thread updating a table): the queue's eventfd wakes the loop
through add_reader, so they reach the socket without the loop polling."""

import asyncio
import logging

from ..session import MAX_QUEUED_BYTES, Session

_log = logging.getLogger("parallax.handlers")

MAX_MESSAGE_BYTES = 256 << 20  # one incoming message, as `parallax serve`


def _normalised_origin(origin):
    """"HTTP://Example.com" -> "http://example.com:80"; None when not scheme://host[:port]."""
    scheme, separator, authority = origin.rstrip("/").partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in ("http", "https") or not authority:
        return None
    if any(c in authority for c in "/?#@ \\"):
        return None
    host, port = authority, ""
    if authority.startswith("["):
        host, _, port = authority.partition("]")
        host += "]"
        if port and not port.startswith(":"):
            return None
        port = port[1:]
    elif ":" in authority:
        host, _, port = authority.rpartition(":")
    if not port:
        port = "443" if scheme == "https" else "80"
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return "%s://%s:%d" % (scheme, host.lower(), int(port))


def origin_allowed(origin, scheme, host, allowed_origins=()):
    """Whether a websocket upgrade may go on, as for ``parallax serve``: a request without
    Origin is not from a web page; a page may connect when its origin is the app's own
    (``scheme``://``host``, the Host it was reached at) or in ``allowed_origins`` (exact
    origins such as "https://app.example.com:8443", or "*" for any page)."""
    if origin is None or "*" in allowed_origins:
        return True
    page = _normalised_origin(origin)
    if page is None:
        return False
    allowed = {_normalised_origin(o) for o in allowed_origins}
    return page in allowed or page == _normalised_origin("%s://%s" % (scheme, host or ""))


def default_server(perspective_server, server):
    """The handlers' ``perspective_server=`` (the reference's name) or ``server=``; the
    module's default Server (the one ``parallax.table`` uses) when neither is given."""
    if perspective_server is not None and server is not None and perspective_server is not server:
        raise ValueError("give perspective_server= or server=, not two different servers")
    chosen = perspective_server if perspective_server is not None else server
    if chosen is None:
        import parallax
        chosen = parallax._client()._server
    return chosen


def take_options(handler, perspective_server=None, server=None, lock=False, executor=None,
                 check_origin=False, allowed_origins=(), max_message_size=MAX_MESSAGE_BYTES,
                 max_queued_bytes=MAX_QUEUED_BYTES, manager=None):
    """The options every handler takes (documented on PerspectiveTornadoHandler), kept on
    `handler`. ``manager``: a PerspectiveManager (the reference's older API): its Server,
    locked when the manager is."""
    if manager is not None:
        server = manager._server if server is None else server
        lock = lock or manager._locked
    handler._server = default_server(perspective_server, server)
    handler._lock = lock
    handler._executor = executor
    handler._any_origin = check_origin
    handler._allowed_origins = tuple(allowed_origins)
    handler._max_message_size = max_message_size
    handler._max_queued_bytes = max_queued_bytes


class LoopSession:
    """A Session served by the running asyncio loop. ``send`` is a coroutine function that
    writes one binary message; ``on_cut_off`` runs when the client fell too far behind."""

    def __init__(self, server, send, on_cut_off, lock=False, executor=None,
                 max_queued_bytes=MAX_QUEUED_BYTES):
        self._outbox = []
        self._session = Session(server, self._outbox.append, lock=lock,
                                max_queued_bytes=max_queued_bytes)
        self._loop = asyncio.get_running_loop()
        self._executor = executor
        self._wake = asyncio.Event()
        self._fd = self._session.fileno()
        self._loop.add_reader(self._fd, self._wake.set)
        self._writer = self._loop.create_task(self._write(send, on_cut_off))
        self._closed = False

    async def handle(self, message):
        """One message from the client; the answers follow through the writer."""
        if self._closed:
            return
        if self._executor is None:
            self._session.handle(message)
        else:
            await self._loop.run_in_executor(self._executor, self._session.handle, message)
        self._wake.set()

    async def _write(self, send, on_cut_off):
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self._session.poll():
                if not self._closed:
                    _log.warning("parallax: a websocket client stopped reading; dropping it")
                    await on_cut_off()
                return
            messages, self._outbox[:] = list(self._outbox), []
            for message in messages:
                await send(message)

    def close(self):
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self._fd)
        self._writer.cancel()
        self._session.close()
