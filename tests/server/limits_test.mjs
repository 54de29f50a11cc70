// Bounded resources of `parallax serve` against hostile clients: the per-client caps (views,
// subscriptions, tables, ports, expression columns) answer with a clear error and change
// nothing; clients that stop reading while a table streams are dropped furthest-behind first
// and the server's memory stays under the server-wide queue bound; running out of file
// descriptors does not spin the accept loop, and the server serves again once some close.
// Prints the figures it measures (run ctest with -V to see them).
//
// usage: PARALLAX=build/parallax ORACLE_NODE_MODULES=tests/oracle/node_modules \
//        node tests/server/limits_test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

import { fields, parallax, perspective, serve, until } from "./harness.mjs";
import { Kind, bytesField, nonReadingClient, rawClient, request, serverError, varintField } from "./raw_protocol.mjs";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-limits-test-"));
const labels = path.join(scratch, "labels.csv");
fs.writeFileSync(labels, "id,label\n" + [0, 1, 2, 3, 4].map((i) => `${i},l${i}`).join("\n") + "\n");

// The message a request failed with (the reference's client rejects with it).
async function rejection(promise) {
    try {
        await promise;
    } catch (error) {
        return String(error?.message ?? error);
    }
    assert.fail("the request was expected to fail");
}
function procStatusMb(pid, field) {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))[1]) / 1024;
}
// CPU seconds (user + system) the process has used.
function cpuSeconds(pid) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(after[11]) + Number(after[12])) / 100;  // utime, stime in clock ticks (USER_HZ)
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("per-client caps: a clear error, nothing changed, the server serves on", async () => {
    const server = await serve(labels, "--client-views", "4", "--client-subscriptions", "5",
                               "--client-tables", "2", "--client-ports", "3", "--view-expressions", "2",
                               "--view-group-levels", "3", "--view-config-terms", "5", "--table-columns", "3");
    const client = await perspective.websocket(server.url);
    const table = await client.open_table("labels");

    const views = [];
    for (let i = 0; i < 4; i++) views.push(await table.view({ columns: ["id"] }));
    assert.match(await rejection(table.view({ columns: ["id"] })),
                 /client limit reached: at most 4 views per client \(the server's --client-views option\)/);
    await views.pop().delete();
    views.push(await table.view({ columns: ["label"] }));  // room again
    // The cap is per client: another one has its own.
    const other = await perspective.websocket(server.url);
    const theirs = await (await other.open_table("labels")).view();
    assert.equal(await theirs.num_rows(), 5);
    for (const view of views) await view.delete();

    assert.match(await rejection(table.view({ expressions: { a: "1", b: "2", c: "3" } })),
                 /at most 2 expression columns per view \(the server's --view-expressions option\)/);
    assert.match(await rejection(table.validate_expressions({ a: "1", b: "2", c: "3" })),
                 /at most 2 expressions per request/);
    assert.match(await rejection(table.view({ group_by: ["label", "label", "label", "label"] })),
                 /at most 3 group_by or split_by levels per view \(the server's --view-group-levels option\)/);
    assert.match(await rejection(table.view({ filter: Array(6).fill(["id", ">", 0]) })),
                 /at most 5 columns, sort keys, filter terms or aggregates per view \(the server's --view-config-terms option\)/);
    const deepest = await table.view({ group_by: ["label", "label", "label"], filter: Array(5).fill(["id", ">", 0]) });
    assert.equal(await deepest.num_rows(), 1 + 4 * 3);  // the total, then 4 rows at each level
    await deepest.delete();
    const computed = await table.view({ expressions: { a: "1", b: "2" } });
    assert.equal(await computed.num_rows(), 5);
    await computed.delete();


    assert.match(await rejection(client.table({ a: "integer", b: "float", c: "string", d: "date" }, { name: "wide" })),
                 /at most 3 columns per table \(the server's --table-columns option\)/);
    assert.match(await rejection(client.table([{ a: 1, b: 2, c: 3, d: 4 }], { name: "wide" })), /at most 3 columns per table/);
    const first = await client.table({ x: "integer" }, { name: "first" });
    await client.table({ x: "integer" }, { name: "second" });
    assert.match(await rejection(client.table({ x: "integer" }, { name: "third" })),
                 /at most 2 tables per client \(the server's --client-tables option\)/);
    assert.deepEqual((await other.get_hosted_table_names()).sort(), ["first", "labels", "second"]);
    await first.delete();
    await client.table({ x: "integer" }, { name: "third" });  // room again

    // Subscriptions of every kind count together, by hand: the reference's client sends them
    // without awaiting an answer.
    const raw = await rawClient(server.url);
    const answer = async () => {
        const reply = await raw.next();
        return { error: serverError(reply)?.message, msgId: fields(reply)[1] };
    };
    raw.send(request(1, "labels", Kind.makeView, bytesField(1, Buffer.from("v"))));
    assert.equal((await answer()).error, undefined);
    raw.send(request(2, "v", Kind.onUpdate));
    raw.send(request(3, "v", Kind.onUpdate, varintField(1, 0)));  // ROW mode
    raw.send(request(4, "v", Kind.viewOnDelete));
    raw.send(request(5, "", Kind.getHostedTables, varintField(1, 1)));
    raw.send(request(6, "labels", Kind.tableOnDelete));
    raw.send(request(7, "v", Kind.onUpdate));
    const refused = await answer();
    assert.match(refused.error, /at most 5 subscriptions per client \(the server's --client-subscriptions option\)/);
    assert.equal(refused.msgId, 7);
    raw.send(request(8, "v", Kind.removeOnUpdate, varintField(1, 2)));
    assert.equal((await answer()).error, undefined);
    raw.send(request(9, "v", Kind.onUpdate));  // room again: no answer until the view changes
    raw.send(request(10, "", Kind.getFeatures));
    assert.deepEqual(await answer(), { error: undefined, msgId: 10 });
    // Deleting the view ends its three subscriptions.
    raw.send(request(11, "v", Kind.viewDelete));
    await answer();  // the view_delete answer
    await answer();  // the view's on_delete notification
    raw.send(request(12, "labels", Kind.makeView, bytesField(1, Buffer.from("w"))));
    await answer();
    for (let id = 13; id < 16; id++) raw.send(request(id, "w", Kind.onUpdate));
    raw.send(request(16, "", Kind.getFeatures));
    assert.deepEqual(await answer(), { error: undefined, msgId: 16 });
    // Ports (the reference's client loses this error's message).
    for (let id = 17; id < 20; id++) {
        raw.send(request(id, "labels", Kind.makePort));
        assert.deepEqual(await answer(), { error: undefined, msgId: id });
    }
    raw.send(request(20, "labels", Kind.makePort));
    assert.match((await answer()).error, /at most 3 ports per client \(the server's --client-ports option\)/);
    raw.ws.close();

    assert.equal(await (await other.open_table("labels")).size(), 5);
    await other.terminate();
    await client.terminate();
    await server.stop();
});

// ROW-mode subscribers that never read, subscribing one after another while a table streams
// (each update changes every row: a 440 KB delta for each of them): the earliest is the
// furthest behind. Their own bounds (--client-queue-mb 64) alone let them hold 5 x 64 MB; the
// server-wide bound (--max-queued-mb 48) holds them to 48 MB together. The kernel's socket
// buffers (a few MB a client) take some of it, outside the server's memory.
test("clients that stop reading: the furthest behind are dropped first; memory stays bounded", async () => {
    const boundMb = 48, marginMb = 64, stalledClients = 5, rows = 10000, stagger = 20, batches = 200;
    const server = await serve("--client-queue-mb", "64", "--max-queued-mb", String(boundMb));
    const writer = await perspective.websocket(server.url);
    const table = await writer.table({ id: "integer", a: "float", b: "float", c: "float", d: "float", e: "float" },
                                     { index: "id", name: "stream" });
    const batch = (n) => Array.from({ length: rows }, (_, id) => ({ id, a: n, b: id + n, c: id * n, d: -n, e: n / 2 }));
    await table.update(batch(0));
    const baseline = procStatusMb(server.pid, "VmRSS");

    const stalled = [];  // in the order they subscribed: the first is the furthest behind
    for (let n = 1; n <= batches; n++) {
        if (n % stagger === 1 && stalled.length < stalledClients) {
            const client = await nonReadingClient(server.url);
            const view = `v${stalled.length}`;
            await client.send(request(1, "stream", Kind.makeView, bytesField(1, Buffer.from(view))));
            await client.send(request(2, view, Kind.onUpdate, varintField(1, 0)));
            stalled.push(client);
        }
        await table.update(batch(n));
    }
    // The writer is served to the end.
    const view = await table.view({ columns: ["a"], filter: [["id", "==", rows - 1]] });
    assert.deepEqual((await view.to_columns()).a, [batches]);
    await view.delete();

    const peak = procStatusMb(server.pid, "VmHWM");
    const ports = stalled.map((c) => c.socket.localPort);
    const dropped = [...server.stderr().matchAll(/client \d+ \(127\.0\.0\.1:(\d+)\) dropped: (.*)/g)]
        .map(([, port, reason]) => ({ index: ports.indexOf(Number(port)), reason }));
    console.log(`# ${stalledClients} clients stopped reading while ${batches} updates of ${rows} rows streamed: ` +
                `RSS ${baseline.toFixed(0)} MB before them, peak ${peak.toFixed(0)} MB ` +
                `(bound ${boundMb} MB); dropped in order: ${dropped.map((d) => d.index).join(", ")}`);
    assert.ok(peak - baseline < boundMb + marginMb,
              `peak RSS ${peak.toFixed(0)} MB grew over ${baseline.toFixed(0)} MB by more than the bound (${boundMb} MB) + ${marginMb} MB`);
    assert.ok(dropped.length >= 2, `clients were dropped: ${server.stderr()}`);
    for (const [at, drop] of dropped.entries()) {
        assert.equal(drop.index, at, `the client furthest behind goes first: ${JSON.stringify(dropped)}`);
        assert.match(drop.reason, /the most of any client.*--max-queued-mb/);
    }
    for (const client of stalled) client.socket.destroy();
    await writer.terminate();
    await server.stop();
});

// Requests waiting for the engine hold their bytes: a client that sends big updates faster
// than the engine applies them is read no further while --max-message-mb of them wait.
test("a client's requests waiting for the engine are bounded in bytes", async () => {
    const server = await serve("--max-message-mb", "32");
    const client = await perspective.websocket(server.url);
    const table = await client.table({ id: "integer", s: "string" }, { name: "t", index: "id" });
    const csv = "id,s\n" + Array.from({ length: 1_000_000 }, (_, i) => `${i % 1000},xxxxxxxxxx`).join("\n");
    const baseline = procStatusMb(server.pid, "VmRSS");
    await Promise.all(Array.from({ length: 24 }, () => table.update(csv)));  // 340 MB sent at once
    const peak = procStatusMb(server.pid, "VmHWM");
    console.log(`# 24 updates of ${(csv.length / 2 ** 20).toFixed(1)} MB sent at once: RSS ${baseline.toFixed(0)} MB, peak ${peak.toFixed(0)} MB`);
    assert.ok(peak - baseline < 250, `peak RSS ${peak.toFixed(0)} MB: the waiting requests are not bounded`);
    assert.equal(await table.size(), 1000);
    await client.terminate();
    await server.stop();
});

// `parallax serve` with few file descriptors, and more connections than it can accept.
async function serveWithFewFds(limit, ...args) {
    const proc = spawn("/bin/sh", ["-c", `ulimit -n ${limit} && exec "$0" serve "$@" --port 0`, parallax, ...args],
                       { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr.on("data", (d) => (stderr += d));
    const line = await new Promise((resolve, reject) => {
        proc.stdout.on("data", (d) => resolve(String(d)));
        proc.on("exit", (code) => reject(new Error(`parallax serve exited ${code}: ${stderr}`)));
    });
    const port = Number(line.match(/:(\d+)\//)[1]);
    return {
        port, pid: proc.pid, url: `ws://127.0.0.1:${port}/websocket`, stderr: () => stderr,
        async stop() {
            proc.kill("SIGTERM");
            await new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.on("exit", resolve)));
            assert.equal(proc.exitCode, 0, `the server stops cleanly (signal ${proc.signalCode}): ${stderr}`);
        },
    };
}

test("out of file descriptors: the accept loop waits instead of spinning, then serves again", async () => {
    const server = await serveWithFewFds(64, labels);
    const sockets = [];
    for (let i = 0; i < 100; i++) {
        const socket = net.connect(server.port, "127.0.0.1");
        socket.on("error", () => {});
        sockets.push(socket);
    }
    await Promise.all(sockets.map((s) => new Promise((resolve) => (s.connecting ? s.on("connect", resolve) : resolve()))));
    await sleep(500);
    const before = cpuSeconds(server.pid);
    await sleep(2000);
    const busy = (cpuSeconds(server.pid) - before) / 2;
    console.log(`# out of descriptors (ulimit -n 64, 100 connections): the server used ${(busy * 100).toFixed(0)}% of a core`);
    assert.ok(busy < 0.05, `the server spins while out of descriptors: ${(busy * 100).toFixed(0)}% of a core`);
    assert.match(server.stderr(), /cannot accept connections \(Too many open files\)/);

    for (const socket of sockets) socket.destroy();
    const client = await perspective.websocket(server.url);
    assert.deepEqual(await client.get_hosted_table_names(), ["labels"]);
    await client.terminate();
    await until(() => server.stderr().includes("accepting connections again"));
    await server.stop();
});
