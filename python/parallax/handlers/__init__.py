"""Web handlers that host a Server's tables for ``<perspective-viewer>`` and the reference's
JavaScript client, over the same websocket protocol as ``parallax serve``:
``parallax.handlers.tornado.PerspectiveTornadoHandler``,
``parallax.handlers.aiohttp.PerspectiveAIOHTTPHandler`` and
``parallax.handlers.starlette.PerspectiveStarletteHandler`` (Starlette and FastAPI). Each imports its framework only
when used."""
