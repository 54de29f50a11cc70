// What the server's node tests share beyond serve.mjs (re-exported here): the reference's
// client from the oracle's node_modules.
import path from "node:path";
import { createRequire } from "node:module";

import { repo } from "./serve.mjs";

export { credentials, parallax, repo, serve, until } from "./serve.mjs";
export const oracleModules = path.resolve(
    process.env.ORACLE_NODE_MODULES ?? path.join(repo, "tests", "oracle", "node_modules"));
export const requireOracle = createRequire(path.join(oracleModules, "x.js"));
export const perspective = (await import(requireOracle.resolve("@finos/perspective"))).default;

// A protobuf message's top-level fields by number: varints as numbers, the rest as bytes.
export function fields(buffer) {
    const out = {};
    let at = 0;
    const read = () => {
        let value = 0, scale = 1, byte;
        do {
            byte = buffer[at++];
            value += (byte & 0x7f) * scale;
            scale *= 128;
        } while (byte & 0x80);
        return value;
    };
    while (at < buffer.length) {
        const key = read();
        const number = Math.floor(key / 8);
        if ((key & 7) === 0) out[number] = read();
        else {
            const length = read();
            out[number] = buffer.subarray(at, at + length);
            at += length;
        }
    }
    return out;
}

const { tableFromIPC } = await import(requireOracle.resolve("apache-arrow"));

// A ROW-mode delta (Arrow IPC) as its schema's types and its columns' values.
export function decode(bytes) {
    const table = tableFromIPC(new Uint8Array(bytes));
    const out = { schema: {}, columns: {} };
    for (const field of table.schema.fields) {
        out.schema[field.name] = String(field.type);
        const column = table.getChild(field.name);
        const values = [];
        for (let i = 0; i < column.length; i++) {
            const v = column.get(i);
            values.push(typeof v === "bigint" ? Number(v) : v);
        }
        out.columns[field.name] = values;
    }
    return out;
}
