"""`parallax script-host`: starts the Pyro4 daemon with one ScriptHost object."""

import argparse
import glob
import os
import resource
import signal
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # workers are single-threaded
os.environ.setdefault("OMP_NUM_THREADS", "1")

import Pyro4  # noqa: E402

from parallax_scripthost import OBJECT_ID, checks, server  # noqa: E402


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="parallax script-host",
        description="Runs transform and connector scripts over Pyro4.",
        epilog="example:\n  head -c 32 /dev/urandom | base64 > key && chmod 600 key\n"
               "  parallax script-host --port 9090 --hmac-key-file key",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090, help="0 picks a free port")
    parser.add_argument("--hmac-key-file", help="file holding the HMAC key (required)")
    parser.add_argument("--insecure-no-hmac", action="store_true",
                        help="accept connections without an HMAC key (unsafe)")
    parser.add_argument("--pyro-compat", action="store_true",
                        help="also accept stock Pyro4 clients, whose HMAC does not bind a "
                             "request to its connection (recorded requests can be replayed)")
    parser.add_argument("--handshake-timeout", type=float, default=5.0,
                        help="seconds a new connection has to authenticate")
    parser.add_argument("--idle-timeout", type=float, default=120.0,
                        help="seconds an authenticated connection may stay idle")
    parser.add_argument("--max-message-mb", type=int, default=1025,
                        help="largest request accepted (MiB); the header is refused first")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="also accept the pickle serializer (unsafe: it runs code)")
    parser.add_argument("--profile", choices=("restricted", "trusted"), default="restricted")
    parser.add_argument("--code-path", action="append", default=[],
                        help="directory of modules scripts may import (repeatable)")
    parser.add_argument("--allow-import", action="append", default=None,
                        help="replaces the default import allow-list (repeatable)")
    parser.add_argument("--also-allow-import", action="append", default=[],
                        help="adds a module to the import allow-list (repeatable)")
    parser.add_argument("--allow-network", action="store_true",
                        help="let scripts use the network")
    parser.add_argument("--workers", type=int, default=2, help="pre-forked idle workers")
    parser.add_argument("--memory-mb", type=int, default=1024, help="memory per script")
    parser.add_argument("--file-mb", type=int, default=64, help="largest file a script writes")
    parser.add_argument("--disk-mb", type=int, default=256,
                        help="all a script writes (its scratch is a tmpfs of this size)")
    parser.add_argument("--max-timeout", type=float, default=3600)
    parser.add_argument("--max-cells", type=int, default=50_000_000,
                        help="largest output (rows x columns)")
    parser.add_argument("--testing-skip-script-checks", action="store_true",
                        help=argparse.SUPPRESS)  # tests only: the OS fences alone
    return parser.parse_args(argv)


def read_key(path):
    with open(path, "rb") as key_file:
        key = key_file.read().strip()
    if not key:
        raise SystemExit("parallax script-host: the HMAC key file %s is empty" % path)
    return key


def local_modules(code_paths):
    names = set()
    for directory in code_paths:
        for entry in glob.glob(os.path.join(directory, "*")):
            base = os.path.basename(entry)
            if base.endswith(".py"):
                names.add(base[:-3])
            elif os.path.isfile(os.path.join(entry, "__init__.py")):
                names.add(base)
    return sorted(names)


def main(argv=None):
    # A key given in the environment is taken out of it at once: no process started from
    # here (the fork server, the workers) inherits it.
    environment_key = os.environ.pop("PYRO_HMAC_KEY", "").strip().encode() or None
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    if not args.hmac_key_file and not environment_key and not args.insecure_no_hmac:
        raise SystemExit("parallax script-host: an HMAC key is required (--hmac-key-file F "
                         "or PYRO_HMAC_KEY); --insecure-no-hmac runs without one")
    key = read_key(args.hmac_key_file) if args.hmac_key_file else environment_key
    code_paths = [os.path.abspath(path) for path in args.code_path]
    for path in code_paths:
        if not os.path.isdir(path):
            raise SystemExit("parallax script-host: --code-path %s is not a directory" % path)
    sys.path[:0] = code_paths  # workers inherit it through the fork server

    configured = checks.allow_list(args.allow_import, args.also_allow_import)
    allowed = checks.effective_allow_list(configured)
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    settings = {
        "profile": args.profile,
        "allowed_imports": allowed,
        # Allowed but not importable here: refused as "not installed", not "not allowed".
        "missing_imports": tuple(name for name in configured if name not in allowed),
        "code_paths": code_paths + [package_dir],
        "local_modules": local_modules(code_paths),
        "network": args.allow_network,
        "memory_bytes": args.memory_mb << 20,
        "file_bytes": args.file_mb << 20,
        "disk_bytes": args.disk_mb << 20,
        "skip_checks": args.testing_skip_script_checks,
        "open_files": 256,
        "default_timeout": 10.0,
        "max_timeout": args.max_timeout,
        "max_cells": args.max_cells,
    }

    for name in ("handshake_timeout", "idle_timeout", "max_message_mb"):
        if not getattr(args, name) > 0:
            raise SystemExit("parallax script-host: --%s must be positive" % name.replace("_", "-"))
    # Connections cost a descriptor each (server.py keeps some in reserve).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < min(hard, 65536):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    serializers = {"serpent", "json"} | ({"pickle"} if args.allow_pickle else set())
    Pyro4.config.SERIALIZERS_ACCEPTED = serializers
    Pyro4.config.DETAILED_TRACEBACK = False

    from parallax_scripthost.exchange import Exchange
    from parallax_scripthost.host import ScriptHost
    from parallax_scripthost.pool import WorkerPool

    pool = WorkerPool(settings, size=args.workers)
    exchange = Exchange(pool.scratch_root, pool.max_reply_bytes)
    host = ScriptHost(pool, settings, exchange)
    daemon = server.Server(args.host, args.port, key, {OBJECT_ID: host}, serializers,
                           handshake_timeout=args.handshake_timeout,
                           idle_timeout=args.idle_timeout,
                           max_message_bytes=args.max_message_mb << 20,
                           allow_stock_clients=args.pyro_compat)
    host.transport_stats = daemon.stats

    def stop(signum, frame):
        daemon.shutdown()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    mode = "NO HMAC KEY" if key is None else (
        "stock Pyro4 clients allowed" if args.pyro_compat else "connection challenge")
    if args.testing_skip_script_checks:
        mode += ", TESTING: NO SCRIPT CHECKS"
    print("parallax script-host: serving %s (profile %s, serializers %s, %s)"
          % (daemon.uri(OBJECT_ID), args.profile, ",".join(sorted(serializers)), mode),
          flush=True)
    try:
        daemon.serve_forever()
    finally:
        exchange.close()
        pool.close()


if __name__ == "__main__":
    main()
