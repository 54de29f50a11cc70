#!/usr/bin/python3
"""Host tables from a Python program for <perspective-viewer>: the Python counterpart of
`parallax serve`, on Tornado (default) or AIOHTTP, with the viewer page in web/.

    PYTHONPATH=build/python /usr/bin/python3 examples/python_server.py \
        examples/orders_sample.csv --index order_id --port 8888
    # then open http://127.0.0.1:8888/

FILE... become tables named after the files (CSV, JSON, Arrow). --lock: clients may read
tables but not create, change or delete them. --port 0 picks a free port; the first line
printed names the address (the same line as `parallax serve`, which the tests read).
"""
import argparse
import asyncio
import mimetypes
import os
import socket
import sys

import parallax

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_tables(server, paths, index):
    client = server.new_local_client()
    for path in paths:
        name, extension = os.path.splitext(os.path.basename(path))
        binary = extension in (".arrow", ".arrows")
        with open(path, "rb" if binary else "r") as f:
            data = f.read()
        header = data.split("\n", 1)[0].split(",") if extension == ".csv" else []
        # As `parallax serve --index`: each table keyed by the column when it has one.
        keyed = index if index and (not header or index in header) else None
        client.table(data, name=name, index=keyed,
                     format="json" if extension == ".json" else None)


async def serve_tornado(server, args, web_root):
    import tornado.web
    from parallax.handlers.tornado import PerspectiveTornadoHandler

    app = tornado.web.Application([
        (r"/websocket", PerspectiveTornadoHandler, {"perspective_server": server, "lock": args.lock}),
        (r"/(.*)", tornado.web.StaticFileHandler, {"path": web_root, "default_filename": "index.html"}),
    ])
    import tornado.httpserver
    import tornado.netutil

    sockets = tornado.netutil.bind_sockets(args.port, address=args.host)
    tornado.httpserver.HTTPServer(app).add_sockets(sockets)
    return sockets[0].getsockname()[1]


async def serve_aiohttp(server, args, web_root):
    from aiohttp import web
    from parallax.handlers.aiohttp import PerspectiveAIOHTTPHandler

    async def websocket(request):
        return await PerspectiveAIOHTTPHandler(request=request, perspective_server=server,
                                               lock=args.lock).run()

    async def index(request):
        return web.FileResponse(os.path.join(web_root, "index.html"))

    app = web.Application()
    app.router.add_get("/websocket", websocket)
    app.router.add_get("/", index)
    app.router.add_static("/", web_root)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind((args.host, args.port))
    await web.SockSite(runner, sock).start()
    return sock.getsockname()[1]


async def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--framework", choices=["tornado", "aiohttp"], default="tornado")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8888)
    ap.add_argument("--index")
    ap.add_argument("--lock", action="store_true")
    ap.add_argument("--web", default=os.path.join(REPO, "web"), help="the viewer page's folder")
    args = ap.parse_args(argv)
    mimetypes.add_type("application/wasm", ".wasm")  # the viewer streams its wasm
    mimetypes.add_type("text/javascript", ".js")

    server = parallax.Server()
    load_tables(server, args.files, args.index)
    serve = serve_tornado if args.framework == "tornado" else serve_aiohttp
    port = await serve(server, args, os.path.abspath(args.web))
    print("parallax: serving %d table(s) at http://%s:%d/ (websocket: /websocket)%s"
          % (len(args.files), args.host, port, ", locked" if args.lock else ""), flush=True)
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1:]))
    except KeyboardInterrupt:
        pass
