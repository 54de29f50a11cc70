// The real viewer in Debian's chromium on virtual tables: `parallax serve --virtual` over the
// ClickHouse and PostgreSQL servers db_servers.py started (PARALLAX_TEST_CLICKHOUSE,
// PARALLAX_TEST_POSTGRES). The datagrid shows a ClickHouse table's rows, a row inserted in
// ClickHouse appears without a reload (the refresh period), group_by shows the database's
// sums in the grid and in a bar chart, and a PostgreSQL table browses alike; the reference's
// JS client opens the same tables and hears on_update from the refresh. Screenshots go to
// SCREENSHOT_DIR; look at them.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { perspective, repo, serve, until } from "../server/harness.mjs";
import { clickhouse, clickhouseSql, postgres, postgresSql } from "./db_sql.mjs";

const webModules = path.resolve(process.env.WEB_NODE_MODULES ?? path.join(repo, "web", "node_modules"));
const { chromium } = createRequire(path.join(webModules, "x.js"))("playwright-core");
const shots = path.resolve(process.env.SCREENSHOT_DIR ?? path.join(repo, "build", "screenshots"), "virtual");
fs.mkdirSync(shots, { recursive: true });
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-virtual-browser-"));

const rows = "(1, 'East', 'apple', 2.5, 3), (2, 'West', 'banana', 4, 1), (3, 'East', 'cherry', 10.25, 2), " +
    "(4, 'North', 'date', 7, 5), (5, 'West', 'elder', 1.75, 8)";

test("the viewer browses virtual tables on ClickHouse and PostgreSQL", { skip: !clickhouse || !postgres }, async () => {
    await clickhouseSql("DROP DATABASE IF EXISTS browse");
    await clickhouseSql("CREATE DATABASE browse");
    await clickhouseSql("CREATE TABLE orders (id Int32, region String, product String, price Float64, qty Int32) " +
        "ENGINE = MergeTree ORDER BY id", "browse");
    await clickhouseSql(`INSERT INTO orders VALUES ${rows}`, "browse");
    postgresSql("DROP TABLE IF EXISTS pg_orders; CREATE TABLE pg_orders (id integer PRIMARY KEY, region text, " +
        `product text, price double precision, qty integer); INSERT INTO pg_orders VALUES ${rows}`);

    const server = await serve("--virtual", `clickhouse://${new URL(clickhouse).host}/browse`,
        "--virtual", postgres, "--virtual-refresh", "200");
    const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(scratch, "chromium-")), {
        executablePath: "/usr/bin/chromium",
        headless: true,
        viewport: { width: 1280, height: 720 },
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const errors = [];
    const client = await perspective.websocket(server.url);
    try {
        // The reference's client: the tables are there, read like any other, and a view
        // hears of a row inserted in the database at the next refresh.
        const table = await client.open_table("orders");
        assert.equal(await table.size(), 5);
        const view = await table.view({ group_by: ["region"], columns: ["price"] });
        assert.deepEqual((await view.to_columns()).price, [25.5, 12.75, 7, 5.75]);
        let updates = 0;
        await view.on_update(() => updates++);

        const page = await context.newPage();
        page.on("pageerror", (error) => errors.push(error.message));
        const gridText = async () => (await page.locator("regular-table th, regular-table td").allInnerTexts()).join("\n");
        const loaded = (name) => page.waitForSelector(`body[data-loaded="${name}"] regular-table tbody td`);

        // The datagrid shows the ClickHouse table's rows.
        await page.goto(`${server.http}/?table=orders`);
        await loaded("orders");
        assert.match(await gridText(), /cherry/);
        await page.screenshot({ path: path.join(shots, "1-clickhouse-grid.png") });

        // A row inserted in ClickHouse appears without a reload; the client's view hears of it.
        await clickhouseSql("INSERT INTO orders VALUES (6, 'South', 'LIVE-ROW', 100, 1)", "browse");
        await page.locator("regular-table td", { hasText: "LIVE-ROW" }).first().waitFor();
        await until(() => updates > 0);
        assert.deepEqual((await view.to_columns()).price, [125.5, 12.75, 7, 100, 5.75]);
        await page.screenshot({ path: path.join(shots, "2-clickhouse-live-row.png") });

        // group_by: the database's sums in the grid, then as a bar chart.
        const viewer = page.locator("perspective-viewer");
        await viewer.evaluate((el) => el.restore({ group_by: ["region"], columns: ["price", "qty"] }));
        await page.locator("regular-table tbody th", { hasText: "North" }).first().waitFor();
        assert.match(await gridText(), /125\.50/);
        await page.screenshot({ path: path.join(shots, "3-clickhouse-grouped.png") });
        await viewer.evaluate((el) => el.restore({ plugin: "Y Bar", group_by: ["region"], columns: ["price"] }));
        await page.locator("perspective-viewer-d3fc-ybar").waitFor();
        await page.locator("perspective-viewer-d3fc-ybar .series, perspective-viewer-d3fc-ybar path").first().waitFor({ state: "attached" });
        await page.screenshot({ path: path.join(shots, "4-clickhouse-bar-chart.png") });

        // The PostgreSQL table browses alike (grid, sorted in the database).
        await viewer.evaluate((el) => el.restore({ plugin: "Datagrid", group_by: [], columns: [] }));
        await page.goto(`${server.http}/?table=pg_orders`);
        await loaded("pg_orders");
        await viewer.evaluate((el) => el.restore({ plugin: "Datagrid", group_by: [], sort: [["price", "desc"]],
            columns: ["product", "price", "region"] }));
        await until(async () => (await page.locator("regular-table tbody tr").first().innerText()).includes("cherry"));
        await page.screenshot({ path: path.join(shots, "5-postgres-sorted.png") });
        await viewer.evaluate((el) => el.restore({ plugin: "Y Bar", group_by: ["region"], sort: [], columns: ["qty"] }));
        await page.locator("perspective-viewer-d3fc-ybar").waitFor();
        await page.screenshot({ path: path.join(shots, "6-postgres-bar-chart.png") });
        await view.delete();
    } finally {
        await client.terminate();
        await context.close();
        await server.stop();
    }
    assert.deepEqual(errors, [], "no errors on the page");
});
