// Asks the reference engine to validate expressions: reads {"schema": {col: type},
// "expressions": {name: text}} as JSON on stdin and prints its validate_expressions answer.
import { createRequire } from "node:module";
import fs from "node:fs";

const base = process.env.ORACLE_NODE_MODULES;
const require = createRequire(base.replace(/\/?$/, "/") + "x.js");
const perspective = (await import(require.resolve("@finos/perspective"))).default;
const request = JSON.parse(fs.readFileSync(0, "utf8"));
const table = await perspective.table(request.schema);
const answer = await table.validate_expressions(request.expressions);
process.stdout.write(JSON.stringify(answer) + "\n");
process.exit(0);
