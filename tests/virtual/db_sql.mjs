// SQL for the node tests on the servers db_servers.py started: PARALLAX_TEST_CLICKHOUSE
// (http://127.0.0.1:PORT) and PARALLAX_TEST_POSTGRES (postgres://parallax@127.0.0.1:PORT/postgres).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

export const clickhouse = process.env.PARALLAX_TEST_CLICKHOUSE;
export const postgres = process.env.PARALLAX_TEST_POSTGRES;

export async function clickhouseSql(sql, database = "default") {
    const answer = await fetch(`${clickhouse}/?database=${database}`, { method: "POST", body: sql });
    assert.ok(answer.ok, `${sql}: ${await answer.text()}`);
}

export function postgresSql(sql) {
    const url = new URL(postgres);
    execFileSync("psql", ["-h", url.hostname, "-p", url.port, "-U", "parallax", "-d", "postgres",
        "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], { stdio: ["ignore", "ignore", "inherit"] });
}
