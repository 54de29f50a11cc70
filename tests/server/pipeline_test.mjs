// `parallax serve --pipeline`: a live table refreshed from a changing file through a Python
// transform while a client (the reference's own) watches it, a failing transform that keeps
// the last good table and shows its error in the status table, runs of a slow connector
// conflated instead of stacked, parameters set by clients rerunning their table, bad
// pipeline files refused with the key and line, and the
// README's worked example (examples/pipeline) serving what it says.
//
// usage: PARALLAX=build/parallax ORACLE_NODE_MODULES=tests/oracle/node_modules \
//        node tests/server/pipeline_test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { parallax, repo, serve, until as untilEvery } from "./serve.mjs";

const modules = path.resolve(process.env.ORACLE_NODE_MODULES ?? path.join(repo, "tests", "oracle", "node_modules"));
const requireFrom = createRequire(path.join(modules, "x.js"));
const perspective = (await import(requireFrom.resolve("@finos/perspective"))).default;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-pipeline-test-"));

// Replaces a file in one step, as a producer should (a reader never sees half a file).
function writeAtomically(file, text) {
    fs.writeFileSync(file + ".tmp", text);
    fs.renameSync(file + ".tmp", file);
}

const until = (condition) => untilEvery(condition, 50);

test("a pipeline keeps a watched table live, keeps the last good table on failure, rereads changed scripts, conflates slow runs", async () => {
    const values = path.join(scratch, "values.csv");
    writeAtomically(values, "name,value\na,1\nb,2\n");
    fs.writeFileSync(path.join(scratch, "double.py"), [
        "bad = [r['name'] for r in rows if r['value'] < 0]",
        "if bad:",
        "    log.error(f'negative value for {bad[0]}')",
        "return [{'name': r['name'], 'doubled': r['value'] * 2} for r in rows]",
    ].join("\n") + "\n");
    fs.writeFileSync(path.join(scratch, "pipeline.yaml"), `
script_host: local
watch_interval: 50ms
tables:
  - name: doubled
    source: {file: values.csv}
    transforms:
      - script_file: double.py
    index: name
  - name: slow
    source:
      connector:
        script: |
          import time
          started = time.time()
          await sleep(0.6)
          return [{'run': 1, 'started': started, 'ended': time.time()}]
    refresh: 100ms
`);
    const server = await serve("--pipeline", path.join(scratch, "pipeline.yaml"));
    const client = await perspective.websocket(server.url);
    assert.deepEqual((await client.get_hosted_table_names()).sort(), ["doubled", "pipeline_status", "slow"]);

    // The first run happened before serving.
    const doubled = await client.open_table("doubled");
    const view = await doubled.view({ columns: ["name", "doubled"], sort: [["name", "asc"]] });
    assert.deepEqual(await view.to_columns(), { name: ["a", "b"], doubled: [2, 4] });
    let updates = 0;
    await view.on_update(() => updates++);
    const status = await (await client.open_table("pipeline_status")).view({
        columns: ["state", "runs", "failures", "conflated", "rows", "last_error", "last_success"],
        filter: [["table", "==", "doubled"]],
    });
    const health = async () => (await status.to_json())[0];
    assert.equal((await health()).state, "ok");

    // The source changes: the transform reruns and the watching client is told.
    writeAtomically(values, "name,value\na,5\nb,6\n");
    await until(() => updates >= 1);
    await until(async () => JSON.stringify((await view.to_columns()).doubled) === "[10,12]");

    // A failing run keeps the last good table; the error is logged and shown to clients.
    const runsBefore = (await health()).runs;
    writeAtomically(values, "name,value\na,7\nb,-1\n");
    await until(async () => (await health()).state === "failed");
    const failed = await health();
    assert.match(failed.last_error, /negative value for b/);
    assert.equal(failed.failures, 1);
    assert.ok(failed.runs > runsBefore);
    assert.deepEqual(await view.to_columns(), { name: ["a", "b"], doubled: [10, 12] });
    // (The log line may reach this process after the status update: stderr is another pipe.)
    await until(() => /table 'doubled' failed, keeping its last good rows: .*negative value for b/.test(server.stderr()));

    // Fixed: the table moves on and the error is cleared.
    writeAtomically(values, "name,value\na,8\nb,9\n");
    await until(async () => (await health()).state === "ok");
    assert.deepEqual(await view.to_columns(), { name: ["a", "b"], doubled: [16, 18] });
    assert.equal((await health()).last_error, null);

    // The script file changes: it is reread, and the table reruns through it.
    writeAtomically(path.join(scratch, "double.py"), "return [{'name': r['name'], 'doubled': r['value'] * 3} for r in rows]\n");
    await until(async () => JSON.stringify((await view.to_columns()).doubled) === "[24,27]");

    // A connector slower than its period: runs follow one another without overlapping,
    // and the periods that came during a run are conflated into the next one.
    const slow = await (await client.open_table("slow")).view({ columns: ["started", "ended"] });
    const seen = new Map();
    const record = async () => {
        const { started, ended } = await slow.to_columns();
        seen.set(started[0], ended[0]);
    };
    await slow.on_update(record);
    await record();
    await until(() => seen.size >= 4);
    const runs = [...seen.entries()].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < runs.length; i++) {
        assert.ok(runs[i][0] >= runs[i - 1][1], `run ${i} started before run ${i - 1} ended`);
    }
    const slowStatus = await (await client.open_table("pipeline_status")).view({ filter: [["table", "==", "slow"]] });
    const slowHealth = (await slowStatus.to_json())[0];
    assert.ok(slowHealth.conflated > 0, JSON.stringify(slowHealth));
    assert.equal(slowHealth.failures, 0);

    await slowStatus.delete();
    await slow.delete();
    await status.delete();
    await view.delete();
    await client.terminate();
    await server.stop();
});

test("clients set a table's parameters in pipeline_parameters; a change reruns its source", async () => {
    const dir = path.join(scratch, "parameters");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "pipeline.yaml"), `
script_host: local
tables:
  - name: prices
    source:
      connector:
        script: |
          return [{'symbol': s, 'price': float(i) * {factor}, 'zone': '{tz}'} for i, s in enumerate({symbols})]
        parameters: {factor: 2, symbols: "['a', 'b']", tz: UTC}
        time_zone: "{tz}"
    transforms:
      - script: "return [dict(r, label='{label}') for r in rows]"
        parameters: {label: first, factor: 2}
    index: symbol
`);
    const server = await serve("--pipeline", path.join(dir, "pipeline.yaml"));
    const client = await perspective.websocket(server.url);
    const parameters = await client.open_table("pipeline_parameters");
    const shown = await parameters.view({ sort: [["parameter", "asc"]] });
    assert.deepEqual(await shown.to_json(), [
        { parameter: "prices.factor", table: "prices", name: "factor", value: "2" },
        { parameter: "prices.label", table: "prices", name: "label", value: "first" },
        { parameter: "prices.symbols", table: "prices", name: "symbols", value: "['a', 'b']" },
        { parameter: "prices.tz", table: "prices", name: "tz", value: "UTC" },
    ]);
    const prices = await (await client.open_table("prices")).view({ sort: [["symbol", "asc"]] });
    assert.deepEqual(await prices.to_json(), [
        { symbol: "a", price: 0, zone: "UTC", label: "first" }, { symbol: "b", price: 2, zone: "UTC", label: "first" }]);
    // One update sets two parameters (one of them used by both steps): one rerun with both.
    await parameters.update([{ parameter: "prices.factor", value: "10" }, { parameter: "prices.label", value: "second" }]);
    await until(async () => (await prices.to_json())[1]?.price === 10);
    assert.deepEqual(await prices.to_json(), [
        { symbol: "a", price: 0, zone: "UTC", label: "second" }, { symbol: "b", price: 10, zone: "UTC", label: "second" }]);
    // The time zone from a parameter; a parameter no step has changes nothing.
    await parameters.update([{ parameter: "prices.tz", value: "Mars/Base" }, { parameter: "other.x", table: "other", name: "x", value: "1" }]);
    const status = await (await client.open_table("pipeline_status")).view({ filter: [["table", "==", "prices"]] });
    await until(async () => (await status.to_json())[0].state === "failed");
    assert.match((await status.to_json())[0].last_error, /unknown time zone 'Mars\/Base'/);
    await parameters.update([{ parameter: "prices.tz", value: "Europe/London" }]);
    await until(async () => (await status.to_json())[0].state === "ok");
    assert.equal((await prices.to_json())[0].zone, "Europe/London");
    // A value that would be code where its step fills it in unquoted (the transform's
    // '{label}' is in the script's own quotes; {factor} is bare) is refused and changes
    // nothing: the row shows the value in use again, the table is not rerun with it.
    const runs = async () => (await (await status.to_json())[0]).runs;
    const before = await runs();
    await parameters.update([{ parameter: "prices.label", value: "' + 'INJECTED' + '" }]);
    await until(async () => /parameter 'label' of table 'prices' refused/.test((await status.to_json())[0].last_error));
    await parameters.update([{ parameter: "prices.factor", value: "__import__('os').getpid()" }]);
    await until(async () => /parameter 'factor' of table 'prices' refused/.test((await status.to_json())[0].last_error));
    await until(async () => (await shown.to_json()).every((row) => !/INJECTED|import/.test(row.value)));
    assert.deepEqual((await shown.to_json()).filter((row) => row.table === "prices").map((row) => row.value),
        ["10", "second", "['a', 'b']", "Europe/London"]);
    assert.equal(await runs(), before);
    assert.deepEqual((await prices.to_json()).map((row) => row.label), ["second", "second"]);
    // Inert text is taken.
    await parameters.update([{ parameter: "prices.label", value: "third run: 3/4 + 1.5, ok-ish" }]);
    await until(async () => (await prices.to_json())[0].label === "third run: 3/4 + 1.5, ok-ish");
    assert.match(server.stderr(), /table 'prices': parameter 'factor' set by a client/);
    for (const view of [status, prices, shown]) await view.delete();
    await client.terminate();
    await server.stop();
});

test("bad pipeline files: a clear error naming the key and line, and no server", () => {
    fs.writeFileSync(path.join(scratch, "values.csv"), "name,value\na,1\n");
    const cases = [
        ["tables:\n  - name: t\n    source: {file: values.csv}\n    refresh: soon\n", /:4: tables\[0\]\.refresh: 'soon' is not a duration/],
        ["tables:\n  - name: t\n    sorce: {file: values.csv}\n", /:3: tables\[0\]\.sorce: unknown key/],
        ["tables:\n  - name: t\n    source: {file: nowhere.csv}\n", /:3: tables\[0\]\.source\.file: no such file/],
        ["tables:\n  - name: t\n    source: {file: values.csv}\n    transforms:\n      - script: 'return rows'\n        timout: 3\n",
            /:6: tables\[0\]\.transforms\[0\]\.timout: unknown script setting 'timout'/],
        ["tables:\n  - name: t\n    source: {file: values.csv}\n  - name: t\n    source: {file: values.csv}\n", /:4: tables\[1\]\.name: 't' is already used/],
        ["tables:\n  - name: t\n    source: {file: values.csv\n", /:\d+: not valid YAML/],
        ["tables: []\n", /:1: tables: must be a non-empty list/],
        // A path component over 255 bytes: the system refuses the name (it aborted serve).
        [`tables:\n  - name: t\n    source: {file: ${"a".repeat(300)}.csv}\n`, /:3: tables\[0\]\.source\.file: no such file: .*File name too long/],
        [`tables:\n  - name: t\n    source: {file: "${"b".repeat(256)}/values.csv"}\n`, /:3: tables\[0\]\.source\.file: no such file: .*File name too long/],
        [`tables:\n  - name: t\n    source: {file: values.csv}\n    transforms:\n      - script_file: ${"c".repeat(300)}.py\n`, /tables\[0\]\.transforms\[0\]/],
        // A "billion laughs": aliases that expand a few hundred bytes to gigabytes of settings.
        ["tables:\n  - name: t\n    source: {file: values.csv}\n    transforms:\n      - script: 'return rows'\n" +
            "        a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" +
            Array.from({ length: 8 }, (_, i) => `        a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(", ")}]\n`).join(""),
            /:5: tables\[0\]\.transforms\[0\]: the settings are over 16 MiB as JSON/],
        // Nesting deeper than the YAML parser allows.
        [`tables: ${"[".repeat(100000)}\n`, /:\d+: not valid YAML/],
    ];
    cases.forEach(([yaml, expected], i) => {
        const file = path.join(scratch, `bad${i}.yaml`);
        fs.writeFileSync(file, yaml);
        const run = spawnSync(parallax, ["serve", "--pipeline", file, "--port", "0"], { encoding: "utf8", timeout: 20000 });
        assert.equal(run.status, 1, `case ${i}: ${run.stdout} ${run.stderr}`);
        assert.match(run.stderr, expected, `case ${i}`);
        assert.equal(run.stdout, "", `case ${i}: the server did not start`);
    });
});

test("the README's worked pipeline (examples/pipeline) serves what it says", async () => {
    const server = await serve("--pipeline", path.join(repo, "examples", "pipeline", "pipeline.yaml"));
    const client = await perspective.websocket(server.url);
    assert.deepEqual((await client.get_hosted_table_names()).sort(),
        ["fx_rates", "orders", "pipeline_parameters", "pipeline_status", "region_totals"]);

    // region_totals: the orders file through region_totals.py (Arrow mode), checked against
    // totals computed here from the same file.
    const lines = fs.readFileSync(path.join(repo, "examples", "orders_sample.csv"), "utf8").trim().split("\n");
    const header = lines[0].split(",");
    const at = (name) => header.indexOf(name);
    const expected = new Map();
    for (const line of lines.slice(1)) {
        const cells = line.split(",");
        const total = expected.get(cells[at("region")]) ?? { orders: 0, quantity: 0, value: 0 };
        total.orders += 1;
        total.quantity += Number(cells[at("qty")]);
        total.value += Number(cells[at("qty")]) * Number(cells[at("price")]);
        expected.set(cells[at("region")], total);
    }
    const orders = await (await client.open_table("orders")).view();
    assert.equal(await orders.num_rows(), lines.length - 1);
    const totals = await (await client.open_table("region_totals")).view({ sort: [["region", "asc"]] });
    const got = await totals.to_json();
    assert.deepEqual(got.map((row) => row.region), [...expected.keys()].sort());
    for (const row of got) {
        const want = expected.get(row.region);
        assert.equal(row.orders, want.orders, row.region);
        assert.equal(row.quantity, want.quantity, row.region);
        assert.ok(Math.abs(row.value - want.value) < 1e-6 * want.value, `${row.region}: ${row.value} vs ${want.value}`);
    }

    // fx_rates: a connector with a parameter, rerun every 2 seconds.
    const rates = await (await client.open_table("fx_rates")).view({ sort: [["pair", "asc"]] });
    const first = await rates.to_json();
    assert.deepEqual(first.map((row) => row.pair), ["EURUSD", "GBPUSD", "USDJPY"]);
    for (const row of first) assert.ok(row.bid < row.ask, JSON.stringify(row));
    const status = await (await client.open_table("pipeline_status")).view({ columns: ["table", "state", "runs"], sort: [["table", "asc"]] });
    const health = async () => await status.to_json();
    for (const row of await health()) assert.equal(row.state, "ok", JSON.stringify(row));
    const fxRuns = async () => (await health()).find((row) => row.table === "fx_rates").runs;
    const runsBefore = await fxRuns();
    await until(async () => (await fxRuns()) > runsBefore);

    for (const view of [status, rates, totals, orders]) await view.delete();
    await client.terminate();
    await server.stop();
});
