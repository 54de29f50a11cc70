// `parallax serve --pipeline` with live sources against real servers started here: MQTT
// (mosquitto) into upsert, append and limit tables in JSON, CSV and Arrow, a real-time limit
// that makes a burst of messages one update, messages that do not parse or fit rejected whole,
// a broker restart that loses nothing, QoS 1 messages published while Parallax is away (and
// the broker restarts) delivered by the persistent session, a table fed by another table; AMQP (rabbitmq-server)
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
import { spawnSync } from "node:child_process";
import { parallax, repo, serve, until as untilEvery } from "./serve.mjs";
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

// One mosquitto for the MQTT tests.
let sharedMosquitto;
async function mosquitto() {
    if (!sharedMosquitto) {
        sharedMosquitto = await startMosquitto(path.join(scratch, "mosquitto"));
        cleanups.push(() => sharedMosquitto.stop());
    }
    return sharedMosquitto;
}

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
    const broker = await mosquitto();
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

test("MQTT: QoS 1 messages published while Parallax is away, across a broker restart, arrive when it is back", async () => {
    const broker = await mosquitto();
    const yaml = path.join(scratch, "mqtt-away.yaml");
    fs.writeFileSync(yaml, `
tables:
  - name: orders
    source: {mqtt: {url: "${broker.url}", topic: "orders/#", qos: 1}}
    mode: append
    schema: {id: integer}
`);
    let server = await serve("--pipeline", yaml);
    cleanups.push(() => server.exited() || server.stop());  // the one running when a check fails
    let client = await perspective.websocket(server.url);
    await until(async () => (await statusOf(client, "orders")).state === "ok", "orders subscribes");
    broker.publish("orders/a", ['{"id": 1}']);
    await until(async () => (await statusOf(client, "orders")).rows === 1, "the first order");
    await server.stop();
    // Away: the broker keeps the persistent session's messages, in its store across its restart.
    broker.publish("orders/a", ['{"id": 2}', '{"id": 3}']);
    await broker.stop();
    await broker.restart();
    broker.publish("orders/b", ['{"id": 4}']);
    server = await serve("--pipeline", yaml);
    client = await perspective.websocket(server.url);
    await until(async () => (await statusOf(client, "orders")).rows === 3, "the orders sent while away");
    assert.deepEqual((await rowsOf(client, "orders", "id")).map((r) => r.id), [2, 3, 4]);
    await server.stop();
});

test("Live transforms: once per window on the window's rows or on the whole source table, slow steps conflated", async () => {
    const broker = await mosquitto();
    const yaml = path.join(scratch, "transforms.yaml");
    fs.writeFileSync(yaml, `
script_host: local
tables:
  - name: prices
    source: {mqtt: {url: "${broker.url}", topic: "px/#"}}
    index: symbol
    schema: {symbol: string, price: float, size: integer}
  - name: notional              # each window's changed rows through the step, upserted
    source: {table: prices}
    transforms:
      - script: |
          return [{'symbol': r['symbol'], 'notional': r['price'] * r['size']} for r in rows]
    index: symbol
    real_time_limit: 200ms
  - name: exposure              # the whole source table through a step slower than the window
    source: {table: prices}
    transforms:
      - script: |
          await sleep(0.4)
          return [{'total': float(sum(r['price'] * r['size'] for r in rows)), 'symbols': len(rows)}]
    transform_input: table
    real_time_limit: 100ms
`);
    const server = await serve("--pipeline", yaml);
    cleanups.push(() => server.exited() || server.stop());
    const client = await perspective.websocket(server.url);
    await until(async () => (await statusOf(client, "prices")).state === "ok", "prices connects");
    const last = new Map();
    for (let round = 0; round < 5; round++) {
        const messages = [];
        for (let i = 0; i < 8; i++) {
            const tick = { symbol: `S${i}`, price: round + i, size: 10 + round };
            last.set(tick.symbol, tick);
            messages.push(JSON.stringify(tick));
        }
        broker.publish("px/a", messages);
        await new Promise((r) => setTimeout(r, 150));
    }
    const total = [...last.values()].reduce((sum, t) => sum + t.price * t.size, 0);
    await until(async () => {
        const rows = await rowsOf(client, "exposure");
        return rows.length === 1 && rows[0].total === total && rows[0].symbols === 8;
    }, "the exposure of every symbol's last tick");
    await until(async () => {
        const rows = await rowsOf(client, "notional", "symbol");
        return rows.length === 8 && rows.every((r) => r.notional === last.get(r.symbol).price * last.get(r.symbol).size);
    }, "each symbol's notional");
    const prices = await statusOf(client, "prices");
    const exposure = await statusOf(client, "exposure");
    assert.equal(prices.messages, 40);
    assert.ok(exposure.runs < prices.runs, `the slow step ran fewer times than the source changed: ${JSON.stringify({ exposure, prices })}`);
    assert.ok(exposure.conflated > 0, JSON.stringify(exposure));
    assert.equal(exposure.failures, 0);
    await server.stop();
});

test("AMQP: rows acknowledged once applied, nothing lost across broker and Parallax restarts and a kill", async () => {
    const broker = await startRabbitmq(path.join(scratch, "rabbitmq"));
    cleanups.push(() => broker.close());
    broker.declare("fills");
    broker.declare("held");
    const yaml = path.join(scratch, "amqp.yaml");
    fs.writeFileSync(yaml, `
tables:
  - name: fills
    source: {amqp: {url: "${broker.url}", queue: fills, format: json}}
    mode: upsert
    index: id
    schema: {id: integer, qty: float, side: string}
    real_time_limit: 100ms
  - name: held                  # after its first window, what comes waits an hour to be applied
    source: {amqp: {url: "${broker.url}", queue: held}}
    mode: append
    schema: {id: integer}
    real_time_limit: 1h
`);
    let server = await serve("--pipeline", yaml);
    cleanups.push(() => server.exited() || server.stop());  // the one running when a check fails
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

    // Stopped as soon as its rows show: what was applied is acknowledged before the connection
    // closes (the acknowledgements waited for the source's next turn, and a stop lost them:
    // the next Parallax got the message again, in 4 of 15 such restarts).
    for (let id = 10; id < 16; ++id) {
        await server.stop();
        server = await serve("--pipeline", yaml);
        client = await perspective.websocket(server.url);
        broker.publish("fills", [`{"id":${id}}`]);
        await until(async () => (await statusOf(client, "fills")).messages >= 1, `message ${id}`);
        assert.deepEqual((await rowsOf(client, "fills", "id")).map((r) => r.id), [id], "nothing delivered twice");
    }

    // Received but not yet applied is not acknowledged: Parallax is killed while a message waits
    // for its window, and the broker gives it to the next Parallax.
    broker.publish("held", ['{"id":1}']);
    await until(async () => (await statusOf(client, "held")).messages === 1, "the first held message");
    broker.publish("held", ['{"id":2}']);
    await until(() => broker.counts("held")?.unacknowledged === 1, "the second delivered, not acknowledged", 60000);
    assert.equal(broker.counts("held").ready, 0);
    process.kill(server.pid, "SIGKILL");
    await until(() => server.exited(), "killed");
    server = await serve("--pipeline", yaml);
    client = await perspective.websocket(server.url);
    await until(async () => (await statusOf(client, "held")).messages === 1, "the message that was not applied");
    assert.deepEqual(await rowsOf(client, "held"), [{ id: 2 }]);
    assert.deepEqual(await rowsOf(client, "fills"), []);

    // The broker restarts: the source reconnects and consumes again.
    await broker.stop();
    await until(async () => (await statusOf(client, "fills")).state === "reconnecting", "reconnecting");
    await broker.restart();
    await until(async () => (await statusOf(client, "fills")).state === "ok", "reconnected", 60000);
    broker.publish("fills", ['{"id":6,"qty":6}']);
    await until(async () => (await rowsOf(client, "fills")).length === 1, "the message after the restart");
    assert.deepEqual((await rowsOf(client, "fills")).map((r) => r.id), [6]);
    await server.stop();
});

test("PostgreSQL: LISTEN refreshes at once, a checkpoint brings only new rows and survives restarts of the database and of Parallax", async () => {
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
    let server = await serve("--pipeline", yaml);
    cleanups.push(() => server.exited() || server.stop());
    let client = await perspective.websocket(server.url);
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

    // Parallax restarts (stopped, then killed): the rows it had come back from its state file
    // and the query resumes at the checkpoint. The table appends, so a row read again would
    // show twice, and one lost would be missing.
    const restart = async (how, id, rowsBefore) => {
        if (how === "kill") {
            process.kill(server.pid, "SIGKILL");
            await until(() => server.exited(), "killed");
        } else {
            await server.stop();
        }
        db.psql(`INSERT INTO accounts (id, name) VALUES (${id}, 'away${id}');`);
        server = await serve("--pipeline", yaml);
        client = await perspective.websocket(server.url);
        // Restored before the server answers, then the row added while it was away.
        assert.match(server.stderr(), new RegExp(`table 'changes': ${rowsBefore} rows restored, resuming after 20`));
        await until(async () => (await statusOf(client, "changes")).rows >= rowsBefore + 1, `the row added while away (${how})`);
        const status = await statusOf(client, "changes");
        assert.equal(status.state, "ok");
        assert.equal(status.rows, rowsBefore + 1);
    };
    const state = path.join(scratch, "postgres.state");
    await restart("stop", 4, 4);
    assert.deepEqual((await rowsOf(client, "changes", "updated_at")).map((r) => r.id), [1, 2, 2, 3, 4]);
    assert.deepEqual(await (await client.open_table("changes")).schema(), schema);
    db.psql("INSERT INTO accounts (id, name) VALUES (5, 'di'); NOTIFY accounts_changed;");
    await until(async () => (await statusOf(client, "changes")).rows === 6, "the row after Parallax's restart", 10000);
    await restart("kill", 6, 6);
    assert.deepEqual((await rowsOf(client, "changes", "updated_at")).map((r) => r.id), [1, 2, 2, 3, 4, 5, 6]);
    assert.equal((await rowsOf(client, "changes", "updated_at"))[5].name, "di");
    assert.deepEqual(fs.readdirSync(state), ["changes.log"], "only checkpointed tables keep state");
    await server.stop();
});

test("a table whose first run fails is hosted empty with its status; clients see no host paths", async () => {
    const dir = path.join(scratch, "first-failure");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "values.json"), "[{\"a\": 1,");
    const yaml = path.join(dir, "pipeline.yaml");
    fs.writeFileSync(yaml, `
script_host: local
watch_interval: 50ms
tables:
  - name: values
    source: {file: values.json}
    schema: {a: integer, b: string}
  - name: feed
    source:
      connector:
        script: |
          log.info('fetching')
          raise ValueError('the feed is down')
        output_schema: {price: float}
    refresh: 1h
`);
    const server = await serve("--pipeline", yaml);
    const client = await perspective.websocket(server.url);
    assert.deepEqual((await client.get_hosted_table_names()).sort(), ["feed", "pipeline_status", "values"]);
    for (const [name, schema] of [["values", { a: "integer", b: "string" }], ["feed", { price: "float" }]]) {
        const table = await client.open_table(name);
        assert.deepEqual(await table.schema(), schema);
        assert.equal(await table.size(), 0);
        const status = await statusOf(client, name);
        assert.equal(status.state, "failed");
        assert.ok(!status.last_error.includes(dir), `no host folder in ${status.last_error}`);
    }
    assert.match((await statusOf(client, "values")).last_error, /'values\.json'/);
    // The feed's failure comes with what the run logged before it.
    assert.match((await statusOf(client, "feed")).last_error, /the feed is down[^]*\[info\] fetching/);
    assert.ok(server.stderr().includes(path.join(dir, "values.json")), "the server's log has the full path");
    // Fixed: the table fills.
    fs.writeFileSync(path.join(dir, "values.json.tmp"), '[{"a": 1, "b": "x"}]');
    fs.renameSync(path.join(dir, "values.json.tmp"), path.join(dir, "values.json"));
    await until(async () => (await statusOf(client, "values")).state === "ok", "the fixed file");
    assert.deepEqual(await rowsOf(client, "values"), [{ a: 1, b: "x" }]);
    await server.stop();
});

test("bad live-source settings: a clear error naming the key and line, and no server", () => {
    const mqtt = "source: {mqtt: {topic: t}}";
    const cases = [
        [`    ${mqtt}\n    mode: upsert\n`, /:4: tables\[0\]\.mode: upsert needs an 'index'/],
        [`    ${mqtt}\n    mode: append\n    index: id\n`, /:4: tables\[0\]\.mode: append keeps every row, so it takes no 'index'/],
        [`    ${mqtt}\n    mode: merge\n`, /:4: tables\[0\]\.mode: unknown mode 'merge'/],
        [`    ${mqtt}\n    index: id\n    limit: 10\n`, /:5: tables\[0\]\.limit: a table has an index or a limit, not both/],
        [`    ${mqtt}\n    limit: 0\n`, /:4: tables\[0\]\.limit: must be a whole number from 1/],
        [`    ${mqtt}\n    real_time_limit: soon\n`, /:4: tables\[0\]\.real_time_limit: 'soon' is not a duration/],
        [`    ${mqtt}\n    refresh: 1s\n`, /:4: tables\[0\]\.refresh: a broker or table source delivers rows as they come/],
        [`    ${mqtt}\n    transform_input: table\n`, /:4: tables\[0\]\.transform_input: is for tables with transforms/],
        [`    ${mqtt}\n    schema: {a: money}\n`, /:4: tables\[0\]\.schema\.a: must be a type/],
        [`    ${mqtt}\n    index: id\n    schema: {a: float}\n`, /:5: tables\[0\]\.schema: has no column 'id'/],
        ["    source: {mqtt: {topic: t, qos: 3}}\n", /:3: tables\[0\]\.source\.mqtt\.qos: must be a whole number from 0 to 2/],
        ["    source: {mqtt: {topic: t, format: xml}}\n", /:3: tables\[0\]\.source\.mqtt\.format: unknown message format 'xml'/],
        ["    source: {mqtt: {url: x}}\n", /:3: tables\[0\]\.source\.mqtt\.topic: must be a non-empty text/],
        ["    source: {amqp: {queue: q, prefetch: many}}\n", /:3: tables\[0\]\.source\.amqp\.prefetch: must be a whole number/],
        ["    source: {postgres: {dsn: d, query: 'SELECT 1', checkpoint: c}}\n", /:3: tables\[0\]\.source\.postgres: 'checkpoint' \(a column\) and '\{checkpoint\}'/],
        ["    source: {table: t}\n", /:3: tables\[0\]\.source\.table: 't' is not another table/],
        ["    source: {mqtt: {topic: t}, table: u}\n", /:3: tables\[0\]\.source: needs exactly one of/],
        ["    source: {file: x.csv}\n    real_time_limit: 1s\n", /tables\[0\]/],
    ];
    cases.forEach(([table, expected], i) => {
        const file = path.join(scratch, `bad${i}.yaml`);
        fs.writeFileSync(file, `tables:\n  - name: t\n${table}`);
        const run = spawnSync(parallax, ["serve", "--pipeline", file, "--port", "0"], { encoding: "utf8", timeout: 20000 });
        assert.equal(run.status, 1, `case ${i}: ${run.stdout} ${run.stderr}`);
        assert.match(run.stderr, expected, `case ${i}`);
        assert.equal(run.stdout, "", `case ${i}: the server did not start`);
    });
});
