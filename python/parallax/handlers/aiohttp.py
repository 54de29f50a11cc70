"""``PerspectiveAIOHTTPHandler``: an AIOHTTP websocket endpoint for a Server's tables.

    server = parallax.Server()
    server.new_local_client().table(data, name="data_source")

    async def websocket_handler(request):
        handler = PerspectiveAIOHTTPHandler(perspective_server=server, request=request)
        return await handler.run()

    app = aiohttp.web.Application()
    app.router.add_get("/websocket", websocket_handler)
"""

import asyncio

from aiohttp import WSMsgType, web

from ._loop import LoopSession, origin_allowed, take_options


class PerspectiveAIOHTTPHandler:
    """``request``: the aiohttp request to answer; ``perspective_server`` (or ``server``),
    ``lock``, ``executor``, ``allowed_origins``, ``check_origin``, ``max_message_size`` and
    ``max_queued_bytes`` as for ``PerspectiveTornadoHandler``. ``run()`` serves the client
    until it goes away and answers the ``WebSocketResponse`` (or a 403 for a page on another
    origin)."""

    def __init__(self, request, **options):
        self._request = request
        take_options(self, **options)

    async def run(self):
        origin = self._request.headers.get("Origin")
        if not self._any_origin and not origin_allowed(origin, self._request.scheme,
                                                       self._request.host, self._allowed_origins):
            return web.Response(status=403, text="a page from %s may not open this websocket\n"
                                % origin)
        ws = web.WebSocketResponse(max_msg_size=self._max_message_size)
        await ws.prepare(self._request)

        async def send(message):
            if not ws.closed:
                try:
                    await ws.send_bytes(message)
                except ConnectionError:
                    pass

        closing = []

        async def cut_off():
            # Its own task: the reading loop ends on this close, then cancels the writer
            # task this runs on, and must wait for the close (with its code) to be sent.
            closing.append(asyncio.ensure_future(
                ws.close(code=1008, message=b"the client stopped reading")))
            await asyncio.shield(closing[0])

        session = LoopSession(self._server, send, cut_off, lock=self._lock,
                              executor=self._executor, max_queued_bytes=self._max_queued_bytes)
        try:
            async for message in ws:
                if message.type in (WSMsgType.BINARY, WSMsgType.TEXT):
                    await session.handle(message.data)
            for close in closing:
                await close
        finally:
            session.close()
        return ws
