// Batch driver for the reference oracle: runs many replay scripts in one node process so
// that node and the Perspective WASM start once instead of once per script.
//
// It does not re-implement the oracle: it loads the source of ../shared/oracle/replay.mjs
// and runs that code once per script as an async function, with `process` replaced by a
// stand-in (argv = the script, stdout captured, exit ends the run) and with the
// `@finos/perspective` default engine replaced by a client of a fresh PerspectiveServer,
// so each script sees an empty engine (table names never collide across scripts) exactly
// as a fresh `node replay.mjs SCRIPT` would.
//
// usage: node oracle_batch.mjs REPLAY_MJS
//   stdin:  one request per line: SCRIPT_PATH \t OUTPUT_PATH [\t EXTRA_ARG]...
//           (extra arguments go to replay.mjs, e.g. --websocket URL --table-prefix P; the
//           websocket clients a script opens are closed when it ends)
//   stdout: one line per request: "ok" once OUTPUT_PATH holds the replay output,
//           or "fail <message>" when the run could not complete.
// The first stdout line is "ready" (or "fail <message>" if the replay source could not be
// adapted, in which case the caller should fall back to running replay.mjs per script).
import fs from "node:fs";
import readline from "node:readline";

const replayPath = process.argv[2];
const realProcess = process;
// stdout carries this driver's replies only: libraries' console output goes to stderr (the
// websocket client logs "Closing WebSocket" on terminate).
for (const level of ["log", "info", "debug"]) console[level] = console.error;

class Exit extends Error {}

function adapt(source) {
    // Static imports become parameters bound to the real modules.
    const bindings = [];
    const body = source.replace(/^import\s+(.+?)\s+from\s+("[^"]+"|'[^']+');?[ \t]*$/gm, (m, what, spec) => {
        bindings.push({ what: what.trim(), spec: spec.slice(1, -1) });
        return "";
    });
    if (/^\s*import\s/m.test(body) || /import\.meta/.test(body)) throw new Error("unsupported import form");
    const names = [];
    for (const b of bindings) {
        if (/^[A-Za-z_$][\w$]*$/.test(b.what)) names.push({ param: b.what, spec: b.spec, key: "default" });
        else if (/^\{[^}]*\}$/.test(b.what)) {
            for (const part of b.what.slice(1, -1).split(",").map((s) => s.trim()).filter(Boolean)) {
                const [orig, alias] = part.split(/\s+as\s+/);
                names.push({ param: (alias ?? orig).trim(), spec: b.spec, key: orig.trim() });
            }
        } else throw new Error("unsupported import form: " + b.what);
    }
    // Dynamic imports go through __import, which swaps in a fresh engine.
    const code = body.replace(/\bimport\(/g, "__import(");
    const AsyncFunction = (async () => {}).constructor;
    const fn = new AsyncFunction("process", "__import", ...names.map((n) => n.param), code);
    return { fn, names };
}

const moduleCache = new Map();
async function realImport(spec) {
    if (!moduleCache.has(spec)) moduleCache.set(spec, await import(spec));
    return moduleCache.get(spec);
}

// A per-script engine: same API as the package's default export, on a new server.
function freshEngine(mod) {
    const server = new mod.PerspectiveServer();
    let client;
    const session = server.make_session(async (resp) => await client.handle_response(resp));
    client = mod.make_client(async (req) => await session.handle_request(req));
    const engine = { ...mod.default };
    const sockets = [];
    engine.websocket = async (url) => {
        const socket = await mod.default.websocket(url);
        sockets.push(socket);
        return socket;
    };
    for (const k of ["table", "get_hosted_table_names", "on_hosted_tables_update",
        "remove_hosted_tables_update", "on_error", "system_info"]) {
        engine[k] = (...a) => client[k](...a);
    }
    return { engine, server, sockets };
}

async function runOne(adapted, script, outPath, extraArgs) {
    const chunks = [];
    let servers = [];
    let sockets = [];
    const shim = {
        argv: [realProcess.argv[0], replayPath, ...extraArgs, script],
        env: realProcess.env,
        stdout: { write: (s) => { chunks.push(String(s)); return true; } },
        stderr: realProcess.stderr,
        exit: () => { throw new Exit(); },
    };
    const __import = async (spec) => {
        const mod = await realImport(spec);
        if (mod && typeof mod.PerspectiveServer === "function" && typeof mod.make_client === "function") {
            const fresh = freshEngine(mod);
            servers.push(fresh.server);
            sockets = fresh.sockets;
            const engine = fresh.engine;
            return { ...mod, default: engine };
        }
        return mod;
    };
    const args = [];
    for (const n of adapted.names) args.push((await realImport(n.spec))[n.key]);
    try {
        await adapted.fn(shim, __import, ...args);
    } catch (e) {
        if (!(e instanceof Exit)) throw e;
    }
    fs.writeFileSync(outPath, chunks.join(""));
    for (const socket of sockets) {
        try { await socket.terminate(); } catch (e) { /* ignore */ }
    }
    for (const s of servers) {
        try { s.delete(); } catch (e) { /* ignore */ }
    }
}

let adapted;
try {
    adapted = adapt(fs.readFileSync(replayPath, "utf8"));
} catch (e) {
    realProcess.stdout.write("fail " + String(e?.message ?? e).replace(/\n/g, " ") + "\n");
    realProcess.exit(0);
}
realProcess.stdout.write("ready\n");
const rl = readline.createInterface({ input: realProcess.stdin });
for await (const line of rl) {
    if (!line.trim()) continue;
    const [script, outPath, ...extraArgs] = line.split("\t");
    try {
        await runOne(adapted, script, outPath, extraArgs);
        realProcess.stdout.write("ok\n");
    } catch (e) {
        realProcess.stdout.write("fail " + String(e?.message ?? e).replace(/\n/g, " ") + "\n");
    }
}
realProcess.exit(0);
