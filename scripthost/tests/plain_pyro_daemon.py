"""A plain Pyro4 daemon (not Parallax code) for testing the C++ client against the real
thing: `plain_pyro_daemon.py [--key K] [--serializers serpent,json] [--commtimeout S]`.
Prints its URI on the first line, then serves until stdin closes or it is killed. Besides
`calculator` it serves `panopticon`, a Python transform process as Panopticon's users write
one: `transform(script, rows, name)` runs the script on the list of dicts and returns its."""

import argparse
import sys
import threading
import time

import Pyro4


@Pyro4.expose
class Calculator:
    def echo(self, value):
        return value

    def add(self, a, b):
        return a + b

    def describe(self, value):
        """The Python type and repr of what arrived, to check how the client encoded it."""
        return [type(value).__name__, repr(value)]

    def fail(self, message):
        def deeper():
            raise ValueError(message)
        deeper()

    def sleep(self, seconds):
        time.sleep(seconds)
        return "slept"

    def kwargs(self, a, b=0, **rest):
        return {"a": a, "b": b, "rest": rest}


@Pyro4.expose
class PythonTransform:
    def transform(self, script, rows, name):
        namespace = {name: rows}
        exec("def _script():\n" + "".join("    " + line + "\n" for line in script.splitlines()),
             namespace)
        return namespace["_script"]()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--key")
    parser.add_argument("--serializers", default="serpent,json,marshal")
    parser.add_argument("--commtimeout", type=float, default=0.0)
    args = parser.parse_args()
    Pyro4.config.SERIALIZERS_ACCEPTED = set(args.serializers.split(","))
    Pyro4.config.COMMTIMEOUT = args.commtimeout
    daemon = Pyro4.Daemon(host="127.0.0.1", port=0)
    if args.key:
        daemon._pyroHmacKey = args.key.encode()
    uri = daemon.register(Calculator(), objectId="calculator")
    daemon.register(PythonTransform(), objectId="panopticon")
    print(uri, flush=True)

    def stop_when_stdin_closes():
        sys.stdin.read()
        daemon.shutdown()

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
