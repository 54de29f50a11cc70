// What the server's node tests share beyond serve.mjs (re-exported here): the reference's
// client from the oracle's node_modules.
import path from "node:path";
import { createRequire } from "node:module";

import { repo } from "./serve.mjs";

export { parallax, repo, serve, until } from "./serve.mjs";
export const oracleModules = path.resolve(
    process.env.ORACLE_NODE_MODULES ?? path.join(repo, "tests", "oracle", "node_modules"));
export const requireOracle = createRequire(path.join(oracleModules, "x.js"));
export const perspective = (await import(requireOracle.resolve("@finos/perspective"))).default;
