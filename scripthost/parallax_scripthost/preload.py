"""Imported by the fork server only (before it forks any worker): pandas and numpy, the
worker's code, libseccomp's binding (imported in each worker it cost 40-80 ms on a busy
machine, more than the rest of the sandbox), and one warm-up run of the host's table code,
so every worker starts with them ready. gc.freeze() keeps these objects out of the
collector's passes, which would otherwise write to (and so copy) their pages in every
worker."""

import gc

from parallax_scripthost import worker

try:
    import seccomp  # noqa: F401  used by sandbox.apply_seccomp
except ImportError:
    pass  # the sandbox reports the layer as missing

try:
    worker.warm_up()
except Exception:  # noqa: BLE001  only a missed speed-up
    pass
gc.collect()
gc.freeze()
