// Writes Arrow IPC files for generate_arrow.py with the apache-arrow package (the one the
// oracle uses, tests/oracle/package.json): Parallax's reader and the reference's then read
// bytes neither of them wrote.
//
// usage: node arrow_files.mjs SPECS.json
//   SPECS.json: a list of {"path": FILE, "format": "stream"|"file", "batches": [BATCH, ...]},
//   BATCH: a list of [name, arrow type, values] columns, every batch with the same columns.
//   Arrow types: int8 int16 int32 int64 uint8 uint16 uint32 float32 float64 bool utf8
//   large_utf8 dict (Dictionary<Int32, Utf8>) dict8 (Dictionary<Uint8, Utf8>) date32 date64
//   ts_s ts_ms ts_us ts_ns ts_ms_utc. Values are JSON: null, numbers, booleans, text; dates as
//   days since the epoch, timestamps as epoch milliseconds (ts_s floors them to seconds).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.ORACLE_NODE_MODULES || path.join(HERE, "..", "oracle", "node_modules");
const require = createRequire(path.join(modules, "resolve-from-here.js"));
const A = await import(require.resolve("apache-arrow"));

const DAY = 86400000;
const TYPES = {
    int8: () => new A.Int8(), int16: () => new A.Int16(), int32: () => new A.Int32(),
    int64: () => new A.Int64(), uint8: () => new A.Uint8(), uint16: () => new A.Uint16(),
    uint32: () => new A.Uint32(), float32: () => new A.Float32(), float64: () => new A.Float64(),
    bool: () => new A.Bool(), utf8: () => new A.Utf8(), large_utf8: () => new A.LargeUtf8(),
    dict: () => new A.Dictionary(new A.Utf8(), new A.Int32()),
    dict8: () => new A.Dictionary(new A.Utf8(), new A.Uint8()),
    date32: () => new A.DateDay(), date64: () => new A.DateMillisecond(),
    ts_s: () => new A.TimestampSecond(), ts_ms: () => new A.TimestampMillisecond(),
    ts_us: () => new A.TimestampMicrosecond(), ts_ns: () => new A.TimestampNanosecond(),
    ts_ms_utc: () => new A.TimestampMillisecond("UTC"),
};

// A JSON value as apache-arrow's builders take it for `type`.
function cell(type, value) {
    if (value === null) return null;
    if (type === "int64") return BigInt(value);
    if (type === "date32" || type === "date64") return new Date(value * DAY);
    if (type === "ts_s") return Math.floor(value / 1000) * 1000; // (whole seconds)
    return value;
}

// Nanoseconds from whole milliseconds in integers: apache-arrow's builder multiplies in
// doubles, which is inexact beyond 2^53 ns (a value before 1970 would then fall a few ns short
// of its millisecond).
function nanoseconds(values) {
    const data = new BigInt64Array(values.length);
    const validity = new Uint8Array(Math.ceil(values.length / 8));
    let nulls = 0;
    values.forEach((v, i) => {
        if (v === null) nulls++;
        else {
            data[i] = BigInt(v) * 1000000n;
            validity[i >> 3] |= 1 << (i & 7);
        }
    });
    return A.makeVector(A.makeData({
        type: new A.TimestampNanosecond(), length: values.length, nullCount: nulls,
        nullBitmap: nulls ? validity : undefined, data,
    }));
}

function batchTable(columns) {
    const vectors = {};
    for (const [name, type, values] of columns) {
        const make = TYPES[type];
        if (!make) throw new Error(`unknown Arrow type ${type}`);
        vectors[name] = type === "ts_ns" ? nanoseconds(values)
            : A.vectorFromArray(values.map((v) => cell(type, v)), make());
    }
    return new A.Table(vectors);
}

const specs = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
for (const spec of specs) {
    const table = spec.batches.map(batchTable).reduce((a, b) => a.concat(b));
    fs.writeFileSync(spec.path, A.tableToIPC(table, spec.format ?? "stream"));
}
