"""A pool of pre-forked workers. Workers come from a fork server that imported pandas and
numpy once, so a job starts in an already warm process; each worker runs one job and exits
(a script cannot leave state behind for the next one), and the pool forks a replacement."""

import base64
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading

from parallax_scripthost import worker


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

    def finish(self):
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.connection.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


class WorkerPool:
    def __init__(self, settings, size=2, max_reply_bytes=512 << 20):
        self.settings = settings
        self.size = max(1, size)
        self.max_reply_bytes = max_reply_bytes
        self.scratch_root = tempfile.mkdtemp(prefix="parallax-scripthost-")
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["parallax_scripthost.worker"])
        self.lock = threading.Lock()
        self.idle = []
        self.closed = False
        for _ in range(self.size):
            self.idle.append(_Worker(self.context, settings, self.scratch_root))

    def _take(self):
        with self.lock:
            while self.idle:
                candidate = self.idle.pop()
                if candidate.process.is_alive():
                    return candidate
                candidate.finish()
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
        tables cross the pipe as raw bytes after the job and after the reply (base64 only
        on the Pyro side), so no large text is escaped, pickled or parsed on the way."""
        arrow_input = job.pop("arrow_input", None)
        if arrow_input is not None:
            try:
                arrow_input = base64.b64decode(arrow_input, validate=True)
            except ValueError:
                raise JobFailed("'arrow_input' is not base64 text", "host") from None
            job["arrow_input_follows"] = True
        current = self._take()
        threading.Thread(target=self._replenish, daemon=True).start()
        try:
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
            if reply.pop("arrow_follows", False):
                reply["arrow"] = base64.b64encode(self._receive(current)).decode()
            return reply
        finally:
            current.finish()

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
