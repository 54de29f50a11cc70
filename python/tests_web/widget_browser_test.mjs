// PerspectiveWidget in a real notebook in Debian's chromium: a Jupyter notebook server (Debian's
// notebook 6, ipywidgets 6) on a free port with a token, a notebook whose cells make two
// widgets, the grids rendered by the real <perspective-viewer>, a later cell updating the table
// (the grid follows), traits both ways (restore() of several settings from Python, a viewer
// change read back with save()), one widget shown twice. The widget's front end comes from JUPYTER_PATH, laid out as `make install` lays it.
//
// usage: PYTHONPATH=build/python WEB_NODE_MODULES=web/node_modules \
//        SCREENSHOT_DIR=build/screenshots/widget node tests/python_web/widget_browser_test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, "..", "..");
const webModules = path.resolve(process.env.WEB_NODE_MODULES ?? path.join(repo, "web", "node_modules"));
const shots = path.resolve(process.env.SCREENSHOT_DIR ?? path.join(repo, "build", "screenshots", "widget"));
const { chromium } = createRequire(path.join(webModules, "x.js"))("playwright-core");
fs.mkdirSync(shots, { recursive: true });

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parallax-widget-test-"));
// The extension as `make install` puts it: nbextensions/parallax-widget/{widget.js,node_modules}
// under PARALLAX_JUPYTER_PATH (the build tree's share/jupyter), else laid out here.
let jupyterPath = process.env.PARALLAX_JUPYTER_PATH;
if (!jupyterPath) {
    jupyterPath = path.join(scratch, "jupyter");
    const extension = path.join(jupyterPath, "nbextensions", "parallax-widget");
    fs.mkdirSync(extension, { recursive: true });
    fs.symlinkSync(path.join(repo, "python", "parallax", "widget", "nbextension", "widget.js"),
        path.join(extension, "widget.js"));
    fs.symlinkSync(webModules, path.join(extension, "node_modules"));
}

const cell = (source) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });
fs.writeFileSync(path.join(scratch, "widgets.ipynb"), JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells: [
        cell("import parallax\nfrom parallax.widget import PerspectiveWidget\n" +
             "table = parallax.table({'id': [1, 2, 3], 'name': ['alpha', 'beta', 'gamma']}, index='id')\n" +
             "first = PerspectiveWidget(table, sort=[['id', 'desc']], height='300px')\nfirst"),
        cell("second = PerspectiveWidget({'x': [10, 20, 30], 'label': ['ten', 'twenty', 'thirty']}, " +
             "columns=['label', 'x'], height='300px')\nsecond"),
    ],
}));

// Polls `condition` (an async function) until it holds; generous, for a loaded machine.
async function until(condition, what, ms = 90000) {
    const started = Date.now(), deadline = started + ms;
    while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
    process.stderr.write(`${what}: ${Date.now() - started} ms\n`);
}

async function freePort() {
    return await new Promise((resolve) => {
        const server = net.createServer();
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

test("PerspectiveWidget renders, follows updates and syncs traits in a notebook", async () => {
    const port = await freePort();
    const token = crypto.randomBytes(16).toString("hex");
    const env = {
        ...process.env,
        JUPYTER_PATH: jupyterPath,
        JUPYTER_CONFIG_DIR: path.join(scratch, "config"),
        JUPYTER_RUNTIME_DIR: path.join(scratch, "runtime"),
        IPYTHONDIR: path.join(scratch, "ipython"),
        HOME: scratch,
    };
    const notebook = spawn("/usr/bin/python3", ["-m", "notebook", "--no-browser", "--port", String(port),
        "--ip", "127.0.0.1", `--NotebookApp.token=${token}`, `--notebook-dir=${scratch}`,
        "--NotebookApp.port_retries=0", "--allow-root"], { env, stdio: ["ignore", "inherit", "pipe"] });
    let log = "";
    notebook.stderr.on("data", (d) => (log += d));
    const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(scratch, "chromium-")), {
        executablePath: "/usr/bin/chromium",
        headless: true,
        viewport: { width: 1280, height: 1000 },
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const errors = [], logs = [];
    let page = null;
    // A step that never ends (a promise the page never settles) fails with what the page said,
    // before ctest's timeout kills the test without it.
    const watchdog = setTimeout(async () => {
        try {
            if (page) await Promise.race([page.screenshot({ path: path.join(shots, "stuck.png"), fullPage: true }),
                new Promise((r) => setTimeout(r, 10000))]);
        } catch { /* the page may be gone */ }
        fs.writeSync(2, `WATCHDOG: stuck; page errors: ${JSON.stringify(errors)}\nconsole:\n` +
            `${logs.slice(-60).join("\n")}\nnotebook log:\n${log.slice(-3000)}\n`);
        notebook.kill("SIGKILL");
        fs.rmSync(scratch, { recursive: true, force: true });
        process.exit(1);
    }, Number(process.env.WIDGET_TEST_WATCHDOG_MS ?? 240000));
    try {
        const base = `http://127.0.0.1:${port}`;
        await until(async () => log.includes(`127.0.0.1:${port}`), "the notebook server");
        page = await context.newPage();
        page.on("pageerror", (error) => errors.push(error.message));
        page.on("console", (message) => {
            logs.push(message.type() + ": " + message.text());
            if (message.type() === "error") errors.push(message.text());
        });
        await page.goto(`${base}/notebooks/widgets.ipynb?token=${token}`);
        await page.waitForFunction(() => window.Jupyter?.notebook?.kernel?.is_connected?.(), null,
            { timeout: 60000 });
        await page.evaluate(() => window.Jupyter.notebook.execute_all_cells());
        // Two widgets, each grid rendered by the real viewer.
        const grid = (n) => page.locator(".parallax-widget").nth(n).locator("regular-table");
        await page.waitForFunction(() => document.querySelectorAll(".parallax-widget[data-loaded]").length === 2,
            null, { timeout: 60000 });
        const text = async (n) => (await grid(n).locator("th, td").allInnerTexts()).join("\n");
        await page.waitForFunction(() => [...document.querySelectorAll(".parallax-widget")].every(
            (w) => w.querySelector("perspective-viewer")?.shadowRoot || true), null);
        await grid(0).locator("tbody td").first().waitFor({ timeout: 60000 });
        await grid(1).locator("tbody td").first().waitFor({ timeout: 60000 });
        assert.match(await text(0), /gamma[\s\S]*beta[\s\S]*alpha/, "sorted by id desc, as the trait says");
        assert.match(await text(1), /twenty/);
        await page.screenshot({ path: path.join(shots, "1-two-widgets.png"), fullPage: true });

        // A later cell updates the table: the grid follows without reloading.
        const run = async (source) => page.evaluate(async (source) => {
            const nb = window.Jupyter.notebook;
            const c = nb.insert_cell_at_bottom("code");
            c.set_text(source);
            c.execute();
            return nb.ncells() - 1;
        }, source);
        await run("table.update([{'id': 4, 'name': 'delta'}])");
        await until(async () => (await text(0)).includes("delta"), "the update in the grid");
        assert.match(await text(0), /delta[\s\S]*gamma/, "the new row is shown, first by id desc");
        await page.screenshot({ path: path.join(shots, "2-updated.png"), fullPage: true });

        // Python -> viewer: restore() of several settings at once, each reaching the viewer.
        await run("first.restore(columns=['name'], sort=[['name', 'asc']])");
        const headers = async () => (await grid(0).locator("thead th").allInnerTexts())
            .map((t) => t.trim()).filter(Boolean);
        const viewerConfig = async (n) => page.evaluate(async (n) =>
            document.querySelectorAll(".parallax-widget perspective-viewer")[n].save(), n);
        await until(async () => JSON.stringify((await viewerConfig(0)).sort) === '[["name","asc"]]' &&
            !(await headers()).includes("id"), "columns and sort from Python");
        assert.deepEqual((await viewerConfig(0)).columns, ["name"]);
        await until(async () => /alpha[\s\S]*beta[\s\S]*delta[\s\S]*gamma/.test(await text(0)),
            "the grid sorted by name");

        // Viewer -> Python: the user's changes come back as traits, and save() answers them.
        await page.evaluate(() => document.querySelectorAll(".parallax-widget perspective-viewer")[1]
            .restore({ group_by: ["label"], sort: [["x", "desc"]], plugin: "Y Bar" }));
        const printed = async (source, expected, what) => {
            let output = "";
            await until(async () => {
                const index = await run(source);
                await until(async () => (output = await page.evaluate((i) =>
                    window.Jupyter.notebook.get_cell(i).output_area.element.text(), index)) !== "",
                    "the cell's output");
                return output.includes(expected);
            }, what);
            return output;
        };
        await printed("s = second.save(); print('SAVED', s['group_by'], s['sort'], s['plugin'])",
            "SAVED ['label'] [['x', 'desc']] Y Bar", "the viewer's settings in Python");

        // The same widget shown again: a viewer of its own with the widget's settings, served
        // by a session of its own; both follow a later restore() from Python.
        await run("second");
        await until(async () => (await page.locator(".parallax-widget[data-loaded]").count()) === 3,
            "the second widget shown twice");
        await until(async () => (await viewerConfig(2)).plugin === "Y Bar", "the settings on the copy");
        assert.deepEqual((await viewerConfig(2)).group_by, ["label"]);
        await run("second.restore(plugin='Datagrid', group_by=[], columns=['label', 'x'], sort=[['label', 'asc']])");
        for (const n of [1, 2]) {
            await until(async () => {
                const config = await viewerConfig(n);
                return config.plugin === "Datagrid" && config.group_by.length === 0 &&
                    JSON.stringify(config.sort) === '[["label","asc"]]';
            }, `viewer ${n} restored from Python`);
        }
        await until(async () => /ten[\s\S]*thirty[\s\S]*twenty/.test(await text(2)), "the copy's grid");
        await printed("print('SESSIONS', len(second._sessions))", "SESSIONS 2", "two sessions");
        await page.screenshot({ path: path.join(shots, "3-traits.png"), fullPage: true });
        assert.deepEqual(errors.filter((e) => !/favicon|404/.test(e)), [], "no page errors");
    } catch (error) {
        if (page) await page.screenshot({ path: path.join(shots, "failed.png"), fullPage: true });
        fs.writeFileSync(path.join(shots, "notebook.log"), log);
        console.log("page errors:", errors, "\nconsole:", logs.slice(-40).join("\n"),
            "\nnotebook log:", log.slice(-3000));
        throw error;
    } finally {
        clearTimeout(watchdog);
        await context.close();
        notebook.kill("SIGTERM");
        await new Promise((resolve) => (notebook.exitCode !== null ? resolve() : notebook.on("exit", resolve)));
        fs.rmSync(scratch, { recursive: true, force: true });
    }
});
