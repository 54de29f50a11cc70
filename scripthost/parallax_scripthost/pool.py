"""A pool of pre-forked workers. Workers come from a fork server that imported pandas and
numpy and warmed up once (preload.py); on a restricted host each worker also enters the
sandbox's fences before it says it is ready, so a job starts in a fenced process. Each
worker runs one job and exits (a script cannot leave state behind for the next one); the
pool forks its replacement once the reply is in, off the caller's path."""

import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading

from parallax_scripthost import sandbox, worker


class JobFailed(Exception):
    def __init__(self, message, kind):
        super().__init__(message)
        self.kind = kind


class _Worker:
    def __init__(self, context, settings, scratch_root):
        self.scratch = tempfile.mkdtemp(prefix="worker-", dir=scratch_root)
        os.chmod(self.scratch, 0o700)
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=worker.main, args=(child_end, settings, self.scratch),
                                       daemon=True)
        self.process.start()
        child_end.close()
        self.ready = False

    def is_ready(self):
        """Whether the worker said it is warmed up and fenced (without waiting)."""
        return self.ready or self.connection.poll(0)

    def wait_ready(self, timeout):
        if self.ready:
            return
        try:
            if not self.connection.poll(timeout) or self.connection.recv_bytes(64) != worker.READY:
                raise JobFailed("a worker did not get ready", "host")
        except (EOFError, OSError):
            self.process.join(5)
            raise JobFailed("a worker exited (code %s) before its job"
                            % self.process.exitcode, "died") from None
        self.ready = True

    def finish(self):
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.connection.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def start_fork_server():
    """Starts the fork server (and multiprocessing's resource tracker) with a minimal
    environment: workers are forked from it, and /proc/self/environ shows a process the
    environment it was started with, whatever os.environ says later."""
    from multiprocessing import forkserver

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(sandbox.minimal_environment(saved))
    try:
        forkserver.ensure_running()
    finally:
        os.environ.clear()
        os.environ.update(saved)


class WorkerPool:
    def __init__(self, settings, size=2, max_reply_bytes=512 << 20):
        self.settings = settings
        self.size = max(1, size)
        self.max_reply_bytes = max_reply_bytes
        self.scratch_root = tempfile.mkdtemp(prefix="parallax-scripthost-")
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["parallax_scripthost.preload"])
        start_fork_server()
        self.lock = threading.Lock()
        self.idle = []
        self.closed = False
        for _ in range(self.size):
            self.idle.append(_Worker(self.context, settings, self.scratch_root))

    def _take(self):
        """A worker that is ready, else the oldest idle one (it started warming up first),
        else a new one."""
        with self.lock:
            for candidate in [entry for entry in self.idle if not entry.process.is_alive()]:
                self.idle.remove(candidate)
                candidate.finish()
            for position, candidate in enumerate(self.idle):
                if candidate.is_ready():
                    return self.idle.pop(position)
            if self.idle:
                return self.idle.pop(0)
        return _Worker(self.context, self.settings, self.scratch_root)

    def _replenish(self):
        with self.lock:
            if self.closed or len(self.idle) >= self.size:
                return
        fresh = _Worker(self.context, self.settings, self.scratch_root)
        with self.lock:
            if not self.closed and len(self.idle) < self.size:
                self.idle.append(fresh)
                return
        fresh.finish()

    def run(self, job, timeout):
        """Runs one job; returns the worker's reply (a dict) or raises JobFailed. Arrow
        tables cross the pipe as raw bytes after the job and after the reply (the job's
        'arrow_input_bytes', the reply's 'arrow_bytes'), so no large text is escaped,
        pickled or parsed on the way."""
        arrow_input = job.pop("arrow_input_bytes", None)
        if arrow_input is not None:
            job["arrow_input_follows"] = True
        current = self._take()
        try:
            current.wait_ready(timeout)
            current.connection.send(job)
            if arrow_input is not None:
                current.connection.send_bytes(arrow_input)
            if not current.connection.poll(timeout):
                current.process.kill()
                raise JobFailed("the script did not finish within its timeout of %g s and was "
                                "killed" % timeout, "timeout")
            try:
                reply = json.loads(self._receive(current))
            except ValueError:
                raise JobFailed("the worker sent an unreadable reply", "host") from None
            if not isinstance(reply, dict):  # a script can write on its worker's pipe
                raise JobFailed("the worker sent an unreadable reply", "host")
            if reply.pop("arrow_follows", False):
                reply["arrow_bytes"] = self._receive(current)
            return reply
        finally:
            # The used worker is ended and replaced after the reply, off the caller's path.
            threading.Thread(target=self._retire, args=(current,), daemon=True).start()

    def _retire(self, used):
        used.finish()
        self._replenish()

    def _receive(self, worker):
        try:
            return worker.connection.recv_bytes(self.max_reply_bytes)
        except EOFError:
            worker.process.join(5)
            raise JobFailed(self._death(worker.process.exitcode), "died") from None
        except OSError:
            raise JobFailed("the script's output is larger than %d MB"
                            % (self.max_reply_bytes >> 20), "output") from None

    def _death(self, code):
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            if name == "SIGXCPU" or name == "SIGKILL":
                return "the script was killed (%s: out of CPU time or memory)" % name
            if name == "SIGSYS":
                return "the script was killed by the sandbox (SIGSYS: forbidden system call)"
            return "the script's worker was killed by %s" % name
        return "the script's worker exited (code %s) without a reply" % code

    def close(self):
        with self.lock:
            self.closed = True
            idle, self.idle = self.idle, []
        for entry in idle:
            entry.finish()
        shutil.rmtree(self.scratch_root, ignore_errors=True)
