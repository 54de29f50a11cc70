// Two websocket clients opening the same view config on one table share one view in the
// server (api::Engine::ViewSharing) until one of them expands, collapses or sets the depth of
// its own: then that client's view forks and the other's answers and on_update notifications
// must be as if the two had never shared. Run as two real clients of `parallax serve` (the
// second opens the first's table by name) and, for the expected answers, as two views of one
// table in the reference's engine in process; every answer and notification must agree.
//
// usage: PARALLAX=build/parallax ORACLE_NODE_MODULES=tests/oracle/node_modules \
//        node tests/server/shared_views_test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";

import { decode, perspective, serve } from "./harness.mjs";

const unique = `${process.pid}_${Date.now()}`;
const schema = { id: "integer", g: "string", h: "string", x: "float", n: "integer" };
const start = [
    { id: 1, g: "a", h: "p", x: 1.5, n: 1 },
    { id: 2, g: "b", h: "q", x: 2.5, n: 2 },
    { id: 3, g: "a", h: "q", x: 3, n: 3 },
    { id: 4, g: "c", h: "p", x: 4, n: 4 },
];
const config = { group_by: ["g", "h"], columns: ["x", "n"], aggregates: { n: "sum" } };

// Runs the steps with client `first` making the table and view A and `second` opening the
// table by name and making view B (the same config); answers, per step, what each view reads
// and what its on_update callbacks heard since the step before (A: plain notifications,
// B: ROW-mode deltas too).
async function scenario(first, second, name) {
    const table = await first.table(schema, { index: "id", name });
    await table.update(start);
    // (The reference in process: both views on the one table object.)
    const other = second === first ? table : await second.open_table(name);
    const a = await table.view(config);
    const b = await other.view(config);
    const heard = { a: 0, b: 0, b_rows: [] };
    await a.on_update(() => heard.a++);
    await b.on_update((update) => {
        heard.b++;
        heard.b_rows.push(update.delta ? decode(update.delta) : "no delta");
    }, { mode: "row" });
    const steps = [
        ["opened", async () => {}],
        ["A collapses a group", () => a.collapse(1)],
        ["the table changes (A collapsed)", () => table.update([{ id: 5, g: "a", h: "p", x: 10, n: 5 }])],
        ["A expands it again", () => a.expand(1)],
        ["A sets depth 0", () => a.set_depth(0)],
        ["B's client changes the table (A at depth 0)", () => other.update([{ id: 2, x: 20 }, { id: 6, g: "d", h: "r", x: 1, n: 6 }])],
        ["A sets depth 1 and collapses the total", async () => {
            await a.set_depth(1);
            await a.collapse(0);
        }],
        ["rows removed", () => table.remove([1, 4])],
        ["A is deleted", () => a.delete()],
        ["the table changes (A gone)", () => table.update([{ id: 7, g: "b", h: "p", x: 7, n: 7 }])],
        ["B collapses a group of its own", () => b.collapse(1)],
        ["the table changes (B collapsed)", () => other.update([{ id: 3, x: -3 }])],
    ];
    const result = [];
    let deleted = false;
    for (const [label, step] of steps) {
        await step();
        if (label === "A is deleted") deleted = true;
        // A round trip on each connection: notifications sent before it have arrived.
        const rows = { b: await b.to_json(), b_count: await b.num_rows() };
        if (!deleted) {
            rows.a = await a.to_json();
            rows.a_count = await a.num_rows();
        }
        await table.size();
        result.push({ label, rows, heard: structuredClone(heard) });
        heard.a = 0;
        heard.b = 0;
        heard.b_rows = [];
    }
    await b.delete();
    await table.delete();
    return result;
}

test("two clients on one config: one's expand, collapse, set_depth and delete leave the other's view as it was", async () => {
    const server = await serve();
    try {
        const expected = await scenario(perspective, perspective, `ref_shared_${unique}`);
        const first = await perspective.websocket(server.url);
        const second = await perspective.websocket(server.url);
        const actual = await scenario(first, second, `px_shared_${unique}`);
        for (let i = 0; i < expected.length; i++) {
            const { label } = expected[i];
            assert.deepEqual(actual[i].rows, expected[i].rows, `rows after "${label}"`);
            assert.deepEqual(actual[i].heard, expected[i].heard, `notifications after "${label}"`);
        }
        // What the comparison stands on: A's changes showed in A's rows and not in B's, and
        // both heard of every table change (B alone after A was deleted).
        const at = (label) => actual.find((step) => step.label === label);
        assert.notDeepEqual(at("A collapses a group").rows.a, at("A collapses a group").rows.b);
        assert.deepEqual(at("A collapses a group").rows.b, at("opened").rows.b);
        assert.notEqual(at("A sets depth 0").rows.a_count, at("A sets depth 0").rows.b_count);
        for (const label of ["A collapses a group", "A expands it again", "A sets depth 0"])
            assert.equal(at(label).heard.b, 0, `B hears nothing when A ${label}`);
        for (const label of ["the table changes (A collapsed)", "B's client changes the table (A at depth 0)", "rows removed"]) {
            assert.ok(at(label).heard.a >= 1 && at(label).heard.b >= 1, `both hear of "${label}"`);
        }
        assert.ok(at("the table changes (A gone)").heard.b >= 1);
        assert.ok(at("the table changes (B collapsed)").heard.b >= 1);
        await first.terminate?.();
        await second.terminate?.();
        assert.ok(!server.exited(), "the server is still up");
    } finally {
        await server.stop();
    }
});
