// Who may use `parallax serve`, attacked from outside: websocket upgrades from hostile web
// pages (Origin), DNS rebinding (Host), --allow-origin; the token (--auth-token-file) on the
// upgrade and on the files, its cookie flow; TLS (--tls-cert/--tls-key) with a self-signed
// certificate made here by the openssl CLI and the reference's own client over wss; the
// static file server against traversal, symbolic links out of its root, FIFOs, directories,
// NULs and huge paths. Each test starts its own server on a free loopback port.
//
// usage: PARALLAX=build/parallax ORACLE_NODE_MODULES=tests/oracle/node_modules \
//        node tests/server/access_test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";

import { credentials, parallax, perspective, repo, serve, until } from "./harness.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const orders = path.join(repo, "examples", "orders_sample.csv");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-access-test-"));
// A token, and a self-signed certificate that node's https trusts as a CA.
const { token, tokenFile, cert, key } = credentials(scratch);
const ca = fs.readFileSync(cert);

// One HTTP request (a websocket upgrade when `upgrade`): its status and headers. Any Host
// and Origin may be sent, as an attacker's client would.
function request(base, target, headers = {}, { upgrade = false, method = "GET" } = {}) {
    const url = new URL(base);
    const secure = url.protocol === "https:";
    const all = { ...headers };
    if (upgrade) {
        Object.assign(all, {
            Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": crypto.randomBytes(16).toString("base64"),
        });
    }
    return new Promise((resolve, reject) => {
        const req = (secure ? https : http).request({
            host: url.hostname, port: url.port, path: target, method, headers: all, agent: false,
            ...(secure ? { ca } : {}),
        });
        req.on("upgrade", (response, socket) => {
            socket.destroy();
            resolve({ status: response.statusCode, headers: response.headers, body: "" });
        });
        req.on("response", (response) => {
            let body = "";
            response.on("data", (d) => (body += d));
            response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body }));
        });
        req.on("error", reject);
        req.end();
    });
}
const upgrade = (base, headers, target = "/websocket") => request(base, target, headers, { upgrade: true });

// Bytes on a raw connection, for requests a well-behaved client would not send; the answer
// is everything the server writes before closing (or `ms` passing).
function raw(base, bytes, ms = 5000) {
    const url = new URL(base);
    return new Promise((resolve) => {
        const socket = net.connect(Number(url.port), url.hostname);
        let out = "";
        const timer = setTimeout(() => (socket.destroy(), resolve(out + "<timeout>")), ms);
        socket.on("data", (d) => (out += d));
        socket.on("close", () => (clearTimeout(timer), resolve(out)));
        socket.on("error", () => {});
        socket.write(bytes);
    });
}
const statusOf = (text) => Number(text.match(/^HTTP\/1\.1 (\d+)/)?.[1] ?? 0);

// `parallax serve ARGS` that must not start: its exit code and stderr.
function refusedToStart(...args) {
    const run = spawnSync(parallax, ["serve", ...args, "--port", "0"], { encoding: "utf8", timeout: 20000 });
    return { code: run.status, stderr: run.stderr };
}

test("websocket upgrades from other origins are refused; the server's own and non-browser clients are not", async () => {
    const server = await serve(orders);
    const port = new URL(server.http).port;
    try {
        // Non-browser clients send no Origin.
        assert.equal((await upgrade(server.http, {})).status, 101);
        // The server's own pages, however the browser reached them.
        assert.equal((await upgrade(server.http, { Origin: server.http })).status, 101);
        assert.equal((await upgrade(server.http, { Origin: `http://localhost:${port}`, Host: `localhost:${port}` })).status, 101);
        assert.equal((await upgrade(server.http, { Origin: `HTTP://LOCALHOST:${port}/`, Host: `LocalHost:${port}` })).status, 101);
        assert.equal((await upgrade(server.http, { Origin: `http://[::1]:${port}`, Host: `[::1]:${port}` })).status, 101);
        // Hostile pages: another site, another port, another scheme, opaque origins.
        for (const origin of ["http://evil.example", `http://evil.example:${port}`, "http://127.0.0.1",
            "http://127.0.0.1:1", `https://127.0.0.1:${port}`, "null", "file://", `http://127.0.0.1:${port}.evil.example`,
            `http://127.0.0.1:${port}@evil.example`, "", "chrome-extension://abcdef"]) {
            const answer = await upgrade(server.http, { Origin: origin });
            assert.equal(answer.status, 403, `Origin '${origin}' is refused`);
            assert.match(answer.body, /may not open this server's websocket/);
        }
        // DNS rebinding: a hostile name resolved to 127.0.0.1 makes its page "same origin".
        const rebound = await upgrade(server.http, { Origin: `http://evil.example:${port}`, Host: `evil.example:${port}` });
        assert.equal(rebound.status, 403, "a non-loopback Host on a loopback server is refused");
        // Files are still served to anyone (a page cannot read them cross-origin).
        assert.equal((await request(server.http, "/", { Origin: "http://evil.example" })).status, 200);
        assert.ok(!server.exited());
    } finally {
        await server.stop();
    }
});

test("--allow-origin admits exactly the origins listed, or every origin with *", async () => {
    const server = await serve(orders, "--allow-origin", "https://app.example.com", "--allow-origin", "http://dash.example:8000");
    try {
        assert.equal((await upgrade(server.http, { Origin: "https://app.example.com" })).status, 101);
        assert.equal((await upgrade(server.http, { Origin: "https://APP.example.com:443" })).status, 101);
        assert.equal((await upgrade(server.http, { Origin: "http://dash.example:8000" })).status, 101);
        assert.equal((await upgrade(server.http, { Origin: server.http })).status, 101, "its own pages still");
        for (const origin of ["http://app.example.com", "https://app.example.com:8443", "https://evil.app.example.com", "http://dash.example"]) {
            assert.equal((await upgrade(server.http, { Origin: origin })).status, 403, origin);
        }
    } finally {
        await server.stop();
    }
    const open = await serve(orders, "--allow-origin", "*");
    try {
        assert.equal((await upgrade(open.http, { Origin: "http://anything.example" })).status, 101);
    } finally {
        await open.stop();
    }
    for (const bad of ["app.example.com", "https://app.example.com/path", "ftp://x.example", "https://x.example:99999", "https://"]) {
        const run = refusedToStart(orders, "--allow-origin", bad);
        assert.equal(run.code, 1, `--allow-origin '${bad}' is refused`);
        assert.match(run.stderr, /--allow-origin '.*': expected an origin/);
    }
});

test("--auth-token-file: no token or a wrong one is refused on the upgrade and on the files", async () => {
    const server = await serve(orders, "--auth-token-file", tokenFile);
    const wrong = token.slice(0, -1) + (token.endsWith("0") ? "1" : "0");
    try {
        for (const target of ["/", "/index.html", "/node_modules/@finos/perspective/package.json", "/nope"]) {
            const none = await request(server.http, target);
            assert.equal(none.status, 401, `${target} without a token`);
            assert.match(none.headers["www-authenticate"], /^Bearer/);
            assert.match(none.body, /needs its token/);
            assert.equal((await request(server.http, target, { Authorization: `Bearer ${wrong}` })).status, 401);
            assert.equal((await request(server.http, target, { Authorization: `Basic ${token}` })).status, 401);
            assert.equal((await request(server.http, target, { Cookie: `parallax_token_${new URL(server.http).port}=${wrong}` })).status, 401);
            assert.equal((await request(server.http, target + `?token=${wrong}`)).status, 401);
        }
        for (const headers of [{}, { Authorization: `Bearer ${wrong}` }, { Authorization: `Bearer ${token}x` },
            { Authorization: "Bearer " }, { Cookie: `parallax_token_${new URL(server.http).port}=${wrong}` },
            { Cookie: `parallax_token=${token}` }]) {
            assert.equal((await upgrade(server.http, headers)).status, 401, JSON.stringify(headers));
        }
        assert.equal((await upgrade(server.http, {}, `/websocket?token=${wrong}`)).status, 401);
        // The reference's client without the token cannot connect.
        await assert.rejects(perspective.websocket(server.url));
        assert.ok(!server.exited());
    } finally {
        await server.stop();
    }
});

test("--auth-token-file: the right token opens the files and the websocket; the browser's cookie flow", async () => {
    const server = await serve(orders, "--auth-token-file", tokenFile);
    const cookieName = `parallax_token_${new URL(server.http).port}`;
    try {
        const page = await request(server.http, "/", { Authorization: `Bearer ${token}` });
        assert.equal(page.status, 200);
        assert.match(page.body, /perspective-viewer/);
        assert.equal((await upgrade(server.http, { Authorization: `bearer ${token}` })).status, 101);
        assert.equal((await upgrade(server.http, {}, `/websocket?token=${token}`)).status, 101);
        // /?token= answers with the cookie and a redirect that drops the token, keeping the rest.
        const login = await request(server.http, `/?table=orders_sample&token=${token}&x=1`);
        assert.equal(login.status, 303);
        assert.equal(login.headers.location, "/?table=orders_sample&x=1");
        const setCookie = login.headers["set-cookie"][0];
        assert.match(setCookie, new RegExp(`^${cookieName}=${token}; `));
        assert.match(setCookie, /HttpOnly/);
        assert.match(setCookie, /SameSite=Strict/);
        assert.match(setCookie, /Path=\//);
        assert.doesNotMatch(setCookie, /Secure/, "no Secure cookie over plain http");
        assert.equal((await request(server.http, `/?token=${token}`)).headers.location, "/");
        // The redirect stays on this server (no open redirect through the path).
        for (const target of ["//evil.example/", "/\\evil.example/", "/%2f/evil.example"]) {
            const answer = await request(server.http, `${target}?token=${token}`);
            assert.ok(["/", "/%2f/evil.example"].includes(answer.headers.location), `${target}: ${answer.headers.location}`);
        }
        const cookie = setCookie.split(";")[0];
        assert.equal((await request(server.http, "/", { Cookie: `other=1; ${cookie}` })).status, 200);
        assert.equal((await request(server.http, "/node_modules/@finos/perspective/package.json", { Cookie: cookie })).status, 200);
        assert.equal((await upgrade(server.http, { Cookie: cookie, Origin: server.http })).status, 101);
        // The token does not let a hostile page in.
        assert.equal((await upgrade(server.http, { Cookie: cookie, Origin: "http://evil.example" })).status, 403);
        // The reference's client with the token on the websocket URL.
        const client = await perspective.websocket(`${server.url}?token=${token}`);
        assert.deepEqual(await client.get_hosted_table_names(), ["orders_sample"]);
        await client.terminate();
    } finally {
        await server.stop();
    }
    for (const [content, message] of [["", /is empty/], ["short\n", /at least 16 characters/], ["has space in it 1234567890\n", /at least 16/]]) {
        const file = path.join(scratch, "bad-token");
        fs.writeFileSync(file, content);
        const run = refusedToStart(orders, "--auth-token-file", file);
        assert.equal(run.code, 1);
        assert.match(run.stderr, message);
    }
    assert.match(refusedToStart(orders, "--auth-token-file", path.join(scratch, "missing")).stderr, /cannot read it/);
});

test("TLS: https and wss with a self-signed certificate, the token, the reference's client", async () => {
    const server = await serve(orders, "--index", "order_id", "--tls-cert", cert, "--tls-key", key, "--auth-token-file", tokenFile);
    try {
        assert.match(server.http, /^https:\/\/127\.0\.0\.1:\d+$/);
        assert.equal((await request(server.http, "/")).status, 401);
        const login = await request(server.http, `/?token=${token}`);
        assert.equal(login.status, 303);
        assert.match(login.headers["set-cookie"][0], /; Secure/);
        assert.equal((await request(server.http, "/", { Authorization: `Bearer ${token}` })).status, 200);
        assert.equal((await upgrade(server.http, { Authorization: `Bearer ${token}`, Origin: server.http })).status, 101);
        assert.equal((await upgrade(server.http, { Authorization: `Bearer ${token}`, Origin: server.http.replace("https", "http") })).status, 403);
        // Plain http on the TLS port gets no answer in clear.
        const plain = await raw(server.http, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
        assert.doesNotMatch(plain, /HTTP\/1\.1/);
        // The TLS handshake offers nothing older than TLS 1.2.
        await assert.rejects(new Promise((resolve, reject) => {
            const socket = tls.connect({ host: "127.0.0.1", port: Number(new URL(server.http).port), ca, maxVersion: "TLSv1.1", minVersion: "TLSv1" }, resolve);
            socket.on("error", reject);
        }));
        // The reference's client over wss, in a node that trusts the test's certificate
        // (its websocket takes no CA option).
        const script = `
            import { perspective } from ${JSON.stringify(path.join(here, "harness.mjs"))};
            const client = await perspective.websocket(process.argv[1]);
            const table = await client.open_table("orders_sample");
            const view = await table.view({ columns: ["order_id", "product"] });
            const before = (await view.to_json())[0];
            await table.update([{ order_id: 0, product: "OVER-TLS" }]);
            const after = (await view.to_json())[0];
            await view.delete();
            await client.terminate();
            console.log(JSON.stringify({ before, after }));`;
        const run = spawnSync(process.execPath, ["--input-type=module", "-e", script, `${server.url}?token=${token}`],
            { encoding: "utf8", timeout: 60000, env: { ...process.env, NODE_EXTRA_CA_CERTS: cert } });
        assert.equal(run.status, 0, run.stderr);
        const { before, after } = JSON.parse(run.stdout.trim().split("\n").pop());
        assert.equal(before.order_id, 0, "rows come back over wss");
        assert.equal(after.product, "OVER-TLS", "an update goes through wss");
        // Without trusting the certificate, the client refuses the server.
        const untrusted = spawnSync(process.execPath, ["--input-type=module", "-e", script, `${server.url}?token=${token}`],
            { encoding: "utf8", timeout: 60000 });
        assert.notEqual(untrusted.status, 0);
        assert.ok(!server.exited());
    } finally {
        await server.stop();
    }
    assert.match(refusedToStart(orders, "--tls-cert", cert).stderr, /needs both --tls-cert and --tls-key/);
    assert.match(refusedToStart(orders, "--tls-cert", path.join(scratch, "missing.pem"), "--tls-key", key).stderr, /--tls-cert '.*missing\.pem'/);
    assert.match(refusedToStart(orders, "--tls-cert", cert, "--tls-key", cert).stderr, /--tls-key/);
    const otherKey = path.join(scratch, "other-key.pem");
    execFileSync("openssl", ["genrsa", "-out", otherKey, "2048"], { stdio: "ignore" });
    assert.match(refusedToStart(orders, "--tls-cert", cert, "--tls-key", otherKey).stderr, /--tls-key '.*other-key\.pem': key values mismatch/);
});

test("static files: no traversal, no symbolic link out of the web root, no FIFO, no directory", async () => {
    const root = path.join(scratch, "web");
    const outside = path.join(scratch, "outside");
    fs.mkdirSync(path.join(root, "sub"), { recursive: true });
    fs.mkdirSync(outside, { recursive: true });
    fs.writeFileSync(path.join(root, "index.html"), "<p>index</p>");
    fs.writeFileSync(path.join(root, "sub", "index.html"), "<p>sub</p>");
    fs.writeFileSync(path.join(root, "sub", "a b.js"), "export const ab = 1;");
    fs.writeFileSync(path.join(outside, "secret.txt"), "SECRET");
    fs.writeFileSync(path.join(root, ".hidden"), "HIDDEN");
    fs.symlinkSync(path.join(outside, "secret.txt"), path.join(root, "escape.txt"));
    fs.symlinkSync(outside, path.join(root, "outdir"));
    fs.symlinkSync("../outside/secret.txt", path.join(root, "sub", "relative.txt"));
    fs.symlinkSync("/etc/passwd", path.join(root, "passwd.txt"));
    fs.symlinkSync("index.html", path.join(root, "alias.html"));  // inside the root: served
    execFileSync("mkfifo", [path.join(root, "pipe.js")]);
    const server = await serve("--web", root);
    const get = async (target) => {
        const answer = await raw(server.http, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        return { status: statusOf(answer), body: answer.split("\r\n\r\n").slice(1).join("") };
    };
    try {
        assert.equal((await get("/")).body, "<p>index</p>");
        assert.equal((await get("/alias.html")).body, "<p>index</p>", "a link inside the root is followed");
        assert.equal((await get("/sub/")).body, "<p>sub</p>");
        assert.equal((await get("/sub/a%20b.js")).status, 200);
        for (const target of ["/escape.txt", "/outdir/secret.txt", "/sub/relative.txt", "/passwd.txt", "/sub", "/outdir",
            "/pipe.js", "/%252e%252e/outside/secret.txt", "/missing"]) {
            const answer = await get(target);
            assert.equal(answer.status, 404, `${target}: ${answer.status} ${answer.body}`);
            assert.doesNotMatch(answer.body, /SECRET|root:/);
        }
        for (const target of ["/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/sub/%2E%2E/%2e%2e/outside/secret.txt",
            "/..%2foutside%2fsecret.txt", "/sub/..%5c..%5coutside%5csecret.txt", "/.hidden", "/%2ehidden", "/index.html%00.js",
            "//etc/passwd", "/%2fetc/passwd", "/sub//index.html", "/%", "/%zz", "relative", "/" + "a/".repeat(600) + "x"]) {
            const answer = await get(target);
            assert.equal(answer.status, 400, `${target.slice(0, 60)}: ${answer.status} ${answer.body}`);
            assert.doesNotMatch(answer.body, /SECRET|root:/);
        }
        // A request line far over the header limit gets 431, not a crash.
        assert.equal((await get("/" + "x".repeat(100000))).status, 431);
        assert.equal(statusOf(await raw(server.http, "GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n")), 0, "a raw NUL: closed");
        assert.equal((await get("/")).status, 200, "still serving");
        assert.ok(!server.exited());
    } finally {
        await server.stop();
    }
    assert.match(refusedToStart("--web", path.join(scratch, "no-such-dir")).stderr, /web root '.*no-such-dir'/);
});

test("a SIGTERM right after the address is printed stops the server cleanly", async () => {
    // The signal handler used to be installed after the line: the tests' quick stops raced it.
    for (let i = 0; i < 30; i++) await (await serve(orders)).stop();
});

test("listening beyond loopback without a token (or with one, without TLS) is warned about", async () => {
    const open = await serve("--host", "0.0.0.0");
    const clear = await serve("--host", "0.0.0.0", "--auth-token-file", tokenFile, "--lock");
    const safe = await serve("--host", "0.0.0.0", "--auth-token-file", tokenFile, "--tls-cert", cert, "--tls-key", key);
    try {
        await until(() => open.stderr().includes("\n") && clear.stderr().includes("\n"));
        assert.match(open.stderr(), /warning: 0\.0\.0\.0 is reachable from other machines and needs no token: .* read and change every table/);
        assert.match(clear.stderr(), /warning: the token travels in clear without TLS/);
        assert.equal(safe.stderr(), "");
    } finally {
        await Promise.all([open.stop(), clear.stop(), safe.stop()]);
    }
});
