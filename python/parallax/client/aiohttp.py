"""``await parallax.client.aiohttp.websocket(url)``: an AsyncClient of a remote server over
AIOHTTP's websocket client, on the running loop."""

import aiohttp

from .._parallax import PerspectiveError
from ._connection import Transport, WebsocketAsyncClient, check_url


async def connect(url, headers=None, max_message_size=256 << 20, session=None):
    own = session is None
    session = session or aiohttp.ClientSession()
    try:
        socket = await session.ws_connect(url, headers=headers, max_msg_size=max_message_size)
    except Exception as error:
        if own:
            await session.close()
        raise PerspectiveError("could not connect to %s: %s" % (url, error)) from None

    async def send(message):
        if socket.closed:
            raise PerspectiveError("the websocket to %s is closed" % url)
        await socket.send_bytes(message)

    async def receive():
        message = await socket.receive()
        if message.type == aiohttp.WSMsgType.BINARY:
            return message.data
        if message.type == aiohttp.WSMsgType.TEXT:
            return message.data.encode()
        return None

    async def close():
        await socket.close()
        if own:
            await session.close()

    return Transport(send, receive, close)


async def websocket(url, **options):
    """An AsyncClient connected to `url` (``headers=``, ``session=`` an aiohttp
    ClientSession to use)."""
    check_url(url)
    return WebsocketAsyncClient(await connect(url, **options))
