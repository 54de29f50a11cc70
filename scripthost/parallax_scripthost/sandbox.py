"""The real fence: what the OS enforces on a worker before it runs a script.

- resource limits: CPU seconds, address space, file size, open files, no core dumps;
- a private scratch directory as the working directory;
- restricted profile only (see docs/scripting.md, "Sandbox"):
  - private namespaces: mounts (the temporary directory becomes a size-limited tmpfs, the
    scratch; /dev/shm, /var/tmp and /run are hidden) and, without --allow-network, network;
  - no privileges: the worker drops to nobody/nogroup with no supplementary groups when the
    host runs as root, or keeps its uid in a user namespace, and holds no capabilities;
  - a read-only view of the filesystem except the scratch (Landlock), no TCP without
    --allow-network (Landlock), no signals or abstract unix sockets outside (Landlock scopes);
  - a seccomp filter refusing new processes, exec, ptrace, mounts, namespaces, device nodes,
    privileged calls and every socket but TCP/UDP over IP (none without --allow-network).
Each layer that the kernel lacks is reported in `applied` rather than silently assumed."""

import ctypes
import errno
import os
import resource
import socket
import tempfile

_libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
CLONE_THREAD = 0x00010000
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 0x4000, 1 << 18
NOBODY = 65534  # nobody / nogroup
# Hidden behind an empty read-only tmpfs in the worker's mount namespace: world-writable
# places and the sockets of services.
HIDDEN_DIRS = ("/dev/shm", "/var/tmp", "/run")

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


def _write(path, text):
    with open(path, "w") as out:
        out.write(text)


def _mount(source, target, kind, flags, data):
    if _libc.mount(source.encode() if source else None, target.encode(),
                   kind.encode() if kind else None, ctypes.c_ulong(flags),
                   data.encode() if data else None) != 0:
        raise OSError(ctypes.get_errno(), "mount %s: %s" % (target, os.strerror(ctypes.get_errno())))


def enter_namespaces(deny_network):
    """A private mount namespace (and network namespace when the network is denied). As
    root, the worker drops to nobody later (drop_privileges); otherwise a user namespace
    mapping only its own ids gives it the right to mount there. Returns the layers, or []
    when the kernel refuses (the scratch then stays a directory on disk)."""
    flags = CLONE_NEWNS | (CLONE_NEWNET if deny_network else 0)
    root = os.geteuid() == 0
    uid, gid = os.geteuid(), os.getegid()
    if _libc.unshare(flags | (0 if root else CLONE_NEWUSER)) != 0:
        return []
    if not root:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", "%d %d 1" % (uid, uid))
        _write("/proc/self/gid_map", "%d %d 1" % (gid, gid))
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)  # nothing propagates out
    return ["mountns"] + (["netns"] if deny_network else []) + ([] if root else ["userns"])


def _beneath(path, directory):
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def mount_scratch(disk_bytes, keep_paths=()):
    """The temporary directory becomes a fresh tmpfs of disk_bytes, the script's scratch (so
    all a script writes is bounded, and the host's temporary files, the fork server's socket
    among them, are out of sight); the service directories are hidden. keep_paths (the code
    paths) that were under them are bound back, read-only. Returns the scratch's path."""
    scratch = tempfile.gettempdir()
    owner = NOBODY if os.geteuid() == 0 else os.geteuid()
    group = NOBODY if os.geteuid() == 0 else os.getegid()
    hidden = sorted(directory for directory in {"/tmp", *HIDDEN_DIRS} - {scratch}
                    if os.path.isdir(directory))
    kept = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
            for path in keep_paths
            if os.path.isdir(path) and any(_beneath(path, d) for d in [scratch] + hidden)]
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    _mount("tmpfs", scratch, "tmpfs", flags, "size=%d,nr_inodes=%d,mode=0700,uid=%d,gid=%d"
           % (max(disk_bytes, 4096), 100_000, owner, group))
    for directory in hidden:
        _mount("tmpfs", directory, "tmpfs", flags, "size=65536,nr_inodes=1000,mode=0555")
    for path, descriptor in kept:
        os.makedirs(path, exist_ok=True)
        _mount("/proc/self/fd/%d" % descriptor, path, None, MS_BIND | MS_REC, None)
        _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, None)
        os.close(descriptor)
    for directory in hidden:
        _mount(None, directory, None, MS_REMOUNT | MS_RDONLY | flags, None)
    return scratch


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_privileges():
    """No capabilities, no way back: the bounding and ambient sets are emptied, then a root
    host's worker becomes nobody/nogroup without supplementary groups (which clears its
    capabilities), and any other clears its capabilities itself."""
    for capability in range(64):
        _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
        layer = "uid-nobody"
    else:
        layer = "no-caps"
    data = (_CapData * 2)()
    if _libc.capset(ctypes.byref(_CapHeader(0x20080522, 0)), data) != 0:  # version 3
        raise OSError(ctypes.get_errno(), "capset: " + os.strerror(ctypes.get_errno()))
    return [layer]


# Refused outright: new processes and programs, debugging other processes, namespaces and
# mounts, kernel objects, device nodes, identity, privileged system settings, and changes to
# files' modes, owners, extended attributes and times.
REFUSED_CALLS = (
    "fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
    "process_madvise", "kcmp", "pidfd_open", "pidfd_getfd", "mount", "umount2", "pivot_root",
    "chroot", "unshare", "setns", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
    "open_tree", "mount_setattr", "bpf", "perf_event_open", "keyctl", "add_key",
    "request_key", "kexec_load", "kexec_file_load", "init_module", "finit_module",
    "delete_module", "reboot", "swapon", "swapoff", "userfaultfd", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "mknod", "mknodat", "open_by_handle_at",
    "name_to_handle_at", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
    "setgroups", "setfsuid", "setfsgid", "capset", "sethostname", "setdomainname",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "syslog", "iopl", "ioperm",
    "acct", "quotactl", "quotactl_fd", "fanotify_init", "lookup_dcookie", "vhangup", "uselib",
    "migrate_pages", "move_pages", "nfsservctl",
    # Metadata Landlock does not cover, on files a script may write but not own.
    "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
    "setxattrat", "removexattrat", "utime", "utimes", "futimesat", "utimensat",
    # A worker of a non-root host keeps its uid (in a user namespace), so owns what the
    # host owns: no mode or owner changes either.
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
)
TIOCSTI, TIOCLINUX = 0x5412, 0x541C  # type into a terminal
AF_UNIX, SOCK_TYPE_MASK, SOCK_STREAM = 1, 0xF, 1
LOW_32 = 0xFFFFFFFF  # the kernel reads int arguments from the low half of the register


def apply_seccomp(deny_sockets):
    """Refuses (EPERM) the calls above, and every socket family but AF_INET/AF_INET6
    (every family without the network); socketpair only as a unix stream pair, which
    asyncio needs and which connects to nothing."""
    try:
        import seccomp
    except ImportError:
        return False
    refuse = seccomp.ERRNO(errno.EPERM)
    # Calls of another ABI (i386, x32) kill the process: the filter only knows x86_64's.
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in REFUSED_CALLS:
        try:
            rules.add_rule(refuse, name)
        except (RuntimeError, ValueError, OSError):
            pass  # not a syscall on this architecture
    # Threads are fine (clone with CLONE_THREAD); new processes are not.
    rules.add_rule(refuse, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    # clone3 hides its flags in memory: refuse it with ENOSYS so libc falls back to clone.
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for request in (TIOCSTI, TIOCLINUX):
        rules.add_rule(refuse, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, LOW_32, request))
    if deny_sockets:
        rules.add_rule(refuse, "socket")
    else:
        # Anything above AF_INET6 (10) or below AF_INET (2), garbage in the high half
        # included, and the families in between.
        rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.GT, socket.AF_INET6))
        rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.LT, socket.AF_INET))
        for family in range(socket.AF_INET + 1, socket.AF_INET6):
            rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.EQ, family))
    rules.add_rule(refuse, "socketpair", seccomp.Arg(0, seccomp.NE, AF_UNIX))
    for kind in range(SOCK_TYPE_MASK + 1):
        if kind != SOCK_STREAM:
            rules.add_rule(refuse, "socketpair",
                           seccomp.Arg(1, seccomp.MASKED_EQ, SOCK_TYPE_MASK, kind))
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


KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "PYTHONPATH",
                  "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def minimal_environment(environment, scratch=None):
    """What a worker (and the fork server it comes from) may see of the host's environment:
    locale, time zone, paths and thread counts; no keys, tokens or anything else."""
    kept = {name: environment[name] for name in KEPT_VARIABLES if name in environment}
    kept["PYTHONSAFEPATH"] = "1"  # never import from the working directory
    if scratch is not None:
        kept.update(HOME=scratch, TMPDIR=scratch)
    return kept


def enter_fences(settings, scratch, extra_read_paths):
    """The fences that do not depend on the job (all but the rlimits): a worker of a
    restricted host puts them up before its job arrives. Returns the layers applied and the
    scratch directory (a tmpfs when the mount namespace could be made)."""
    applied = []
    os.chdir(scratch)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if settings["profile"] == "restricted":
        deny_network = not settings["network"]
        applied += enter_namespaces(deny_network)
        if "mountns" in applied:
            scratch = mount_scratch(settings.get("disk_bytes", 256 << 20), extra_read_paths)
            os.chdir(scratch)
            applied.append("tmpfs-scratch")
        elif os.geteuid() == 0:
            os.chown(scratch, NOBODY, NOBODY)  # the scratch stays on disk, for nobody
        abi = apply_landlock(list(READ_ONLY_ROOTS) + list(extra_read_paths), [scratch],
                             deny_network)
        if abi:
            applied.append("landlock-abi%d" % abi)
        applied += drop_privileges()
        if apply_seccomp(deny_network):
            applied.append("seccomp")
    return applied, scratch


def enter(settings, scratch, extra_read_paths):
    """Applies the sandbox to this process; returns the layers applied, for the record."""
    applied, scratch = enter_fences(settings, scratch, extra_read_paths)
    set_limits(settings["cpu_seconds"], settings["memory_bytes"], settings["file_bytes"],
               settings["open_files"])
    return applied + ["rlimits"]
