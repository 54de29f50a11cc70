"""Speed of Python transforms (not part of `make test`): a 100k-row table through an identity
transform in each mode (serpent rows, json rows, Arrow), and the per-call overhead of a tiny
script. Both modes do the same work: the same table in, the same table out (checked equal).
Usage: /usr/bin/python3 bench/script_transform.py [build/parallax] [rows] [rounds]"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripthost"))


def main():
    parallax = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build", "parallax")
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    work = tempfile.mkdtemp(prefix="parallax-bench-")
    data = os.path.join(work, "data.csv")
    random.seed(1)
    with open(data, "w") as out:
        out.write("id,region,price,qty,day\n")
        for i in range(rows):
            out.write("%d,%s,%.2f,%d,2024-01-%02d\n" % (
                i, random.choice(["north", "south", "east", "west"]), random.random() * 100,
                random.randint(1, 9), 1 + i % 28))
    key_file = os.path.join(work, "key.txt")
    with open(key_file, "w") as out:
        out.write("bench-key")
    host = subprocess.Popen([parallax, "script-host", "--port", "0", "--hmac-key-file", key_file,
                             "--workers", "2"], stdout=subprocess.PIPE, text=True)
    uri = host.stdout.readline().split("serving ")[1].split()[0]
    port = int(uri.rsplit(":", 1)[1])
    try:
        expected = subprocess.run([parallax, "view", data, "--format", "csv"], capture_output=True,
                                  text=True, check=True).stdout
        modes = (("serpent rows", {"serialization": "serpent"}),
                 ("json rows", {"serialization": "json"}),
                 ("arrow (serpent)", {"use_arrow": True}),
                 ("arrow (json)", {"use_arrow": True, "serialization": "json"}))
        paths = {}
        for name, settings in modes:
            config = dict(host="127.0.0.1", port=port, hmac_key_file=key_file,
                          script="return rows", timeout=300, **settings)
            paths[name] = os.path.join(work, "config-%d.json" % len(paths))
            with open(paths[name], "w") as out:
                json.dump(config, out)
        # Rounds of every mode one after the other, so that the machine's load falls on all
        # of them alike; every output must be the input table, in every mode.
        times = {name: [] for name, _ in modes}
        for _ in range(rounds):
            for name, _ in modes:
                start = time.perf_counter()
                done = subprocess.run([parallax, "transform", "--config", paths[name], "--input",
                                       data, "--format", "csv"], capture_output=True, text=True)
                times[name].append(time.perf_counter() - start)
                assert done.returncode == 0, done.stderr
                assert done.stdout == expected, "%s: the output is not the input table" % name
        print("`parallax transform` end to end (CLI start, CSV read, transform, CSV print), "
              "%d rows, %d rounds:" % (rows, rounds))
        report(times)
        step = os.path.join(os.path.dirname(parallax), "bench", "script_step_benchmark")
        if os.path.exists(step):
            done = subprocess.run([step, str(port), key_file, data, str(rounds)],
                                  capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            step_times = {}
            for line in done.stdout.splitlines():
                name, best, median = line.split("\t")
                step_times[name] = (float(best), float(median))
            print("the transform step alone (engine table -> host -> engine table, one client "
                  "as a pipeline keeps it), %d runs after a first one:" % rounds)
            report(step_times)
        breakdown(parallax, data, work, rows)
        # Per-call overhead: a tiny script through one Pyro4 connection (worker handoff, job,
        # script compile, reply). Spaced calls find a ready worker; back-to-back calls also
        # wait for the workers that replace the used ones (one per call).
        from parallax_scripthost.client import HostClient
        proxy = HostClient(uri, b"bench-key")
        proxy.run({"script": "return [{'a': 1}]"})
        for pause, label in ((0.3, "0.3 s apart"), (0, "back to back")):
            calls = []
            for _ in range(30):
                time.sleep(pause)
                start = time.perf_counter()
                proxy.run({"script": "return [{'a': 1}]"})
                calls.append(time.perf_counter() - start)
            calls.sort()
            print("tiny script, calls %s: median %.1f ms, best %.1f ms per call (%d calls)"
                  % (label, calls[len(calls) // 2] * 1000, calls[0] * 1000, len(calls)))
    finally:
        host.terminate()
        host.wait(30)


def report(times):
    """Best and median of each mode, and Arrow's speed-up over serpent rows by both."""
    figures = {}
    for name, values in times.items():
        if isinstance(values, tuple):
            best, median = values
        else:
            ordered = sorted(values)
            best, median = ordered[0], ordered[len(ordered) // 2]
        figures[name] = (best, median)
        print("  %-16s best %7.3f s   median %7.3f s" % (name, best, median))
    for name in ("arrow (serpent)", "arrow (json)"):
        print("  %s over serpent rows: %.1fx (best), %.1fx (median)"
              % (name, figures["serpent rows"][0] / figures[name][0],
                 figures["serpent rows"][1] / figures[name][1]))


def best_of(runs, action):
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        action()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def breakdown(parallax, data, work, rows):
    """Where Arrow mode's time goes: the CLI's own work (start, CSV read and print, measured
    with `parallax view`), and the host's Python work on the Arrow payload (base64, reading
    into a DataFrame, writing the reply), measured in this process on the same table."""
    import base64
    from parallax_scripthost import arrow_ipc
    tiny = os.path.join(work, "tiny.csv")
    with open(tiny, "w") as out:
        out.write("a\n1\n")
    start = best_of(3, lambda: subprocess.run([parallax, "view", tiny], capture_output=True))
    view = best_of(3, lambda: subprocess.run([parallax, "view", data, "--format", "csv"],
                                             capture_output=True))
    payload = subprocess.run([parallax, "view", data, "--format", "arrow"],
                             capture_output=True).stdout
    encoded = base64.b64encode(payload)
    decode = best_of(5, lambda: base64.b64decode(encoded))
    frame = arrow_ipc.read_frame(payload)
    read = best_of(5, lambda: arrow_ipc.read_frame(payload))
    written = arrow_ipc.write_frame(frame)
    write = best_of(5, lambda: arrow_ipc.write_frame(frame))
    encode = best_of(5, lambda: base64.b64encode(written))
    print("  parallax start (view of a 1-row file):      %6.1f ms" % (start * 1000))
    print("  parallax CSV read + CSV print (%d rows): %6.1f ms" % (rows, view * 1000))
    print("  host: base64 decode of the input (%.1f MB, remote clients only): %6.1f ms" % (len(encoded) / 1e6,
                                                                       decode * 1000))
    print("  host: Arrow input -> DataFrame:              %6.1f ms" % (read * 1000))
    print("  host: DataFrame -> Arrow output:             %6.1f ms" % (write * 1000))
    print("  host: base64 encode of the output (remote clients only):         %6.1f ms" % (encode * 1000))


if __name__ == "__main__":
    main()
