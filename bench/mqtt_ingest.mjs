// MQTT ingest (issue 18): JSON messages of 100 rows published to mosquitto (QoS 1), upserted by
// `parallax serve --pipeline` into an indexed table of --rows rows, with 10 grouped views over
// 20 websocket clients subscribed (on_update); prints the rows/s sustained over --messages
// messages of updates, then the time from publishing a probe row to a client's notification of
// it (p50/p99, one probe every 250 ms) while upserts come at a steady --rate (default: half the
// rate measured) for --seconds. `--transform` adds a Python step
// (`return rows` in Arrow mode, on a local script host) to the same table. The CPU seconds that
// Parallax, mosquitto and the publisher spent on the upserts are printed too: on a shared
// machine, rows per CPU second of Parallax says more than rows per second.
//
// usage: node bench/mqtt_ingest.mjs [--parallax build/parallax] [--rows 1000000]
//        [--messages ROWS/200] [--real-time-limit 100] [--rate ROWS_PER_S] [--seconds 10]
//        [--transform] [--json out.json]
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { startMosquitto } from "../tests/server/brokers.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : fallback;
};
const parallax = path.resolve(option("--parallax", path.join(repo, "build", "parallax")));
const tableRows = Number(option("--rows", 1_000_000));
// 5,000 messages of 100 upserts at 1M rows: half the table.
const loadMessages = Number(option("--messages", Math.max(1, Math.round(tableRows / 200))));
const windowMs = Number(option("--real-time-limit", 100));
const latencySeconds = Number(option("--seconds", 10));
const withTransform = args.includes("--transform");
const jsonOut = option("--json");
const ROWS_PER_MESSAGE = 100;
const SYMBOLS = 500;

const modules = path.resolve(process.env.ORACLE_NODE_MODULES ?? path.join(repo, "tests", "oracle", "node_modules"));
const perspective = (await import(createRequire(path.join(modules, "x.js")).resolve("@finos/perspective"))).default;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-mqtt-bench-"));
const children = [];
// If node ends with a promise still pending (a websocket closed under an await), `finally`
// never runs: the server and the broker are stopped on exit anyway.
const pids = [];
process.on("exit", () => {
    for (const pid of pids) {
        try { process.kill(pid, "SIGTERM"); } catch { /* gone */ }
    }
    // (Synchronous, so it runs on any exit, a throw in the clients' cleanup too.)
    fs.rmSync(scratch, { recursive: true, force: true });
});
const cleanup = async () => {
    for (const stop of children.reverse()) await stop();
    fs.rmSync(scratch, { recursive: true, force: true });
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const until = async (condition, what, timeoutMs = 600_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await sleep(20);
    }
};

// mosquitto_pub -l: one message per stdin line; `end()` waits for it to have sent them all.
function publisher(port, topic) {
    const proc = spawn("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(port), "-q", "1", "-t", topic, "-l"],
        { stdio: ["pipe", "ignore", "inherit"] });
    return {
        pid: proc.pid,
        send: (line) => new Promise((resolve) => (proc.stdin.write(line + "\n") ? resolve() : proc.stdin.once("drain", resolve))),
        end: () => new Promise((resolve) => { proc.on("exit", resolve); proc.stdin.end(); }),
    };
}

function message(firstId, count, random) {
    const rows = [];
    for (let i = 0; i < ROWS_PER_MESSAGE; i++) {
        const id = random ? Math.floor(Math.random() * count) : firstId + i;
        rows.push({ id, symbol: `S${id % SYMBOLS}`, price: (id % 1000) / 10 + Math.random(), size: 1 + (id % 50) });
    }
    return JSON.stringify(rows);
}

// CPU seconds (user + system) a process has used so far (0 once it is gone).
function cpuSeconds(pid) {
    try {
        const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
        return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime (clock ticks)
    } catch {
        return 0;
    }
}

function percentile(sorted, p) {
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

try {
    const broker = await startMosquitto(path.join(scratch, "mosquitto"), ["max_queued_messages 0", "max_inflight_messages 0"]);
    children.push(() => broker.stop());
    pids.push(broker.pid());
    const yaml = path.join(scratch, "ingest.yaml");
    fs.writeFileSync(yaml, `
${withTransform ? "script_host: local" : ""}
tables:
  - name: ticks
    source: {mqtt: {url: "${broker.url}", topic: ticks, format: json, qos: 1}}
    mode: upsert
    index: id
    schema: {id: integer, symbol: string, price: float, size: integer}
    real_time_limit: ${windowMs}ms
${withTransform ? "    transforms: [{script: 'return rows', use_arrow: true}]\n" : ""}`);
    const server = spawn(parallax, ["serve", "--pipeline", yaml, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(() => new Promise((resolve) => { server.on("exit", resolve); server.kill("SIGTERM"); }));
    pids.push(server.pid);
    const url = await new Promise((resolve, reject) => {
        server.stdout.on("data", (d) => { const m = String(d).match(/http:\/\/[\d.]+:\d+/); if (m) resolve(m[0].replace("http", "ws") + "/websocket"); });
        server.on("exit", (code) => reject(new Error(`parallax exited ${code}`)));
    });
    const control = await perspective.websocket(url);
    const statusView = await (await control.open_table("pipeline_status")).view({ filter: [["table", "==", "ticks"]] });
    const status = async () => (await statusView.to_json())[0] ?? {};
    await until(async () => (await status()).state === "ok", "the MQTT source connects");

    // Fill the table.
    const began = Date.now();
    const fill = publisher(broker.port, "ticks");
    const fillMessages = Math.ceil(tableRows / ROWS_PER_MESSAGE);
    for (let m = 0; m < fillMessages; m++) await fill.send(message(m * ROWS_PER_MESSAGE, 0, false));
    await fill.end();
    await until(async () => (await status()).messages >= fillMessages, "the table filled");
    const fillSeconds = (Date.now() - began) / 1000;
    const ticks = await control.open_table("ticks");
    const size = await ticks.size();
    console.log(`filled ${size} rows from ${fillMessages} messages in ${fillSeconds.toFixed(1)} s: ${Math.round(size / fillSeconds)} rows/s`);

    // 10 grouped views over 20 clients, each counting its notifications.
    const configs = [];
    for (const aggregate of ["sum", "avg", "max", "min", "count"]) {
        for (const group of [["symbol"], ["size"]]) configs.push({ group_by: group, columns: ["price"], aggregates: { price: aggregate } });
    }
    const clients = [];
    let notifications = 0;
    for (let c = 0; c < 20; c++) {
        const client = await perspective.websocket(url);
        const view = await (await client.open_table("ticks")).view(configs[c % configs.length]);
        await view.on_update(() => notifications++);
        clients.push({ client, view });
    }
    // The probe: a flat view of one row; its notification carries the probe number.
    const probeClient = await perspective.websocket(url);
    const probeView = await (await probeClient.open_table("ticks")).view({ filter: [["symbol", "==", "PROBE"]], columns: ["size"] });
    const sentAt = new Map();
    const latencies = [];
    let lastSeen = -1;
    // The probe's read in flight, if any: the view is deleted only after it (deleting a view
    // while its read borrows it throws "attempted to take ownership of Rust value while it was
    // borrowed" in the client).
    let probeRead = Promise.resolve();
    let stopping = false;
    await probeView.on_update(() => {
        if (stopping) return;
        const arrived = performance.now();
        probeRead = probeRead.then(async () => {
            const { size: seen } = await probeView.to_columns();
            const k = seen?.[0];
            if (k !== undefined && k !== lastSeen && sentAt.has(k)) {
                lastSeen = k;
                latencies.push(arrived - sentAt.get(k));
            }
        });
        return probeRead;
    });

    // Throughput: upserts of random rows published as fast as mosquitto_pub sends them.
    const before = (await status()).messages;
    const load = publisher(broker.port, "ticks");
    const cpuBefore = [cpuSeconds(server.pid), cpuSeconds(broker.pid())];
    const loadBegan = Date.now();
    let publisherCpu = 0;
    for (let m = 0; m < loadMessages; m++) {
        await load.send(message(0, tableRows, true));
        if (m % 100 === 99) publisherCpu = cpuSeconds(load.pid);
    }
    await load.end();
    await until(async () => (await status()).messages >= before + loadMessages, "the load applied");
    const loadSeconds = (Date.now() - loadBegan) / 1000;
    const [parallaxCpu, brokerCpu] = [cpuSeconds(server.pid) - cpuBefore[0], cpuSeconds(broker.pid()) - cpuBefore[1]];
    const loadRate = Math.round((loadMessages * ROWS_PER_MESSAGE) / loadSeconds);

    // Latency: the same upserts at a steady rate below that (a saturated broker queues, and a
    // probe would wait behind the queue), a probe every 250 ms.
    const rate = Number(option("--rate", Math.round(loadRate / 2)));
    const steady = publisher(broker.port, "ticks");
    const probes = publisher(broker.port, "ticks");
    let probeNumber = 0;
    let loading = true;
    const probing = (async () => {
        while (loading) {
            probeNumber++;
            sentAt.set(probeNumber, performance.now());
            await probes.send(JSON.stringify({ id: tableRows + 1, symbol: "PROBE", price: 0, size: probeNumber }));
            await sleep(250);
        }
    })();
    const steadyBegan = performance.now();
    let sent = 0;
    while (performance.now() - steadyBegan < latencySeconds * 1000) {
        const due = Math.floor(((performance.now() - steadyBegan) / 1000) * rate / ROWS_PER_MESSAGE);
        for (; sent < due; sent++) await steady.send(message(0, tableRows, true));
        await sleep(10);
    }
    loading = false;
    await probing;
    await Promise.all([probes.end(), steady.end()]);
    const probeDeadline = Date.now() + 5000;  // the last probe's notification, if it comes
    while (lastSeen !== probeNumber && Date.now() < probeDeadline) await sleep(20);
    const final = await status();
    const sorted = latencies.slice().sort((a, b) => a - b);
    const result = {
        rows: size, transform: withTransform, real_time_limit_ms: windowMs,
        fill_rows_per_s: Math.round(size / fillSeconds),
        load_messages: loadMessages, load_rows_per_s: loadRate, steady_rows_per_s: rate,
        load_cpu_s: { parallax: +parallaxCpu.toFixed(2), mosquitto: +brokerCpu.toFixed(2), publisher: +publisherCpu.toFixed(2) },
        load_rows_per_parallax_cpu_s: Math.round((loadMessages * ROWS_PER_MESSAGE) / parallaxCpu),
        probes: latencies.length, probe_p50_ms: +percentile(sorted, 50)?.toFixed(1), probe_p99_ms: +percentile(sorted, 99)?.toFixed(1),
        view_notifications: notifications, windows: final.runs, conflated: final.conflated, failures: final.failures,
    };
    console.log(`upserts: ${loadMessages * ROWS_PER_MESSAGE} rows in ${loadSeconds.toFixed(1)} s: ${loadRate} rows/s ` +
        `(${final.runs} windows in all, ${notifications} notifications over 20 views)`);
    console.log(`  CPU seconds meanwhile: parallax ${parallaxCpu.toFixed(2)} (${result.load_rows_per_parallax_cpu_s} rows per CPU second), ` +
        `mosquitto ${brokerCpu.toFixed(2)}, the publisher at least ${publisherCpu.toFixed(2)}`);
    console.log(`at ${rate} rows/s, publish -> notification: p50 ${result.probe_p50_ms} ms, p99 ${result.probe_p99_ms} ms over ${latencies.length} probes ` +
        `(real-time limit ${windowMs} ms${withTransform ? ", through a Python step" : ""})`);
    if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(result, null, 2) + "\n");
    stopping = true;
    await probeRead.catch(() => {});
    try {
        for (const { view, client } of clients) { await view.delete(); await client.terminate?.(); }
        await probeView.delete();
        await statusView.delete();
        await probeClient.terminate?.();
        await control.terminate?.();
    } catch (error) {
        // The figures are printed and written: a client failing to close changes none of them.
        console.error(`closing the clients: ${error.message}`);
    }
} finally {
    await cleanup();
}
