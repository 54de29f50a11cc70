// PerspectiveWidget's front end for the classic notebook (ipywidgets 6, "jupyter-js-widgets"):
// a <perspective-viewer> whose client speaks the Perspective protocol over the widget's comm
// channel (binary buffers both ways) to a session of the kernel's Server. Installed in
// share/jupyter/nbextensions/parallax-widget/ with the viewer's browser builds beside it
// (node_modules/@finos/...), which it imports as ES modules.
define(["jupyter-js-widgets"], function (widgets) {
    "use strict";
    const base = require.toUrl("nbextensions/parallax-widget/").replace(/\?.*$/, "");
    const packages = base + "node_modules/@finos/";
    const CONFIG = ["plugin", "columns", "group_by", "split_by", "aggregates", "sort", "filter",
        "filter_op", "expressions", "plugin_config", "columns_config", "theme", "title",
        "settings"];
    let viewerReady = null;

    // The viewer and its plugins, once per page; answers the viewer's wasm module (its Client).
    function loadViewer() {
        if (!viewerReady) {
            const css = document.createElement("link");
            css.rel = "stylesheet";
            css.href = packages + "perspective-viewer/dist/css/themes.css";
            document.head.appendChild(css);
            viewerReady = (async () => {
                // UMD code inside the bundles must not register itself with the page's
                // requirejs ("Mismatched anonymous define()"): define.amd is hidden meanwhile.
                const amd = window.define && window.define.amd;
                if (amd) window.define.amd = undefined;
                try {
                    await import(packages + "perspective-viewer/dist/cdn/perspective-viewer.js");
                    await import(packages + "perspective-viewer-datagrid/dist/cdn/perspective-viewer-datagrid.js");
                    await import(packages + "perspective-viewer-d3fc/dist/cdn/perspective-viewer-d3fc.js");
                } finally {
                    if (amd) window.define.amd = amd;
                }
                await customElements.whenDefined("perspective-viewer");
                return await customElements.get("perspective-viewer").__wasm_module__;
            })();
        }
        return viewerReady;
    }

    function newId() {
        return Math.random().toString(36).slice(2) + Date.now().toString(36);
    }

    const PerspectiveView = widgets.DOMWidgetView.extend({
        render: function () {
            this.viewId = newId();
            this.el.classList.add("parallax-widget");
            // A box of our own: ipywidgets' layout model owns the styles of this.el.
            this.box = document.createElement("div");
            this.box.style.display = "flex";
            this.box.style.height = this.model.get("height");
            this.el.appendChild(this.box);
            this.listenTo(this.model, "change:height", () => {
                this.box.style.height = this.model.get("height");
            });
            this.applying = false;
            this.listenTo(this.model, "msg:custom", this.onMessage);
            this.listenTo(this.model, "change:table_name", this.loadTable);
            for (const name of CONFIG) {
                this.listenTo(this.model, "change:" + name, this.restoreFromModel);
            }
            this.ready = loadViewer().then((wasm) => {
                // Made once the scripts and plugins are in: made before, the second of two
                // widgets rendered at once came up with the Debug plugin, and restoring its
                // settings (plugin Datagrid) trapped in the viewer's wasm ('unreachable').
                this.viewer = document.createElement("perspective-viewer");
                this.viewer.style.flex = "1";
                this.box.appendChild(this.viewer);
                this.viewer.addEventListener("perspective-config-update", () => this.saveToModel());
                this.client = new wasm.Client(
                    async (bytes) => {
                        const copy = bytes.slice();
                        this.send({ type: "request", view: this.viewId }, [copy.buffer]);
                    },
                    async () => this.send({ type: "close", view: this.viewId }),
                );
                return this.loadTable();
            }).catch((error) => {
                console.error("parallax widget:", error);
                this.el.textContent = "PerspectiveWidget failed: " + error;
            });
        },

        // Answers and notifications from the kernel's session for this view.
        onMessage: function (content, buffers) {
            if (!content || content.view !== this.viewId || content.type !== "response") return;
            const buffer = buffers[0];
            const bytes = buffer instanceof DataView
                ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
                : new Uint8Array(buffer.buffer || buffer);
            this.client.handle_response(bytes.slice().buffer);  // an ArrayBuffer, as a websocket gives
        },

        config: function () {
            const config = {};
            for (const name of CONFIG) {
                const value = this.model.get(name);
                if (value !== undefined) config[name] = value;
            }
            if (config.title === null) delete config.title;
            if (config.columns === null) delete config.columns;
            if (config.plugin_config && Object.keys(config.plugin_config).length === 0) {
                delete config.plugin_config;
            }
            return config;
        },

        // Loads a table (`load`, if given), then restores the traits. What comes meanwhile
        // (Python sets traits one message at a time) is done once more when that is over.
        apply: async function (load) {
            if (load) this.pendingLoad = load;
            this.pending = true;
            if (this.applying) return;
            this.applying = true;
            try {
                while (this.pending) {
                    this.pending = false;
                    const next = this.pendingLoad;
                    this.pendingLoad = null;
                    if (next) await next();
                    await this.viewer.restore(this.config());
                }
                // Loaded and its settings applied: what the tests wait for.
                if (this.loadedName) this.el.dataset.loaded = this.loadedName;
            } finally {
                this.applying = false;
            }
        },

        loadTable: async function () {
            const name = this.model.get("table_name");
            if (!name || !this.client) return;
            await this.apply(async () => {
                await this.viewer.load(this.client.open_table(name));
                this.loadedName = name;
            });
        },

        restoreFromModel: async function () {
            // Not the changes this view made itself (the viewer has them: restoring them again
            // would run a second restore beside the user's), nor before the table is loaded
            // (loadTable restores them).
            if (this.fromViewer || !this.client) return;
            await this.apply(null);
        },

        // The user changed the viewer: its settings go back to the kernel's traits.
        saveToModel: async function () {
            if (this.applying) return;
            const saved = await this.viewer.save();
            let changed = false;
            for (const name of CONFIG) {
                if (!(name in saved)) continue;
                const value = saved[name] === undefined ? null : saved[name];
                if (JSON.stringify(value) !== JSON.stringify(this.model.get(name))) {
                    this.fromViewer = true;
                    try {
                        this.model.set(name, value);
                    } finally {
                        this.fromViewer = false;
                    }
                    changed = true;
                }
            }
            if (changed) this.touch();
        },

        remove: function () {
            if (this.client) {
                this.send({ type: "close", view: this.viewId });
            }
            if (this.viewer && this.viewer.delete) {
                this.viewer.delete().catch(() => {});
            }
            return widgets.DOMWidgetView.prototype.remove.apply(this, arguments);
        },
    });

    return { PerspectiveView: PerspectiveView };
});
