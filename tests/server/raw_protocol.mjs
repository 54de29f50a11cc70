// Just enough protobuf to write Requests by hand and read a Response's errors, and a raw
// websocket client: for the server tests that send what the reference's client never would.
import crypto from "node:crypto";
import net from "node:net";

import { fields, requireOracle } from "./harness.mjs";

const WebSocket = (await import(requireOracle.resolve("ws"))).default;

export function varint(n) {
    const out = [];
    while (n >= 0x80) {
        out.push((n & 0x7f) | 0x80);
        n = Math.floor(n / 128);
    }
    out.push(n);
    return Buffer.from(out);
}
export function bytesField(number, payload) {
    return Buffer.concat([varint(number * 8 + 2), varint(payload.length), payload]);
}
export function varintField(number, value) {
    return Buffer.concat([varint(number * 8), varint(value)]);
}
export function request(msgId, entity, kind, body = Buffer.alloc(0)) {
    return Buffer.concat([varint(8), varint(msgId), bytesField(2, Buffer.from(entity)), bytesField(kind, body)]);
}
// Request field numbers (perspective.proto).
export const Kind = {
    getFeatures: 3, getHostedTables: 4, makePort: 5, makeView: 6, tableSize: 8, viewDelete: 11, viewSchema: 15,
    onUpdate: 21, removeOnUpdate: 22, tableOnDelete: 29, viewOnDelete: 34,
};
export function serverError(response) {
    const body = fields(response)[50];
    if (!body) return null;
    const error = fields(body);
    return { message: error[1]?.toString() ?? "", code: error[2] ?? 0 };
}

// A raw websocket client: send bytes, await the next reply.
export async function rawClient(url) {
    const ws = new WebSocket(url);
    ws.binaryType = "nodebuffer";
    const replies = [];
    const waiting = [];
    ws.on("message", (data) => (waiting.length ? waiting.shift()(data) : replies.push(data)));
    await new Promise((resolve, reject) => {
        ws.on("open", resolve);
        ws.on("error", reject);
    });
    return {
        ws,
        send: (bytes) => ws.send(bytes),
        next: () => (replies.length ? Promise.resolve(replies.shift()) : new Promise((r) => waiting.push(r))),
        closed: new Promise((resolve) => ws.on("close", (code) => resolve(code))),
    };
}

// A client that stops reading once its websocket handshake (by hand) is answered; then it
// writes frames blind. `frame(payload)` masks as a client must.
export async function nonReadingClient(url) {
    const { hostname, port } = new URL(url.replace("ws:", "http:"));
    const socket = net.connect(Number(port), hostname);
    socket.on("error", () => {});
    await new Promise((resolve) => socket.on("connect", resolve));
    socket.write(
        "GET /websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let answer = "";
    await new Promise((resolve) => {
        const onData = (data) => {
            answer += data;
            if (!answer.includes("\r\n\r\n")) return;
            socket.off("data", onData);
            socket.pause();
            resolve();
        };
        socket.on("data", onData);
    });
    return {
        socket,
        // Resolves once the socket takes more (the server may stop reading too).
        send: async (payload) => {
            if (!socket.write(frame(payload))) await new Promise((r) => setTimeout(r, 5));
        },
    };
}

export function frame(payload) {
    const mask = crypto.randomBytes(4);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
    const length = payload.length < 126 ? Buffer.from([0x80 | payload.length])
                                        : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    return Buffer.concat([Buffer.from([0x82]), length, mask, masked]);
}
