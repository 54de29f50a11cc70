// Real brokers and databases for the live-source tests, each started by the test on free
// loopback ports in a temporary folder and stopped by its pid (never a system service):
// mosquitto, rabbitmq-server (with its own epmd) and PostgreSQL (initdb + pg_ctl).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export async function freePort() {
    return await new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

export async function waitForPort(port, timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const open = await new Promise((resolve) => {
            const socket = net.connect(port, "127.0.0.1");
            socket.on("connect", () => { socket.destroy(); resolve(true); });
            socket.on("error", () => resolve(false));
        });
        if (open) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

function stopProcess(proc, signal = "SIGTERM") {
    return new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.on("exit", resolve);
        proc.kill(signal);
    });
}

// mosquitto with a persistent store (QoS 1 sessions survive its restart); restart() brings it
// back on the same port with the same store.
export async function startMosquitto(dir, extraConfig = []) {
    fs.mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const config = path.join(dir, "mosquitto.conf");
    fs.writeFileSync(config, [
        `listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence true",
        `persistence_location ${dir}/`, "autosave_interval 1", "user root", ...extraConfig, "",
    ].join("\n"));
    let log = "";
    const launch = async () => {
        const proc = spawn("mosquitto", ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
        proc.stderr.on("data", (d) => (log += d));
        await waitForPort(port, 10000);
        return proc;
    };
    let proc = await launch();
    return {
        port,
        url: `mqtt://127.0.0.1:${port}`,
        log: () => log,
        pid: () => proc.pid,
        // Publishes each of `messages` (strings or Buffers) as one message, QoS 1.
        publish(topic, messages) {
            const lines = messages.filter((m) => typeof m === "string");
            if (lines.length === messages.length && lines.every((m) => !m.includes("\n"))) {
                execFileSync("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(port), "-q", "1",
                    "-t", topic, "-l"], { input: lines.join("\n") + "\n" });
                return;
            }
            for (const message of messages) {
                const file = path.join(dir, "message.bin");
                fs.writeFileSync(file, message);
                execFileSync("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(port), "-q", "1",
                    "-t", topic, "-f", file]);
            }
        },
        async stop() { await stopProcess(proc); },
        async restart() { proc = await launch(); },
    };
}

// rabbitmq-server with its own epmd, node name, ports (AMQP, distribution) and folders. Slow to
// start (10-30 s): a test shares one. restart() keeps its data (durable queues, persistent
// messages).
export async function startRabbitmq(dir) {
    fs.mkdirSync(path.join(dir, "home"), { recursive: true });
    const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
    fs.writeFileSync(path.join(dir, "enabled_plugins"), "[].\n");
    fs.writeFileSync(path.join(dir, "rabbitmq.conf"), "loopback_users = none\n");
    fs.writeFileSync(path.join(dir, "rabbitmq-env.conf"), "");
    const env = {
        ...process.env,
        HOME: path.join(dir, "home"),
        ERL_EPMD_PORT: String(epmdPort),
        ERL_EPMD_ADDRESS: "127.0.0.1",
        RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
        RABBITMQ_NODE_PORT: String(port),
        RABBITMQ_DIST_PORT: String(distPort),
        RABBITMQ_NODENAME: `parallax_test_${port}@localhost`,
        RABBITMQ_USE_LONGNAME: "false",
        RABBITMQ_MNESIA_BASE: path.join(dir, "mnesia"),
        RABBITMQ_LOG_BASE: path.join(dir, "log"),
        RABBITMQ_LOGS: "-",
        RABBITMQ_CONFIG_FILE: path.join(dir, "rabbitmq"),
        RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, "advanced.config"),
        RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, "enabled_plugins"),
        RABBITMQ_CONF_ENV_FILE: path.join(dir, "rabbitmq-env.conf"),
        RABBITMQ_PID_FILE: path.join(dir, "rabbitmq.pid"),
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1}",
    };
    // Our own epmd on its own port, stopped at the end (rabbitmq would start a shared one).
    const epmd = spawn("epmd", ["-port", String(epmdPort)], { env, stdio: "ignore" });
    let log = "";
    const launch = async () => {
        const proc = spawn("/usr/lib/rabbitmq/bin/rabbitmq-server", [], { env, stdio: ["ignore", "pipe", "pipe"] });
        proc.stdout.on("data", (d) => (log += d));
        proc.stderr.on("data", (d) => (log += d));
        await waitForPort(port, 120000);
        return proc;
    };
    let proc = await launch();
    const url = `amqp://guest:guest@127.0.0.1:${port}`;
    return {
        port,
        url: url + "/",
        log: () => log,
        declare(queue) {
            execFileSync("amqp-declare-queue", [`--url=${url}`, "-d", "-q", queue], { stdio: "ignore" });
        },
        // Publishes each of `messages` persistently to `queue` (through the default exchange).
        publish(queue, messages) {
            for (const message of messages) {
                execFileSync("amqp-publish", [`--url=${url}`, "-r", queue, "-p", "-b", message]);
            }
        },
        // A queue's counts: {ready, unacknowledged} (rabbitmqctl, a few seconds a call).
        counts(queue) {
            const out = execFileSync("/usr/lib/rabbitmq/bin/rabbitmqctl", ["-n", env.RABBITMQ_NODENAME, "-q",
                "list_queues", "name", "messages_ready", "messages_unacknowledged"], { env }).toString();
            const line = out.split("\n").map((l) => l.trim().split(/\s+/)).find((f) => f[0] === queue);
            return line ? { ready: Number(line[1]), unacknowledged: Number(line[2]) } : undefined;
        },
        async stop() {
            // rabbitmq-server's script waits for the Erlang VM; stopping it stops the node.
            await stopProcess(proc);
        },
        async restart() { proc = await launch(); },
        async close() {
            await stopProcess(proc);
            await stopProcess(epmd);
        },
    };
}

// A PostgreSQL cluster made by initdb in `dir`, run by pg_ctl on a free port (unix socket in
// `dir` too); psql() runs SQL as the superuser. Run as root, the cluster belongs to `postgres`.
const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
export async function startPostgres(dir) {
    fs.mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const data = path.join(dir, "data");
    const asRoot = process.getuid() === 0;
    const run = (command, args, options = {}) => asRoot
        ? execFileSync("runuser", ["-u", "postgres", "--", path.join(PG_BIN, command), ...args], options)
        : execFileSync(path.join(PG_BIN, command), args, options);
    if (asRoot) {
        execFileSync("chown", ["-R", "postgres", dir]);
        fs.chmodSync(path.dirname(dir), 0o711);  // the test's scratch folder: postgres may pass
    }
    run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], { stdio: "ignore" });
    const start = () => run("pg_ctl", ["-D", data, "-l", path.join(dir, "log"), "-w", "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"], { stdio: "ignore" });
    start();
    const dsn = `host=127.0.0.1 port=${port} dbname=postgres user=postgres`;
    return {
        port,
        dsn,
        psql(sql) {
            return execFileSync("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres",
                "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]).toString();
        },
        async stop() { run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"], { stdio: "ignore" }); },
        async restart() { start(); },
    };
}
