"""Python clients of a remote server (``parallax serve``, or any app with a handler from
``parallax.handlers``), over its websocket:

- ``parallax.websocket(url)``: a synchronous ``Client`` (its socket runs on a thread of its own).
- ``await parallax.client.tornado.websocket(url)`` and
  ``await parallax.client.aiohttp.websocket(url)``: an ``AsyncClient`` on the running loop,
  through Tornado's or AIOHTTP's websocket client.

Tables and views opened through them have the local API (see parallax.remote).
"""

from ._connection import websocket

__all__ = ["websocket"]
