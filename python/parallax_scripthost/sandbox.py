"""The real fence: what the OS enforces on a worker before it runs a script.

- resource limits: CPU seconds, address space, file size, open files, no core dumps;
- a private scratch directory as the working directory;
- restricted profile only: no network (a new network namespace, and Landlock TCP rules),
  a read-only view of the filesystem except the scratch directory (Landlock), and a
  seccomp filter refusing new processes, exec, ptrace, mounts and namespaces.
Each layer that the kernel lacks is reported in `applied` rather than silently assumed."""

import ctypes
import errno
import os
import resource
import socket

_libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
CLONE_THREAD = 0x00010000
PR_SET_NO_NEW_PRIVS = 38

# Landlock (linux/landlock.h), x86_64 and aarch64 syscall numbers.
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_ALL_ABI1 = (1 << 13) - 1           # execute .. make_sym
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

READ_ONLY_ROOTS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/localtime",
                   "/etc/timezone", "/etc/ssl", "/etc/matplotlibrc", "/dev/null",
                   "/dev/urandom", "/proc/self", "/proc/cpuinfo", "/proc/meminfo",
                   "/sys/devices/system/cpu")


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _syscall(number, *args):
    result = _libc.syscall(number, *args)
    if result < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return result


def landlock_abi():
    try:
        return _syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                        ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    except OSError:
        return 0


def apply_landlock(read_paths, write_paths, deny_network):
    abi = landlock_abi()
    if abi < 1:
        return None
    handled = FS_ALL_ABI1
    if abi >= 2:
        handled |= FS_REFER
    if abi >= 3:
        handled |= FS_TRUNCATE
    if abi >= 5:
        handled |= FS_IOCTL_DEV
    attr = _RulesetAttr(handled, 0, 0)
    if abi >= 4 and deny_network:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP  # no rule: all refused
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL  # no signals to the host
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = _syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                       ctypes.c_uint32(0))
    try:
        read_access = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
        for path, access in ([(p, read_access) for p in read_paths]
                             + [(p, handled) for p in write_paths]):
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # not on this system
            try:
                if not os.path.isdir(path):
                    # Directory-only rights do not apply to files.
                    access &= FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
                rule = _PathBeneathAttr(access & handled, fd)
                _syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset),
                         ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH), ctypes.byref(rule),
                         ctypes.c_uint32(0))
            finally:
                os.close(fd)
        _syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)
    return abi


def leave_network():
    """A new, empty network namespace: only a loopback that is down."""
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if _libc.unshare(flags) != 0:
        return False
    return True


def apply_seccomp(deny_sockets):
    try:
        import seccomp
    except ImportError:
        return False
    refuse = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in ("fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv",
                 "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "unshare",
                 "setns", "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
                 "kexec_load", "init_module", "finit_module", "delete_module", "reboot",
                 "swapon", "swapoff", "userfaultfd", "io_uring_setup"):
        try:
            rules.add_rule(refuse, name)
        except (RuntimeError, ValueError, OSError):
            pass  # not a syscall on this architecture
    # Threads are fine (clone with CLONE_THREAD); new processes are not.
    rules.add_rule(refuse, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    # clone3 hides its flags in memory: refuse it with ENOSYS so libc falls back to clone.
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    if deny_sockets:
        for family in (socket.AF_INET, socket.AF_INET6, socket.AF_PACKET, socket.AF_NETLINK):
            rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.EQ, family))
    rules.load()
    return True


def memory_in_use():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def set_limits(cpu_seconds, memory_bytes, file_bytes, open_files):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    if memory_bytes:
        limit = memory_in_use() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))
    if os.geteuid() != 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def enter_fences(settings, scratch, extra_read_paths):
    """The fences that do not depend on the job (all but the rlimits): a worker of a
    restricted host puts them up before its job arrives. Returns the layers applied."""
    applied = []
    os.chdir(scratch)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if settings["profile"] == "restricted":
        deny_network = not settings["network"]
        if deny_network and leave_network():
            applied.append("netns")
        abi = apply_landlock(list(READ_ONLY_ROOTS) + list(extra_read_paths), [scratch],
                             deny_network)
        if abi:
            applied.append("landlock-abi%d" % abi)
        if apply_seccomp(deny_network):
            applied.append("seccomp")
    return applied


def enter(settings, scratch, extra_read_paths):
    """Applies the sandbox to this process; returns the layers applied, for the record."""
    applied = enter_fences(settings, scratch, extra_read_paths)
    set_limits(settings["cpu_seconds"], settings["memory_bytes"], settings["file_bytes"],
               settings["open_files"])
    return applied + ["rlimits"]
