"""Websocket transports for the protocol clients of parallax.remote. A transport is two
coroutine functions on one asyncio loop: ``send(bytes)`` and ``receive()`` (the next
message, or None once the socket closed); ``close()`` ends it. The framework modules
(tornado.py, aiohttp.py) make them; this module runs them for an AsyncClient on the caller's
loop, or for a synchronous Client on a loop thread of its own."""

import asyncio
import logging
import queue
import threading

from .._parallax import PerspectiveError
from ..remote import AsyncClient, ProtocolClient, check_timeout

_log = logging.getLogger("parallax")


def check_url(url):
    if not isinstance(url, str) or not url.startswith(("ws://", "wss://")):
        raise PerspectiveError("a websocket URL is ws://host:port/path (or wss://), not %r"
                               % (url,))
    return url


class Transport:
    def __init__(self, send, receive, close):
        self.send = send
        self.receive = receive
        self.close = close


async def serve_client(client, transport):
    """Passes every message of `transport` to the client until the socket closes."""
    while True:
        message = await transport.receive()
        if message is None:
            client._closed_by_server()
            return
        try:
            result = client.handle_response(message)
            if asyncio.iscoroutine(result):
                await result
        except PerspectiveError as error:
            _log.warning("parallax: ignored a message from the server: %s", error)


class WebsocketAsyncClient(AsyncClient):
    """An AsyncClient over a websocket on the running loop; ``terminate()`` closes it."""

    def __init__(self, transport):
        super().__init__(transport.send, transport.close)
        self._reader = asyncio.get_running_loop().create_task(serve_client(self, transport))

    def _closed_by_server(self):
        self._fail_waiting("the server closed the websocket")


class WebsocketClient(ProtocolClient):
    """A synchronous Client over a websocket whose loop runs on its own thread. Callbacks
    run in order on one callback thread, so they may call the client's methods."""

    def __init__(self, loop, transport, timeout):
        self._loop = loop
        self._callbacks = queue.SimpleQueue()
        self._callback_thread = threading.Thread(target=self._run_callbacks, daemon=True,
                                                 name="parallax-websocket-callbacks")
        self._callback_thread.start()

        def send(message):
            future = asyncio.run_coroutine_threadsafe(transport.send(message), loop)
            future.result(timeout)

        def close():
            asyncio.run_coroutine_threadsafe(transport.close(), loop).result(timeout)
            loop.call_soon_threadsafe(loop.stop)
            self._callbacks.put(None)

        super().__init__(send, close, timeout=timeout, callback_runner=self._callbacks.put)
        asyncio.run_coroutine_threadsafe(self._serve(transport), loop)

    async def _serve(self, transport):
        await serve_client(self, transport)

    def _run_callbacks(self):
        while True:
            callback = self._callbacks.get()
            if callback is None:
                return
            callback()

    def _closed_by_server(self):
        self._fail_waiting("the server closed the websocket")


def websocket(url, timeout=60.0, framework="tornado", **options):
    """A synchronous Client of the server at `url` (``ws://host:port/websocket``, with
    ``?token=...`` for a server that wants one). `framework`: "tornado" or "aiohttp" (the
    websocket client library to use); `options` go to its connect call (e.g. headers)."""
    check_url(url)
    check_timeout(timeout)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True, name="parallax-websocket")
    thread.start()
    try:
        transport = asyncio.run_coroutine_threadsafe(
            _connect(framework, url, options), loop).result(timeout)
    except BaseException as error:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        if isinstance(error, PerspectiveError):
            raise
        raise PerspectiveError("could not connect to %s: %s" % (url, error)) from None
    return WebsocketClient(loop, transport, timeout)


async def _connect(framework, url, options):
    if framework == "tornado":
        from .tornado import connect
    elif framework == "aiohttp":
        from .aiohttp import connect
    else:
        raise PerspectiveError("framework must be \"tornado\" or \"aiohttp\", not %r" % (framework,))
    return await connect(url, **options)
