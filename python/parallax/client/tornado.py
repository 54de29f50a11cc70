"""``await parallax.client.tornado.websocket(url)``: an AsyncClient of a remote server over
Tornado's websocket client, on the running loop."""

import tornado.httpclient
import tornado.websocket

from .._parallax import PerspectiveError
from ._connection import Transport, WebsocketAsyncClient, check_url


async def connect(url, headers=None, max_message_size=256 << 20):
    try:
        request = tornado.httpclient.HTTPRequest(url, headers=headers or {})
        socket = await tornado.websocket.websocket_connect(request,
                                                           max_message_size=max_message_size)
    except Exception as error:
        raise PerspectiveError("could not connect to %s: %s" % (url, error)) from None

    async def send(message):
        try:
            await socket.write_message(message, binary=True)
        except tornado.websocket.WebSocketClosedError:
            raise PerspectiveError("the websocket to %s is closed" % url) from None

    async def receive():
        message = await socket.read_message()
        return message.encode() if isinstance(message, str) else message

    async def close():
        socket.close()

    return Transport(send, receive, close)


async def websocket(url, **options):
    """An AsyncClient connected to `url` (``headers=`` for extra request headers)."""
    check_url(url)
    return WebsocketAsyncClient(await connect(url, **options))
