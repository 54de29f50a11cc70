// Interop of Parallax's Arrow reader and writer with implementations no one here wrote:
//  1. the apache-arrow npm package writes files and streams of every Arrow type (nulls in every
//     column, several record batches, dictionaries), and Parallax must read the same values;
//  2. Parallax writes streams and files of every Parallax type (plain and LZ4-compressed), and
//     apache-arrow must read the uncompressed ones (it cannot decompress) while the reference
//     engine (@finos/perspective, Arrow C++ inside) reads the compressed ones; both must equal
//     what Parallax's JSON output says the view holds.
// usage: node interop.mjs PARALLAX_BINARY WORK_DIR     (prints "N passed, N failed")
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [parallax, workDir] = process.argv.slice(2);
if (!parallax || !workDir) {
    console.error("usage: node interop.mjs PARALLAX_BINARY WORK_DIR");
    process.exit(2);
}
const modules = path.resolve(
    process.env.ORACLE_NODE_MODULES ?? new URL("../oracle/node_modules", import.meta.url).pathname);
const require = createRequire(modules + "/x.js");
const A = await import(require.resolve("apache-arrow"));
const perspective = (await import(require.resolve("@finos/perspective"))).default;
fs.rmSync(workDir, { recursive: true, force: true });
fs.mkdirSync(workDir, { recursive: true });

let passed = 0;
let failed = 0;
function check(name, actual, expected) {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a === e) {
        passed++;
    } else {
        failed++;
        console.log(`FAIL ${name}\n  expected ${e.slice(0, 600)}\n  actual   ${a.slice(0, 600)}`);
    }
}

// A deterministic pseudo-random sequence (mulberry32).
function random(seed) {
    return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

// Decodes Arrow bytes with apache-arrow as the oracle's replay.mjs does.
function arrowToColumns(bytes) {
    const table = A.tableFromIPC(bytes);
    const schema = {};
    const columns = {};
    for (const field of table.schema.fields) {
        schema[field.name] = String(field.type);
        const column = table.getChild(field.name);
        const values = [];
        for (let i = 0; i < table.numRows; i++) {
            let v = column.get(i);
            if (v instanceof Date) v = v.getTime();
            else if (typeof v === "bigint") v = Number(v);
            values.push(v ?? null);
        }
        columns[field.name] = values;
    }
    return { schema, columns, batches: table.batches.length };
}

function replay(lines) {
    const script = path.join(workDir, `script_${passed + failed}_${Math.random().toString(36).slice(2)}.jsonl`);
    fs.writeFileSync(script, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const out = execFileSync(parallax, ["replay", script], { encoding: "utf8", maxBuffer: 1 << 28 });
    return out.trim().split("\n").map((l) => JSON.parse(l));
}

// ---------------------------------------------------------------------------------------------
// 1. apache-arrow writes, Parallax reads.
const DAY = 86400000;
const fixtureTypes = {
    i8: [new A.Int8(), "integer"], u8: [new A.Uint8(), "integer"],
    i16: [new A.Int16(), "integer"], u16: [new A.Uint16(), "integer"],
    i32: [new A.Int32(), "integer"], u32: [new A.Uint32(), "integer"],
    i64: [new A.Int64(), "integer"], u64: [new A.Uint64(), "integer"],
    big64: [new A.Int64(), "float"], bigu32: [new A.Uint32(), "float"], bigu64: [new A.Uint64(), "float"],
    f32: [new A.Float32(), "float"], f64: [new A.Float64(), "float"],
    utf8: [new A.Utf8(), "string"], large: [new A.LargeUtf8(), "string"],
    dict: [new A.Dictionary(new A.Utf8(), new A.Int32()), "string"],
    dict8: [new A.Dictionary(new A.Utf8(), new A.Uint8()), "string"],
    dict16: [new A.Dictionary(new A.LargeUtf8(), new A.Int16()), "string"],
    date32: [new A.DateDay(), "date"], date64: [new A.DateMillisecond(), "date"],
    ts_s: [new A.TimestampSecond(), "datetime"], ts_ms: [new A.TimestampMillisecond(), "datetime"],
    ts_us: [new A.TimestampMicrosecond(), "datetime"], ts_ns: [new A.TimestampNanosecond(), "datetime"],
    ts_utc: [new A.TimestampMillisecond("UTC"), "datetime"],
    ts_ny: [new A.TimestampMicrosecond("America/New_York"), "datetime"],
    bool: [new A.Bool(), "boolean"],
    all_null: [new A.Int32(), "integer"],
};
const words = ["", "a", "héllo", "日本語", "emoji 🎉", "tab\tquote\"", "x".repeat(100)];
function fixtureValue(name, rand, row) {
    if (name === "all_null" || rand() < 0.15) return null;
    const r = rand();
    const int = (bits, signed) => {
        const span = 2 ** bits;
        const v = Math.floor(r * span);
        return signed ? v - span / 2 : v;
    };
    switch (name) {
        case "i8": return int(8, true);
        case "u8": return int(8, false);
        case "i16": return int(16, true);
        case "u16": return int(16, false);
        case "i32": return int(32, true);
        case "u32": return int(31, false);
        case "i64": return BigInt(int(32, true));
        case "u64": return BigInt(int(31, false));
        case "big64": return BigInt(int(52, true));
        case "bigu32": return int(32, false);
        case "bigu64": return BigInt(int(53, false));
        case "f32": return Math.fround((r - 0.5) * 1e6);
        case "f64": return row === 0 ? 1e300 : (r - 0.5) * 1e12;
        case "utf8": case "large": case "dict": case "dict8": case "dict16":
            return words[Math.floor(r * words.length)] + (name === "utf8" ? String(row % 5) : "");
        case "date32": return new Date(Math.floor((r - 0.3) * 40000) * DAY);
        case "date64": return new Date(Math.floor((r - 0.3) * 40000 * DAY));
        case "bool": return r < 0.5;
        case "ts_s": return Math.floor((r - 0.3) * 2e9) * 1000;
        // apache-arrow builds nanoseconds as milliseconds * 1e6 in doubles: exact below 2^53 / 15625.
        case "ts_ns": return Math.floor((r - 0.5) * 1e12);
        default: return Math.floor((r - 0.3) * 2e12); // timestamps, in milliseconds
    }
}
// What Parallax must show for an apache-arrow value (to_columns: epoch milliseconds for dates).
function expectedCell(name, v) {
    if (v === null) return null;
    if (name.startsWith("date")) return Math.floor(v / DAY) * DAY;
    if (name.startsWith("ts_")) return Math.floor(v);
    return v;
}

function fixtureTable(rows, batches, seed) {
    const rand = random(seed);
    const parts = [];
    for (let b = 0; b < batches; b++) {
        const vectors = {};
        for (const [name, [type]] of Object.entries(fixtureTypes)) {
            const values = [];
            for (let row = 0; row < rows; row++) values.push(fixtureValue(name, rand, row));
            vectors[name] = A.vectorFromArray(values, type);
        }
        parts.push(new A.Table(vectors));
    }
    return parts.reduce((a, b) => a.concat(b));
}

for (const [label, rows, batches] of [["one_batch", 300, 1], ["three_batches", 200, 3], ["empty", 0, 1]]) {
    const fullTable = fixtureTable(rows, batches, rows + batches);
    for (const format of ["stream", "file"]) {
        // The file format forbids replacement dictionaries, which apache-arrow writes for the
        // later batches of a dictionary column: files of several batches go without them.
        const dropDictionaries = format === "file" && batches > 1;
        const names = Object.keys(fixtureTypes).filter((c) => !(dropDictionaries && c.startsWith("dict")));
        const table = dropDictionaries ? fullTable.select(names) : fullTable;
        const file = path.join(workDir, `${label}.${format === "file" ? "arrow" : "arrows"}`);
        fs.writeFileSync(file, A.tableToIPC(table, format));
        const decoded = arrowToColumns(fs.readFileSync(file));
        const name = `${label}_${format}`;
        const results = replay([
            { op: "table", name, path: file },
            { op: "table_schema", table: name },
            { op: "view", table: name, name: "v", config: {} },
            { op: "to_columns", view: "v" },
            { op: "size", table: name },
        ]);
        const types = {};
        const expected = {};
        for (const column of names) {
            // 64-bit columns become float only when a value needs more than 32 bits.
            types[column] = rows === 0 && column.startsWith("big") ? "integer" : fixtureTypes[column][1];
            expected[column] = decoded.columns[column].map((v) => expectedCell(column, v));
        }
        check(`apache-arrow ${name}: table`, results[0], { ok: null });
        check(`apache-arrow ${name}: schema`, results[1], { ok: types });
        check(`apache-arrow ${name}: size`, results[4], { ok: rows * batches });
        if (rows > 0) {
            for (const column of names) {
                check(`apache-arrow ${name}: column ${column}`,
                      results[3].ok?.[column], expected[column]);
            }
        }
    }
}

// An update from Arrow converts to the table's types; a value that does not fit fails it.
{
    const update = path.join(workDir, "update.arrows");
    fs.writeFileSync(update, A.tableToIPC(new A.Table({
        i: A.vectorFromArray([5n, null], new A.Int64()),
        f: A.vectorFromArray([7, 8], new A.Int16()),
        d: A.vectorFromArray([1700000000123, 0], new A.TimestampMillisecond()),
        extra: A.vectorFromArray(["ignored", "too"], new A.Utf8()),
    })));
    const tooBig = path.join(workDir, "too_big.arrows");
    fs.writeFileSync(tooBig, A.tableToIPC(new A.Table({
        i: A.vectorFromArray([5n, 1n << 40n], new A.Int64()),
    })));
    const results = replay([
        { op: "table", name: "u", data: { i: "integer", f: "float", d: "date" } },
        { op: "update", table: "u", path: update },
        { op: "update", table: "u", path: tooBig },
        { op: "view", table: "u", name: "v", config: {} },
        { op: "to_columns", view: "v" },
    ]);
    check("update from Arrow converts", results[4],
          { ok: { i: [5, null], f: [7, 8], d: [Math.floor(1700000000123 / DAY) * DAY, 0] } });
    check("update from Arrow that does not fit fails", "error" in results[2], true);
}

// ---------------------------------------------------------------------------------------------
// 2. Parallax writes; apache-arrow (uncompressed) and the reference engine (compressed) read.
const rand = random(42);
const rows = [];
for (let i = 0; i < 1500; i++) {
    const maybe = (v) => (rand() < 0.1 ? null : v);
    rows.push({
        b: maybe(rand() < 0.5),
        i: maybe(i === 0 ? 2147483647 : i === 1 ? -2147483648 : Math.floor((rand() - 0.5) * 2e9)),
        f: maybe(i === 0 ? 1e300 : (rand() - 0.5) * 1e9),
        s: maybe(words[Math.floor(rand() * words.length)] + (i % 3)),
        d: maybe(new Date(Math.floor((rand() - 0.3) * 40000) * DAY).toISOString().slice(0, 10)),
        dt: maybe(Math.floor((rand() - 0.3) * 2e12)),
    });
}
const schema = { b: "boolean", i: "integer", f: "float", s: "string", d: "date", dt: "datetime" };
const arrowTypes = {
    b: "Bool", i: "Int32", f: "Float64", s: "Dictionary<Int32, Utf8>", d: "Date32<DAY>",
    dt: "Timestamp<MILLISECOND>",
};
const views = [
    {},
    { columns: ["s", "i", "dt"], sort: [["i", "desc"]] },
    { filter: [["b", "==", true]], sort: [["s", "asc"], ["f", "desc"]] },
    { columns: ["d", "b"], filter: [["i", ">", 5e8]] },
    { columns: ["s"], filter: [["i", "==", 12345]] }, // no rows
];
const script = [
    { op: "table", name: "w", data: schema },
    { op: "update", table: "w", data: rows },
];
views.forEach((config, n) => {
    // (The last view has no rows: a window starting at row 3 would be an error there.)
    const window = n === views.length - 1 ? { start_col: 1 } : { start_row: 3, end_row: 40, start_col: 1 };
    script.push({ op: "view", table: "w", name: `v${n}`, config });
    script.push({ op: "to_columns", view: `v${n}` });
    script.push({ op: "to_arrow", view: `v${n}`, save: path.join(workDir, `out${n}.arrows`) });
    script.push({ op: "to_arrow", view: `v${n}`, window: { compression: "lz4" },
                  save: path.join(workDir, `out${n}_lz4.arrows`) });
    script.push({ op: "to_arrow", view: `v${n}`, window, save: path.join(workDir, `out${n}_window.arrows`) });
    script.push({ op: "to_columns", view: `v${n}`, window });
});
const results = replay(script);
const dataFile = path.join(workDir, "rows.json");
fs.writeFileSync(dataFile, JSON.stringify(rows));

async function referenceColumns(bytes) {
    const table = await perspective.table(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const view = await table.view();
    const columns = JSON.parse(await view.to_columns_string());
    await view.delete();
    await table.delete();
    return columns;
}
const typesOf = (columns) => Object.fromEntries(Object.keys(columns).map((c) => [c, arrowTypes[c]]));

for (let n = 0; n < views.length; n++) {
    const base = 2 + n * 6;
    const columns = results[base + 1].ok;
    const windowColumns = results[base + 5].ok;
    const plain = arrowToColumns(fs.readFileSync(path.join(workDir, `out${n}.arrows`)));
    check(`parallax view ${n}: apache-arrow reads the stream`, plain.columns, columns);
    check(`parallax view ${n}: Arrow types`, plain.schema, typesOf(columns));
    check(`parallax view ${n}: replay to_arrow`, results[base + 2].ok,
          { schema: plain.schema, columns: plain.columns });
    const windowed = arrowToColumns(fs.readFileSync(path.join(workDir, `out${n}_window.arrows`)));
    check(`parallax view ${n}: apache-arrow reads the window`, windowed.columns, windowColumns);
    const compressed = fs.readFileSync(path.join(workDir, `out${n}_lz4.arrows`));
    if (Object.keys(columns).length > 0 && columns[Object.keys(columns)[0]].length > 0) {
        check(`parallax view ${n}: the reference reads the LZ4 stream`,
              await referenceColumns(compressed), columns);
    }
    check(`parallax view ${n}: replay decodes the LZ4 stream`, results[base + 3].ok,
          results[base + 2].ok);

    // parallax view: the file format, compressed or not.
    const config = JSON.stringify(views[n]);
    const viewColumns = JSON.parse(execFileSync(parallax,
        ["view", dataFile, "--config", config, "--format", "columns"], { encoding: "utf8" }));
    for (const [format, compression] of [["arrow-file", "none"], ["arrow", "none"],
                                         ["arrow-file", "lz4"], ["arrow", "lz4"]]) {
        const bytes = execFileSync(parallax, ["view", dataFile, "--config", config, "--format", format,
                                              "--compression", compression], { maxBuffer: 1 << 28 });
        const label = `parallax view ${n} --format ${format} --compression ${compression}`;
        if (compression === "none") {
            check(`${label}: apache-arrow reads it`, arrowToColumns(bytes).columns, viewColumns);
        } else if (Object.values(viewColumns)[0]?.length > 0) {
            check(`${label}: the reference reads it`, await referenceColumns(bytes), viewColumns);
        }
    }
}

// Grouped views: row path columns, Int64 and Uint32 aggregates, split columns, LZ4.
{
    const grouped = [
        { group_by: ["s"], columns: ["i", "f", "d", "b"] },
        { group_by: ["b", "s"], split_by: ["d"], columns: ["i"], aggregates: { i: "distinct count" } },
        { group_by: ["i"], columns: ["dt", "s"], aggregates: { dt: "high", s: "count" } },
    ];
    const lines = [];
    grouped.forEach((config, n) => {
        lines.push({ op: "view", table: "w", name: `g${n}`, config });
        lines.push({ op: "to_arrow", view: `g${n}`, save: path.join(workDir, `grouped${n}.arrows`) });
        lines.push({ op: "to_arrow", view: `g${n}`, window: { compression: "lz4" },
                     save: path.join(workDir, `grouped${n}_lz4.arrows`) });
    });
    const out = replay([
        { op: "table", name: "w", data: schema }, { op: "update", table: "w", data: rows }, ...lines]);
    for (let n = 0; n < grouped.length; n++) {
        const decoded = arrowToColumns(fs.readFileSync(path.join(workDir, `grouped${n}.arrows`)));
        check(`grouped view ${n}: apache-arrow reads what replay decodes`,
              { schema: decoded.schema, columns: decoded.columns }, out[2 + n * 3 + 1].ok);
        check(`grouped view ${n}: LZ4 decodes the same`, out[2 + n * 3 + 2].ok, out[2 + n * 3 + 1].ok);
    }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
