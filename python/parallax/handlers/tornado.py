"""``PerspectiveTornadoHandler``: a Tornado websocket endpoint for a Server's tables.

    server = parallax.Server()
    server.new_local_client().table(data, name="data_source")
    app = tornado.web.Application([
        (r"/websocket", PerspectiveTornadoHandler, {"perspective_server": server}),
    ])

The reference's JavaScript client (``perspective.websocket(URL)``) and ``<perspective-viewer>``
then open ``data_source`` as they would against ``parallax serve``.
"""

import tornado.websocket

from ._loop import LoopSession, origin_allowed, take_options


class PerspectiveTornadoHandler(tornado.websocket.WebSocketHandler):
    """Options (the dict in the route): ``perspective_server`` (or ``server``), the Server
    to host (default: the module's); ``lock``: clients may read but not create, update or
    delete tables; ``executor``: a concurrent.futures executor to apply messages on, off
    the event loop (each client's messages still apply in order); ``allowed_origins``:
    the web pages' origins that may connect besides the app's own (exact, or "*"; a page
    on any other origin is refused with 403, so a site the user visits cannot reach the
    tables); ``check_origin=True``: any page may connect (the reference's default);
    ``max_message_size`` and ``max_queued_bytes`` (256 MiB each, as ``parallax serve``)."""

    def initialize(self, **options):
        take_options(self, **options)
        self._session = None

    @property
    def max_message_size(self):
        return self._max_message_size

    def check_origin(self, origin):
        return self._any_origin or origin_allowed(origin, self.request.protocol,
                                                  self.request.host, self._allowed_origins)

    def open(self):
        self._session = LoopSession(self._server, self._send, self._cut_off, lock=self._lock,
                                    executor=self._executor,
                                    max_queued_bytes=self._max_queued_bytes)

    async def on_message(self, message):
        # Tornado delivers the next message only once this coroutine returns: in order.
        if self._session is not None:
            await self._session.handle(message)

    def on_close(self):
        if self._session is not None:
            self._session.close()

    async def _send(self, message):
        try:
            await self.write_message(message, binary=True)
        except tornado.websocket.WebSocketClosedError:
            pass

    async def _cut_off(self):
        self.close(1008, "the client stopped reading")
