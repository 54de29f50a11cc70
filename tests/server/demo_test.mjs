// `make demo` (examples/demo.sh) with mosquitto: the orders stream in through the broker the
// script starts, the table fed by them follows, changes keep coming, and Ctrl-C (SIGINT)
// stops the server, the broker and the publisher and removes their files. The broker takes no
// anonymous client (the demo logs in with a password made for the run).
//
// usage: PARALLAX=build/parallax ORACLE_NODE_MODULES=tests/oracle/node_modules \
//        node tests/server/demo_test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { spawn, spawnSync } from "node:child_process";
import { parallax, repo, until as untilEvery } from "./serve.mjs";

const modules = path.resolve(process.env.ORACLE_NODE_MODULES ?? path.join(repo, "tests", "oracle", "node_modules"));
const perspective = (await import(createRequire(path.join(modules, "x.js")).resolve("@finos/perspective"))).default;

const until = (condition, what, timeoutMs = 120000) => {
    const deadline = Date.now() + timeoutMs;
    return untilEvery(async () => {
        if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
        return await condition();
    }, 100);
};

test("make demo streams orders through its own mosquitto and cleans up on Ctrl-C", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-demo-test-"));
    const demo = spawn("bash", [path.join(repo, "examples", "demo.sh")], {
        env: { ...process.env, PORT: "0", PARALLAX: path.resolve(parallax), DEMO_DIR: dir, DEMO_ROWS: "5000" },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    demo.stdout.on("data", (d) => (output += d));
    demo.stderr.on("data", (d) => (output += d));
    const exited = new Promise((resolve) => demo.on("exit", (code, signal) => resolve({ code, signal })));
    try {
        await until(() => /serving \d+ table\(s\) at (http:\/\/[\d.]+:\d+)/.test(output), "the server", 60000);
        assert.match(output, /demo: mosquitto on 127\.0\.0\.1:\d+/);
        const brokerPort = output.match(/demo: mosquitto on 127\.0\.0\.1:(\d+)/)[1];
        const anonymous = spawnSync("mosquitto_pub", ["-h", "127.0.0.1", "-p", brokerPort, "-q", "1",
            "-t", "orders/live", "-m", '[{"order_id":1,"qty":999999}]'], { encoding: "utf8", timeout: 20000 });
        assert.notEqual(anonymous.status, 0, `an anonymous publisher is refused: ${anonymous.stderr}`);
        assert.match(anonymous.stderr, /not authori[sz]ed/i);
        const url = output.match(/at (http:\/\/[\d.]+:\d+)/)[1].replace("http", "ws") + "/websocket";
        const client = await perspective.websocket(url);
        const orders = await client.open_table("orders");
        await until(async () => (await orders.size()) >= 5000, `5000 orders through the broker: ${output}`);
        const regions = await client.open_table("by_region");
        await until(async () => (await regions.size()) === 8, "a row per region in the table fed by orders");
        // Changes keep coming after the first orders: qty or price of some order moves, or new
        // orders arrive.
        const view = await orders.view({ columns: ["qty", "price"], aggregates: { qty: "sum", price: "sum" }, group_by: [] });
        const before = JSON.stringify(await view.to_columns());
        await until(async () => JSON.stringify(await view.to_columns()) !== before, "a change streamed after the first orders", 30000);
        await view.delete();
        await client.terminate?.();
    } finally {
        demo.kill("SIGINT");
    }
    const { code, signal } = await exited;
    assert.ok(code !== null || signal !== null);
    // The broker's and the server's files went with them.
    const left = fs.readdirSync(dir).filter((name) => name.startsWith("live."));
    assert.deepEqual(left, [], `the demo's work directory is removed: ${output}`);
    fs.rmSync(dir, { recursive: true, force: true });
});
