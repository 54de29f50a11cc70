// The reference oracle's command line: replays one script (README.md beside this file) on
// @finos/perspective and prints one JSON line per operation.
//
// usage: node replay.mjs [--timing] [--websocket URL [--table-prefix P]] [SCRIPT.jsonl | -]
//   --timing          adds "ms", the wall time of each operation
//   --websocket URL   runs the operations through the reference client against the server at
//                     URL instead of an in-process engine
//   --table-prefix P  prefixes the names of the tables the script makes (many scripts can then
//                     share one server)
// Without SCRIPT (or with -) the script is read from standard input.
import fs from "node:fs";
import { consoleToStderr, loadReference, parseOptions, replayScript } from "./replay_lib.mjs";

let options;
try {
    options = parseOptions(process.argv.slice(2));
} catch (error) {
    process.stderr.write(`replay.mjs: ${error.message}\n`);
    process.exit(2);
}
consoleToStderr();
const source = options.script && options.script !== "-" ? options.script : 0;
const text = fs.readFileSync(source, "utf8");
try {
    await replayScript(await loadReference(), text, options, (line) => process.stdout.write(line));
} catch (error) {
    process.stderr.write(`replay.mjs: ${error?.message ?? error}\n`);
    process.exit(1);
}
process.exit(0);
