"""A worker process: forked (with pandas and numpy already imported) before any script
arrives, it takes one job, enters the sandbox, runs the script and exits. The daemon never
runs a script itself, and never unpickles what a worker sends (the reply is JSON)."""

import asyncio
import datetime
import errno
import json
import math
import os
import resource
import sys
import traceback

import numpy  # noqa: F401  preloaded: every worker is forked with them
import pandas  # noqa: F401

from parallax_scripthost import arrow_ipc, checks, sandbox, tables

FUNCTION_NAME = "__parallax_script__"
READY = b"ready"  # sent once fenced
LOG_LEVELS = ("trace", "debug", "info", "warn", "error")


class Log:
    """log.trace/debug/info/warn/error; an error fails the run once the script ends."""

    def __init__(self, limit=1000):
        self.records = []
        self.failed = False
        self.limit = limit
        for level in LOG_LEVELS:
            setattr(self, level, self._writer(level))

    def _writer(self, level):
        def write(*parts):
            if level == "error":
                self.failed = True
            if len(self.records) < self.limit:
                self.records.append([level, " ".join(str(part) for part in parts)[:10000]])
        return write


async def sleep(seconds):
    await asyncio.sleep(seconds)


def script_traceback(error):
    """The frames of the user's script only, with its own line numbers."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename == "<script>"]
    lines = ["  line %d, in the script" % frame.lineno for frame in frames]
    return "\n".join(lines)


def compile_script(job, settings):
    profile = settings["profile"]
    tree = checks.parse_script(job["script"], FUNCTION_NAME)
    local_modules = settings["local_modules"]
    if profile == "restricted" and not settings.get("skip_checks"):
        checks.check_restricted(tree, settings["allowed_imports"], local_modules,
                                settings.get("missing_imports", ()))
        tree = checks.guard_attributes(tree)
        builtins_dict = checks.restricted_builtins(settings["allowed_imports"], local_modules)
    else:
        import builtins
        builtins_dict = builtins
    code = compile(tree, "<script>", "exec")
    namespace = {"__builtins__": builtins_dict, "__name__": "__script__"}
    exec(code, namespace)  # defines the async function only
    return namespace, namespace[FUNCTION_NAME]


def checkpoint_of(job):
    """DATA_CHECKPOINT as the script returned it: a date or datetime column's value comes back
    as ISO text with its kind, and is a date or datetime again."""
    value, kind = job.get("checkpoint"), job.get("checkpoint_kind")
    if isinstance(value, str) and kind in ("date", "datetime"):
        try:
            return (datetime.datetime.fromisoformat(value) if kind == "datetime"
                    else datetime.date.fromisoformat(value))
        except ValueError:
            return value
    return value


def run_job(job, settings, log):
    namespace, function = compile_script(job, settings)
    namespace.update({"log": log, "sleep": sleep, "DATA_CHECKPOINT": checkpoint_of(job)})
    table = job.get("input")
    data_name = job.get("data_name") or "rows"
    if job.get("arrow_input_bytes") is not None:
        data = arrow_ipc.read_frame(job["arrow_input_bytes"])
    elif table is None:
        data = []
    elif job.get("dataframe"):
        data = tables.input_frame(table)
    else:
        data = tables.input_rows(table)

    async def call(value):
        namespace["INPUT_DATA"] = value
        namespace[data_name] = value
        return await function()

    if job.get("mode") == "row":
        rows = data.to_dict("records") if hasattr(data, "to_dict") else data
        result = []
        for row in rows:
            produced = asyncio.run(call(row))
            if isinstance(produced, dict):
                result.append(produced)
            elif produced is not None:
                result.extend(produced)
    else:
        result = asyncio.run(call(data))
    if log.failed:
        errors = [message for level, message in log.records if level == "error"]
        return {"ok": False, "error": "the script logged an error: " + "; ".join(errors),
                "logs": log.records}
    if job.get("arrow"):
        output = tables.output_arrow(result, settings["max_cells"])
    else:
        output = tables.output_columns(result, settings["max_cells"])
    output.update({"ok": True, "logs": log.records})
    return output


def reply_for(job, settings):
    log = Log()  # what the script logged before it failed goes back with the failure
    reply = reply_for_run(job, settings, log)
    if not reply.get("ok"):
        reply["logs"] = log.records
    return reply


def reply_for_run(job, settings, log):
    try:
        return run_job(job, settings, log)
    except checks.ScriptSyntaxError as error:
        return {"ok": False, "error": "script failed: %s" % error, "kind": "script"}
    except checks.ScriptRejected as error:
        return {"ok": False, "error": "script refused: %s" % error, "kind": "refused"}
    except tables.OutputError as error:
        return {"ok": False, "error": "bad output: %s" % error, "kind": "output"}
    except OSError as error:
        if error.errno != errno.ENOSPC:
            return failure(error)
        return {"ok": False, "error": "script failed: the script's scratch space is full "
                "(limit %d MB for all it writes): %s" % (settings.get("disk_bytes", 0) >> 20, error),
                "kind": "script"}
    except MemoryError:
        return {"ok": False, "error": "the script ran out of memory (limit %d MB)"
                % (settings["memory_bytes"] // (1 << 20)), "kind": "memory"}
    except BaseException as error:  # noqa: B036  the script's own errors, reported
        return failure(error)


def failure(error):
    where = script_traceback(error)
    message = "%s: %s" % (type(error).__name__, error)
    return {"ok": False, "error": "script failed: " + message + ("\n" + where if where else ""),
            "kind": "script"}


def warm_up(max_cells=50_000_000, rows=2000):
    """Runs the host's own table code once on a sample table, in the fork server before it
    forks any worker (see preload.py): pandas paths imported or cached lazily are then ready
    in every worker. Only this module's code runs here; no script, no job."""
    day = datetime.date(2024, 1, 1)
    sample = pandas.DataFrame({
        "i": numpy.arange(rows, dtype="int64"),
        "f": numpy.linspace(0, 1, rows),
        "s": pandas.Series(["north", "south", "east", None] * (rows // 4), dtype=object),
        "b": numpy.arange(rows) % 2 == 0,
        "d": pandas.Series([day, None] * (rows // 2), dtype=object),
        "t": pandas.date_range("2024-01-01", periods=rows, freq="s"),
    })
    frame = arrow_ipc.read_frame(arrow_ipc.write_frame(sample))
    tables.output_arrow(frame, max_cells)
    records = frame.head(100).to_dict("records")
    tables.output_arrow(records, max_cells)
    tables.output_columns(records, max_cells)
    tables.input_rows({"names": ["a"], "types": ["date"], "columns": [[1, None]]})
    checks.parse_script("return rows", FUNCTION_NAME)


def isolate(connection):
    """Right after the fork: the worker keeps its pipe to the host and nothing else. Every
    other descriptor is closed (the fork server's alive pipe and sentinel, the resource
    tracker's pipe), stdin/stdout/stderr become /dev/null (no terminal to type into) and
    multiprocessing forgets the fork server and resource tracker, whose processes are not
    fenced: a script must not reach them."""
    from multiprocessing import forkserver, resource_tracker

    keep = connection.fileno()
    os.closerange(3, keep)
    os.closerange(keep + 1, 1 << 20)
    null = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        os.dup2(null, descriptor)
    os.close(null)
    server = forkserver._forkserver
    server._forkserver_address = server._forkserver_alive_fd = None
    server._forkserver_pid = server._inherited_fds = None
    resource_tracker._resource_tracker._fd = resource_tracker._resource_tracker._pid = None


def fence(connection, settings, scratch):
    """Isolates a restricted worker and puts up the OS fences; returns (layers, scratch)."""
    if settings["profile"] == "restricted":
        isolate(connection)
    fences, scratch = sandbox.enter_fences(settings, scratch, settings["code_paths"])
    if settings["profile"] == "restricted":
        kept = sandbox.minimal_environment(os.environ, scratch)
        os.environ.clear()
        os.environ.update(kept)
    return fences, scratch


def main(connection, settings, scratch):
    """Waits for one job, runs it in the sandbox, replies, exits. A restricted host runs
    restricted jobs only, so its workers put up the fences (namespaces, Landlock, no
    privileges, seccomp) before the job arrives; the rlimits, which depend on the job,
    follow it."""
    fences = None
    if settings["profile"] == "restricted":
        try:
            fences, scratch = fence(connection, settings, scratch)
        except BaseException as error:  # noqa: B036  reported with the job
            fences = error
    try:
        connection.send_bytes(READY)
        job = connection.recv()
        if job.get("arrow_input_follows"):
            job["arrow_input_bytes"] = connection.recv_bytes()
    except (EOFError, OSError):
        return
    settings = dict(settings)
    profile = job.get("profile") or settings["profile"]
    timeout = float(job.get("timeout") or settings["default_timeout"])
    used = resource.getrusage(resource.RUSAGE_SELF)  # the time before the job is not the job's
    settings["cpu_seconds"] = math.ceil(used.ru_utime + used.ru_stime) + int(timeout) + 1
    try:
        try:
            if fences is None:
                settings["profile"] = profile
                fences, scratch = fence(connection, settings, scratch)
            elif isinstance(fences, BaseException):
                raise fences
            elif profile != settings["profile"]:
                raise RuntimeError("a %s job reached a %s worker" % (profile, settings["profile"]))
            sandbox.set_limits(settings["cpu_seconds"], settings["memory_bytes"],
                               settings["file_bytes"], settings["open_files"])
            settings["sandbox"] = fences + ["rlimits"]
            reply = reply_for(job, settings)
            reply["sandbox"] = settings["sandbox"]
        except BaseException as error:  # noqa: B036
            reply = {"ok": False, "error": "sandbox setup failed: %s" % error, "kind": "host"}
        arrow = reply.pop("arrow_bytes", None)
        if arrow is not None:
            reply["arrow_follows"] = True
        try:
            data = json.dumps(reply, allow_nan=True).encode()
        except (TypeError, ValueError, MemoryError) as error:
            data = json.dumps({"ok": False, "error": "cannot send the output: %s" % error}).encode()
            arrow = None
        connection.send_bytes(data)
        if arrow is not None:
            connection.send_bytes(arrow)
    finally:
        connection.close()
        sys.stdout.flush()
