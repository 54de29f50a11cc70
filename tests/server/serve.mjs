// What the server tests share: starting `parallax serve` on a free loopback port, and waiting.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
export const repo = path.resolve(here, "..", "..");
export const parallax = path.resolve(process.env.PARALLAX ?? path.join(repo, "build", "parallax"));

// Starts `parallax serve ARGS --port 0` and waits for the line that names its address
// (http:// or, with --tls-cert, https://; `url` is the websocket's, ws:// or wss://).
export async function serve(...args) {
    const proc = spawn(parallax, ["serve", ...args, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr.on("data", (d) => (stderr += d));
    const line = await new Promise((resolve, reject) => {
        let out = "";
        proc.stdout.on("data", (d) => {
            out += d;
            if (out.includes("\n")) resolve(out);
        });
        proc.on("exit", (code) => reject(new Error(`parallax serve exited ${code}: ${stderr}`)));
    });
    const http = line.match(/https?:\/\/[\d.]+:\d+/)[0];
    return {
        http,
        pid: proc.pid,
        url: http.replace(/^http/, "ws") + "/websocket",
        stderr: () => stderr,
        exited: () => proc.exitCode !== null || proc.signalCode !== null,
        async stop() {
            proc.kill("SIGTERM");
            await new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.on("exit", resolve)));
            assert.equal(proc.exitCode, 0, `the server stops cleanly (signal ${proc.signalCode}): ${stderr}`);
        },
    };
}

export async function until(condition, pollMs = 20) {
    while (!(await condition())) await new Promise((r) => setTimeout(r, pollMs));
}

// In `dir`: a random token in a file (--auth-token-file) and a self-signed certificate for
// 127.0.0.1 and localhost with its key (--tls-cert, --tls-key), made by the openssl CLI.
export function credentials(dir) {
    const token = crypto.randomBytes(24).toString("hex");
    const tokenFile = path.join(dir, "token");
    fs.writeFileSync(tokenFile, token + "\n", { mode: 0o600 });
    const cert = path.join(dir, "cert.pem"), key = path.join(dir, "key.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", key, "-out", cert], { stdio: "ignore" });
    return { token, tokenFile, cert, key };
}
