// The real viewer in Debian's chromium through the access paths of `parallax serve`: a
// hostile page on another origin cannot open the websocket (plain, and TLS with a token);
// the viewer renders a table over plain http, and over https + wss with a token (opened once
// as /?token=..., kept in an HttpOnly SameSite=Strict Secure cookie, dropped from the URL).
// The self-signed certificate is made here by the openssl CLI. Screenshots go to
// SCREENSHOT_DIR.
//
// usage: PARALLAX=build/parallax ORACLE_NODE_MODULES=tests/oracle/node_modules \
//        WEB_NODE_MODULES=web/node_modules SCREENSHOT_DIR=build/screenshots \
//        node tests/server/browser_access_test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

import { credentials, repo, serve } from "./serve.mjs";

const webModules = path.resolve(process.env.WEB_NODE_MODULES ?? path.join(repo, "web", "node_modules"));
const { chromium } = createRequire(path.join(webModules, "x.js"))("playwright-core");
const shots = path.resolve(process.env.SCREENSHOT_DIR ?? path.join(repo, "build", "screenshots"));
fs.mkdirSync(shots, { recursive: true });

const orders = path.join(repo, "examples", "orders_sample.csv");
const firstOrder = fs.readFileSync(orders, "utf8").split("\n")[1].split(",");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-browser-access-"));
const { token, tokenFile, cert, key } = credentials(scratch);

// The attacker: a page on another origin that tries to open a websocket URL given in its
// query and reports "open" or "refused" in its title.
const hostile = http.createServer((request, response) => {
    response.setHeader("content-type", "text/html");
    response.end(`<!doctype html><title>trying</title><script>
        const ws = new WebSocket(new URLSearchParams(location.search).get("url"));
        ws.onopen = () => (document.title = "open");
        ws.onerror = ws.onclose = () => { if (document.title !== "open") document.title = "refused"; };
    </script>`);
});
await new Promise((resolve) => hostile.listen(0, "127.0.0.1", resolve));
const hostileOrigin = `http://127.0.0.1:${hostile.address().port}`;

async function attack(context, websocketUrl) {
    const page = await context.newPage();
    await page.goto(`${hostileOrigin}/?url=${encodeURIComponent(websocketUrl)}`);
    await page.waitForFunction(() => document.title !== "trying");
    const outcome = await page.title();
    await page.close();
    return outcome;
}

// The viewer shows orders_sample's first row.
async function viewerShowsOrders(page) {
    await page.waitForSelector('body[data-loaded="orders_sample"] regular-table tbody td');
    const firstRow = await page.locator("regular-table tbody tr").first().locator("td").allInnerTexts();
    assert.ok(firstRow.includes(firstOrder[1]) && firstRow.includes(firstOrder[2]),
        `the first row shows order 0 (${firstOrder.slice(0, 4)}): got ${firstRow}`);
}

test("the viewer over plain http, and over https + wss with a token; hostile pages refused", async () => {
    const plain = await serve(orders, "--index", "order_id");
    const secure = await serve(orders, "--index", "order_id", "--tls-cert", cert, "--tls-key", key,
        "--auth-token-file", tokenFile);
    const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(scratch, "chromium-")), {
        executablePath: "/usr/bin/chromium",
        headless: true,
        ignoreHTTPSErrors: true,
        viewport: { width: 1280, height: 720 },
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--ignore-certificate-errors"],
    });
    const errors = [];
    try {
        // A page on another origin cannot open the plain server's websocket...
        assert.equal(await attack(context, plain.url), "refused", "hostile page vs ws://");
        // ...while the viewer, same origin, renders the table.
        const page = await context.newPage();
        page.on("pageerror", (error) => errors.push(error.message));
        await page.goto(`${plain.http}/?table=orders_sample`);
        await viewerShowsOrders(page);
        await page.screenshot({ path: path.join(shots, "access-1-plain.png") });

        // TLS + token: without the token the page is refused.
        const sockets = [];
        page.on("websocket", (ws) => sockets.push(ws.url()));
        const refused = await page.goto(`${secure.http}/?table=orders_sample`);
        assert.equal(refused.status(), 401);
        assert.match(await page.innerText("body"), /needs its token/);
        // Opened once with the token: redirected without it, the viewer renders over wss.
        await page.goto(`${secure.http}/?token=${token}&table=orders_sample`);
        assert.equal(page.url(), `${secure.http}/?table=orders_sample`, "the token left the address bar");
        await viewerShowsOrders(page);
        assert.deepEqual(sockets, [`${secure.url}`], "the viewer's websocket is wss:// and carries no token");
        const [cookie] = await context.cookies(secure.http);
        assert.equal(cookie.value, token);
        assert.equal(cookie.httpOnly, true);
        assert.equal(cookie.secure, true);
        assert.equal(cookie.sameSite, "Strict");
        await page.screenshot({ path: path.join(shots, "access-2-tls-token.png") });
        // A reload keeps working on the cookie alone.
        await page.reload();
        await viewerShowsOrders(page);

        // The hostile page cannot use the browser's cookie: its origin is refused (and a
        // SameSite=Strict cookie does not travel from another site anyway).
        assert.equal(await attack(context, secure.url), "refused", "hostile page vs wss://");
        assert.equal(await attack(context, `${secure.url}?token=${token.slice(1)}x`), "refused");
        assert.ok(!plain.exited() && !secure.exited());
    } finally {
        await context.close();
        hostile.close();
        await plain.stop();
        await secure.stop();
    }
    assert.deepEqual(errors, [], "no errors on the page");
});
