// Batch driver for the reference oracle: runs many replay scripts in one node process, so that
// node and the Perspective WASM start once instead of once per script. Each script runs through
// tests/oracle/replay_lib.mjs (the same code as `node replay.mjs SCRIPT`) on an empty engine of
// its own (a new PerspectiveServer, so table names never collide across scripts), or, with
// --websocket, on a new client of that server that is closed when the script ends.
//
// usage: node oracle_batch.mjs
//   stdin:  one request per line: SCRIPT_PATH \t OUTPUT_PATH [\t OPTION]...
//           (options as replay.mjs takes them, e.g. --websocket URL --table-prefix P)
//   stdout: "ready" once the reference is loaded (or "fail <message>" if it cannot be), then
//           one line per request: "ok" once OUTPUT_PATH holds the replay output, or
//           "fail <message>" when the run could not complete.
import fs from "node:fs";
import readline from "node:readline";
import { consoleToStderr, loadReference, parseOptions, replayScript } from "../oracle/replay_lib.mjs";

const oneLine = (error) => String(error?.message ?? error).replace(/\n/g, " ");

consoleToStderr();
let reference;
try {
    reference = await loadReference();
} catch (error) {
    process.stdout.write(`fail ${oneLine(error)}\n`);
    process.exit(0);
}
process.stdout.write("ready\n");

for await (const request of readline.createInterface({ input: process.stdin })) {
    if (!request.trim()) continue;
    const [script, outPath, ...optionArgs] = request.split("\t");
    try {
        const options = { ...parseOptions(optionArgs), freshServer: true };
        const chunks = [];
        await replayScript(reference, fs.readFileSync(script, "utf8"), options, (line) => chunks.push(line));
        fs.writeFileSync(outPath, chunks.join(""));
        process.stdout.write("ok\n");
    } catch (error) {
        process.stdout.write(`fail ${oneLine(error)}\n`);
    }
}
process.exit(0);
