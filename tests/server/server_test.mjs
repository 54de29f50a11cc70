// Tests of `parallax serve` beyond the conformance suite: hosted tables and open_table,
// tables made, changed and deleted by clients with their notifications, --lock, many clients
// at once, a client that stops reading, malformed / truncated / oversized messages, unknown
// entities, abrupt disconnects. Each test starts its own server on a free loopback port.
//
// usage: PARALLAX=build/parallax ORACLE_NODE_MODULES=tests/oracle/node_modules \
//        node tests/server/server_test.mjs
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { fields, parallax, perspective, repo, serve, until } from "./harness.mjs";
import { Kind, bytesField, nonReadingClient, rawClient, request, serverError, varint } from "./raw_protocol.mjs";

const orders = path.join(repo, "examples", "orders_sample.csv");
const orderRows = fs.readFileSync(orders, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-server-test-"));
const labels = path.join(scratch, "labels.csv");
fs.writeFileSync(labels, "order_id,label\n" + [0, 1, 2, 3, 4].map((i) => `${i},l${i}`).join("\n") + "\n");

test("hosted tables and open_table", async () => {
    const server = await serve(orders, labels, "--index", "order_id");
    const client = await perspective.websocket(server.url);
    assert.deepEqual((await client.get_hosted_table_names()).sort(), ["labels", "orders_sample"]);
    const table = await client.open_table("orders_sample");
    assert.equal(await table.size(), orderRows.length);
    assert.equal(await table.get_index(), "order_id");
    const view = await table.view({ columns: ["order_id", "product"], filter: [["order_id", "<", 3]] });
    assert.deepEqual(await view.to_columns(), {
        order_id: [0, 1, 2],
        product: orderRows.slice(0, 3).map((r) => r[2]),
    });
    await view.delete();
    await assert.rejects(client.open_table("nope").then((t) => t.size()));
    await client.terminate();
    await server.stop();
});

test("clients make, change and delete tables; subscribers hear it", async () => {
    const server = await serve();
    const watcher = await perspective.websocket(server.url);
    let hostedChanges = 0;
    await watcher.on_hosted_tables_update(() => hostedChanges++);
    const maker = await perspective.websocket(server.url);
    const made = await maker.table({ a: "integer", b: "string" }, { name: "made", index: "a" });
    await made.update([{ a: 1, b: "x" }, { a: 2, b: "y" }]);
    await until(() => hostedChanges >= 1);
    assert.deepEqual(await watcher.get_hosted_table_names(), ["made"]);

    const seen = await watcher.open_table("made");
    const view = await seen.view({ sort: [["a", "desc"]] });
    let updates = 0;
    await view.on_update(() => updates++);
    await made.update([{ a: 3, b: "z" }]);
    await until(() => updates >= 1);
    assert.deepEqual(await view.to_columns(), { a: [3, 2, 1], b: ["z", "y", "x"] });
    await made.remove([1]);
    await made.update("a,b\n4,w\n", { format: "csv" });
    assert.equal(await seen.size(), 3);
    // Arrow in: a view's to_arrow bytes make a new table, and update one.
    const arrow = await view.to_arrow();
    const copy = await maker.table(arrow, { name: "copy" });
    assert.deepEqual(await (await copy.view()).to_columns(), await view.to_columns());
    await copy.update(arrow);
    assert.equal(await copy.size(), 2 * (await seen.size()));
    await made.replace([{ a: 9, b: "r" }]);
    assert.deepEqual(await view.to_columns(), { a: [9], b: ["r"] });

    let viewDeleted = false, tableDeleted = false;
    await view.on_delete(() => (viewDeleted = true));
    await seen.on_delete(() => (tableDeleted = true));
    // (The client's handle is spent by a delete, even a refused one: use a second handle.)
    await assert.rejects((await maker.open_table("made")).delete(), /still has views/);
    await view.delete();
    await until(() => viewDeleted);
    await made.delete();
    await until(() => tableDeleted && hostedChanges >= 2);
    assert.deepEqual(await watcher.get_hosted_table_names(), ["copy"]);
    await maker.terminate();
    await watcher.terminate();
    await server.stop();
});

test("--lock refuses every change, with a clear error, and serves reads", async () => {
    const server = await serve(labels, "--index", "order_id", "--lock");
    const client = await perspective.websocket(server.url);
    await assert.rejects(client.table({ a: "integer" }, { name: "mine" }), /--lock/);
    const table = await client.open_table("labels");
    await assert.rejects(table.update([{ order_id: 7, label: "x" }]), /--lock/);
    await assert.rejects(table.remove([1]), /--lock/);
    await assert.rejects(table.replace([{ order_id: 7, label: "x" }]), /--lock/);
    await assert.rejects(table.clear(), /--lock/);
    await assert.rejects((await client.open_table("labels")).delete(), /--lock/);
    assert.equal(await table.size(), 5);
    const view = await table.view({ columns: ["label"] });
    assert.deepEqual(await view.to_columns(), { label: ["l0", "l1", "l2", "l3", "l4"] });
    await view.delete();
    assert.deepEqual(await client.get_hosted_table_names(), ["labels"]);
    await client.terminate();
    await server.stop();
});

test("many clients at once; no read sees half an update", async () => {
    const server = await serve(orders, labels, "--index", "order_id");
    const writer = await perspective.websocket(server.url);
    const labelsTable = await writer.open_table("labels");
    const batches = 40, perBatch = 10;
    const writes = (async () => {
        for (let b = 0; b < batches; b++) {
            const rows = [];
            for (let i = 0; i < perBatch; i++) rows.push({ order_id: 100 + b * perBatch + i, label: `b${b}` });
            await labelsTable.update(rows);
        }
    })();
    const expectedEU = orderRows.filter((r) => r[1] === "EU").length;
    const readers = [];
    for (let c = 0; c < 30; c++) {
        readers.push((async () => {
            const client = await perspective.websocket(server.url);
            const table = await client.open_table("orders_sample");
            const view = await table.view({ columns: ["order_id", "price"], filter: [["region", "==", "EU"]], sort: [["price", "desc"]] });
            assert.equal(await view.num_rows(), expectedEU);
            const labelView = await (await client.open_table("labels")).view({});
            for (let i = 0; i < 10; i++) {
                const size = await labelView.num_rows();
                assert.equal((size - 5) % perBatch, 0, `a read saw ${size} rows: half an update`);
            }
            await labelView.delete();
            await view.delete();
            await client.terminate();
        })());
    }
    await Promise.all([writes, ...readers]);
    assert.equal(await labelsTable.size(), 5 + batches * perBatch);
    await writer.terminate();
    await server.stop();
});

test("a client that stops reading is dropped; everyone else is served", async () => {
    const server = await serve(orders, "--client-queue-mb", "1");
    // Requests whose answers are never read.
    const { socket, send } = await nonReadingClient(server.url);
    const ask = request(1, "", Kind.getFeatures);
    for (let i = 0; i < 20000 && !server.stderr().includes("stopped reading"); i++) await send(ask);
    // Meanwhile another client is answered as usual.
    const other = await perspective.websocket(server.url);
    assert.deepEqual(await other.get_hosted_table_names(), ["orders_sample"]);
    await until(() => server.stderr().includes("stopped reading"));
    const view = await (await other.open_table("orders_sample")).view({ columns: ["order_id"] });
    assert.equal(await view.num_rows(), orderRows.length);
    await view.delete();
    await other.terminate();
    socket.destroy();
    await server.stop();
});

test("malformed, truncated and unknown requests get an error; the connection goes on", async () => {
    const server = await serve(labels);
    const raw = await rawClient(server.url);
    raw.send(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    assert.match(serverError(await raw.next()).message, /malformed/);
    const good = request(7, "", Kind.getHostedTables);
    raw.send(good.subarray(0, good.length - 3));
    assert.match(serverError(await raw.next()).message, /malformed/);
    raw.send(Buffer.from("not protobuf at all, and sent as text"));
    assert.ok(serverError(await raw.next()));
    raw.send(Buffer.concat([varint(8), varint(9)]));  // a msg_id and no request
    assert.match(serverError(await raw.next()).message, /no operation/);
    raw.send(request(10, "nope", Kind.viewSchema));
    const unknownView = serverError(await raw.next());
    assert.equal(unknownView.code, 1, "VIEW_NOT_FOUND");
    raw.send(request(11, "nope", Kind.tableSize));
    assert.match(serverError(await raw.next()).message, /nope/);
    // A view config naming a column the table lacks.
    const config = bytesField(3, bytesField(2, bytesField(1, Buffer.from("missing"))));
    raw.send(request(12, "labels", Kind.makeView, Buffer.concat([bytesField(1, Buffer.from("v")), bytesField(2, config)])));
    assert.match(serverError(await raw.next()).message, /missing/);
    raw.send(good);
    const reply = fields(await raw.next());
    assert.equal(reply[1], 7);
    assert.ok(reply[4], "get_hosted_tables_resp");
    raw.ws.close();
    await server.stop();
});

test("oversized messages close that connection only; abrupt disconnects are cleaned up", async () => {
    const server = await serve(labels, "--index", "order_id", "--max-message-mb", "1");
    const big = await rawClient(server.url);
    big.send(Buffer.alloc(2 << 20, 1));
    // 1009 (too big) when the close frame arrives before the reset; 1006 when the client is
    // still sending as the server closes. Either way that connection, and only it, is gone.
    assert.ok([1009, 1006].includes(await big.closed), "closed as too big");

    // A client with a view and an update subscription vanishes without a goodbye.
    const vanishing = await rawClient(server.url);
    vanishing.send(request(1, "labels", Kind.makeView, bytesField(1, Buffer.from("gone"))));
    assert.ok(fields(await vanishing.next())[6], "table_make_view_resp");
    vanishing.send(request(2, "gone", Kind.onUpdate));
    vanishing.ws.terminate();
    await vanishing.closed;

    const client = await perspective.websocket(server.url);
    const table = await client.open_table("labels");
    await table.update([{ order_id: 9, label: "after" }]);
    assert.equal(await table.size(), 6);
    await client.terminate();
    assert.ok(!server.exited());
    await server.stop();
});

test("hostile expressions: deep nesting and loop bombs get a clear error; others are served", async () => {
    const server = await serve(labels, "--lock");
    const attacker = await perspective.websocket(server.url);
    const table = await attacker.open_table("labels");
    // Each overflowed the stack (SIGSEGV, every client dropped), in make_view and validate_expressions.
    const deep = {
        parentheses: "(".repeat(12000) + "1" + ")".repeat(12000),
        plus: "1" + "+1".repeat(30000),
        minus: "-".repeat(50000) + "1",
        abs: "abs(".repeat(20000) + "1" + ")".repeat(20000),
    };
    const validated = await table.validate_expressions(deep);
    for (const name of Object.keys(deep)) {
        assert.match(validated.errors[name]?.error_message ?? "", /nested too deeply/, name);
        await assert.rejects(table.view({ expressions: { [name]: deep[name] } }), /nested too deeply/, name);
    }
    // The 103-byte loop bomb held the engine for minutes: now its view is refused by the
    // evaluation budget, and another client asking meanwhile is answered promptly.
    const bomb = "var s := 0; for (var i := 0; i < 100000; i += 1) { for (var j := 0; j < 100000; j += 1) { s += 1 } }; s";
    const other = await perspective.websocket(server.url);
    const started = Date.now();
    const refused = assert.rejects(table.view({ expressions: { bomb } }), /evaluation stopped after/);
    const names = await other.get_hosted_table_names();
    const answeredMs = Date.now() - started;
    await refused;
    const refusedMs = Date.now() - started;
    assert.deepEqual(names, ["labels"]);
    assert.ok(refusedMs < 5000, `refused in ${refusedMs} ms`);
    assert.ok(answeredMs < 5000, `the other client waited ${answeredMs} ms`);
    console.log(`loop bomb refused in ${refusedMs} ms; the other client answered in ${answeredMs} ms`);
    const view = await (await other.open_table("labels")).view({ columns: ["label"] });
    assert.equal(await view.num_rows(), 5);
    await view.delete();
    await other.terminate();
    await attacker.terminate();
    assert.ok(!server.exited());
    await server.stop();
});

test("--expression-steps sets the evaluation budget; a bad value is refused", async () => {
    const loop = "var s := 0; for (var i := 0; i < 100; i += 1) { s += 1 }; s";
    const server = await serve(labels, "--expression-steps", "2000", "--expression-steps-per-row", "0");
    const client = await perspective.websocket(server.url);
    const table = await client.open_table("labels");
    await assert.rejects(table.view({ expressions: { loop } }), /evaluation stopped after 2000 steps/);
    const view = await table.view({ expressions: { small: "1 + 1" } });
    assert.equal(await view.num_rows(), 5);
    await view.delete();
    await client.terminate();
    await server.stop();
    const bad = spawnSync(parallax, ["serve", labels, "--expression-steps", "many", "--port", "0"], { encoding: "utf8", timeout: 20000 });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--expression-steps must be a whole number of steps/);
});
