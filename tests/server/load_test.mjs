// A bounded load test on loopback: 50 clients, each with a grouped view and an on_update
// subscription that reads the view's first rows on every notification (as the viewer does),
// while one writer streams updates into the table. Asserts that no client starves (each hears
// the stream and ends on the final state) and that the server's memory stays bounded (the
// second half of the stream does not grow the resident set beyond the first half's peak by
// more than a small margin). Prints latency (writer's update call to a client's notification,
// p50/p99), notifications per client and RSS; time is reported, never asserted.
//
// usage: PARALLAX=build/parallax ORACLE_NODE_MODULES=tests/oracle/node_modules \
//        node tests/server/load_test.mjs [CLIENTS] [BATCHES]
import assert from "node:assert/strict";
import fs from "node:fs";

import { perspective, serve } from "./harness.mjs";

const clients = Number(process.argv[2] ?? 50);
const batches = Number(process.argv[3] ?? 200);
const rows = 20000, batchRows = 200, regions = ["north", "south", "east", "west", "centre"];

function rssMb(pid) {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(status.match(/VmRSS:\s+(\d+)/)[1]) / 1024;
}
function percentile(sorted, p) {
    return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN;
}

// A plain script rather than node:test: the clients' rejections when the server stops would
// otherwise be reported as the test's own late activity.
async function main() {
    const server = await serve();
    try {
        const writer = await perspective.websocket(server.url);
        const table = await writer.table({ id: "integer", region: "string", qty: "integer", price: "float" },
                                         { index: "id", name: "load" });
        await table.update(Array.from({ length: rows }, (_, id) => ({ id, region: regions[id % 5], qty: 1, price: 1 })));

        // Each reader: its own connection, a grouped view, a read of the first rows per notification.
        const starts = [];  // the writer's update start times, in order
        const readers = [];
        for (let c = 0; c < clients; c++) {
            const client = await perspective.websocket(server.url);
            const view = await (await client.open_table("load")).view({ group_by: ["region"], columns: ["qty", "price"] });
            const reader = { client, view, heard: 0, latencies: [], reading: Promise.resolve() };
            await view.on_update(() => {
                const now = performance.now();
                reader.heard++;
                // The update this notification follows: the last one started before it arrived.
                let at = starts.length - 1;
                while (at > 0 && starts[at] > now) at--;
                if (at >= 0) reader.latencies.push(now - starts[at]);
                reader.reading = reader.reading.then(() => view.to_columns({ end_row: 50 }));
            });
            readers.push(reader);
        }

        const peaks = [0, 0];
        for (let b = 0; b < batches; b++) {
            const batch = Array.from({ length: batchRows }, (_, i) => ({ id: (b * batchRows + i) % rows, qty: b + 2 }));
            starts.push(performance.now());
            await table.update(batch);
            if (b % 10 === 0) {
                const half = b < batches / 2 ? 0 : 1;
                peaks[half] = Math.max(peaks[half], rssMb(server.pid));
            }
        }
        // The stream is over: every reader hears the last update and reads the final state.
        const expected = await (await table.view({ group_by: ["region"], columns: ["qty"] })).to_columns();
        for (const reader of readers) {
            await reader.reading;
            assert.deepEqual((await reader.view.to_columns({ columns: ["qty"] })).qty, expected.qty);
        }
        peaks[1] = Math.max(peaks[1], rssMb(server.pid));

        const heard = readers.map((r) => r.heard).sort((a, b) => a - b);
        const latencies = readers.flatMap((r) => r.latencies).sort((a, b) => a - b);
        console.log(`# ${clients} clients, ${batches} updates of ${batchRows} rows into ${rows} rows`);
        console.log(`# notifications per client: min ${heard[0]}, median ${percentile(heard, 0.5)}, max ${heard.at(-1)}`);
        console.log(`# update-to-notification latency: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, ` +
                    `p99 ${percentile(latencies, 0.99).toFixed(1)} ms (${latencies.length} notifications)`);
        console.log(`# server RSS peak: first half ${peaks[0].toFixed(0)} MB, second half ${peaks[1].toFixed(0)} MB`);

        // No client starves: each heard the stream (conflation may merge notifications, never drop
        // the last), at least once per tenth of it on average.
        assert.ok(heard[0] >= Math.min(batches, 10), `a client heard only ${heard[0]} notifications`);
        // Memory is bounded: a steady stream must not keep growing the server.
        assert.ok(peaks[1] <= peaks[0] * 1.25 + 32, `RSS grew from ${peaks[0]} MB to ${peaks[1]} MB`);
        assert.equal(server.exited(), false);
        // The clients are left to the server's stop: the reference client now and then never
        // sends a view.delete() after a stream of notifications (its connection still
        // answers), and terminate() with live subscriptions rejects from inside the client.
        // Their "connection closed" rejections after the stop are expected; any other is not.
        process.on("unhandledRejection", (error) => {
            if (/WebSocket closed|Transport error/.test(String(error))) return;
            console.error(error);
            process.exit(1);
        });
    } finally {
        await server.stop();
    }
}

main().then(() => {
    console.log("ok - load test");
    process.exit(0);
}, (error) => {
    console.error(error);
    process.exit(1);
});

