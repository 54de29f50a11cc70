// What the server tests share: starting `parallax serve` on a free loopback port, and waiting.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
export const repo = path.resolve(here, "..", "..");
export const parallax = path.resolve(process.env.PARALLAX ?? path.join(repo, "build", "parallax"));

// Starts `parallax serve ARGS --port 0` and waits for the line that names its address.
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
    const http = line.match(/http:\/\/[\d.]+:\d+/)[0];
    return {
        http,
        pid: proc.pid,
        url: http.replace("http", "ws") + "/websocket",
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
