#!/usr/bin/python3
"""Starts throwaway database servers for the virtual-table tests, runs a command, stops them.

    db_servers.py [--clickhouse] [--clickhouse-shards] [--postgres] -- COMMAND ARGS...

Each server gets a free 127.0.0.1 port and a temporary data directory (never the system
services). The command sees PARALLAX_TEST_CLICKHOUSE=http://127.0.0.1:PORT (one node),
PARALLAX_TEST_CLICKHOUSE_SHARDS=http://...,http://... (two nodes, each with a `shards`
cluster of both), PARALLAX_TEST_POSTGRES=postgres://parallax@127.0.0.1:PORT/postgres.
Both also know a user `reader` who must give the password PARALLAX_TEST_PASSWORD (set for
the command too; on PostgreSQL the command creates the role). Servers are stopped by pid,
whatever the command did.
"""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PG_BIN = "/usr/lib/postgresql/15/bin"
LIBC = ctypes.CDLL(None, use_errno=True)  # loaded before any fork


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent(sig):
    """A preexec step: the server gets `sig` when this script dies (say, killed by ctest's
    timeout), so no server outlives its test. Set after any setuid (which clears it)."""
    LIBC.prctl(1, int(sig))  # PR_SET_PDEATHSIG


class PortTaken(Exception):
    """The server exited while starting: another process took its free port meanwhile."""


def retrying(start, attempts=3):
    """Runs start() again (with new free ports) when its server exited while starting."""
    for attempt in range(attempts):
        try:
            return start()
        except PortTaken:
            if attempt == attempts - 1:
                raise


def wait_until(check, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except PortTaken:
            raise
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout:.0f}s")


TEST_PASSWORD = "Rd-9f!x secret"  # the `reader` user's, for the credential tests

CLICKHOUSE_USERS = f"""<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default>
    <reader><password>{TEST_PASSWORD}</password><networks><ip>127.0.0.1</ip><ip>::1</ip>
    </networks><profile>default</profile><quota>default</quota></reader></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
"""


def start_clickhouse(root, cluster_tcp_ports=(), tcp_port=None):
    """A clickhouse-server in `root`; answers (process, http_port, tcp_port)."""
    os.makedirs(root, exist_ok=True)
    http_port, tcp_port = free_port(), tcp_port or free_port()
    shards = "".join(
        f"<shard><replica><host>127.0.0.1</host><port>{p}</port></replica></shard>"
        for p in cluster_tcp_ports)
    cluster = f"<remote_servers><shards>{shards}</shards></remote_servers>" if shards else ""
    with open(os.path.join(root, "users.xml"), "w") as f:
        f.write(CLICKHOUSE_USERS)
    config = os.path.join(root, "config.xml")
    with open(config, "w") as f:
        f.write(f"""<yandex>
  <logger><level>warning</level><log>{root}/server.log</log><errorlog>{root}/error.log</errorlog>
    <console>0</console></logger>
  <http_port>{http_port}</http_port><tcp_port>{tcp_port}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{root}/data/</path><tmp_path>{root}/tmp/</tmp_path>
  <user_files_path>{root}/user_files/</user_files_path>
  <format_schema_path>{root}/format_schemas/</format_schema_path>
  <users_config>{root}/users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  {cluster}
</yandex>
""")
    log = open(os.path.join(root, "stdout.log"), "w")
    process = subprocess.Popen(["clickhouse-server", f"--config-file={config}"], stdout=log,
                               stderr=subprocess.STDOUT, cwd=root, start_new_session=True,
                               preexec_fn=lambda: die_with_parent(signal.SIGTERM))
    url = f"http://127.0.0.1:{http_port}/"

    def ready():
        if process.poll() is not None:
            exited(root, "clickhouse-server", ["error.log", "stdout.log"])
        return urllib.request.urlopen(url + "?query=SELECT%201", timeout=2).read() == b"1\n"
    wait_until(ready, "clickhouse-server")
    return process, http_port, tcp_port


def exited(root, what, logs):
    """A server exited while starting: PortTaken when its port was taken, else the end."""
    text = ""
    for name in logs:
        try:
            with open(os.path.join(root, name), errors="replace") as f:
                text += f.read()
        except OSError:
            pass
    if "already in use" in text:
        raise PortTaken()
    raise SystemExit(f"{what} exited while starting; see {root}/{logs[0]}:\n{text[-2000:]}")


def unprivileged():
    """postgres refuses to run as root: then it runs as nobody (a preexec_fn), else as is."""
    if os.geteuid() != 0:
        return None, None
    import pwd
    nobody = pwd.getpwnam("nobody")

    def drop():
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
    return drop, nobody


def run_postgres(root, port):
    """postgres on the data directory initdb made in `root`; answers the process when it
    accepts connections."""
    drop, _ = unprivileged()

    def prepare():
        if drop:
            drop()
        die_with_parent(signal.SIGQUIT)  # postgres' immediate shutdown
    log = open(os.path.join(root, "postgres.log"), "w")
    process = subprocess.Popen(
        [f"{PG_BIN}/postgres", "-D", os.path.join(root, "data"), "-p", str(port), "-k", root,
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "timezone=UTC"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=prepare,
        cwd=root)

    def ready():
        if process.poll() is not None:
            exited(root, "postgres", ["postgres.log"])
        return subprocess.run([f"{PG_BIN}/pg_isready", "-h", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL).returncode == 0
    wait_until(ready, "postgres")
    return process


def start_postgres(root):
    """A postgres in `root` (initdb, then postgres in the foreground); answers (process, port).
    Its superuser is `parallax`, trusted on loopback."""
    data = os.path.join(root, "data")
    os.makedirs(root, exist_ok=True)
    drop, nobody = unprivileged()
    if nobody:
        os.chmod(os.path.dirname(root), 0o711)
        os.chown(root, nobody.pw_uid, nobody.pw_gid)
    subprocess.run([f"{PG_BIN}/initdb", "-D", data, "-A", "trust", "-U", "parallax",
                    "--locale=C", "-E", "UTF8"], check=True, stdout=subprocess.DEVNULL,
                   preexec_fn=drop, cwd=root)
    # `reader` must give its password over TCP (the first matching line wins).
    hba = os.path.join(data, "pg_hba.conf")
    with open(hba) as f:
        rules = f.read()
    with open(hba, "w") as f:
        f.write("host all reader 127.0.0.1/32 scram-sha-256\n" + rules)

    def launch():
        port = free_port()
        return run_postgres(root, port), port
    return retrying(launch)


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_shards(root):
    """Two clickhouse-servers, each with a `shards` cluster of both; answers their
    (process, http_port). Their TCP ports are chosen before either starts."""
    tcp = (free_port(), free_port())
    started = []
    try:
        for i in range(2):
            process, http, _ = start_clickhouse(os.path.join(root, f"shard{i}"), tcp, tcp[i])
            started.append((process, http))
    except PortTaken:
        for process, _ in started:
            stop(process)
        raise
    return started


def main(argv):
    if "--" not in argv:
        raise SystemExit(__doc__)
    split = argv.index("--")
    wanted, command = set(argv[:split]), argv[split + 1:]
    root = tempfile.mkdtemp(prefix="parallax-db-")
    processes = []
    env = dict(os.environ, PARALLAX_TEST_PASSWORD=TEST_PASSWORD)
    try:
        if "--clickhouse" in wanted:
            process, http, _ = retrying(lambda: start_clickhouse(os.path.join(root, "ch")))
            processes.append(process)
            env["PARALLAX_TEST_CLICKHOUSE"] = f"http://127.0.0.1:{http}"
        if "--clickhouse-shards" in wanted:
            pair = retrying(lambda: start_shards(root))
            processes += [process for process, _ in pair]
            env["PARALLAX_TEST_CLICKHOUSE_SHARDS"] = ",".join(
                f"http://127.0.0.1:{http}" for _, http in pair)
        if "--postgres" in wanted:
            process, port = start_postgres(os.path.join(root, "pg"))
            processes.append(process)
            env["PARALLAX_TEST_POSTGRES"] = (
                f"postgres://parallax@127.0.0.1:{port}/postgres")
        return subprocess.run(command, env=env).returncode
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
