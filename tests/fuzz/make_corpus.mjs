// Writes the fuzzer's seed corpus (corpus/arrow/): small Arrow streams and files of every type from
// apache-arrow, and from Parallax (stream, file, LZ4). Run again only to refresh the seeds:
//   node tests/fuzz/make_corpus.mjs build/parallax
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const parallax = process.argv[2];
const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.join(here, "corpus", "arrow");
const modules = path.resolve(process.env.ORACLE_NODE_MODULES ?? path.join(here, "../oracle/node_modules"));
const A = await import(createRequire(modules + "/x.js").resolve("apache-arrow"));
fs.mkdirSync(out, { recursive: true });

const table = (n) => new A.Table({
    i8: A.vectorFromArray([1, null, -3, 4].slice(0, n), new A.Int8()),
    u16: A.vectorFromArray([1, 2, null, 65535].slice(0, n), new A.Uint16()),
    i64: A.vectorFromArray([1n, null, 1n << 40n, -5n].slice(0, n), new A.Int64()),
    u64: A.vectorFromArray([1n, 2n, null, 3n].slice(0, n), new A.Uint64()),
    f32: A.vectorFromArray([1.5, null, -2, 3].slice(0, n), new A.Float32()),
    f64: A.vectorFromArray([1.5, 2, null, 1e300].slice(0, n), new A.Float64()),
    s: A.vectorFromArray(["a", "", null, "é"].slice(0, n), new A.Utf8()),
    ls: A.vectorFromArray(["a", null, "b", "c"].slice(0, n), new A.LargeUtf8()),
    ds: A.vectorFromArray(["x", "y", null, "x"].slice(0, n), new A.Dictionary(new A.Utf8(), new A.Int8())),
    d32: A.vectorFromArray([new Date(0), null, new Date(86400000), new Date(-86400000)].slice(0, n), new A.DateDay()),
    d64: A.vectorFromArray([new Date(5), null, new Date(86400001), new Date(0)].slice(0, n), new A.DateMillisecond()),
    ts: A.vectorFromArray([1000, null, 2000, 3000].slice(0, n), new A.TimestampSecond("UTC")),
    tns: A.vectorFromArray([1, 2, null, 3].slice(0, n), new A.TimestampNanosecond()),
    b: A.vectorFromArray([true, null, false, true].slice(0, n), new A.Bool()),
});
fs.writeFileSync(path.join(out, "apache_all_types.arrows"), A.tableToIPC(table(4), "stream"));
fs.writeFileSync(path.join(out, "apache_all_types.arrow"), A.tableToIPC(table(4), "file"));
fs.writeFileSync(path.join(out, "apache_two_batches.arrows"), A.tableToIPC(table(2).concat(table(3)), "stream"));
fs.writeFileSync(path.join(out, "apache_empty.arrows"), A.tableToIPC(table(0), "stream"));

const csv = path.join(out, "..", "seed.csv");
fs.writeFileSync(csv, "b,i,f,s,d,dt\ntrue,1,1.5,a,2024-01-02,2024-01-02 03:04:05\n,,,,,\nfalse,-3,2.5,b,1969-12-31,1969-12-31 23:59:59.999\n");
for (const [name, format, compression] of [["stream", "arrow", "none"], ["file", "arrow-file", "none"],
                                          ["stream_lz4", "arrow", "lz4"], ["file_lz4", "arrow-file", "lz4"]]) {
    fs.writeFileSync(path.join(out, `parallax_${name}.arrow`),
                     execFileSync(parallax, ["view", csv, "--format", format, "--compression", compression]));
}
fs.rmSync(csv);
