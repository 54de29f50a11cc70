// Virtual queries off the engine's thread (docs/virtual-tables.md, "Off the engine's thread"):
// a viewer's first screen of `group_by product, split_by region, sum(price)` on ClickHouse
// (ROWS orders generated inside it, as virtual_bench.py does), and the latency of a request on
// an in-memory table issued by a second client while that first screen is computing. Both
// binaries (BEFORE and AFTER, e.g. main's and a branch's) on the same database, alternated
// REPS times, so that they share the machine's load. Run under tests/virtual/db_servers.py
// --clickhouse. Prints a markdown table.
//
//   node virtual_async_bench.mjs BEFORE_PARALLAX AFTER_PARALLAX [ROWS] [REPS]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const modules = path.resolve(process.env.ORACLE_NODE_MODULES ?? path.join(repo, "tests", "oracle", "node_modules"));
const require = createRequire(path.join(modules, "x.js"));
const perspective = (await import(require.resolve("@finos/perspective"))).default;

const [before, after, rowsText = "10000000", repsText = "5"] = process.argv.slice(2);
const rows = Number(rowsText), reps = Number(repsText);
const loadBefore = os.loadavg().map((l) => l.toFixed(1)).join(" ");
const clickhouse = process.env.PARALLAX_TEST_CLICKHOUSE;
const sql = async (statement) => {
    const answer = await fetch(clickhouse + "/", { method: "POST", body: statement });
    const text = await answer.text();
    if (!answer.ok) throw new Error(text);
    return text;
};
const regions = ["North", "South", "East", "West", "Central"];
const enumType = "Enum8(" + regions.map((r, i) => `'${r}' = ${i + 1}`).join(", ") + ")";
await sql("CREATE DATABASE IF NOT EXISTS bench");
await sql(`CREATE TABLE IF NOT EXISTS bench.orders (id UInt64, product UInt16, region ${enumType}, ` +
    "price Float64, qty Int32) ENGINE = MergeTree ORDER BY id");
if (Number(await sql("SELECT count() FROM bench.orders")) !== rows) {
    await sql("TRUNCATE TABLE bench.orders");
    for (let start = 0; start < rows; start += 10_000_000) {
        const n = Math.min(10_000_000, rows - start);
        await sql(`INSERT INTO bench.orders SELECT number AS id, toUInt16(intHash32(number) % 10000), ` +
            `CAST(intHash32(number + 1) % 5 + 1 AS ${enumType}), (intHash32(number + 2) % 100000) / 100, ` +
            `toInt32(intHash32(number + 3) % 10 + 1) FROM (SELECT number + ${start} AS number FROM numbers(${n}))`);
    }
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-async-bench-"));
const csv = path.join(scratch, "memory.csv");
fs.writeFileSync(csv, "k,v\n" + Array.from({ length: 1000 }, (_, i) => `k${i % 10},${i}`).join("\n") + "\n");

async function serve(binary) {
    const proc = spawn(binary, ["serve", csv, "--virtual", clickhouse.replace("http", "clickhouse") + "/bench",
        "--virtual-refresh", "0", "--virtual-timeout", "600", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    const line = await new Promise((resolve) => {
        let out = "";
        proc.stdout.on("data", (d) => ((out += d), out.includes("\n") && resolve(out)));
    });
    return { proc, url: line.match(/http:\/\/[\d.]+:\d+/)[0].replace("http", "ws") + "/websocket" };
}

const config = { group_by: ["product"], split_by: ["region"], columns: ["price"], aggregates: { price: "sum" } };
async function measure(binary) {
    const server = await serve(binary);
    const viewer = await perspective.websocket(server.url);
    const other = await perspective.websocket(server.url);
    const memory = await other.open_table("memory");
    const orders = await viewer.open_table("orders");
    const start = performance.now();
    const firstScreen = (async () => {
        const view = await orders.view(config);
        await view.num_rows();
        await view.to_columns({ start_row: 0, end_row: 40 });
        const ms = performance.now() - start;
        await view.delete();
        return ms;
    })();
    // While the first screen computes in ClickHouse: the in-memory request.
    await new Promise((r) => setTimeout(r, 100));
    const asked = performance.now();
    const small = await memory.view({ group_by: ["k"], columns: ["v"] });
    await small.to_columns();
    const memoryMs = performance.now() - asked;
    await small.delete();
    const screenMs = await firstScreen;
    await viewer.terminate();
    await other.terminate();
    server.proc.kill("SIGTERM");
    await new Promise((r) => server.proc.on("exit", r));
    return { screenMs, memoryMs };
}

const results = { before: [], after: [] };
for (let rep = 0; rep < reps; ++rep) {
    results.before.push(await measure(before));
    results.after.push(await measure(after));
}
const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(1);
const max = (xs) => Math.max(...xs).toFixed(1);
console.log(`${rows.toLocaleString("en")} rows, ${reps} runs each, alternated; load average before: ${loadBefore}, after: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log("");
console.log("| | first screen p50 / max (ms) | in-memory request during it p50 / max (ms) |");
console.log("|---|---|---|");
for (const [name, runs] of Object.entries(results)) {
    const screen = runs.map((r) => r.screenMs), mem = runs.map((r) => r.memoryMs);
    console.log(`| ${name} | ${p50(screen)} / ${max(screen)} | ${p50(mem)} / ${max(mem)} |`);
}
