// One viewer's requests against `parallax serve`, timed from request to answer (used by
// virtual_bench.py): open TABLE, make the view CONFIG and read its first screen (view, num_rows,
// to_columns of rows 0..SCREEN), then scroll STEPS times by a screen (to_columns of the next
// window); REPS times. Prints JSON: {first_screen_ms: [...], scroll_ms: [...], rows, error}.
//
//   node virtual_viewer.mjs WS_URL TABLE CONFIG_JSON SCREEN STEPS REPS
import path from "node:path";
import { createRequire } from "node:module";

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const modules = path.resolve(process.env.ORACLE_NODE_MODULES ?? path.join(repo, "tests", "oracle", "node_modules"));
const require = createRequire(path.join(modules, "x.js"));
const perspective = (await import(require.resolve("@finos/perspective"))).default;

const [url, tableName, configJson, screenText, stepsText, repsText] = process.argv.slice(2);
const [screen, steps, reps] = [Number(screenText), Number(stepsText), Number(repsText)];
const config = JSON.parse(configJson);
const out = { first_screen_ms: [], scroll_ms: [], rows: 0, columns: 0, error: null };
const client = await perspective.websocket(url);
try {
    const table = await client.open_table(tableName);
    for (let rep = 0; rep < reps; ++rep) {
        let start = performance.now();
        const view = await table.view(config);
        const rows = await view.num_rows();
        const first = await view.to_columns({ start_row: 0, end_row: screen });
        out.first_screen_ms.push(performance.now() - start);
        out.rows = rows;
        out.columns = Object.keys(first).length;
        for (let step = 1; step <= steps && step * screen < rows; ++step) {
            start = performance.now();
            await view.to_columns({ start_row: step * screen, end_row: (step + 1) * screen });
            out.scroll_ms.push(performance.now() - start);
        }
        await view.delete();
    }
} catch (error) {
    out.error = String(error?.message ?? error);
} finally {
    await client.terminate();
}
console.log(JSON.stringify(out));
