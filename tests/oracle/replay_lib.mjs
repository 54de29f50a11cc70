// The reference oracle as a library: runs the lines of a replay script (README.md beside this
// file) on @finos/perspective, the reference engine pinned by package.json here, and gives one
// JSON line per operation, {"ok": result} or {"error": message}. replay.mjs is its command
// line; tests/differential/oracle_batch.mjs runs many scripts through it in one process.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

// The packages come from ORACLE_NODE_MODULES when it names a node_modules folder (an install
// made elsewhere), else from the node_modules beside this file (scripts/install-deps.sh).
export function modulesFolder() {
    return process.env.ORACLE_NODE_MODULES || path.join(HERE, "node_modules");
}

async function importFrom(folder, name) {
    const require = createRequire(path.join(folder, "resolve-from-here.js"));
    return import(require.resolve(name));
}

// {perspective: the @finos/perspective module, tableFromIPC: apache-arrow's reader}.
export async function loadReference(folder = modulesFolder()) {
    const perspective = await importFrom(folder, "@finos/perspective");
    const { tableFromIPC } = await importFrom(folder, "apache-arrow");
    return { perspective, tableFromIPC };
}

// The package's own in-process engine (one per process), as a user of the package gets it.
export function moduleEngine(perspective) {
    return { engine: perspective.default, close: async () => {} };
}

// An empty in-process engine: a client of a new PerspectiveServer, so that table names never
// collide with another script's run in the same process. close() frees the server.
// The reference lists the entries of a schema in hash-map order, and its hash seeds depend on
// what the process did before, so schema-like results may list their keys in another order
// than moduleEngine's in a new process (compare.py ignores key order there).
export function localEngine(perspective) {
    const server = new perspective.PerspectiveServer();
    let client = null;
    const session = server.make_session(async (response) => client.handle_response(response));
    client = perspective.make_client(async (request) => session.handle_request(request));
    return {
        engine: client,
        close: async () => {
            try { server.delete(); } catch { /* already gone */ }
        },
    };
}

// The reference client of a server at a ws:// URL (a script then checks that server).
export async function websocketEngine(perspective, url) {
    const client = await perspective.default.websocket(url);
    return {
        engine: client,
        close: async () => {
            try { await client.terminate(); } catch { /* already closed */ }
        },
    };
}

// Standard output carries results only: the libraries' console output goes to standard error
// (the websocket client logs "Closing WebSocket" when it is closed).
export function consoleToStderr() {
    for (const level of ["log", "info", "debug"]) console[level] = console.error;
}

// Command-line options shared by replay.mjs and the batch driver.
export function parseOptions(argv) {
    const options = { timing: false, websocket: null, tablePrefix: "", script: null };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--timing") options.timing = true;
        else if (arg === "--websocket" || arg === "--table-prefix") {
            if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
            if (arg === "--websocket") options.websocket = argv[++i];
            else options.tablePrefix = argv[++i];
        } else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
        else if (options.script === null) options.script = arg;
        else throw new Error(`one script only (got ${options.script} and ${arg})`);
    }
    return options;
}

// Input named by `path`: Arrow files (.arrow, .arrows) as bytes, anything else as text.
function readInputFile(file) {
    if (!/\.arrows?$/.test(file)) return fs.readFileSync(file, "utf8");
    const bytes = fs.readFileSync(file);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

// One Arrow cell as plain JSON: dates as epoch ms, 64-bit integers as numbers, other objects
// (decimals, structs) by their own toJSON.
function arrowCell(value) {
    if (value instanceof Date) return value.getTime();
    if (typeof value === "bigint") return Number(value);
    if (value !== null && typeof value === "object" && typeof value.toJSON === "function") {
        return value.toJSON();
    }
    return value ?? null;
}

// Arrow IPC bytes as {"schema": {column: arrow type}, "columns": {column: values}}.
export function decodeArrow(tableFromIPC, bytes) {
    const table = tableFromIPC(new Uint8Array(bytes));
    const decoded = { schema: {}, columns: {} };
    for (const field of table.schema.fields) {
        const vector = table.getChild(field.name);
        const values = new Array(table.numRows);
        for (let row = 0; row < table.numRows; row++) values[row] = arrowCell(vector.get(row));
        decoded.schema[field.name] = String(field.type);
        decoded.columns[field.name] = values;
    }
    return decoded;
}

// A result as the JSON text will carry it (64-bit integers become numbers).
function asJson(result) {
    return JSON.parse(JSON.stringify(result, (key, value) => (typeof value === "bigint" ? Number(value) : value)));
}

const TABLE_OPTIONS = ["index", "limit", "format"];

// Replays operations on one engine, keeping the script's tables and views by name.
export class Replayer {
    constructor({ engine, tableFromIPC, tablePrefix = "" }) {
        this.engine = engine;
        this.tableFromIPC = tableFromIPC;
        this.tablePrefix = tablePrefix;
        this.tables = new Map();
        this.views = new Map();
    }

    table(op) {
        const name = op.table ?? "t";
        const table = this.tables.get(name);
        if (!table) throw new Error(`no table named ${name}`);
        return table;
    }

    view(op) {
        const name = op.view ?? "v";
        const view = this.views.get(name);
        if (!view) throw new Error(`no view named ${name}`);
        return view;
    }

    // The value of one operation (before JSON conversion); throws on any failure.
    async apply(op) {
        const handler = OPERATIONS[op.op];
        if (!handler) throw new Error(`unknown op ${op.op}`);
        return handler(this, op);
    }

    // One script line to its output object; `timing` adds the wall time in "ms".
    async line(text, timing = false) {
        const started = performance.now();
        let out;
        try {
            out = { ok: asJson(await this.apply(JSON.parse(text))) };
        } catch (error) {
            out = { error: String(error?.message ?? error) };
        }
        if (timing) out.ms = +(performance.now() - started).toFixed(3);
        return out;
    }

    // Every non-blank line of a script; write(text) receives each output line.
    async script(text, write, timing = false) {
        for (const line of text.split("\n")) {
            if (line.trim()) write(JSON.stringify(await this.line(line, timing)) + "\n");
        }
    }
}

const windowOf = (op) => op.window ?? {};

// op name -> (replayer, op) => result. Read ops return what the reference's API returns.
const OPERATIONS = {
    async table(r, op) {
        const options = {};
        for (const key of TABLE_OPTIONS) if (op[key] !== undefined) options[key] = op[key];
        const name = op.name ?? "t";
        const input = op.path !== undefined ? readInputFile(op.path) : (op.data ?? op.schema);
        r.tables.set(name, await r.engine.table(input, { ...options, name: r.tablePrefix + name }));
        return null;
    },
    async update(r, op) {
        const input = op.path !== undefined ? readInputFile(op.path) : op.data;
        await r.table(op).update(input, op.format ? { format: op.format } : {});
        return null;
    },
    async remove(r, op) { await r.table(op).remove(op.keys); return null; },
    async clear(r, op) { await r.table(op).clear(); return null; },
    async replace(r, op) { await r.table(op).replace(op.data); return null; },
    size: (r, op) => r.table(op).size(),
    table_schema: (r, op) => r.table(op).schema(),
    columns: (r, op) => r.table(op).columns(),
    validate_expressions: (r, op) => r.table(op).validate_expressions(op.expressions ?? {}),
    async open_table(r, op) {
        if (typeof r.engine.open_table !== "function") throw new Error("open_table needs a server (--websocket)");
        r.tables.set(op.as ?? op.name, await r.engine.open_table(op.name));
        return null;
    },
    hosted_tables: async (r) => (await r.engine.get_hosted_table_names()).sort(),
    async view(r, op) {
        r.views.set(op.name ?? "v", await r.table(op).view(op.config ?? {}));
        return null;
    },
    async delete_view(r, op) {
        await r.view(op).delete();
        r.views.delete(op.view ?? "v");
        return null;
    },
    to_columns: async (r, op) => JSON.parse(await r.view(op).to_columns_string(windowOf(op))),
    to_json: async (r, op) => JSON.parse(await r.view(op).to_json_string(windowOf(op))),
    to_csv: (r, op) => r.view(op).to_csv(windowOf(op)),
    to_ndjson: (r, op) => r.view(op).to_ndjson(windowOf(op)),
    async to_arrow(r, op) {
        const bytes = await r.view(op).to_arrow(windowOf(op));
        if (op.save) fs.writeFileSync(op.save, new Uint8Array(bytes));
        return decodeArrow(r.tableFromIPC, bytes);
    },
    schema: (r, op) => r.view(op).schema(),
    expression_schema: (r, op) => r.view(op).expression_schema(),
    num_rows: (r, op) => r.view(op).num_rows(),
    num_columns: (r, op) => r.view(op).num_columns(),
    dimensions: (r, op) => r.view(op).dimensions(),
    column_paths: (r, op) => r.view(op).column_paths(),
    config: (r, op) => r.view(op).get_config(),
    min_max: (r, op) => r.view(op).get_min_max(op.column),
    expand: (r, op) => r.view(op).expand(op.row),
    collapse: (r, op) => r.view(op).collapse(op.row),
};

// Runs one script, passing each output line to write(text): on the server at
// options.websocket (a new client, closed afterwards), else on a new PerspectiveServer when
// options.freshServer (for many scripts in one process), else on the package's own engine.
export async function replayScript(reference, text, options, write) {
    const { engine, close } = options.websocket
        ? await websocketEngine(reference.perspective, options.websocket)
        : options.freshServer ? localEngine(reference.perspective) : moduleEngine(reference.perspective);
    try {
        const replayer = new Replayer({ engine, tableFromIPC: reference.tableFromIPC, tablePrefix: options.tablePrefix });
        await replayer.script(text, write, options.timing);
    } finally {
        await close();
    }
}
