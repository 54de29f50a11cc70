"""The object the Pyro4 daemon exposes. It validates a request, hands the script to the
worker pool and turns failures into builtin exceptions, which every Pyro4 client can read."""

import base64
import threading

import Pyro4

from parallax_scripthost.exchange import ExchangeError
from parallax_scripthost.pool import JobFailed

REQUEST_KEYS = {"script", "data_name", "input", "arrow_input", "arrow_input_file",
                "arrow_output_file", "arrow", "dataframe", "timeout", "checkpoint", "mode",
                "profile", "checkpoint_kind"}


@Pyro4.expose
@Pyro4.behavior(instance_mode="single")
class ScriptHost:
    def __init__(self, pool, settings, exchange):
        self._pool = pool
        self._exchange = exchange
        self._settings = settings
        self._lock = threading.Lock()
        self._runs = 0
        self.transport_stats = {}  # the server's counters (accepted, refused_auth, ...)

    def ping(self):
        return "pong"

    def info(self):
        return {
            "profile": self._settings["profile"],
            "allowed_imports": list(self._settings["allowed_imports"]),
            "missing_imports": list(self._settings.get("missing_imports", ())),
            "code_paths": list(self._settings["code_paths"]),
            "network": self._settings["network"],
            "workers": self._pool.size,
            "runs": self._runs,
            "exchange": self._exchange.describe(),
            "connections": dict(self.transport_stats),
        }

    def run(self, request):
        """Runs request['script'] (the body of an async function ending in `return rows`).
        Returns {'names', 'kinds', 'columns', 'num_rows', 'logs'}; in Arrow mode 'arrow'
        (base64 of an Arrow IPC stream) or, when asked, 'arrow_file' (a file in the exchange
        directory) instead of the columns."""
        job = self._validate(request)
        output_file = bool(job.pop("arrow_output_file", False))
        timeout = job["timeout"]
        try:
            reply = self._pool.run(job, timeout)
        except JobFailed as failure:
            if failure.kind == "timeout":
                raise TimeoutError(str(failure)) from None
            raise RuntimeError(str(failure)) from None
        with self._lock:
            self._runs += 1
        if not reply.get("ok"):
            message = reply.get("error", "the script failed")
            logs = reply.get("logs") or []
            if logs:  # shown with the error: a Pyro exception carries only its message
                message += "\nlogs of the failed run:\n" + "\n".join(
                    "[%s] %s" % (level, text) for level, text in logs)
            if reply.get("kind") == "refused":
                raise PermissionError(message)
            if reply.get("kind") == "memory":
                raise MemoryError(message)
            raise ValueError(message)
        reply.pop("ok", None)
        arrow = reply.pop("arrow_bytes", None)
        if arrow is not None:
            if output_file:
                reply["arrow_file"] = self._exchange.put(arrow)
            else:
                reply["arrow"] = base64.b64encode(arrow).decode()
        return reply

    def _validate(self, request):
        if not isinstance(request, dict):
            raise TypeError("run() takes one dict")
        unknown = set(request) - REQUEST_KEYS
        if unknown:
            raise ValueError("unknown request keys: %s" % ", ".join(sorted(map(str, unknown))))
        script = request.get("script")
        if not isinstance(script, str):
            raise TypeError("'script' must be a str")
        job = dict(request)
        timeout = request.get("timeout", self._settings["default_timeout"])
        if not isinstance(timeout, (int, float)) or not 0 < timeout <= self._settings["max_timeout"]:
            raise ValueError("'timeout' must be a number of seconds in (0, %g]"
                             % self._settings["max_timeout"])
        job["timeout"] = float(timeout)
        profile = request.get("profile") or self._settings["profile"]
        if profile not in ("restricted", "trusted"):
            raise ValueError("unknown profile %r (restricted or trusted)" % profile)
        if profile == "trusted" and self._settings["profile"] != "trusted":
            raise PermissionError("this script host runs restricted scripts only")
        job["profile"] = profile
        if job.get("mode", "bulk") not in ("bulk", "row"):
            raise ValueError("'mode' must be 'bulk' or 'row'")
        table = job.get("input")
        if table is not None:
            if not isinstance(table, dict) or not {"names", "types", "columns"} <= set(table):
                raise ValueError("'input' must be {'names': [...], 'types': [...], 'columns': [...]}")
        encoded = job.pop("arrow_input", None)
        name = job.pop("arrow_input_file", None)
        if encoded is not None and name is not None:
            raise ValueError("give 'arrow_input' or 'arrow_input_file', not both")
        if encoded is not None:
            try:
                job["arrow_input_bytes"] = base64.b64decode(encoded, validate=True)
            except (TypeError, ValueError):
                raise ValueError("'arrow_input' must be base64 text of an Arrow IPC stream") from None
        elif name is not None:
            try:
                job["arrow_input_bytes"] = self._exchange.take(name)
            except ExchangeError as error:
                raise ValueError(str(error)) from None
        return job
