"""``PerspectiveStarletteHandler``: a Starlette (and FastAPI) websocket endpoint for a
Server's tables.

    server = parallax.Server()
    server.new_local_client().table(data, name="data_source")

    async def websocket_endpoint(websocket: fastapi.WebSocket):
        handler = PerspectiveStarletteHandler(perspective_server=server, websocket=websocket)
        await handler.run()

    app = fastapi.FastAPI()
    app.add_api_websocket_route("/websocket", websocket_endpoint)
"""

import asyncio

from starlette.websockets import WebSocketDisconnect, WebSocketState

from ._loop import LoopSession, origin_allowed, take_options


class PerspectiveStarletteHandler:
    """``websocket``: the Starlette/FastAPI WebSocket to serve; ``perspective_server`` (or
    ``server``), ``lock``, ``executor``, ``allowed_origins``, ``check_origin``,
    ``max_message_size`` and ``max_queued_bytes`` as for ``PerspectiveTornadoHandler``.
    ``run()`` serves the client until it goes away (a page on another origin is refused:
    the websocket is closed with code 1008 before it is accepted, which the browser sees as
    a failed upgrade with HTTP 403)."""

    def __init__(self, websocket, **options):
        self._websocket = websocket
        take_options(self, **options)

    async def run(self):
        websocket = self._websocket
        origin = websocket.headers.get("origin")
        scheme = "https" if websocket.url.scheme in ("wss", "https") else "http"
        if not self._any_origin and not origin_allowed(origin, scheme, websocket.headers.get("host"),
                                                       self._allowed_origins):
            await websocket.close(code=1008)
            return
        await websocket.accept()

        async def send(message):
            if websocket.application_state == WebSocketState.CONNECTED:
                try:
                    await websocket.send_bytes(message)
                except (RuntimeError, ConnectionError, WebSocketDisconnect):
                    pass

        closing = []

        async def cut_off():
            closing.append(asyncio.ensure_future(websocket.close(code=1008,
                                                                 reason="the client stopped reading")))
            await asyncio.shield(closing[0])

        session = LoopSession(self._server, send, cut_off, lock=self._lock,
                              executor=self._executor, max_queued_bytes=self._max_queued_bytes)
        try:
            while not closing:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes")
                if data is None:
                    data = (message.get("text") or "").encode("utf-8")
                if len(data) > self._max_message_size:
                    await websocket.close(code=1009, reason="message too big")
                    break
                await session.handle(data)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            session.close()
