// Writes the protocol fuzz target's seeds (corpus/protocol/): what the reference's own client
// (@finos/perspective 3.8) sends to `parallax serve` in a few sessions, recorded by a
// websocket proxy in between. The server hosts the same small "orders" table as
// protocol_fuzz.cpp; each seed is one session's requests, each prefixed with the client byte
// (0) and joined with the target's separator. Run again only to refresh the seeds:
//   ORACLE_NODE_MODULES=tests/oracle/node_modules node tests/fuzz/record_requests.mjs build/parallax
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
process.env.PARALLAX ??= process.argv[2];
const { perspective, requireOracle, serve } = await import("../server/harness.mjs");
const WebSocket = (await import(requireOracle.resolve("ws"))).default;
const WebSocketServer = WebSocket.Server;

const separator = Buffer.from([0xfe, 0xed, 0xfa, 0xce]);
const out = path.join(here, "corpus", "protocol");
// The same rows as the table protocol_fuzz.cpp hosts.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-record-"));
fs.writeFileSync(path.join(scratch, "orders.csv"), fs.readFileSync(path.join(here, "protocol_orders.csv")));
const server = await serve(path.join(scratch, "orders.csv"), "--index", "order_id");

// A proxy that keeps what each connection's client sent.
let recorded = [];
const proxy = new WebSocketServer({ port: 0, host: "127.0.0.1" });
proxy.on("connection", (client) => {
    const upstream = new WebSocket(server.url);
    upstream.binaryType = "nodebuffer";
    const pending = [];
    upstream.on("open", () => pending.splice(0).forEach((m) => upstream.send(m)));
    upstream.on("message", (data) => client.send(data));
    client.on("message", (data) => {
        recorded.push(Buffer.from(data));
        upstream.readyState === WebSocket.OPEN ? upstream.send(data) : pending.push(data);
    });
    client.on("close", () => upstream.close());
});
await new Promise((resolve) => proxy.on("listening", resolve));
const url = `ws://127.0.0.1:${proxy.address().port}/websocket`;

async function session(name, body) {
    recorded = [];
    const client = await perspective.websocket(url);
    await body(client);
    await client.terminate();
    const parts = recorded.flatMap((m, i) => (i ? [separator] : []).concat([Buffer.from([0]), m]));
    fs.writeFileSync(path.join(out, name), Buffer.concat(parts));
    console.log(`${name}: ${recorded.length} requests`);
}

// A client terminated with subscriptions open rejects their pending callbacks: expected here.
process.on("unhandledRejection", () => {});
fs.mkdirSync(out, { recursive: true });
await session("hosted_table", async (client) => {
    await client.get_hosted_table_names();
    const table = await client.open_table("orders");
    await table.size();
    await table.schema();
    await table.get_index();
    await table.columns();
    await table.get_limit();
    const view = await table.view();
    await view.num_rows();
    await view.num_columns();
    await view.schema();
    await view.to_columns();
    await view.to_json({ start_row: 1, end_row: 2 });
    await view.to_csv();
    await view.to_ndjson();
    await view.to_arrow();
    await view.get_config();
    await view.dimensions();
    await view.delete();
    await client.system_info();
});
await session("grouped_view", async (client) => {
    const table = await client.open_table("orders");
    const view = await table.view({
        group_by: ["region"], split_by: ["flag"], columns: ["qty", "price", "day", "big"],
        aggregates: { qty: "sum", price: "avg", day: "last" }, sort: [["qty", "desc"]],
        filter: [["price", ">", 10], ["region", "in", ["EU", "US-East"]]],
        expressions: { big: `if ("price" > 100) { 'high' } else { concat('low ', "region") }` },
    });
    await view.to_columns({ start_row: 0, end_row: 5, start_col: 0, end_col: 3 });
    await view.column_paths();
    await view.get_min_max("qty");
    await view.expression_schema();
    await view.collapse(0);
    await view.expand(0);
    await view.set_depth(1);
    await view.to_json();
    await view.delete();
    await table.validate_expressions({ ok: `"qty" * 2 + abs("price")`, bad: `"nope" +` });
    const flat = await table.view({ columns: ["ts", "order_id"], sort: [["ts", "asc"]],
        filter: [["ts", ">", "2024-01-01"], ["region", "contains", "U"]], group_by_depth: 1 });
    await flat.to_columns();
    await flat.delete();
});
await session("updates", async (client) => {
    const table = await client.open_table("orders");
    const view = await table.view({ group_by: ["region"], columns: ["qty"] });
    await view.on_update(() => {}, { mode: "row" });
    const id = await table.on_delete(() => {});
    await table.update([{ order_id: 5, region: "APAC", qty: 3, price: 1.5, flag: true }]);
    await table.update({ order_id: [6], qty: [8] });
    await table.update("order_id,qty\n7,2\n");
    await table.remove([0, 7]);
    await view.to_columns();
    await table.remove_delete(id);
    await view.delete();
});
await session("client_tables", async (client) => {
    const csv = await client.table("a,b,c\n1,x,2024-01-02\n2,y,\n", { name: "csv", index: "a" });
    const schema = await client.table({ a: "integer", b: "string", t: "datetime" }, { name: "schema", limit: 3 });
    await schema.update([{ a: 1, b: "x", t: "2024-01-02 03:04:05" }]);
    const view = await csv.view({ columns: ["b"] });
    const arrow = await view.to_arrow();
    const copy = await client.table(arrow, { name: "arrow" });
    await copy.replace(arrow);
    const json = await client.table([{ n: 1.5, f: false }, { n: null }], { name: "json" });
    await json.clear();
    await client.get_hosted_table_names();
    await view.delete();
    for (const table of [csv, schema, copy, json]) await table.delete();
});
console.error(server.stderr());
proxy.close();
await server.stop();
fs.rmSync(scratch, { recursive: true });
process.exit(0);
