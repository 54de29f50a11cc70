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
    const options = { timing: false, fresh: false, websocket: null, tablePrefix: "", script: null };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--timing") options.timing = true;
        else if (arg === "--fresh") options.fresh = true;
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

// Replays operations on one engine, keeping the script's tables and views by name. With
// `fresh`, every read of a view answers as the same config would on a fresh table holding the
// live table's current rows (FreshState below).
export class Replayer {
    constructor({ engine, tableFromIPC, tablePrefix = "", fresh = false }) {
        this.engine = engine;
        this.tableFromIPC = tableFromIPC;
        this.tablePrefix = tablePrefix;
        this.tables = new Map();
        this.views = new Map();
        this.fresh = fresh ? new FreshState(this) : null;
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
        if (this.fresh) return this.fresh.apply(op, handler);
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
    async replace(r, op) {
        await r.table(op).replace(op.path !== undefined ? readInputFile(op.path) : op.data);
        return null;
    },
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

// The fresh-state oracle. A live view of the reference drifts from what the same config
// shows on a table made from the same rows (its answers depend on the table's history: nulls
// written into an empty table, filters that keep a replaced value, high/low never given back,
// groups picked in the order they were made). Parallax's views always equal a fresh view, so
// in this mode every read of a view is answered by a view with the same config on a fresh
// table: the live table's rows copied through Arrow (so typed as they are) with the same
// index and limit, made again after every change of the live table. Two things stay live:
// - the row ids of flat views on tables without an index (window `id` or `index`): they are
//   positions in the live table, which the copy renumbers in the same order, so each id of the
//   fresh answer is replaced by the live id of the row at that position;
// - the expansion state of a grouped view: an expand/collapse is answered by the fresh view
//   (its row numbers are the ones Parallax shows) and applied to the live view at the same row
//   path; every fresh view made later replays the toggles by row path, with a collapse of each
//   group that a change made after the view was first toggled (groups that appear then come
//   collapsed, as in the live view), then takes the live view's state for each row both show.
const TABLE_CHANGES = new Set(["update", "remove", "clear", "replace"]);
const VIEW_READS = new Set(["to_columns", "to_json", "to_csv", "to_ndjson", "to_arrow", "schema",
    "expression_schema", "num_rows", "num_columns", "dimensions", "column_paths", "config",
    "min_max", "expand", "collapse"]);

class FreshState {
    constructor(replayer) {
        this.r = replayer;
        this.tables = new Map(); // script table name -> {options, version, copy, copyVersion}
        this.views = new Map(); // script view name -> {table, config, toggles, view, version}
        this.serial = 0;
    }

    async apply(op, handler) {
        const r = this.r;
        if (op.op === "table") {
            const result = await handler(r, op);
            await this.dropTable(op.name ?? "t");
            const options = {};
            for (const key of ["index", "limit"]) if (op[key] !== undefined) options[key] = op[key];
            this.tables.set(op.name ?? "t", { options, version: 0, copy: null, copyVersion: -1 });
            return result;
        }
        if (TABLE_CHANGES.has(op.op)) {
            const state = this.tables.get(op.table ?? "t");
            if (state) state.version++; // also when the change fails: it may have done part
            try {
                return await handler(r, op);
            } finally {
                await this.foldNewGroups(op.table ?? "t", op.op === "clear" || op.op === "replace");
            }
        }
        if (op.op === "view") {
            const result = await handler(r, op);
            await this.dropView(op.name ?? "v");
            this.views.set(op.name ?? "v", { table: op.table ?? "t", config: op.config ?? {}, toggles: [], toggled: false, known: new Set(), view: null, version: -1 });
            return result;
        }
        if (op.op === "delete_view") {
            await this.dropView(op.view ?? "v");
            return handler(r, op);
        }
        if (!VIEW_READS.has(op.op)) return handler(r, op);
        r.view(op); // the live view must exist (an error otherwise, as live)
        const view = await this.freshView(op.view ?? "v");
        const fresh = { ...op, view: "__fresh__" };
        r.views.set("__fresh__", view);
        try {
            if (this.readsLiveIds(op)) return await this.withLiveIds(op, await handler(r, fresh));
            if (op.op !== "expand" && op.op !== "collapse") return await handler(r, fresh);
            const state = this.views.get(op.view ?? "v");
            const path = await rowPath(view, op.row);
            const result = await handler(r, fresh);
            // The live view takes the toggle at the same row path; a row the fresh view does
            // not show (past the end) at the same number, as the live view was asked.
            const live = r.view(op);
            const row = path === undefined ? op.row : await rowOf(live, path);
            if (path !== undefined) state.toggles.push([op.op, path]);
            if (!state.toggled) state.known = await this.groupPaths(state);
            state.toggled = true;
            try {
                if (row >= 0) await live[op.op](row);
            } catch { /* as the fresh view answered */ }
            return result;
        } finally {
            r.views.delete("__fresh__");
        }
    }

    // Whether a read shows row ids that only the live table knows (see above): to_columns or
    // to_json of a flat view with `id` or `index`, on a table without an index.
    readsLiveIds(op) {
        const window = op.window ?? {};
        if (!window.id && !window.index) return false;
        if (op.op !== "to_columns" && op.op !== "to_json") return false;
        const state = this.views.get(op.view ?? "v");
        if (!state) return false;
        const config = state.config;
        if ((config.group_by ?? []).length || (config.split_by ?? []).length) return false;
        return this.tables.get(state.table)?.options?.index === undefined;
    }

    // The fresh answer with each row id of the copy (its position, as the copy holds the live
    // table's rows in their order) replaced by the live table's id of that row.
    async withLiveIds(op, result) {
        const state = this.views.get(op.view ?? "v");
        const flat = await this.r.tables.get(state.table).view();
        let ids;
        try {
            ids = (await flat.to_columns({ id: true })).__ID__ ?? [];
        } finally {
            await flat.delete();
        }
        const live = (id) => (Array.isArray(id) && Number.isInteger(id[0]) && id[0] < ids.length ? ids[id[0]] : id);
        const keys = ["__ID__", "__INDEX__"];
        if (Array.isArray(result)) {
            for (const row of result) for (const key of keys) if (key in row) row[key] = live(row[key]);
        } else if (result && typeof result === "object") {
            for (const key of keys) if (Array.isArray(result[key])) result[key] = result[key].map(live);
        }
        return result;
    }

    // The fresh copy of a script table as it is now.
    async copyOf(name) {
        const state = this.tables.get(name);
        if (state.copy && state.copyVersion === state.version) return state.copy;
        await this.dropCopy(state);
        const live = this.r.tables.get(name);
        const flat = await live.view();
        let bytes;
        try {
            bytes = await flat.to_arrow();
        } finally {
            await flat.delete();
        }
        const copyName = `${this.r.tablePrefix}__fresh_${name}_${++this.serial}`;
        state.copy = await this.r.engine.table(bytes, { ...state.options, name: copyName });
        state.copyVersion = state.version;
        return state.copy;
    }

    // A view with the live view's config on the fresh copy, its expand/collapse replayed.
    // Every group row path (with children) a view of `state`'s config shows on the fresh copy
    // when nothing is collapsed.
    async groupPaths(state) {
        const depth = (state.config.group_by ?? []).length;
        if (!depth) return new Set();
        const { group_by_depth: _, ...config } = state.config; // (every level shown)
        const view = await (await this.copyOf(state.table)).view(config);
        try {
            return new Set((await shownPaths(view)).filter((p) => JSON.parse(p).length < depth));
        } finally {
            await view.delete();
        }
    }

    // After a change: in a view expanded or collapsed by hand, the groups that did not exist
    // before the change come collapsed (as the live view shows them); a group that vanished
    // and comes back is new again, and after a clear or a replace every group is.
    async foldNewGroups(table, cleared) {
        for (const state of this.views.values()) {
            if (state.table !== table || !state.toggled) continue;
            const paths = await this.groupPaths(state);
            for (const path of paths) {
                const known = state.known.has(path) && !cleared;
                if (path !== "[]" && !known) state.toggles.push(["collapse", path]);
            }
            state.known = paths;
        }
    }

    async freshView(name) {
        const state = this.views.get(name);
        const table = this.tables.get(state.table);
        if (state.view && state.version === table.version) return state.view;
        await this.dropView(name, false);
        const copy = await this.copyOf(state.table);
        state.view = await copy.view(state.config);
        state.version = table.version;
        for (const [kind, path] of state.toggles) {
            const row = await rowOf(state.view, path);
            if (row >= 0) await state.view[kind](row);
        }
        if (state.toggled && (state.config.group_by ?? []).length) {
            await followLiveExpansion(state.view, this.r.views.get(name), state.config.group_by.length);
        }
        return state.view;
    }

    async dropView(name, forget = true) {
        const state = this.views.get(name);
        if (!state) return;
        if (state.view) {
            try { await state.view.delete(); } catch { /* gone */ }
            state.view = null;
        }
        if (forget) this.views.delete(name);
    }

    async dropCopy(state) {
        if (!state.copy) return;
        // Views of the copy go first (a table with views cannot be deleted).
        for (const [name, view] of this.views) {
            if (this.tables.get(view.table) === state) await this.dropView(name, false);
        }
        try { await state.copy.delete(); } catch { /* gone */ }
        state.copy = null;
    }

    async dropTable(name) {
        const state = this.tables.get(name);
        if (state) await this.dropCopy(state);
    }
}

// The row path shown at `row` of a view, as text; in a view without group_by (whose rows have
// no path) the row number itself, "#N" (its row 0 is the hidden root a collapse folds).
async function rowPath(view, row) {
    if (!Number.isInteger(row) || row < 0) return undefined;
    const paths = (await view.to_columns({ start_row: row, end_row: row + 1 })).__ROW_PATH__;
    if (paths === undefined) return `#${row}`;
    return paths.length ? JSON.stringify(paths[0]) : undefined;
}

async function shownPaths(view) {
    return ((await view.to_columns()).__ROW_PATH__ ?? []).map((p) => JSON.stringify(p));
}

async function rowOf(view, path) {
    if (path.startsWith("#")) return Number(path.slice(1));
    return (await shownPaths(view)).indexOf(path);
}

// Whether the row at i of a list of shown paths has its children shown (is expanded).
function expandedAt(paths, i) {
    if (i + 1 >= paths.length) return false;
    const parent = JSON.parse(paths[i]);
    const next = JSON.parse(paths[i + 1]);
    return next.length === parent.length + 1 && JSON.stringify(next.slice(0, -1)) === paths[i];
}

// Expands or collapses the rows of `fresh` that `live` also shows so that both agree (rows
// above the last group level only: a leaf has nothing to fold).
async function followLiveExpansion(fresh, live, depth) {
    const livePaths = await shownPaths(live);
    const liveState = new Map(livePaths.map((p, i) => [p, expandedAt(livePaths, i)]));
    let paths = await shownPaths(fresh);
    for (let i = 0; i < paths.length; i++) {
        if (JSON.parse(paths[i]).length >= depth || !liveState.has(paths[i])) continue;
        const want = liveState.get(paths[i]);
        if (want === expandedAt(paths, i)) continue;
        await fresh[want ? "expand" : "collapse"](i);
        paths = await shownPaths(fresh);
    }
}

// Runs one script, passing each output line to write(text): on the server at
// options.websocket (a new client, closed afterwards), else on a new PerspectiveServer when
// options.freshServer (for many scripts in one process), else on the package's own engine.
export async function replayScript(reference, text, options, write) {
    const { engine, close } = options.websocket
        ? await websocketEngine(reference.perspective, options.websocket)
        : options.freshServer ? localEngine(reference.perspective) : moduleEngine(reference.perspective);
    try {
        const replayer = new Replayer({
            engine, tableFromIPC: reference.tableFromIPC, tablePrefix: options.tablePrefix,
            fresh: options.fresh && !options.websocket,
        });
        await replayer.script(text, write, options.timing);
    } finally {
        await close();
    }
}
