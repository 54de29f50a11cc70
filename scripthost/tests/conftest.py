"""Fixtures: a Parallax script host started on a free port of 127.0.0.1 (stopped after the
module), and the `parallax` binary (PARALLAX_BIN)."""

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON_DIR = os.path.join(REPO, "scripthost")  # holds parallax_scripthost
sys.path.insert(0, PYTHON_DIR)


class RunningHost:
    def __init__(self, tmp_path, *flags, key="test-key", env=None, key_in_env=False,
                 files_limit=None):
        self.key = key
        self.key_file = str(tmp_path / "key.txt")
        with open(self.key_file, "w") as key_file:
            key_file.write(key + "\n")
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR, **(env or {}))
        if key_in_env:
            env["PYRO_HMAC_KEY"] = key
        args = [sys.executable, "-P", "-m", "parallax_scripthost", "--port", "0", "--workers", "1"]
        if not key_in_env:
            args += ["--hmac-key-file", self.key_file] if key else ["--insecure-no-hmac"]

        def limit_files():
            import resource
            resource.setrlimit(resource.RLIMIT_NOFILE, (files_limit, files_limit))

        self.process = subprocess.Popen(args + list(flags), stdout=subprocess.PIPE, env=env,
                                        text=True, preexec_fn=limit_files if files_limit else None)
        line = self.process.stdout.readline()
        assert "serving PYRO:" in line, line
        self.uri = line.split("serving ")[1].split()[0]
        self.port = int(self.uri.rsplit(":", 1)[1])

    def proxy(self, serializer="serpent", key=None):
        """A client speaking the host's connection challenge."""
        from parallax_scripthost.client import HostClient
        return HostClient(self.uri, (key if key is not None else self.key).encode() or None,
                          serializer)

    def stock_proxy(self, serializer="serpent", key=None):
        """Debian's Pyro4 proxy (no connection challenge)."""
        import Pyro4
        Pyro4.config.SERIALIZER = serializer
        proxy = Pyro4.Proxy(self.uri)
        proxy._pyroHmacKey = (key if key is not None else self.key).encode() or None
        return proxy

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    running = RunningHost(tmp_path_factory.mktemp("host"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def parallax_bin():
    path = os.environ.get("PARALLAX_BIN", os.path.join(REPO, "build", "parallax"))
    assert os.path.exists(path), "set PARALLAX_BIN to the parallax binary"
    return path
