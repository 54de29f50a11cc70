"""What the reference reports about its runtime: ``system_info`` (memory and CPU time of
the process hosting the engine, the same figures `parallax serve` answers a client's
``system_info``) and ``num_cpus`` / ``set_num_cpus`` (the size of the engine's thread pool)."""

import logging
import os
import time

from ._parallax import PerspectiveError

_log = logging.getLogger("parallax")
_requested_cpus = None


def system_info():
    """The reference's SystemInfo as a dict: ``heap_size`` (the process's virtual memory,
    bytes), ``used_size`` (resident), ``cpu_time`` (user + system CPU ms), ``cpu_time_epoch``
    and ``timestamp`` (POSIX seconds and milliseconds now); ``client_heap`` and
    ``client_used`` are None, as in the reference without its tracing allocator."""
    page = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/self/statm") as statm:
        total, resident = (int(v) for v in statm.read().split()[:2])
    times = os.times()
    now = time.time()
    return {"heap_size": total * page, "used_size": resident * page,
            "cpu_time": int((times.user + times.system) * 1000) & 0xFFFFFFFF,
            "cpu_time_epoch": int(now), "timestamp": int(now * 1000),
            "client_heap": None, "client_used": None}


def num_cpus():
    """The threads the engine uses for one request. Parallax's engine runs each request on
    one thread (CSV parsing alone uses a second), so this is 1 whatever was asked of
    set_num_cpus."""
    return 1


def set_num_cpus(count):
    """Asks for a thread pool of `count` threads (the reference's; also read from
    NUM_OMP_THREADS there). Checked and remembered, but the engine has no pool yet: see
    num_cpus."""
    global _requested_cpus
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise PerspectiveError("set_num_cpus takes a number of threads >= 1, not %r" % (count,))
    if count != 1 and _requested_cpus is None:
        _log.info("parallax: the engine runs each request on one thread; set_num_cpus(%d) "
                  "has no effect", count)
    _requested_cpus = count
