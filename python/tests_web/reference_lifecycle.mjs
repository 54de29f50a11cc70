// The reference's JavaScript client (the one a browser's viewer runs) against a Python handler,
// driven step by step by test_reference_client.py: each step prints one JSON line, then
// waits for a line on standard input ("next") when Python has something to do first.
//
// usage: node reference_lifecycle.mjs WS_URL
import readline from "node:readline";
import { consoleToStderr, loadReference } from "../../tests/oracle/replay_lib.mjs";

consoleToStderr();
const { perspective } = await loadReference();
const input = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const next = async () => (await input.next()).value;

async function until(condition, what, seconds = 30) {
    const deadline = Date.now() + seconds * 1000;
    while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}

const client = await perspective.default.websocket(process.argv[2]);
try {
    // The 3.x guide's "Client/Server Replicated Mode": a table of the client's own engine
    // made from a view of the server's table follows the server's updates.
    const serverTable = await client.open_table("data_source");
    const serverView = await serverTable.view();
    const mirror = await perspective.default.table(serverView);
    const mirrorView = await mirror.view();
    await client.get_hosted_table_names(); // answered after the mirror subscribed
    say({ mirrored: await mirrorView.to_columns() });
    await next(); // Python updated data_source
    await until(async () => (await mirror.size()) === 4, "the mirror to follow");
    say({ followed: await mirrorView.to_columns() });
    await mirrorView.delete();
    await mirror.delete();
    await serverView.delete();

    // Python deletes a table: the client's table.on_delete fires.
    const doomed = await client.open_table("python_deletes");
    let heard = false;
    await doomed.on_delete(() => (heard = true));
    await client.get_hosted_table_names(); // answered after the subscription: it is in place
    say({ subscribed: true });
    await next(); // Python deleted it
    await until(async () => heard, "on_delete");
    say({ heard_delete: true, tables: (await client.get_hosted_table_names()).sort() });

    // The client deletes a table Python made: Python's on_delete fires.
    await (await client.open_table("client_deletes")).delete();
    say({ deleted: true });

    // Python's delete(lazy=True) waits for the client's view.
    const held = await (await client.open_table("lazy")).view();
    say({ holding: true });
    await next(); // Python asked for a lazy delete
    say({ still_readable: await held.num_rows() });
    await held.delete();
    say({ released: true });
    await next();
} catch (error) {
    process.stderr.write(`reference_lifecycle.mjs: ${error?.stack ?? error}\n`);
    process.exit(1);
}
await client.terminate();
process.exit(0); // the reference's engine keeps node running
