"""What both web handlers share: a Session whose answers and notifications an asyncio event
loop writes to the websocket, in order, from one writer task. Notifications may be queued
by any thread (a Python thread updating a table): the queue's eventfd wakes the loop
through add_reader, so they reach the socket without the loop polling."""

import asyncio
import logging

from ..session import MAX_QUEUED_BYTES, Session

_log = logging.getLogger("parallax.handlers")

MAX_MESSAGE_BYTES = 256 << 20  # one incoming message, as `parallax serve`


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
