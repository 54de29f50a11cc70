"""Web handlers that host a Server's tables for ``<perspective-viewer>`` and the reference's
JavaScript client, over the same websocket protocol as ``parallax serve``:
``parallax.handlers.tornado.PerspectiveTornadoHandler`` and
``parallax.handlers.aiohttp.PerspectiveAIOHTTPHandler``. Each imports its framework only
when used."""
