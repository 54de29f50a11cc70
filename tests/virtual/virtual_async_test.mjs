// Virtual tables' queries run on their databases' workers, off the engine's thread
// (docs/virtual-tables.md, "Off the engine's thread"), against tests/virtual/fake_clickhouse.py,
// whose database `rows_held` holds every window query until the test releases it: while one
// is held, in-memory tables keep answering; a view's answers keep the order of its requests;
// a view deleted or a client gone while its query is held has the query hung up on and the
// server keeps serving; past --virtual-queue requests are refused with a clear error.
// Assertions are on the order of events, never on how long anything took. (Without the
// workers a held query holds the whole server: `guarded` releases the gate after a while so
// that such a run fails on its assertions instead of hanging.)
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fields, perspective, serve } from "../server/harness.mjs";
import { bytesField, Kind, rawClient, request, serverError } from "../server/raw_protocol.mjs";

const kToColumns = 24;  // Request.view_to_columns_string_req (perspective.proto)

const fake = process.env.PARALLAX_TEST_FAKE_CLICKHOUSE;
const skip = !fake && "PARALLAX_TEST_FAKE_CLICKHOUSE is not set (run under fake_clickhouse.py)";
const held = `clickhouse://${fake}/rows_held`;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-virtual-async-"));
const csv = path.join(scratch, "memory.csv");
fs.writeFileSync(csv, "k,v\na,1\nb,2\nc,3\n");

const gate = async (what) => Number(await (await fetch(`http://${fake}/${what}`)).text());
// A window the view has not read yet: a read of the window last read is answered from the
// view's cache, without a query.
let windows = 0;
const fresh = () => ({ start_row: 0, end_row: 1 + (windows++ % 2) });

// Waits for `condition` (a guard against hanging: fails after a minute).
async function until(condition) {
    for (let i = 0; i < 3000; ++i) {
        if (await condition()) return;
        await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail("waited a minute for " + condition);
}

// Runs `body`; if it has not finished after `ms`, opens the gate (a server without workers
// is stuck behind the held query) and lets it finish, so that the test fails, not hangs.
async function guarded(body, ms = 20000) {
    let opened = false;
    const timer = setTimeout(() => {
        opened = true;
        gate("release");
    }, ms);
    try {
        return await body();
    } finally {
        clearTimeout(timer);
        assert.equal(opened, false, "answered while the virtual query was still held");
    }
}

test("in-memory tables answer while a virtual query and its refresh are held", { skip }, async () => {
    await gate("release");
    const server = await serve(csv, "--virtual", held, "--virtual-refresh", "100");
    try {
        const a = await perspective.websocket(server.url);
        const view = await (await a.open_table("t")).view();
        assert.deepEqual((await view.to_columns()).id, [1, 2, 3]);  // (read once: refreshes rerun it)
        await gate("hold");
        const events = [];
        const virtualRead = view.to_columns(fresh()).then(() => events.push("virtual"));
        await until(async () => (await gate("held")) >= 1);
        await guarded(async () => {
            const b = await perspective.websocket(server.url);
            const table = await b.open_table("memory");
            assert.equal(await table.size(), 3);
            const memory = await table.view({ group_by: ["k"], columns: ["v"] });
            assert.deepEqual((await memory.to_columns()).v, [6, 1, 2, 3]);
            events.push("memory");
            // Refreshes every 100 ms meanwhile: the table's is conflated (its rerun, held,
            // is not queued again), and the view's read waits behind it on its lane.
            assert.ok((await gate("held")) <= 2, "one refresh at a time");
            await memory.delete();
            await b.terminate();
        });
        await gate("release");
        await virtualRead;
        assert.deepEqual(events, ["memory", "virtual"]);
        await view.delete();
        await a.terminate();
    } finally {
        await gate("release");
        await server.stop();
    }
});

test("a view's answers keep the order of its requests", { skip }, async () => {
    await gate("release");
    const server = await serve("--virtual", held, "--virtual-refresh", "0");
    try {
        const client = await perspective.websocket(server.url);
        const view = await (await client.open_table("t")).view();
        await gate("hold");
        const order = [];
        const answers = [
            view.to_columns(fresh()).then(() => order.push("to_columns")),
            view.schema().then(() => order.push("schema")),
            view.num_rows().then(() => order.push("num_rows")),
            view.to_json(fresh()).then(() => order.push("to_json")),
        ];
        await until(async () => (await gate("held")) >= 1);
        assert.deepEqual(order, [], "nothing overtakes the held read");
        await gate("release");
        await Promise.all(answers);
        assert.deepEqual(order, ["to_columns", "schema", "num_rows", "to_json"]);
        await view.delete();
        await client.terminate();
    } finally {
        await gate("release");
        await server.stop();
    }
});

// (By the raw protocol: the reference's client cannot delete a view while a read of it is
// pending.)
test("a view deleted while its query is held: hung up on, answered with an error", { skip }, async () => {
    await gate("release");
    const server = await serve("--virtual", held, "--virtual-refresh", "0");
    try {
        const raw = await rawClient(server.url);
        const answer = async () => {
            const reply = await raw.next();
            return { msgId: fields(reply)[1], error: serverError(reply)?.message };
        };
        raw.send(request(1, "t", Kind.makeView, bytesField(1, Buffer.from("v"))));
        assert.deepEqual(await answer(), { msgId: 1, error: undefined });
        await gate("hold");
        const cancelledBefore = await gate("cancelled");
        raw.send(request(2, "v", kToColumns));  // its first window: a query, held
        await until(async () => (await gate("held")) >= 1);
        await guarded(async () => {
            raw.send(request(3, "v", Kind.viewDelete));
            // Answered while the gate is still closed, in the order asked.
            const read = await answer();
            assert.equal(read.msgId, 2);
            assert.match(read.error, /deleted before its answer came/);
            assert.deepEqual(await answer(), { msgId: 3, error: undefined });
            await until(async () => (await gate("cancelled")) > cancelledBefore);
        });
        await gate("release");
        // The server goes on: a new view of the same table answers.
        raw.send(request(4, "t", Kind.makeView, bytesField(1, Buffer.from("w"))));
        assert.deepEqual(await answer(), { msgId: 4, error: undefined });
        raw.send(request(5, "w", kToColumns));
        assert.deepEqual(await answer(), { msgId: 5, error: undefined });
        raw.ws.close();
    } finally {
        await gate("release");
        await server.stop();
    }
});

test("a client gone while its query is held: hung up on, the server goes on", { skip }, async () => {
    await gate("release");
    const server = await serve(csv, "--virtual", held, "--virtual-refresh", "0");
    try {
        const leaving = await perspective.websocket(server.url);
        const view = await (await leaving.open_table("t")).view();
        await gate("hold");
        const cancelledBefore = await gate("cancelled");
        view.to_columns(fresh()).catch(() => {});
        await until(async () => (await gate("held")) >= 1);
        await guarded(async () => {
            await leaving.terminate();
            await until(async () => (await gate("cancelled")) > cancelledBefore);
            const other = await perspective.websocket(server.url);
            assert.equal(await (await other.open_table("memory")).size(), 3);
            assert.equal(await (await other.open_table("t")).size(), 3);  // a count: not held
            await other.terminate();
        });
        assert.equal(server.exited(), false);
    } finally {
        await gate("release");
        await server.stop();
    }
});

test("past --virtual-queue, requests are refused with a clear error", { skip }, async () => {
    await gate("release");
    const server = await serve("--virtual", held, "--virtual-refresh", "0",
        "--virtual-workers", "1", "--virtual-queue", "1");
    try {
        const client = await perspective.websocket(server.url);
        const table = await client.open_table("t");
        const views = [await table.view(), await table.view(), await table.view()];
        await gate("hold");
        const first = views[0].to_columns(fresh());  // runs on the one worker, held
        await until(async () => (await gate("held")) >= 1);
        const second = views[1].to_columns(fresh());  // waits: the one request the queue takes
        await assert.rejects(views[2].to_columns(fresh()), /is busy: 1 requests are already waiting for it \(--virtual-queue\)/);
        await gate("release");
        assert.deepEqual((await first).id[0], 1);
        assert.deepEqual((await second).id[0], 1);
        for (const view of views) await view.delete();
        await client.terminate();
    } finally {
        await gate("release");
        await server.stop();
    }
});
