// `parallax serve --pipeline` with live sources against real servers started here: MQTT
// (mosquitto) into upsert, append and limit tables in JSON, CSV and Arrow, a real-time limit
// that makes a burst of messages one update, messages that do not parse or fit rejected whole,
// a broker restart that loses nothing, and a table fed by another table; AMQP (rabbitmq-server)
// acknowledged only once applied, across broker and Parallax restarts; PostgreSQL queries
// refreshed by LISTEN, incremental by a checkpoint that survives the database's restart.
//
// usage: PARALLAX=build/parallax ORACLE_NODE_MODULES=tests/oracle/node_modules \
//        node tests/server/sources_test.mjs
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { repo, serve, until as untilEvery } from "./serve.mjs";
import { startMosquitto, startPostgres, startRabbitmq } from "./brokers.mjs";

const modules = path.resolve(process.env.ORACLE_NODE_MODULES ?? path.join(repo, "tests", "oracle", "node_modules"));
const requireFrom = createRequire(path.join(modules, "x.js"));
const perspective = (await import(requireFrom.resolve("@finos/perspective"))).default;
const arrow = await import(requireFrom.resolve("apache-arrow"));

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-sources-test-"));
const until = (condition, what = "", timeoutMs = 30000) => {
    const deadline = Date.now() + timeoutMs;
    return untilEvery(async () => {
        if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
        return await condition();
    }, 50);
};
const cleanups = [];
after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    fs.rmSync(scratch, { recursive: true, force: true });
});

async function statusOf(client, table) {
    const view = await (await client.open_table("pipeline_status")).view({ filter: [["table", "==", table]] });
    const rows = await view.to_json();
    await view.delete();
    return rows[0];
}

async function rowsOf(client, table, sort) {
    const view = await (await client.open_table(table)).view(sort ? { sort: [[sort, "asc"]] } : {});
    const rows = await view.to_json();
    await view.delete();
    return rows;
}

test("MQTT: upsert, append with limit, CSV and Arrow messages, real-time limit, rejections, broker restart", async () => {
    const broker = await startMosquitto(path.join(scratch, "mosquitto"));
    cleanups.push(() => broker.stop());
    const yaml = path.join(scratch, "mqtt.yaml");
    fs.writeFileSync(yaml, `
tables:
  - name: ticks
    source: {mqtt: {url: "${broker.url}", topic: "ticks/#", format: json, qos: 1}}
    mode: upsert
    index: symbol
    real_time_limit: 400ms
    schema: {symbol: string, price: float, size: integer}
  - name: trades
    source: {mqtt: {url: "${broker.url}", topic: trades, format: csv}}
    mode: append
    limit: 5
  - name: quotes
    source: {mqtt: {url: "${broker.url}", topic: quotes, format: arrow}}
  - name: latest
    source: {table: ticks}
    index: symbol
`);
    const server = await serve("--pipeline", yaml);
    cleanups.push(() => server.stop());
    const client = await perspective.websocket(server.url);
    await until(async () => (await statusOf(client, "ticks")).state === "ok", "ticks connects");
    await until(async () => (await statusOf(client, "quotes")).state === "ok", "quotes connects");

    // A burst within one real-time window: objects and lists of objects, applied together.
    const burst = [];
    for (let i = 0; i < 30; i++) burst.push(JSON.stringify({ symbol: `S${i % 10}`, price: i, size: 1 }));
    burst.push(JSON.stringify([{ symbol: "X", price: 1.5, size: 2 }, { symbol: "Y", price: 2.5, size: 3 }]));
    broker.publish("ticks/a", burst.slice(0, 1));  // makes the table
    await until(async () => (await statusOf(client, "ticks")).messages === 1, "the first tick");
    const view = await (await client.open_table("ticks")).view({ group_by: ["symbol"], columns: ["price"] });
    let notifications = 0;
    await view.on_update(() => notifications++);
    const began = Date.now();
    broker.publish("ticks/b", burst.slice(1));
    await until(async () => (await statusOf(client, "ticks")).messages === burst.length, "the burst");
    const windows = Math.ceil((Date.now() - began) / 400) + 1;
    const rows = await rowsOf(client, "ticks", "symbol");
    assert.equal(rows.length, 12);
    assert.deepEqual(rows.find((r) => r.symbol === "S9"), { symbol: "S9", price: 29, size: 1 });
    assert.deepEqual(rows.find((r) => r.symbol === "Y"), { symbol: "Y", price: 2.5, size: 3 });
    const ticks = await statusOf(client, "ticks");
    assert.ok(ticks.runs <= 1 + windows, `at most one update per window: ${JSON.stringify(ticks)}`);
    assert.ok(notifications <= windows && notifications >= 1, `${notifications} notifications in ${windows} windows`);

    // Messages that do not parse or do not fit are rejected whole and change nothing.
    const before = await rowsOf(client, "ticks", "symbol");
    broker.publish("ticks/c", ["not json", JSON.stringify([{ symbol: "Z", price: 1 }, { symbol: "W", price: "cheap" }]),
        JSON.stringify({ price: 3 })]);
    await until(async () => (await statusOf(client, "ticks")).rejected === 3, "three rejections");
    const rejected = await statusOf(client, "ticks");
    assert.match(rejected.last_error, /rejected/);
    assert.equal(rejected.state, "ok");
    assert.deepEqual(await rowsOf(client, "ticks", "symbol"), before);
    await until(() => /table 'ticks': a message was rejected/.test(server.stderr()), "the log line");

    // The fed table follows the ticks (its own index).
    await until(async () => (await rowsOf(client, "latest")).length === 12, "the fed table");

    // CSV with a header, appended, the oldest rows overwritten past the limit.
    broker.publish("trades", ["id,qty\n1,10\n2,20\n3,30\n", "id,qty\n4,40\n5,50\n6,60\n"]);
    await until(async () => (await statusOf(client, "trades")).messages === 2, "two CSV messages");
    assert.deepEqual((await rowsOf(client, "trades", "id")).map((r) => r.id), [2, 3, 4, 5, 6]);

    // Arrow IPC streams.
    const quote = (bid) => Buffer.from(arrow.tableToIPC(arrow.tableFromArrays({
        pair: ["EURUSD", "GBPUSD"], bid: Float64Array.from([bid, bid + 0.2]),
    }), "stream"));
    broker.publish("quotes", [quote(1.1), quote(1.3), Buffer.from("not arrow")]);
    await until(async () => (await statusOf(client, "quotes")).messages === 2, "two Arrow messages");
    assert.equal((await rowsOf(client, "quotes")).length, 4);
    assert.equal((await statusOf(client, "quotes")).rejected, 1);

    // The broker goes away and comes back: the status says so, the session resumes, and what was
    // published meanwhile arrives.
    await broker.stop();
    await until(async () => (await statusOf(client, "ticks")).state === "reconnecting", "reconnecting");
    assert.match((await statusOf(client, "ticks")).last_error, /MQTT broker 127\.0\.0\.1/);
    await broker.restart();
    broker.publish("ticks/d", [JSON.stringify({ symbol: "AFTER", price: 7, size: 7 })]);
    await until(async () => (await statusOf(client, "ticks")).state === "ok", "reconnected");
    await until(async () => (await rowsOf(client, "ticks")).some((r) => r.symbol === "AFTER"), "the message sent across the restart");
    await view.delete();
    await client.terminate?.();
});

test("AMQP: rows acknowledged once applied, nothing lost across broker and Parallax restarts", async () => {
    const broker = await startRabbitmq(path.join(scratch, "rabbitmq"));
    cleanups.push(() => broker.close());
    broker.declare("fills");
    const yaml = path.join(scratch, "amqp.yaml");
    fs.writeFileSync(yaml, `
tables:
  - name: fills
    source: {amqp: {url: "${broker.url}", queue: fills, format: json}}
    mode: upsert
    index: id
    schema: {id: integer, qty: float, side: string}
    real_time_limit: 100ms
`);
    let server = await serve("--pipeline", yaml);
    let client = await perspective.websocket(server.url);
    await until(async () => (await statusOf(client, "fills")).state === "ok", "fills consumes");
    broker.publish("fills", ['{"id":1,"qty":10,"side":"buy"}', '[{"id":2,"qty":5,"side":"sell"},{"id":3,"qty":1}]',
        '{"id":"four","qty":1}']);
    await until(async () => (await statusOf(client, "fills")).messages === 2, "two messages");
    assert.equal((await statusOf(client, "fills")).rejected, 1);
    assert.deepEqual((await rowsOf(client, "fills", "id")).map((r) => r.id), [1, 2, 3]);

    // Parallax stops; what is published meanwhile waits in the queue, and what was applied
    // before was acknowledged (a new Parallax does not get it again: only the new rows).
    await server.stop();
    broker.publish("fills", ['{"id":4,"qty":4}', '{"id":5,"qty":5}']);
    server = await serve("--pipeline", yaml);
    client = await perspective.websocket(server.url);
    await until(async () => (await statusOf(client, "fills")).messages === 2, "the messages sent while Parallax was away");
    assert.deepEqual((await rowsOf(client, "fills", "id")).map((r) => r.id), [4, 5]);

    // The broker restarts: the source reconnects and consumes again.
    await broker.stop();
    await until(async () => (await statusOf(client, "fills")).state === "reconnecting", "reconnecting");
    await broker.restart();
    await until(async () => (await statusOf(client, "fills")).state === "ok", "reconnected", 60000);
    broker.publish("fills", ['{"id":6,"qty":6}']);
    await until(async () => (await rowsOf(client, "fills")).length === 3, "the message after the restart");
    await server.stop();
});

test("PostgreSQL: LISTEN refreshes at once, a checkpoint brings only new rows and survives a restart", async () => {
    const db = await startPostgres(path.join(scratch, "postgres"));
    cleanups.push(() => db.stop());
    db.psql(`CREATE TABLE accounts (id int PRIMARY KEY, name text, balance float8, opened date,
             updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
             INSERT INTO accounts (id, name, balance, opened) VALUES (1, 'ann', 10.5, '2024-01-02');
             INSERT INTO accounts (id, name, balance, opened) VALUES (2, 'bob', NULL, NULL);`);
    const yaml = path.join(scratch, "postgres.yaml");
    fs.writeFileSync(yaml, `
tables:
  - name: changes               # incremental: appended, so a lost checkpoint would duplicate rows
    source:
      postgres:
        dsn: "${db.dsn}"
        query: "SELECT id, name, balance, opened, updated_at FROM accounts WHERE updated_at > {checkpoint} ORDER BY updated_at"
        checkpoint: updated_at
        listen: accounts_changed
    refresh: 1h
    mode: append
  - name: accounts              # the whole result each time
    source: {postgres: {dsn: "${db.dsn}", query: "SELECT id, name, balance FROM accounts"}}
    refresh: 200ms
    index: id
`);
    const server = await serve("--pipeline", yaml);
    cleanups.push(() => server.exited() || server.stop());
    const client = await perspective.websocket(server.url);
    await until(async () => (await statusOf(client, "changes")).rows === 2, "the first query");
    const first = await rowsOf(client, "changes", "id");
    assert.deepEqual(first.map(({ id, name, balance }) => ({ id, name, balance })),
        [{ id: 1, name: "ann", balance: 10.5 }, { id: 2, name: "bob", balance: null }]);
    assert.equal(first[0].opened, Date.UTC(2024, 0, 2));
    const schema = await (await client.open_table("changes")).schema();
    assert.deepEqual(schema, { id: "integer", name: "string", balance: "float", opened: "date", updated_at: "datetime" });

    // A change and a notification: the next run (long before the hour) brings just that row.
    db.psql("UPDATE accounts SET balance = 99, updated_at = clock_timestamp() WHERE id = 2; NOTIFY accounts_changed;");
    await until(async () => (await statusOf(client, "changes")).rows === 3, "the notified change", 10000);
    await until(async () => (await rowsOf(client, "accounts", "id"))[1].balance === 99, "the periodic query");

    // The database restarts: reconnecting, then the checkpoint carries on (no row twice).
    await db.stop();
    await until(async () => (await statusOf(client, "changes")).state === "reconnecting", "reconnecting");
    await db.restart();
    await until(async () => (await statusOf(client, "changes")).state === "ok", "reconnected", 30000);
    db.psql("INSERT INTO accounts (id, name) VALUES (3, 'cy'); NOTIFY accounts_changed;");
    await until(async () => (await statusOf(client, "changes")).rows >= 4, "the row after the restart", 10000);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual((await rowsOf(client, "changes", "updated_at")).map((r) => r.id), [1, 2, 2, 3]);
    await server.stop();
});
