#!/usr/bin/python3
"""Writes the seed corpora of the text and Pyro fuzz targets (corpus/csv, json, serpent,
pickle, pyro, pipeline) from real inputs: the sample orders, the quickstart NDJSON, the example
pipeline, and values as Python's own pickle, Debian's serpent and Pyro4 write them. Run again
only to refresh the seeds (Debian's python3 with python3-serpent and python3-pyro4):
    /usr/bin/python3 tests/fuzz/make_seeds.py
The Arrow seeds come from make_corpus.mjs, the protocol seeds from record_requests.mjs."""
import datetime
import json
import os
import pickle

import Pyro4.errors
import Pyro4.message
import Pyro4.util
import serpent

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(here))


def write(target, name, data):
    folder = os.path.join(here, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data if isinstance(data, bytes) else data.encode())


orders = open(os.path.join(repo, "examples", "orders_sample.csv")).read().splitlines()
write("csv", "orders_head.csv", "\n".join(orders[:25]) + "\n")
write("csv", "quoted_crlf.csv", 'a,"b ""q""",c\r\n"x\r\ny",2,\r\n,"",3.5\r\n')
write("csv", "bom_types.csv", "\ufeffflag,n,f,d,t,s\ntrue,1,1.5,2024-01-02,2024-01-02 03:04:05.678,x\n"
      "false,-2,1e300,2024-13-01,2024-01-02T03:04:05Z,\n,,,,,\"\"\n")
write("csv", "ragged.csv", "a,b\n1\n2,3,4\n")

rows = [dict(zip(orders[0].split(","), line.split(","))) for line in orders[1:6]]
write("json", "rows.json", json.dumps(rows))
write("json", "typed_rows.json", json.dumps([
    {"i": 1, "f": 1.5, "b": True, "s": "x", "d": "2024-01-02", "t": "2024-01-02 03:04:05", "n": None},
    {"i": -9007199254740993, "f": 1e308, "b": False, "s": "\u00e9\u2713", "n": 3},
    {"s": None, "extra": [1, {"k": 2}]}]))
write("json", "columns.json", json.dumps({"a": [1, 2, None], "b": ["x", None, "z"], "c": [True, False, True]}))
write("json", "quickstart.ndjson", open(os.path.join(repo, "examples", "quickstart.jsonl")).read())
write("json", "ndjson_blank_lines.ndjson", '{"a": 1}\n\n{"a": null, "b": "x"}\r\n{"b": 2.5}')

values = {
    "scalars": [None, True, False, 0, -7, 2**63 - 1, -2**63, 2**64 + 1, 0.1, -2.5, 1e300, "",
                "a'b\"c\\d\ne\u00e9\u2713", b"\x00\xff", (), (1,), {1, 2}, frozenset()],
    "table": {"names": ["i", "f", "s", "d", "t", "b", "mixed", "empty"],
              "kinds": ["int", "float", "str", "str", "datetime", "bool", "mixed", "none"],
              "columns": [[1, None], [0.5, 1], ["x", "y"], ["2024-01-02", None],
                          ["2024-01-02T03:04:05.678900", "2024-01-02T03:04:05"],
                          [True, False], [1, "a"], [None, None]], "num_rows": 2},
    "nested": {"l": [[[]], {"k": ({"x": [1.5]},)}], (1, "t"): {b"k": None}},
}
for name, value in values.items():
    write("serpent", name + ".serpent", serpent.dumps(value, module_in_classname=True))
    write("serpent", name + "_indented.serpent", serpent.dumps(value, indent=True))
    for protocol in range(0, 6):
        write("pickle", f"{name}_p{protocol}.pickle", pickle.dumps(value, protocol=protocol))
write("serpent", "special_floats.serpent", "[1e30000, -1e30000, {'__class__': 'float', 'value': 'nan'}, -0.0, 0x1F, 0o17, 0b1, 1_000, 1j]")
write("pickle", "exception_p2.pickle", pickle.dumps(ValueError("bad", 3), protocol=2))
write("pickle", "exception_p4.pickle", pickle.dumps(KeyError("k"), protocol=4))
write("pickle", "datetime_p3.pickle", pickle.dumps(datetime.datetime(2024, 1, 2, 3, 4, 5), protocol=3))

# Pyro4 replies as a script host sends them: results, a remote exception, a handshake reply.
for serializer_name in ("serpent", "json", "pickle", "marshal"):
    serializer = Pyro4.util.get_serializer(serializer_name)
    sid = serializer.serializer_id
    table = values["table"] if serializer_name != "json" else json.loads(json.dumps(values["table"]))
    data, _ = serializer.serializeData(table)
    message = Pyro4.message.Message(Pyro4.message.MSG_RESULT, data, sid, 0, 7)
    write("pyro", f"result_{serializer_name}.pyro", message.to_bytes())
    data = serializer.serializeData({"handshake": "hello", "meta": {"methods": {"run"}}})[0]
    message = Pyro4.message.Message(Pyro4.message.MSG_CONNECTOK, data, sid, 0, 0,
                                    annotations={"CORR": b"0123456789abcdef"})
    write("pyro", f"connectok_{serializer_name}.pyro", message.to_bytes())
    if serializer_name != "marshal":
        try:
            raise ValueError("the script failed")
        except ValueError as error:
            error._pyroTraceback = Pyro4.util.formatTraceback(detailed=False)
            data = serializer.serializeData(error)[0]
        message = Pyro4.message.Message(Pyro4.message.MSG_RESULT, data, sid,
                                        Pyro4.message.FLAGS_EXCEPTION, 7)
        write("pyro", f"exception_{serializer_name}.pyro", message.to_bytes())
message = Pyro4.message.Message(Pyro4.message.MSG_RESULT, serpent.dumps([1, 2]), 1, 0, 3,
                                hmac_key=b"key")
write("pyro", "result_signed.pyro", message.to_bytes())
write("pyro", "connectfail_marshal.pyro", Pyro4.message.Message(
    Pyro4.message.MSG_CONNECTFAIL, Pyro4.util.get_serializer("marshal").serializeData(
        "no such object")[0], 3, 0, 0).to_bytes())

pipeline = open(os.path.join(repo, "examples", "pipeline", "pipeline.yaml")).read()
write("pipeline", "example.yaml", pipeline.replace("../orders_sample.csv", "orders.csv")
      .replace("region_totals.py", "totals.py").replace("fx_rates.py", "totals.py"))
write("pipeline", "every_key.yaml", """script_host: local
script_host_args: [--profile, trusted]
status_table: health
watch_interval: 1s
tables:
  - name: a
    source: {file: orders.csv, format: csv}
    transforms:
      - {script: "def transform(df): return df", timeout: 5, use_arrow: true,
         parameters: {n: 3, s: x}, schema: {id: integer, qty: float}}
      - {host: 127.0.0.1, port: 9999, key: abc, script_file: totals.py, serialization: json}
    refresh: 250ms
    index: id
  - name: b
    source:
      connector: {script_file: totals.py, parameters: {spread: 0.002}, checkpoint: id}
    refresh: 2s
""")
write("pipeline", "live_sources.yaml", """tables:
  - name: ticks
    source: {mqtt: {url: "mqtt://u:p%40ss@127.0.0.1:1883", topic: "t/#", format: json, qos: 1}}
    mode: append
    real_time_limit: 250ms
    max_queued_mb: 16
    schema: {symbol: string, price: float, at: datetime}
  - name: orders
    source: {amqp: {url: "amqp://guest:guest@127.0.0.1:5672/%2f", queue: q, format: csv}}
    index: id
  - name: rows
    source: {postgres: {dsn: "host=127.0.0.1 password='x y'", query: "SELECT * FROM t WHERE at > {checkpoint}", checkpoint: at, listen: ch}}
    refresh: 1s
  - name: last
    source: {table: ticks}
    transforms: [{script: "def transform(df): return df"}]
    transform_input: table
""")
write("pipeline", "feed_loop.yaml", "tables:\n  - {name: a, source: {table: c}}\n"
      "  - {name: b, source: {table: a}}\n  - {name: c, source: {table: b}}\n")
write("pipeline", "anchors.yaml", "base: &b {file: orders.csv}\ntables:\n  - {name: x, source: *b}\n"
      "  - {name: y, source: {<<: *b, format: ndjson}, refresh: 1.5m}\n")
