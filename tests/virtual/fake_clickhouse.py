#!/usr/bin/python3
"""A hostile or broken "ClickHouse": an HTTP server on a free 127.0.0.1 port that answers
each query as the database named in its URL (`/?database=NAME`) says, then runs a command.

    fake_clickhouse.py -- COMMAND ARGS...

The command sees PARALLAX_TEST_FAKE_CLICKHOUSE=127.0.0.1:PORT; the server is stopped (by
pid: it is a child process) whatever the command did. Every database has the table `t`
(id Int32, the primary key; name String; price Float64) unless its name says otherwise; a
row count answers 3 and a window three good rows, except where the name says:

  count_negative, count_nan, count_huge   the row count is -1, nan, 1e300
  rows_bigint        an integer cell of 1e300 (beyond int64: casting it is undefined)
  rows_extra         rows with a cell more than asked for
  rows_few           rows with a cell less
  rows_longcell      a 1 MB cell where a float is expected
  rows_huge          an endless stream of good rows (chunked)
  rows_hugeerror     status 500 with a 4 MB body
  rows_truncated     Content-Length 1000, 10 bytes, then the connection closes
  rows_garbage       bytes that are not HTTP
  rows_slow          the headers, then a byte every 0.5 s forever
  rows_headerbomb    a 1 MB header line
  rows_midstream     the split values' query fails after two rows (ClickHouse's 200 answer
                     then its error as the last line)
  rows_nul           NUL bytes and every escape in the cells (good rows)
  schema_weird       the schema repeats `id`, has an empty name, a name with ` and \\, __ID__
  schema_short       the schema answer has two cells a row
  rows_held          a window (a query with LIMIT) is held, unanswered, until the test
                     releases it: GET /held answers how many are held now, /cancelled how
                     many were hung up on by Parallax while held, /release answers every
                     held one and those to come, /hold holds again
"""
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

SCHEMA = "t\tid\tInt32\t1\nt\tname\tString\t0\nt\tprice\tFloat64\t0\n"
ROWS = "1\ta\t1.5\n2\tb\t2.5\n3\tc\t3.5\n"


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    path = lines[0].split(" ")[1]
    database = path.partition("database=")[2].partition("&")[0]
    if path.startswith(("/held", "/cancelled", "/release", "/hold")):
        database = path  # the test's gate, below
    return database, body.decode("utf-8", "replace")


def answer(conn, body, status="200 OK", extra=""):
    data = body.encode("latin-1") if isinstance(body, str) else body
    conn.sendall(
        f"HTTP/1.1 {status}\r\nContent-Type: text/tab-separated-values\r\n{extra}"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)


# rows_held: the gate the test opens and closes, and what it counts (in the server's process).
GATE = threading.Event()
GATE_LOCK = threading.Lock()
GATE_COUNTS = {"held": 0, "cancelled": 0}


def hold(conn):
    """Waits for the gate; answers False when Parallax hung up meanwhile."""
    with GATE_LOCK:
        GATE_COUNTS["held"] += 1
    try:
        while not GATE.wait(0.05):
            readable, _, _ = select.select([conn], [], [], 0)
            if readable and not conn.recv(1, socket.MSG_PEEK):
                with GATE_LOCK:
                    GATE_COUNTS["cancelled"] += 1
                return False
        return True
    finally:
        with GATE_LOCK:
            GATE_COUNTS["held"] -= 1


def serve(conn):
    try:
        database, sql = read_request(conn)
        if database is None:
            return
        if database.startswith("/"):
            if database.startswith("/release"):
                GATE.set()
            elif database.startswith("/hold"):
                GATE.clear()
            with GATE_LOCK:
                key = "cancelled" if database.startswith("/cancelled") else "held"
                answer(conn, str(GATE_COUNTS[key]) + "\n")
            return
        if database == "rows_held" and "LIMIT" in sql and not hold(conn):
            return
        if "system.columns" in sql:
            if database == "schema_weird":
                answer(conn, SCHEMA + "t\tid\tInt32\t0\nt\t\tString\t0\nt\ta`b\\\\c\tString\t0\n"
                       "t\t__ID__\tString\t0\n")
            elif database == "schema_short":
                answer(conn, "t\tid\nt\tname\n")
            else:
                answer(conn, SCHEMA)
            return
        if "count(*)" in sql and "LIMIT" not in sql:
            counts = {"count_negative": "-1", "count_nan": "nan", "count_huge": "1e300"}
            value = counts.get(database, "3")
            answer(conn, "\t".join([value] * (sql.count("count(*)"))) + "\n")
            return
        if database == "rows_midstream" and "DISTINCT" in sql:
            answer(conn, "a\nb\nCode: 241, e.displayText() = DB::Exception: Memory limit (for "
                   "query) exceeded: would use 9.31 GiB, e.what() = DB::Exception\n")
        elif database == "rows_bigint":
            answer(conn, "1e300\ta\t1.5\n")
        elif database == "rows_extra":
            answer(conn, "1\ta\t1.5\textra\n")
        elif database == "rows_few":
            answer(conn, "1\ta\n")
        elif database == "rows_longcell":
            answer(conn, "1\ta\t" + "9" * (1 << 20) + "x\n")
        elif database == "rows_huge":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = ("1\tabcdefgh\t1.5\n" * 4096).encode()
            framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            sent = 0
            while sent < (512 << 20):  # the client should have hung up long before
                conn.sendall(framed)
                sent += len(chunk)
        elif database == "rows_hugeerror":
            answer(conn, "Code: 62. " + "x" * (4 << 20), "500 Internal Server Error")
        elif database == "rows_truncated":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n1\ta\t1.5\n")
        elif database == "rows_garbage":
            conn.sendall(b"\x00\xffNOT HTTP AT ALL\r\n\r\n\x01\x02")
        elif database == "rows_slow":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            for _ in range(240):
                conn.sendall(b"1")
                time.sleep(0.5)
        elif database == "rows_headerbomb":
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Bomb: " + b"b" * (1 << 20) + b"\r\n\r\n")
        elif database == "rows_nul":
            answer(conn, "1\ta\x00b\\0c\\\\d\\te\\nf\\\\N\t1.5\n2\t\\N\t\\N\n3\t\t3.5\n")
        else:
            answer(conn, ROWS)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client hung up, as it should on an endless or oversized answer
    finally:
        conn.close()


def main():
    if "--" not in sys.argv:
        sys.exit(__doc__)
    command = sys.argv[sys.argv.index("--") + 1:]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    listener.close()
    env = dict(os.environ, PARALLAX_TEST_FAKE_CLICKHOUSE=f"127.0.0.1:{port}")
    try:
        code = subprocess.call(command, env=env)
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    sys.exit(code)


if __name__ == "__main__":
    main()
