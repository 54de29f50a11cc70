// Live sources under hostile or broken input (tests/server/sources_test.mjs has the normal
// cases): a first message with more columns than a table may have, a flood faster than the
// table applies it (memory stays bounded: the source pauses, nothing is lost), a broker URL
// whose password must not reach pipeline_status, a database that accepts connections and
// never answers (the server still stops at once), and tables fed by each other in a loop;
// messages that decode to more than max_decoded_mb (sparse JSON rows: each key a column).
//
// usage: PARALLAX=build/parallax ORACLE_NODE_MODULES=tests/oracle/node_modules \
//        node tests/server/sources_limits_test.mjs
import { test, after } from "node:test";
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { parallax, repo, serve, until as untilEvery } from "./serve.mjs";
import { startMosquitto } from "./brokers.mjs";

const modules = path.resolve(process.env.ORACLE_NODE_MODULES ?? path.join(repo, "tests", "oracle", "node_modules"));
const perspective = (await import(createRequire(path.join(modules, "x.js")).resolve("@finos/perspective"))).default;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-sources-limits-"));
const cleanups = [];
after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    fs.rmSync(scratch, { recursive: true, force: true });
});
const until = (condition, what, timeoutMs = 30000) => {
    const deadline = Date.now() + timeoutMs;
    return untilEvery(async () => {
        if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
        return await condition();
    }, 50);
};

async function statusOf(client, table) {
    const view = await (await client.open_table("pipeline_status")).view({ filter: [["table", "==", table]] });
    const rows = await view.to_json();
    await view.delete();
    return rows[0];
}

test("MQTT: too many columns, a flood past max_queued_mb, a URL's password, max_decoded_mb", async () => {
    const broker = await startMosquitto(path.join(scratch, "mosquitto"));
    cleanups.push(() => broker.stop());
    const yaml = path.join(scratch, "mqtt.yaml");
    fs.writeFileSync(yaml, `
tables:
  - name: wide
    source: {mqtt: {url: "${broker.url}", topic: wide, format: json}}
  - name: flood
    source: {mqtt: {url: "${broker.url}", topic: flood, format: json}}
    mode: append
    real_time_limit: 1s
    max_queued_mb: 1
  - name: secret
    source: {mqtt: {url: "mqtt://admin:s3cret-pw@127.0.0.1:99999", topic: x}}
  - name: sparse
    source: {mqtt: {url: "${broker.url}", topic: sparse, format: json}}
    mode: append
    schema: {v: float}
    real_time_limit: 1s
    max_decoded_mb: 1
`);
    const server = await serve("--pipeline", yaml);
    cleanups.push(() => server.stop());
    const client = await perspective.websocket(server.url);
    await until(async () => (await statusOf(client, "wide")).state === "ok", "wide connects");
    await until(async () => (await statusOf(client, "flood")).state === "ok", "flood connects");

    // 10,000 columns in a first message: refused (a one-row update of a table that wide holds
    // the engine for seconds, 100,000 for minutes), and the engine answers at once.
    const wide = Object.fromEntries(Array.from({ length: 10000 }, (_, i) => [`c${i}`, i]));
    broker.publish("wide", [JSON.stringify(wide)]);
    await until(async () => (await statusOf(client, "wide")).rejected === 1, "the wide message");
    const refused = await statusOf(client, "wide");
    assert.match(refused.last_error, /the message has 10000 columns; a live table takes at most 4096/);
    broker.publish("wide", [JSON.stringify({ a: 1, b: "x" })]);
    await until(async () => (await statusOf(client, "wide")).rows === 1, "a normal message");

    // 8 MB within one window, 1 MB allowed: the source pauses (the broker keeps the rest) and
    // every row arrives.
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i, text: "x".repeat(90) }));
    const messages = Array.from({ length: 80 }, () => JSON.stringify(rows));
    broker.publish("flood", messages);
    await until(async () => (await statusOf(client, "flood")).rows === 80000, "every flooded row", 60000);
    assert.match(server.stderr(), /table 'flood': source paused: more than 1 MB received and not yet applied/);
    assert.equal((await statusOf(client, "flood")).rejected, 0);

    // 3,000 rows of a key each: 3,000 columns of 3,000 cells from 40 KB, refused before they
    // are made. Then 10 messages of 20,000 rows (200 KB each, decoded) in one window, where
    // 1 MB may be decoded at once: the window takes what fits, the next ones the rest.
    await until(async () => (await statusOf(client, "sparse")).state === "ok", "sparse connects");
    broker.publish("sparse", [JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ v: 1, [`k${i}`]: 1 })))]);
    await until(async () => (await statusOf(client, "sparse")).rejected === 1, "the sparse message");
    assert.match((await statusOf(client, "sparse")).last_error,
        /a message was rejected: the data decodes to more than 1 MB \(max_decoded_mb\)/);
    broker.publish("sparse", Array.from({ length: 10 }, () => JSON.stringify(Array.from({ length: 20000 }, () => ({ v: 1.5 })))));
    await until(async () => (await statusOf(client, "sparse")).rows === 200000, "every row within max_decoded_mb", 60000);
    assert.equal((await statusOf(client, "sparse")).rejected, 1);

    // A broker URL's user and password are not shown to clients.
    await until(async () => (await statusOf(client, "secret")).state === "failed", "the bad URL");
    const secret = await statusOf(client, "secret");
    assert.match(secret.last_error, /the port of 'mqtt:\/\/\*\*\*@127.0.0.1:99999' is not a number/);
    assert.doesNotMatch(JSON.stringify(secret) + server.stderr(), /s3cret/);
    await client.terminate?.();
});

test("PostgreSQL: a server that accepts connections and never answers", async () => {
    const sockets = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => { sockets.forEach((s) => s.destroy()); silent.close(); });
    const yaml = path.join(scratch, "silent.yaml");
    fs.writeFileSync(yaml, `
tables:
  - name: silent
    source:
      postgres: {dsn: "host=127.0.0.1 port=${silent.address().port} dbname=x user=y", query: "SELECT 1"}
    refresh: 1s
`);
    const server = await serve("--pipeline", yaml);
    await until(() => sockets.length > 0, "a connection");
    const began = Date.now();
    await server.stop();  // waited forever for the handshake before
    assert.ok(Date.now() - began < 3000, `stopped in ${Date.now() - began} ms`);
});

test("tables fed by tables in a loop: refused, not left waiting forever", () => {
    const file = path.join(scratch, "loop.yaml");
    fs.writeFileSync(file, `tables:
  - name: a
    source: {table: c}
  - name: b
    source: {table: a}
  - name: c
    source: {table: b}
  - name: d
    source: {table: a}
`);
    const run = spawnSync(parallax, ["serve", "--pipeline", file, "--port", "0"],
        { encoding: "utf8", timeout: 20000 });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /loop\.yaml:3: tables\[0\]\.source\.table: tables fed by tables form a loop \(a <- c <- b <- a\)/);
    assert.equal(run.stdout, "");
});

