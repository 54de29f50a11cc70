// Runs a replay script (tests/oracle/README.md) on DuckDB, in one process, translating each
// operation into the SQL that answers the same question, and prints one line per operation as
// `replay --timing` does: {"ok": ...} or {"error": ...} with "ms", the operation's wall time.
//
// usage: node duckdb_replay.mjs SCRIPT.jsonl
//
// DuckDB has no live views, so a "view" only records its query; the read that follows
// (to_columns, num_rows, ...) runs it with the window as LIMIT/OFFSET. A label's time (the sum
// of its lines) is therefore the one-shot query. Grouped views are a ROLLUP over the group_by
// columns (the reference's tree: a total row, then each level), split_by a FILTERed aggregate
// per distinct split value, sorted by the group keys as the reference sorts its tree.
// Updates of an indexed table are upserts (INSERT ... ON CONFLICT DO UPDATE). Only what the
// benchmark workloads use is translated; anything else answers an error.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const quoteName = (name) => '"' + String(name).replaceAll('"', '""') + '"';
const quoteText = (text) => "'" + String(text).replaceAll("'", "''") + "'";
const literal = (value) => {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return quoteText(value);
};

// The table function reading the file at op.path in op.format (CSV when none).
const readerOf = (op) => {
  const file = quoteText(op.path);
  switch (op.format ?? 'csv') {
    case 'csv': return `read_csv(${file}, header = true)`;
    case 'json': return `read_json(${file}, format = 'array')`;
    case 'ndjson': return `read_json(${file}, format = 'newline_delimited')`;
    default: throw new Error(`format '${op.format}' is not translated`);
  }
};
const aggregateSql = {
  sum: (c) => `sum(${c})`,
  avg: (c) => `avg(${c})`,
  mean: (c) => `avg(${c})`,
  count: (c) => `count(${c})`,
  min: (c) => `min(${c})`,
  max: (c) => `max(${c})`,
  'distinct count': (c) => `count(DISTINCT ${c})`,
  median: (c) => `median(${c})`,
  first: (c) => `first(${c})`,
  last: (c) => `last(${c})`,
};

const filterSql = ([column, op, value]) => {
  const c = quoteName(column);
  switch (op) {
    case '==': return `${c} = ${literal(value)}`;
    case '!=': return `${c} <> ${literal(value)}`;
    case '>': case '<': case '>=': case '<=': return `${c} ${op} ${literal(value)}`;
    case 'is null': return `${c} IS NULL`;
    case 'is not null': return `${c} IS NOT NULL`;
    case 'in': return `${c} IN (${value.map(literal).join(', ')})`;
    case 'not in': return `${c} NOT IN (${value.map(literal).join(', ')})`;
    case 'contains': return `contains(${c}, ${literal(value)})`;
    default: throw new Error(`filter operator '${op}' is not translated`);
  }
};

class Session {
  constructor(connection) {
    this.connection = connection;
    this.tables = new Map();  // name -> {index, columns}
    this.views = new Map();   // name -> {table, config}
  }

  async query(sql) {
    return (await this.connection.runAndReadAll(sql)).getColumnsObjectJson();
  }

  async run(op) {
    switch (op.op) {
      case 'table': return this.createTable(op);
      case 'update': return this.update(op);
      case 'view': return this.createView(op);
      case 'delete_view': this.views.delete(op.view ?? 'v'); return null;
      case 'to_columns': return this.read(op);
      case 'num_rows': return this.numRows(op);
      case 'size': return Number((await this.query(`SELECT count(*) AS n FROM ${quoteName(op.table ?? 't')}`)).n[0]);
      default: throw new Error(`op '${op.op}' is not translated`);
    }
  }

  async createTable(op) {
    if (!op.path) throw new Error('only tables from a "path" are translated');
    const name = quoteName(op.name ?? 't');
    const source = readerOf(op);
    if (op.index) {
      // A primary key needs the column list up front: take the types the reader infers.
      const described = await this.query(`DESCRIBE SELECT * FROM ${source}`);
      const columns = described.column_name.map((c, i) => `${quoteName(c)} ${described.column_type[i]}`);
      await this.connection.run(`CREATE TABLE ${name} (${columns.join(', ')}, PRIMARY KEY (${quoteName(op.index)}))`);
      await this.connection.run(`INSERT INTO ${name} SELECT * FROM ${source}`);
    } else {
      await this.connection.run(`CREATE TABLE ${name} AS SELECT * FROM ${source}`);
    }
    this.tables.set(op.name ?? 't', { index: op.index });
    return null;
  }

  async update(op) {
    const table = this.tables.get(op.table ?? 't');
    if (!table) throw new Error(`no table named '${op.table ?? 't'}'`);
    if (!Array.isArray(op.data)) throw new Error('only row-list updates are translated');
    for (const row of op.data) {
      const names = Object.keys(row);
      const values = names.map((n) => literal(row[n])).join(', ');
      let sql = `INSERT INTO ${quoteName(op.table ?? 't')} (${names.map(quoteName).join(', ')}) VALUES (${values})`;
      if (table.index) {
        const set = names.filter((n) => n !== table.index).map((n) => `${quoteName(n)} = excluded.${quoteName(n)}`);
        sql += ` ON CONFLICT (${quoteName(table.index)}) DO UPDATE SET ${set.join(', ')}`;
      }
      await this.connection.run(sql);
    }
    return null;
  }

  async createView(op) {
    if (!this.tables.has(op.table ?? 't')) throw new Error(`no table named '${op.table ?? 't'}'`);
    const config = op.config ?? {};
    const split = config.split_by ?? [];
    // The distinct split values name the pivoted columns, as the reference's column paths.
    let splitValues = [];
    if (split.length) {
      const keys = split.map(quoteName).join(', ');
      const distinct = await this.query(`SELECT DISTINCT ${keys} FROM ${quoteName(op.table ?? 't')} ORDER BY ${keys}`);
      splitValues = distinct[split[0]].map((_, i) => split.map((c) => distinct[c][i]));
    }
    this.views.set(op.name ?? 'v', { table: op.table ?? 't', config, splitValues });
    return null;
  }

  viewSql(view) {
    const { config } = view;
    const from = quoteName(view.table);
    const where = (config.filter ?? []).map(filterSql);
    const whereSql = where.length ? ` WHERE ${where.join(config.filter_op === 'or' ? ' OR ' : ' AND ')}` : '';
    const groupBy = config.group_by ?? [];
    if (!groupBy.length) {
      const columns = config.columns ? config.columns.map(quoteName).join(', ') : '*';
      const sort = (config.sort ?? []).map(([c, d]) => `${quoteName(c)} ${d.startsWith('desc') ? 'DESC' : 'ASC'} NULLS LAST`);
      return `SELECT ${columns} FROM ${from}${whereSql}${sort.length ? ' ORDER BY ' + sort.join(', ') : ''}`;
    }
    const aggregates = [];
    for (const column of config.columns ?? []) {
      const kind = config.aggregates?.[column] ?? 'sum';
      const make = aggregateSql[kind];
      if (!make) throw new Error(`aggregate '${kind}' is not translated`);
      if (!view.splitValues.length) {
        aggregates.push(`${make(quoteName(column))} AS ${quoteName(column)}`);
        continue;
      }
      for (const values of view.splitValues) {
        const match = (config.split_by).map((c, i) => `${quoteName(c)} IS NOT DISTINCT FROM ${literal(values[i])}`).join(' AND ');
        const path = [...values.map(String), column].join('|');
        aggregates.push(`${make(quoteName(column))} FILTER (WHERE ${match}) AS ${quoteName(path)}`);
      }
    }
    const keys = groupBy.map(quoteName);
    return `SELECT ${keys.join(', ')}, ${aggregates.join(', ')} FROM ${from}${whereSql} GROUP BY ROLLUP (${keys.join(', ')}) ORDER BY ${keys.map((k) => `${k} ASC NULLS FIRST`).join(', ')}`;
  }

  async read(op) {
    const view = this.views.get(op.view ?? 'v');
    if (!view) throw new Error(`no view named '${op.view ?? 'v'}'`);
    const window = op.window ?? {};
    const start = Math.max(0, Math.floor(window.start_row ?? 0));
    let sql = this.viewSql(view);
    if (window.end_row !== undefined) sql += ` LIMIT ${Math.max(0, Math.ceil(window.end_row) - start)}`;
    if (start > 0) sql += `${window.end_row === undefined ? ' LIMIT ALL' : ''} OFFSET ${start}`;
    return this.query(sql);
  }

  async numRows(op) {
    const view = this.views.get(op.view ?? 'v');
    if (!view) throw new Error(`no view named '${op.view ?? 'v'}'`);
    return Number((await this.query(`SELECT count(*) AS n FROM (${this.viewSql(view)})`)).n[0]);
  }
}

const script = readFileSync(process.argv[2], 'utf8').split('\n').filter((line) => line.trim());
const instance = await DuckDBInstance.create(':memory:');
const session = new Session(await instance.connect());
for (const line of script) {
  const began = performance.now();
  let result;
  try {
    result = { ok: await session.run(JSON.parse(line)) };
  } catch (error) {
    result = { error: String(error.message ?? error) };
  }
  result.ms = Number((performance.now() - began).toFixed(3));
  process.stdout.write(JSON.stringify(result, (k, v) => (typeof v === 'bigint' ? Number(v) : v)) + '\n');
}
