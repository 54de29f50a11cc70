"""Sandbox escape attempts, as scripts a client sends to the script host (issue 16). Each is
the body of a restricted script; `W` (defined by a first line the test adds) names the
world outside the sandbox: W['marker'] a file (mode 0666, in a 0777 directory) the attack
must not change, W['escape'] a file it must not create, W['secret_file'] a file it must not
read, W['secrets'] strings it must not learn, listeners it must not reach (W['unix'],
W['abstract'], W['dgram'], W['tcp'], W['udp']), the fork server sockets (W['forkservers'])
the host's pid (W['host_pid']) and a process running as nobody, like the workers
(W['victim']), which must stay alive.

A script that gets through returns a row with 'escaped': True (for probes of privileged
calls that would be harmful to really make: the call is made with arguments that do nothing
or fail after the kernel's permission check, and the errno tells whether it was allowed).
Every other effect is checked from outside by the test (test_attacks.py)."""

PROBE = """
def probe(call, refused=(1, 13)):
    try:
        call()
    except OSError as error:
        return [{'errno': error.errno, 'escaped': error.errno not in refused}]
    return [{'escaped': True}]
"""

LIBC = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"


def libc_probe(call, refused="(1, 13)"):
    """A libc call through ctypes: escaped unless it fails with EPERM/EACCES (or `refused`)."""
    return LIBC + (
        "result = %s\nerror = ctypes.get_errno()\n"
        "return [{'result': result, 'errno': error, 'escaped': result >= 0 or error not in %s}]"
        % (call, refused))


FORKSERVER_EXPLOIT = """
import os, pickle, socket
from multiprocessing import forkserver, reduction
class Payload:
    def __reduce__(self):
        return (exec, ("open(%r, 'w').write('escaped')" % W['escape'],))
addresses = list(W['forkservers']) + [forkserver._forkserver._forkserver_address]
for address in addresses:
    if not address:
        continue
    try:
        client = socket.socket(socket.AF_UNIX)
        client.connect(address)
    except OSError:
        continue
    child_r, parent_w = os.pipe()
    reduction.sendfds(client, [child_r, parent_w, parent_w, parent_w])
    os.write(parent_w, pickle.dumps(Payload()))
    import time
    time.sleep(1)  # the fork server's child writes W['escape']
    return [{'escaped': True}]
return [{'reached': 0}]
"""

INHERITED_FDS = """
import os, pickle, socket
class Payload:
    def __reduce__(self):
        return (exec, ("open(%r, 'w').write('escaped')" % W['escape'],))
data = pickle.dumps(Payload())
found = []
for fd in range(3, 1024):
    try:
        os.fstat(fd)
    except OSError:
        continue
    try:
        target = os.readlink('/proc/self/fd/%d' % fd)
    except OSError:
        target = '?'
    found.append(target)
for fd in range(3, 1024):
    try:
        if os.readlink('/proc/self/fd/%d' % fd).startswith('pipe:'):
            os.write(fd, data)
    except OSError:
        pass
# A worker holds its socket to the host, and asyncio's epoll and socket pair; a pipe is the
# fork server's or the resource tracker's.
return [{'fds': str(found), 'escaped': any(t.startswith('pipe:') for t in found)}]
"""

# Sends messages framed as multiprocessing does (4-byte length, then the bytes) on every
# socket the worker holds (its pipe to the host among them), then exits without a reply.
FORGED_REPLY = """
import os, struct
messages = [%s]
for fd in range(3, 64):
    try:
        if not os.readlink('/proc/self/fd/%%d' %% fd).startswith('socket:'):
            continue
        for message in messages:
            if message is None:
                os.write(fd, struct.pack('!i', 0x7fffffff))
            else:
                os.write(fd, struct.pack('!i', len(message)) + message)
    except OSError:
        pass
os._exit(0)
"""

ATTACKS = {
    # Channels to unfenced processes: the fork server, the resource tracker, inherited fds.
    "forkserver socket": FORKSERVER_EXPLOIT,
    "forkserver address from multiprocessing state":
        "from multiprocessing import forkserver\n"
        "a = forkserver._forkserver._forkserver_address\n"
        "return [{'escaped': a is not None}]",
    "forkserver alive pipe":
        "import os\nfrom multiprocessing import forkserver\n"
        "fd = forkserver._forkserver._forkserver_alive_fd\n"
        "os.write(fd, b'x')\nreturn [{'escaped': True}]",
    "resource tracker pipe":
        "import os\nfrom multiprocessing import resource_tracker\n"
        "fd = resource_tracker._resource_tracker._fd\n"
        "os.write(fd, ('REGISTER:%s:noop\\n' % W['marker']).encode())\n"
        "return [{'escaped': True}]",
    "inherited fds": INHERITED_FDS,
    "fork server sockets found in /tmp":
        "import glob, socket\nfor path in glob.glob('/tmp/pymp-*/listener-*'):\n"
        "    s = socket.socket(socket.AF_UNIX)\n    s.connect(path)\n"
        "    return [{'escaped': True}]\nreturn []",
    # Sockets: unix (pathname, abstract, datagram), vsock, netlink, packet, TCP/UDP.
    "unix socket to a listener":
        "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect(W['unix'])\n"
        "return [{'escaped': True}]",
    "abstract unix socket":
        "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect(W['abstract'])\n"
        "return [{'escaped': True}]",
    "unix datagram through socketpair":
        "import socket\na, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
        "a.sendto(b'escaped', W['dgram'])\nreturn [{'escaped': True}]",
    "unix seqpacket socketpair":
        "import socket\na, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)\n"
        "return [{'escaped': True}]",
    "unix stream socketpair reconnect":
        "import socket\na, b = socket.socketpair()\na.close()\n"
        "b.connect(W['unix'])\nreturn [{'escaped': True}]",
    "unix socket with garbage in the family's high bits": libc_probe(
        "libc.syscall(41, ctypes.c_long(0x100000001), 1, 0)"),
    "x32 system call ABI": libc_probe("libc.syscall(0x40000000 + 41, 1, 1, 0)", "(1, 13, 38)"),
    "vsock socket": "import socket\ns = socket.socket(40, socket.SOCK_STREAM)\n"
                    "return [{'escaped': True}]",
    "netlink socket": "import socket\ns = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)\n"
                      "return [{'escaped': True}]",
    "packet socket": "import socket\ns = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
                     "return [{'escaped': True}]",
    "tcp connect without network":
        "import socket\ns = socket.create_connection(('127.0.0.1', W['tcp']), timeout=2)\n"
        "return [{'escaped': True}]",
    "udp send without network":
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.sendto(b'escaped', ('127.0.0.1', W['udp']))\nreturn [{'escaped': True}]",
    "tcp over ipv6 without network":
        "import socket\ns = socket.socket(socket.AF_INET6)\ns.connect(('::1', W['tcp']))\n"
        "return [{'escaped': True}]",
    "tcp through ssl.socket":
        "import ssl\ns = ssl.socket()\ns.connect(('127.0.0.1', W['tcp']))\n"
        "return [{'escaped': True}]",
    "io_uring": libc_probe("libc.syscall(425, 8, ctypes.create_string_buffer(120))"),
    # Files outside the scratch: read, write, link and metadata tricks.
    "read a secret file": "return [{'x': open(W['secret_file']).read()}]",
    "read /etc/shadow": "x = open('/etc/shadow').read()\nreturn [{'escaped': True}]",
    "read through /proc/self/root": "return [{'x': open('/proc/self/root' + W['secret_file']).read()}]",
    "read through pandas": "import pandas\nreturn pandas.read_csv(W['secret_file'], header=None)",
    "overwrite the marker": "open(W['marker'], 'w').write('escaped')\nreturn []",
    "append through io.open": "import io\nio.open(W['marker'], 'a').write('escaped')\nreturn []",
    "create a file outside": "open(W['escape'], 'w').write('escaped')\nreturn []",
    "create a file in /tmp": "open('/tmp/parallax-escaped', 'w').write('escaped')\nreturn []",
    "write /dev/shm": "open('/dev/shm/parallax-escaped', 'w').write('x')\nreturn []",
    "delete the marker": "import os\nos.unlink(W['marker'])\nreturn []",
    "rename the marker": "import os\nos.rename(W['marker'], W['escape'])\nreturn []",
    "truncate the marker": "import os\nos.truncate(W['marker'], 0)\nreturn []",
    "chmod the marker": "import os\nos.chmod(W['marker'], 0o777)\nreturn []",
    "chown the marker": "import os\nos.chown(W['marker'], 0, 0)\nreturn []",
    "utime the marker": "import os\nos.utime(W['marker'], (0, 0))\nreturn []",
    "touch the marker": "import os\nos.utime(W['marker'])\nreturn []",
    "setxattr on the marker":
        "import os\nos.setxattr(W['marker'], 'user.escaped', b'1')\nreturn []",
    "symlink to the marker, write through it":
        "import os\nos.symlink(W['marker'], 'link')\nopen('link', 'w').write('escaped')\nreturn []",
    "hardlink the marker into scratch":
        "import os\nos.link(W['marker'], 'hard')\nopen('hard', 'w').write('escaped')\nreturn []",
    "dot-dot out of scratch":
        "import os\nopen('../' * 20 + W['escape'].lstrip('/'), 'w').write('escaped')\nreturn []",
    "write /proc/sys core_pattern":
        "open('/proc/sys/kernel/core_pattern', 'w').write('|/bin/true')\nreturn []",
    "write a cgroup file":
        "open('/sys/fs/cgroup/cgroup.procs', 'w').write('1')\nreturn []",
    # Devices and privileges.
    "mknod /dev/kmsg in scratch":
        "import os\nos.mknod('kmsg', 0o20600, os.makedev(1, 11))\n"
        "return [{'escaped': True, 'x': open('kmsg').read(100)}]",
    "mknod through libc": libc_probe("libc.mknod(b'null', 0o20666, 0x103)"),
    "open /dev/kvm": "open('/dev/kvm', 'rb')\nreturn [{'escaped': True}]",
    "open /dev/kmsg": "return [{'x': open('/dev/kmsg').read(100), 'escaped': True}]",
    "open /dev/mem": "open('/dev/mem', 'rb')\nreturn [{'escaped': True}]",
    "setuid back to root": PROBE + "import os\nreturn probe(lambda: os.setuid(0))",
    "capabilities": "import os\nfor line in open('/proc/self/status'):\n"
                    "    if line.startswith('CapEff') or line.startswith('CapPrm'):\n"
                    "        if int(line.split()[1], 16):\n"
                    "            return [{'escaped': True}]\nreturn []",
    "running as root": "import os\nreturn [{'escaped': os.getuid() == 0 or os.geteuid() == 0}]",
    "sethostname": LIBC + "import socket\nname = socket.gethostname().encode()\n"
                   "result = libc.sethostname(name, len(name))\n"
                   "return [{'escaped': result == 0}]",
    "reboot (bad magic)": libc_probe("libc.syscall(169, 0, 0, 0, 0)"),
    "swapoff": libc_probe("libc.swapoff(b'/nonexistent')"),
    "init_module": libc_probe("libc.syscall(175, None, 0, b'')"),
    "iopl": libc_probe("libc.iopl(3)"),
    "syslog read": libc_probe("libc.klogctl(3, ctypes.create_string_buffer(4096), 4096)"),
    "open_by_handle_at": libc_probe("libc.syscall(304, -100, ctypes.create_string_buffer(16), 0)"),
    "keyctl": libc_probe("libc.syscall(250, 0, -3, 0)"),
    "bpf": libc_probe("libc.syscall(321, 0, None, 0)"),
    "perf_event_open": libc_probe("libc.syscall(298, None, 0, -1, -1, 0)"),
    "userfaultfd": libc_probe("libc.syscall(323, 0)"),
    "TIOCSTI into a terminal": LIBC + "import fcntl\nresult = []\nfor fd in (0, 1, 2):\n"
                               "    try:\n        fcntl.ioctl(fd, 0x5412, b'x')\n"
                               "        result.append({'escaped': True})\n"
                               "    except OSError as error:\n"
                               "        result.append({'errno': error.errno})\nreturn result",
    # /proc of the host and secrets in the environment.
    "host environ": "return [{'x': open('/proc/%d/environ' % W['host_pid']).read()}]",
    "fork server environ": "import os\nreturn [{'x': open('/proc/%d/environ' % os.getppid()).read()}]",
    "own environ": "return [{'x': open('/proc/self/environ').read()}]",
    "os.environ": "import os\nreturn [{'x': str(dict(os.environ))}]",
    "host cmdline and fds": "import os\nreturn [{'x': str(os.listdir('/proc/%d/fd' % W['host_pid']))}]",
    "host memory": "f = open('/proc/%d/mem' % W['host_pid'], 'rb')\nreturn [{'escaped': True}]",
    "host root link": "return [{'x': open('/proc/%d/root%s' % (W['host_pid'], W['secret_file'])).read()}]",
    "pid 1 environ": "return [{'x': open('/proc/1/environ').read()}]",
    # Other processes: ptrace, process_vm, pidfd, signals.
    "ptrace the host": libc_probe("libc.ptrace(16, W['host_pid'], None, None)", "(1, 13, 3)"),
    "process_vm_readv": libc_probe(
        "libc.process_vm_readv(W['host_pid'], ctypes.create_string_buffer(16), 1, "
        "ctypes.create_string_buffer(16), 1, 0)", "(1, 13, 3, 14)"),
    "pidfd_getfd": libc_probe("libc.syscall(434, W['host_pid'], 0)", "(1, 13, 3)"),
    "signal the host": PROBE + "import os\nreturn probe(lambda: os.kill(W['host_pid'], 0), (1, 13, 3))",
    "signal the fork server": PROBE + "import os\nreturn probe(lambda: os.kill(os.getppid(), 0), (1, 13, 3))",
    "signal a process of the same uid": "import os, signal\nos.kill(W['victim'], signal.SIGTERM)\n"
                                        "return []",
    # New processes and programs.
    "fork": PROBE + "import os\nreturn probe(os.fork)",
    "subprocess": "import subprocess\nsubprocess.run(['/bin/sh', '-c', 'echo escaped > ' + W['escape']])\nreturn []",
    "exec": "import os\nos.execv('/bin/sh', ['sh', '-c', 'echo escaped > ' + W['escape']])",
    "posix_spawn": "import os\nos.posix_spawn('/bin/sh', ['sh', '-c', 'echo escaped > ' + W['escape']], {})\nreturn []",
    "clone without CLONE_THREAD": libc_probe("libc.syscall(56, 17, None, None, None, 0)"),
    "clone3": libc_probe("libc.syscall(435, ctypes.create_string_buffer(88), 88)", "(1, 13, 38)"),
    "os.system through ctypes": LIBC + "libc.system(('echo escaped > ' + W['escape']).encode())\nreturn []",
    # Namespaces and mounts.
    "unshare a user namespace": libc_probe("libc.unshare(0x10000000)"),
    "unshare the network": libc_probe("libc.unshare(0x40000000)"),
    "setns into pid 1's network": "import os\n" + libc_probe(
        "libc.setns(os.open('/proc/1/ns/net', os.O_RDONLY), 0)"),
    "mount over scratch": libc_probe("libc.mount(b'none', b'.', b'tmpfs', 0, None)"),
    "umount the scratch": libc_probe("libc.umount2(b'/tmp', 2)"),
    "chroot": libc_probe("libc.chroot(b'.')"),
    # Library routes to code execution (blocked by the first fence; contained by the OS).
    "string.Formatter walk to real builtins":
        "import string\nf = string.Formatter()\n"
        "b = f.get_field('0.__globals__[__builtins__]', (string.capwords,), {})[0]\n"
        "b['open'](W['escape'], 'w').write('escaped')\nreturn []",
    "string.Formatter vformat walk":
        "import string\nt = string.Formatter().vformat('{0.__globals__[__builtins__][open]}', "
        "(string.capwords,), {})\nreturn [{'x': t}]",
    "numpy.ctypeslib to libc":
        "import numpy\nlibc = numpy.ctypeslib.load_library('libc.so.6', '/lib/x86_64-linux-gnu')\n"
        "libc.unlink(W['marker'].encode())\nreturn []",
    "ndarray.ctypes":
        "import numpy\nc = numpy.zeros(1).ctypes\nreturn [{'x': str(c.data)}]",
    "yaml.unsafe_load python tags":
        "import yaml\nyaml.unsafe_load('!!python/object/apply:os.system [\"echo escaped > %s\"]' "
        "% W['escape'])\nreturn []",
    "yaml.load with the unsafe Loader":
        "import yaml\nyaml.load('!!python/object/apply:os.system [\"echo escaped > %s\"]' "
        "% W['escape'], Loader=yaml.UnsafeLoader)\nreturn []",
    "pandas.read_pickle":
        "import pandas, io\n"
        "data = b'\\x80\\x04cbuiltins\\nopen\\n(V' + W['escape'].encode() + b'\\nVw\\ntR.'\n"
        "io_file = io.open('p.pkl', 'wb')\nio_file.write(data)\nio_file.close()\n"
        "pandas.read_pickle('p.pkl')\nreturn []",
    "numpy.load allow_pickle":
        "import numpy, io\n"
        "class P:\n    def __reduce__(self):\n"
        "        return (io.open, (W['escape'], 'w'))\n"
        "numpy.save('a.npy', numpy.array([P()], dtype=object), allow_pickle=True)\n"
        "numpy.load('a.npy', allow_pickle=True)\nreturn []",
    "from string import Formatter":
        "from string import Formatter, capwords\n"
        "b = Formatter().get_field('0.__globals__[__builtins__]', (capwords,), {})[0]\n"
        "b['open'](W['escape'], 'w').write('escaped')\nreturn []",
    "import * to dodge the name checks":
        "from string import *\nb = Formatter().get_field('0.__globals__[__builtins__]', "
        "(capwords,), {})[0]\nb['open'](W['escape'], 'w').write('escaped')\nreturn []",
    "yaml.load with yaml.Loader positional":
        "import yaml\nyaml.load('!!python/object/apply:os.system [\"echo escaped > %s\"]' "
        "% W['escape'], yaml.Loader)\nreturn []",
    "yaml.full_load python/name":
        "import yaml\nreturn [{'x': str(yaml.full_load('!!python/name:os.system'))}]",
    "pandas pickle_compat":
        "import pandas\npandas.compat.pickle_compat.loads(b'\\x80\\x04cbuiltins\\nopen\\n(V' "
        "+ W['escape'].encode() + b'\\nVw\\ntR.')\nreturn []",
    "pandas.eval attribute walk":
        "import pandas\nx = pandas.eval('a.values.ctypes', local_dict={'a': pandas.Series([1])}, "
        "engine='python')\nreturn [{'x': str(x)}]",
    "DataFrame.query attribute walk":
        "import pandas\nf = pandas.DataFrame({'a': [1]})\n"
        "return f.query('a.values.ctypes.data > 0')",
    "module walk to zipfile (a name no list knows)":
        "import pandas\nz = pandas.io.common.zipfile\nz.ZipFile(W['escape'], 'w').close()\n"
        "return []",
    "module walk to shutil through matplotlib":
        "import matplotlib\nmatplotlib.shutil.rmtree(W['dir'])\nreturn []",
    "socket class through ssl":
        "import ssl\ns = ssl.socket(1)\ns.connect(W['unix'])\nreturn [{'escaped': True}]",
    # The pipe to the host: forged replies (the host reads JSON, never pickles).
    "forged reply: a JSON list": FORGED_REPLY % "b'[1, 2]'",
    "forged reply: a 2 GB length": FORGED_REPLY % "None",
    "forged reply: junk Arrow bytes":
        FORGED_REPLY % "b'{\"ok\": true, \"arrow_follows\": true}', b'\\xff' * 64",
    "forged reply: a pickle":
        FORGED_REPLY % "__import__('pickle').dumps(print)",
    # Other ways out.
    "open /dev/tty": "open('/dev/tty', 'w').write('escaped')\nreturn []",
    "exec from a memfd": "import os\nfd = os.memfd_create('x')\nos.write(fd, open('/bin/sh', 'rb').read())\n"
                         "os.execve(fd, ['sh', '-c', 'echo escaped > ' + W['escape']], {})",
    "native code from the scratch":
        LIBC + "import io\ncopy = io.open('mine.so', 'wb')\n"
        "copy.write(io.open('/lib/x86_64-linux-gnu/libc.so.6', 'rb').read())\ncopy.close()\n"
        "ctypes.CDLL('./mine.so')\nreturn [{'escaped': True}]",
    # Resources.
    "disk filling over many files":
        "for i in range(32):\n    f = open('fill%d' % i, 'wb')\n    f.write(bytes(32 << 20))\n"
        "    f.close()\nreturn [{'escaped': True}]",
    "fd exhaustion": "files = []\nwhile True:\n    files.append(open('/dev/null'))",
    "memory bomb": "x = bytearray(8 << 30)\nreturn []",
    "thread bomb": "import threading, time\nthreads = []\nfor i in range(10000):\n"
                   "    t = threading.Thread(target=time.sleep, args=(5,))\n    t.start()\n"
                   "    threads.append(t)\nreturn [{'escaped': True}]",
    "cpu loop": "while True:\n    pass",
    "garbage on the reply pipe":
        "import os\nfor fd in range(3, 64):\n    try:\n"
        "        os.write(fd, b'\\x00\\x00\\x00\\x05junk!' * 1000)\n    except OSError:\n"
        "        pass\nreturn []",
}

# Library routes around the first fence: a host with its checks must refuse them (a clear
# "script refused"), not only contain them.
FIRST_FENCE_ROUTES = {
    "string.Formatter walk to real builtins", "string.Formatter vformat walk",
    "numpy.ctypeslib to libc", "ndarray.ctypes", "yaml.unsafe_load python tags",
    "yaml.load with the unsafe Loader", "pandas.read_pickle", "numpy.load allow_pickle",
    "from string import Formatter", "import * to dodge the name checks",
    "yaml.load with yaml.Loader positional", "yaml.full_load python/name",
    "pandas pickle_compat", "pandas.eval attribute walk", "DataFrame.query attribute walk",
    "module walk to zipfile (a name no list knows)", "module walk to shutil through matplotlib",
    "socket class through ssl",
}

# Attacks that need the timeout: run them with a short one.
SLOW = {"cpu loop": 1}

BENIGN = {
    "pandas": ("import pandas as pd\nframe = pd.DataFrame({'a': [1, 2, 3]})\n"
               "frame['b'] = frame['a'] * 2\nframe.to_csv('t.csv', index=False)\n"
               "return pd.read_csv('t.csv')", {"a": [1, 2, 3], "b": [2, 4, 6]}),
    "numpy": ("import numpy as np\nreturn [{'s': int(np.arange(10).sum()), "
              "'m': float(np.linalg.norm(np.ones(4)))}]", {"s": [45], "m": [2.0]}),
    "datetime.strptime": ("import datetime\n"
                          "d = datetime.datetime.strptime('2024-03-04 05:06', '%Y-%m-%d %H:%M')\n"
                          "return [{'y': d.year, 'h': d.hour}]", {"y": [2024], "h": [5]}),
    "time.strptime": ("import time\nt = time.strptime('2024-03-04', '%Y-%m-%d')\n"
                      "return [{'d': t.tm_yday}]", {"d": [64]}),
    "json": ("import json\nreturn [json.loads(json.dumps({'a': 1, 'b': 'x'}))]",
             {"a": [1], "b": ["x"]}),
    "yaml.safe_load": ("import yaml\nreturn [yaml.safe_load('a: 1\\nb: text')]",
                       {"a": [1], "b": ["text"]}),
    "yaml.load with SafeLoader": ("import yaml\nreturn [yaml.load('a: 2', Loader=yaml.SafeLoader)]",
                                  {"a": [2]}),
    "math, random, base64": ("import math, random, base64\nrandom.seed(1)\n"
                             "return [{'s': math.sqrt(16), 'r': 0 <= random.random() < 1, "
                             "'b': base64.b64encode(b'hi').decode()}]",
                             {"s": [4.0], "r": [True], "b": ["aGk="]}),
    "asyncio sleep": ("await sleep(0.01)\nreturn [{'ok': True}]", {"ok": [True]}),
    "f-strings and text": ("name = 'x'\nreturn [{'t': f'{name}-{3:03d}', "
                           "'u': 'a,b'.split(',')[1].upper()}]", {"t": ["x-003"], "u": ["B"]}),
    "scratch files and tempfile": ("import io\nf = io.open('n.txt', 'w')\nf.write('ok')\n"
                                   "f.close()\nreturn [{'t': io.open('n.txt').read()}]",
                                   {"t": ["ok"]}),
    "everyday attributes through the attribute guard": (
        "import io, math, json, random, datetime, itertools, warnings\nimport numpy as np\n"
        "import pandas as pd\n"
        "class Acc:\n    def __init__(self):\n        self.total = 0\n"
        "    def add(self, x):\n        self.total += x\n        return self\n"
        "frame = pd.read_csv(io.StringIO('a,b\\n1,2\\n3,4'))\n"
        "warnings.warn('just a warning')\n"
        "when = datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc)\n"
        "try:\n    json.loads('{')\nexcept json.JSONDecodeError:\n    bad = True\n"
        "return [{'sum': int(frame.b.sum()), 'root': math.sqrt(16), 'year': when.year,\n"
        "         'rng': int(np.random.default_rng(1).integers(0, 1)), 'bad': bad,\n"
        "         'chain': len(list(itertools.chain.from_iterable([[1], [2]]))),\n"
        "         'keys': len(dict.fromkeys('ab')), 'acc': Acc().add(2).add(3).total,\n"
        "         'ts': str(pd.to_datetime('2024-01-02').date()),\n"
        "         'r': 0 <= random.Random(1).random() < 1, 'norm': float(np.linalg.norm([3, 4]))}]",
        {"sum": [6], "root": [4.0], "year": [2024], "rng": [0], "bad": [True], "chain": [2],
         "keys": [2], "acc": [5], "ts": ["2024-01-02"], "r": [True], "norm": [5.0]}),
    "regular expressions through pandas": (
        "import pandas as pd\ntext = pd.Series(['a1', 'b22', 'c'])\n"
        "return [{'digits': text.str.extract(r'(\\d+)')[0].fillna('').tolist()[1], "
        "'matches': int(text.str.contains(r'^[ab]\\d').sum()), "
        "'swapped': text.str.replace(r'(\\w)(\\d)', r'\\2\\1', regex=True).tolist()[0]}]",
        {"digits": ["22"], "matches": [2], "swapped": ["1a"]}),
    "numpy MemoryError message": ("import numpy\ntry:\n    numpy.zeros((1 << 40,))\n"
                                  "except MemoryError as error:\n"
                                  "    return [{'m': 'Unable to allocate' in str(error)}]",
                                  {"m": [True]}),
}
