// Pipeline tables read in place (`source: {clickhouse|postgres: {url, table}}` with
// `mode: virtual`) and the credentials of virtual tables, against the ClickHouse and
// PostgreSQL servers db_servers.py started (PARALLAX_TEST_CLICKHOUSE, PARALLAX_TEST_POSTGRES;
// the user `reader` needs PARALLAX_TEST_PASSWORD): passwords from a file or the environment
// work, a password in a URL is refused, and no error, log line or command line shows one;
// bad settings are refused with the file, line and key, and no server starts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parallax, perspective, serve, until } from "../server/harness.mjs";
import { clickhouse, clickhouseSql, postgres, postgresSql } from "./db_sql.mjs";

const password = process.env.PARALLAX_TEST_PASSWORD;
const skip = !clickhouse || !postgres || !password;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-virtual-sources-"));
const chHost = clickhouse && new URL(clickhouse).host;
const pgHost = postgres && new URL(postgres).host;
const chReader = `clickhouse://reader@${chHost}/src`;
const pgReader = `postgres://reader@${pgHost}/postgres`;

function secretFile(name, text, mode = 0o600) {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, text + "\n", { mode });
    fs.chmodSync(file, mode);
    return file;
}

// `parallax serve ARGS` that must refuse to start: its stderr (never holding the password).
function refused(args, env = {}) {
    const run = spawnSync(parallax, ["serve", ...args, "--port", "0"], {
        encoding: "utf8", timeout: 60000, env: { ...process.env, ...env } });
    assert.equal(run.status, 1, `${args.join(" ")}: ${run.stdout} ${run.stderr}`);
    assert.equal(run.stdout, "", "no server started");
    for (const secret of [password, "hunter2", "hunter%32"]) {
        assert.ok(!run.stderr.includes(secret), `the password is not shown: ${run.stderr}`);
    }
    return run.stderr;
}

// Runs `body(server)` with the process environment extended by `env` while the server starts.
async function serving(args, env, body) {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    let server;
    try {
        server = await serve(...args);
    } finally {
        for (const key of Object.keys(env)) {
            if (key in saved) process.env[key] = saved[key];
            else delete process.env[key];
        }
    }
    try {
        // `ps` shows a process's arguments to every user: the password is never among them.
        const cmdline = fs.readFileSync(`/proc/${server.pid}/cmdline`, "utf8");
        assert.ok(!cmdline.includes(password), "the password is not on the command line");
        await body(server);
    } finally {
        await server.stop();
    }
    assert.ok(!server.stderr().includes(password), `the log never shows the password: ${server.stderr()}`);
}

const rows = "(1, 'East', 'apple', 2.5, 3), (2, 'West', 'banana', 4, 1), (3, 'East', 'cherry', 10.25, 2), " +
    "(4, 'North', 'date', 7, 5), (5, 'West', 'elder', 1.75, 8)";

test.before(async () => {
    if (skip) return;
    await clickhouseSql("DROP DATABASE IF EXISTS src");
    await clickhouseSql("CREATE DATABASE src");
    await clickhouseSql("CREATE TABLE orders (id Int32, region String, product String, price Float64, qty Int32) " +
        "ENGINE = MergeTree ORDER BY id", "src");
    await clickhouseSql(`INSERT INTO orders VALUES ${rows}`, "src");
    await clickhouseSql("CREATE TABLE other (x Int32) ENGINE = MergeTree ORDER BY x", "src");
    postgresSql("DROP TABLE IF EXISTS pg_orders; DROP ROLE IF EXISTS reader; " +
        "CREATE TABLE pg_orders (id integer PRIMARY KEY, region text, product text, " +
        `price double precision, qty integer); INSERT INTO pg_orders VALUES ${rows}; ` +
        `CREATE ROLE reader LOGIN PASSWORD '${password.replaceAll("'", "''")}'; ` +
        "GRANT SELECT ON pg_orders TO reader");
});

test("pipeline tables read in place on ClickHouse and PostgreSQL stay live", { skip }, async () => {
    const pipeline = path.join(scratch, "pipeline.yaml");
    secretFile("ch.pw", password);
    fs.writeFileSync(pipeline, `
tables:
  - name: ch_orders
    source: {clickhouse: {url: "${chReader}", table: orders, password_file: ch.pw}}
    mode: virtual
  - name: pg_orders
    source: {postgres: {dsn: "${pgReader}", table: pg_orders, password_env: TEST_PG_SECRET}}
    mode: virtual
`);
    await serving(["--pipeline", pipeline, "--virtual-refresh", "200"], { TEST_PG_SECRET: password }, async (server) => {
        const client = await perspective.websocket(server.url);
        try {
            assert.deepEqual((await client.get_hosted_table_names()).sort(), ["ch_orders", "pg_orders", "pipeline_status"]);
            for (const name of ["ch_orders", "pg_orders"]) {
                const table = await client.open_table(name);
                assert.equal(await table.size(), 5, name);
                assert.deepEqual(await table.schema(),
                    { id: "integer", region: "string", product: "string", price: "float", qty: "integer" }, name);
                const view = await table.view({ group_by: ["region"], columns: ["price"], sort: [["price", "desc"]] });
                assert.deepEqual((await view.to_columns()).price, [25.5, 12.75, 7, 5.75], name);
                await view.delete();
            }
            // A row inserted in the database reaches a view of the pipeline's table (the
            // refresh period applies to pipeline virtual tables too).
            const view = await (await client.open_table("ch_orders")).view({ columns: ["product"], sort: [["id", "asc"]] });
            let updates = 0;
            await view.on_update(() => updates++);
            await clickhouseSql("INSERT INTO orders VALUES (6, 'South', 'fig', 3, 1)", "src");
            await until(() => updates > 0);
            assert.deepEqual((await view.to_columns()).product, ["apple", "banana", "cherry", "date", "elder", "fig"]);
            await view.delete();
        } finally {
            await client.terminate();
        }
    });
});

test("--virtual credentials: a file or the environment, never the URL, never echoed", { skip }, async () => {
    // From the environment: ClickHouse's own variable, libpq's PGPASSWORD.
    await serving(["--virtual", chReader, "--virtual", pgReader],
        { PARALLAX_CLICKHOUSE_PASSWORD: password, PGPASSWORD: password }, async (server) => {
            const client = await perspective.websocket(server.url);
            assert.equal(await (await client.open_table("orders")).size() >= 5, true);
            assert.equal(await (await client.open_table("pg_orders")).size(), 5);
            await client.terminate();
        });
    // From a file; one that others may read works, with a warning.
    const loose = secretFile("loose.pw", password, 0o644);
    await serving(["--virtual", chReader, "--virtual-password-file", loose], {}, async (server) => {
        assert.match(server.stderr(), /password file '.*loose\.pw' may be read by other users \(chmod 600 it\)/);
    });
    const tight = secretFile("tight.pw", password);
    await serving(["--virtual", pgReader, "--virtual-password-file", tight], {}, async (server) => {
        assert.doesNotMatch(server.stderr(), /may be read by other users/);
    });

    // Wrong or missing passwords: the database's refusal, naming the URL without any password.
    const wrong = secretFile("wrong.pw", "hunter2");
    assert.match(refused(["--virtual", chReader, "--virtual-password-file", wrong]),
        /--virtual: ClickHouse at clickhouse:\/\/reader@127\.0\.0\.1:\d+\/src refused the query: .*(password|Authentication)/i);
    assert.match(refused(["--virtual", pgReader], { PGPASSWORD: "hunter2" }),
        /PostgreSQL at postgres:\/\/reader@127\.0\.0\.1:\d+\/postgres cannot be reached: .*password authentication failed for user "reader"/);
    assert.match(refused(["--virtual", chReader, "--virtual-timeout", "0"]), /--virtual-timeout must be 1\.\.86400 seconds/);
    assert.match(refused(["--virtual-password-file", tight]), /--virtual-password-file and --virtual-timeout are for --virtual URLs/);
    assert.match(refused(["--virtual", chReader, "--virtual-password-file", path.join(scratch, "none.pw")]),
        /password file '.*none\.pw': cannot read it/);

    // A password in the URL is refused, and no error quotes it, however the URL is malformed.
    for (const url of [`clickhouse://reader:hunter2@${chHost}/src`, `postgres://reader:hunter%32@${pgHost}/postgres`]) {
        assert.match(refused(["--virtual", url]), /holds a password: give it in a file .* never in the URL/);
    }
    for (const url of ["clickhouse://reader:hunter2@nohost/src", `postgres://reader@${pgHost}/postgres?password=hunter2`,
                       "postgresql://host=127.0.0.1 password=hunter2", "host=127.0.0.1 password=hunter2"]) {
        assert.match(refused(["--virtual", url]), /is not a database URL/);
    }
});

test("bad pipeline settings for tables read in place: the key and line, and no server", { skip }, () => {
    secretFile("ch.pw", password);
    const table = (source, extra = "    mode: virtual\n") => `tables:\n  - name: t\n    source: ${source}\n${extra}`;
    const ch = (settings) => `{clickhouse: {${settings}}}`;
    const cases = [
        [table(ch(`url: "${chReader}", table: orders`), ""), /:3: tables\[0\]\.source\.clickhouse: a ClickHouse table is read in place: give its table mode: virtual/],
        [table("{file: ch.pw}"), /:4: tables\[0\]\.mode: virtual is for a clickhouse or postgres source's table/],
        [table(ch(`url: "${chReader}"`)), /tables\[0\]\.source\.clickhouse\.table: must be a non-empty text/],
        [table(ch("table: orders")), /tables\[0\]\.source\.clickhouse: needs the database's 'url' \(or 'dsn'\)/],
        [table(ch(`url: "${pgReader}", table: orders`)), /clickhouse\.url: must be a clickhouse:\/\/\[USER@\]HOST:PORT\/DATABASE URL/],
        [table(ch(`url: "clickhouse://reader:hunter2@${chHost}/src", table: orders`)), /clickhouse\.url: the URL .* holds a password/],
        [table(ch(`url: "${chReader}", table: orders, pasword_file: ch.pw`)), /clickhouse\.pasword_file: unknown key \(known: url, dsn, table, password_file, password_env, timeout\)/],
        [table(ch(`url: "${chReader}", table: orders, timeout: 0`)), /clickhouse\.timeout: must be a whole number from 1 to 86400/],
        [table(ch(`url: "${chReader}", table: orders, password_file: ch.pw, password_env: X`)), /takes 'password_file' or 'password_env', not both/],
        [table(ch(`url: "${chReader}", table: orders`), "    mode: virtual\n    transforms: [{script: 'return rows'}]\n"),
            /:5: tables\[0\]\.transforms: is not for a virtual table/],
        [table(`{postgres: {dsn: "${pgReader}", table: pg_orders}}`, ""), /:3: tables\[0\]\.source\.postgres\.table: a table read in place needs mode: virtual/],
        [table(`{postgres: {dsn: "${pgReader}", query: "SELECT 1"}}`), /tables\[0\]\.source\.postgres\.query: unknown key/],
        // Found when connecting: a missing table (the error lists those there are), a wrong
        // or missing password, a database that is not there.
        [table(ch(`url: "${chReader}", table: nowhere, password_file: ch.pw`)),
            /table 't': clickhouse:\/\/reader@127\.0\.0\.1:\d+\/src has no table 'nowhere' \(it has: (orders, other|other, orders)\)/],
        [table(ch(`url: "${chReader}", table: orders, password_env: PARALLAX_UNSET_VARIABLE`)),
            /table 't': the environment variable PARALLAX_UNSET_VARIABLE \(the password\) is not set/],
        [table(ch(`url: "${chReader}", table: orders, password_file: missing.pw`)), /table 't': password file '.*missing\.pw': cannot read it/],
        [table(`{postgres: {url: "${pgReader}", table: pg_orders, password_env: TEST_WRONG}}`),
            /table 't': PostgreSQL at .* cannot be reached: .*password authentication failed/],
        [table(ch(`url: "clickhouse://127.0.0.1:1/src", table: orders`)), /table 't': ClickHouse at clickhouse:\/\/127\.0\.0\.1:1\/src cannot be reached/],
    ];
    cases.forEach(([yaml, expected], i) => {
        const file = path.join(scratch, `bad${i}.yaml`);
        fs.writeFileSync(file, yaml);
        assert.match(refused(["--pipeline", file], { TEST_WRONG: "hunter2" }), expected, `case ${i}: ${yaml}`);
    });
});
