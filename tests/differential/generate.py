#!/usr/bin/env python3
"""Generate deterministic random replay scripts for the differential suite.

usage: generate.py OUTDIR [--count N] [--seed S]

Writes OUTDIR/scenario_0000.jsonl ... (one JSON op per line, the replay format of
tests/oracle/README.md). Scope: tables and flat views only (no group_by, split_by,
aggregates, expressions, to_arrow, expand/collapse). The same (count, seed) always
gives byte-identical files.

Generation rules that keep the scripts meaningful against the reference (see README.md):
  * every table in a script has a unique name (the reference silently reuses a table
    when a name is taken);
  * inferred inputs (rows, columns dict, CSV, ndjson) always hold at least one non-null
    value per column, so the inferred type is the intended one; ndjson's first row has
    no nulls (the reference infers ndjson types from the first row, a null there gives
    "string");
  * float values in inferred inputs are never integral (an int seen before a float makes
    the reference promote the column and turn earlier nulls into 0, a reference bug);
  * strings never look like numbers, booleans or dates (those would be inferred as such);
  * datetime filter values are ISO strings, never epoch numbers (the reference truncates
    large numeric datetime filter values);
  * datetimes are written in one format per column; naive strings are parsed as UTC by
    the reference whatever the TZ, so they are used as well as "Z" ones;
  * reference bugs steered around (docs/differences.md): under "or", string ==/!= become
    in/not in; views without columns have no filter and no limit table; no update of empty
    columns. The reference's live views drift from a fresh view of the same rows (nulls
    written into an empty table, stale filters): the expected answers come from the
    fresh-state oracle (tests/oracle/README.md), so nulls and upserts go anywhere.
"""
import argparse
import datetime as _dt
import json
import os
import random
import sys

TYPES = ["boolean", "integer", "float", "string", "date", "datetime"]

NAME_POOL = [
    "id", "x", "y", "z", "a", "b", "qty", "price", "name", "city", "flag", "when", "day",
    "amount", "Score", "value", "note", "col 1", "col 2", "first name", "last name",
    "unit price", "is active", "créé le", "größe", "prix €", "名前", "数量", "Ωmega", "naïve",
    "ключ", "x-y", "a.b", "tab_1", "with, comma", "emoji 🚀", "día", "über alles",
    "Mixed Case", "  lead space", "trail space ", "#hash", "$dollar", "q\"uote",
]

WORDS = [
    "apple", "banana", "cherry", "date fruit", "elder", "fig", "grape", "Apple", "APPLE",
    "kiwi", "lemon", "mango", "nut", "olive", "pear", "quince", "red apple", "apple pie",
    "zeta", "Zulu", "alpha beta", "b", "a", "ab", "abc", "hello, world", "say \"hi\"",
    "tab\there", "café", "naïve", "Ünïcödé", "東京", "北京市", "Москва", "emoji 😀", "🚀 rocket",
    "x y z", "o'clock", "semi;colon", "slash/path", "back\\slash", "under_score", "dash-ed",
    "MiXeD", "null-ish", "None at all", "NaN-ish word", "the end", "end", "ending", "pending",
]

DT_FORMATS = ["space", "tfrac", "z", "tfracz"]


def iso_date(days):
    return (_dt.date(1970, 1, 1) + _dt.timedelta(days=days)).isoformat()


def fmt_datetime(ms, fmt):
    d = _dt.datetime(1970, 1, 1) + _dt.timedelta(milliseconds=ms)
    base = d.strftime("%Y-%m-%d")
    hms = d.strftime("%H:%M:%S")
    frac = "%03d" % (ms % 1000)
    if fmt == "space":
        return f"{base} {hms}"
    if fmt == "tfrac":
        return f"{base}T{hms}.{frac}"
    if fmt == "z":
        return f"{base}T{hms}Z"
    return f"{base}T{hms}.{frac}Z"


DAY0 = (_dt.date(1990, 1, 1) - _dt.date(1970, 1, 1)).days
DAY1 = (_dt.date(2030, 12, 31) - _dt.date(1970, 1, 1)).days


class Column:
    def __init__(self, rng, name, ctype):
        self.name = name
        self.type = ctype
        self.null_rate = rng.choice([0.0, 0.0, 0.1, 0.2, 0.4])
        self.dt_format = rng.choice(DT_FORMATS)
        self.seen = []  # non-null values written so far (filters pick from these)
        # Small pools make ties, repeated values and matching filters likely.
        if ctype == "integer":
            self.pool = sorted({rng.randint(-20, 20) for _ in range(rng.randint(3, 8))})
            self.wide = rng.random() < 0.4
        elif ctype == "float":
            self.pool = sorted({self._float(rng) for _ in range(rng.randint(3, 8))})
        elif ctype == "string":
            self.pool = rng.sample(WORDS, rng.randint(3, 10))
        elif ctype == "date":
            self.pool = sorted({rng.randint(DAY0, DAY1) for _ in range(rng.randint(3, 8))})
        elif ctype == "datetime":
            step = 1000 if self.dt_format in ("space", "z") else 1
            self.pool = sorted({rng.randint(DAY0 * 86400000, DAY1 * 86400000) // step * step
                                for _ in range(rng.randint(3, 8))})

    @staticmethod
    def _float(rng):
        r = rng.random()
        if r < 0.25:
            return rng.choice([0.1, 0.2, 0.3, 0.7, 1.1, 2.675, -0.1, 1e-3, 33.3, 0.5, -2.5, 1234.56])
        v = round(rng.uniform(-1000, 1000), rng.choice([1, 2, 3]))
        if v == int(v):
            v += 0.25
        return v

    def value(self, rng, allow_null=True, integral_ok=True):
        """A value in canonical form: int/float/str/bool, dates as day numbers, datetimes as ms."""
        if allow_null and rng.random() < self.null_rate:
            return None
        t = self.type
        if t == "boolean":
            return rng.random() < 0.5
        if t == "integer":
            if self.wide and rng.random() < 0.3:
                return rng.randint(-2**31 + 1, 2**31 - 1)
            return rng.choice(self.pool) if rng.random() < 0.7 else rng.randint(-1000, 1000)
        if t == "float":
            v = rng.choice(self.pool) if rng.random() < 0.7 else self._float(rng)
            if integral_ok and rng.random() < 0.05:
                v = float(rng.randint(-5, 5))
            return v
        if t == "string":
            if rng.random() < 0.8:
                return rng.choice(self.pool)
            return rng.choice(WORDS) + rng.choice(["", " ", "-"]) + rng.choice(WORDS)
        if t == "date":
            return rng.choice(self.pool) if rng.random() < 0.7 else rng.randint(DAY0, DAY1)
        if rng.random() < 0.7:
            return rng.choice(self.pool)
        step = 1000 if self.dt_format in ("space", "z") else 1
        return rng.randint(DAY0 * 86400000, DAY1 * 86400000) // step * step

    def key_value(self, rng):
        """An index key: from a small pool so updates and removes hit existing rows."""
        if self.type == "integer":
            return rng.randint(0, 30)
        return rng.choice(["k" + str(rng.randint(0, 30)), rng.choice(self.pool)])

    # Encodings -----------------------------------------------------------
    def json_value(self, v, rng, typed):
        """JSON encoding. typed: the table already has a schema (numbers ok for datetimes)."""
        if v is None:
            return None
        if self.type == "date":
            return iso_date(v)
        if self.type == "datetime":
            if typed and rng.random() < 0.3:
                return v
            return fmt_datetime(v, self.dt_format)
        return v

    def csv_value(self, v):
        if v is None:
            return ""
        t = self.type
        if t == "boolean":
            return "true" if v else "false"
        if t in ("integer", "float"):
            return json.dumps(v)
        if t == "date":
            return iso_date(v)
        if t == "datetime":
            return fmt_datetime(v, self.dt_format)
        return csv_quote(v, force=False)

    def filter_value(self, v, rng):
        if self.type == "date":
            return iso_date(v)
        if self.type == "datetime":
            return fmt_datetime(v, rng.choice(DT_FORMATS))
        return v


def csv_quote(s, force=False):
    if force or any(c in s for c in ',"\n\r') or s != s.strip() or s == "":
        return '"' + s.replace('"', '""') + '"'
    return s


class Table:
    def __init__(self, name, cols, index, limit):
        self.name = name
        self.cols = cols
        self.index = index  # Column or None
        self.limit = limit
        self.keys = set()  # index keys believed present
        self.ever_keys = set()  # every index key ever written (the reference may remember them)
        self.views = []  # View records, live ones only
        # Whether to_arrow shows Parallax's widths: not for tables made from CSV, whose integers
        # the reference stores as 64-bit (docs/differences.md, "Choices").
        self.arrow_typed = True


class View:
    def __init__(self, name, visible):
        self.name = name
        self.visible = visible


def pick_names(rng, n):
    names = rng.sample(NAME_POOL, n)
    return names


def make_rows(rng, table, n, inferred):
    """n full rows (dicts name->canonical value); inferred: keep inference unambiguous."""
    rows = []
    for i in range(n):
        row = {}
        for c in table.cols:
            if table.index is c:
                v = c.key_value(rng)
            else:
                v = c.value(rng, integral_ok=not inferred)
            row[c.name] = v
            if v is not None:
                c.seen.append(v)
        rows.append(row)
    if inferred and rows:
        # Each column needs a non-null value somewhere.
        for c in table.cols:
            if all(r[c.name] is None for r in rows):
                v = c.value(rng, allow_null=False, integral_ok=False)
                rows[rng.randrange(len(rows))][c.name] = v
                c.seen.append(v)
    return rows


def encode(rng, table, rows, fmt, typed, col_names=None):
    """Encode canonical rows in one input format. Returns (data, format_or_None)."""
    cols = [c for c in table.cols if col_names is None or c.name in col_names]
    if fmt == "rows":
        out = []
        for r in rows:
            out.append({c.name: c.json_value(r[c.name], rng, typed) for c in cols if c.name in r})
        return out, None
    if fmt == "columns":
        return {c.name: [c.json_value(r.get(c.name), rng, typed) for r in rows] for c in cols}, None
    if fmt == "ndjson":
        lines = [json.dumps({c.name: c.json_value(r[c.name], rng, typed) for c in cols
                             if c.name in r}, ensure_ascii=False) for r in rows]
        return "\n".join(lines) + rng.choice(["", "\n"]), "ndjson"
    # csv
    force = rng.random() < 0.3
    header = ",".join(csv_quote(c.name, force) for c in cols)
    lines = [header]
    for r in rows:
        fields = []
        for c in cols:
            v = r.get(c.name)
            if c.type == "string" and v is not None and force:
                fields.append(csv_quote(v, True))
            elif v is None and len(cols) == 1:
                fields.append('""')  # a blank line is no row; a quoted empty field is a null
            else:
                fields.append(c.csv_value(v))
        lines.append(",".join(fields))
    return "\n".join(lines) + "\n", None


class Scenario:
    def __init__(self, rng):
        self.rng = rng
        self.ops = []
        self.tables = []
        self.view_names = set()
        self.table_names = set()
        self.list_filter_views = set()  # views asked for no config (see view())

    def emit(self, op):
        self.ops.append(op)

    def top(self, op, table):
        if table.name != "t" or self.rng.random() < 0.5:
            op["table"] = table.name
        return op

    def vop(self, op, vname):
        if vname != "v" or self.rng.random() < 0.5:
            op["view"] = vname
        return op

    # Tables -------------------------------------------------------------
    def new_table(self):
        rng = self.rng
        if not self.table_names:
            name = "t"
        else:
            name = rng.choice(["t2", "other", "tbl 3", "données", "表"])
            while name in self.table_names:
                name += "_"
        self.table_names.add(name)
        ncols = rng.choice([1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8])
        names = pick_names(rng, ncols)
        cols = [Column(rng, n, rng.choice(TYPES)) for n in names]
        index = None
        limit = None
        r = rng.random()
        keyable = [c for c in cols if c.type in ("integer", "string")]
        if r < 0.35 and keyable:
            index = rng.choice(keyable)
        elif r < 0.5:
            limit = rng.randint(1, 15)
        t = Table(name, cols, index, limit)
        mode = rng.choice(["rows", "rows", "columns", "csv", "schema", "ndjson"])
        t.arrow_typed = mode != "csv"
        if len(cols) == 1 and mode == "csv" and cols[0].type == "string":
            mode = "rows"  # a one-column CSV has no null strings: "" is the empty string
        op = {"op": "table"}
        if name != "t" or rng.random() < 0.5:
            op["name"] = name
        if mode == "schema":
            op["data"] = {c.name: c.type for c in cols}
        else:
            n = rng.randint(1, 25)
            rows = make_rows(rng, t, n, inferred=True)
            if mode == "ndjson":
                for c in cols:
                    if rows[0][c.name] is None:
                        rows[0][c.name] = c.value(rng, allow_null=False, integral_ok=False)
                        c.seen.append(rows[0][c.name])
            op["data"], f = encode(rng, t, rows, mode, typed=False)
            if f:
                op["format"] = f
            elif mode == "csv" and rng.random() < 0.3:
                op["format"] = "csv"
            elif mode == "columns" and rng.random() < 0.3:
                op["format"] = "columns"
            if index is not None:
                t.keys.update(r[index.name] for r in rows)
                t.ever_keys.update(t.keys)
        if index is not None:
            op["index"] = index.name
        if limit is not None:
            op["limit"] = limit
        self.emit(op)
        self.tables.append(t)
        return t

    # Views --------------------------------------------------------------
    def new_view(self, table):
        rng = self.rng
        name = "v" if "v" not in self.view_names else "v%d" % len(self.view_names)
        if rng.random() < 0.15:
            name = rng.choice(["view one", "vue é", "ビュー", "w"]) + str(len(self.view_names))
        self.view_names.add(name)
        names = [c.name for c in table.cols]
        config = {}
        visible = list(names)
        if rng.random() < 0.6:
            k = rng.randint(0 if rng.random() < 0.05 else 1, len(names))
            visible = rng.sample(names, k)
            config["columns"] = visible
        if rng.random() < 0.6:
            keys = rng.sample(names, min(len(names), rng.choice([1, 1, 2, 2, 3])))
            config["sort"] = [[k, rng.choice(["asc", "desc"])] for k in keys]
        if rng.random() < 0.6:
            nf = rng.choice([1, 1, 1, 1, 2, 2, 3])
            config["filter"] = [self.filter_clause(table) for _ in range(nf)]
            if rng.random() < 0.7:
                config["filter_op"] = rng.choice(["and", "or"])
            if config.get("filter_op") == "or":
                # Reference bug: under "or", string == matches nothing and != everything
                # (docs/differences.md). "in"/"not in" of the one value say the same.
                types = {c.name: c.type for c in table.cols}
                for clause in config["filter"]:
                    if types[clause[0]] == "string" and clause[1] in ("==", "!="):
                        clause[1:] = ["in" if clause[1] == "==" else "not in", [clause[2]]]
        if "columns" in config and not config["columns"] and table.limit is not None:
            # Reference bug: a view without columns on a table with a limit also counts the
            # rows the limit dropped (docs/differences.md).
            visible = config["columns"] = [rng.choice(names)]
        if "columns" in config and not config["columns"] and "filter" in config:
            # Reference bug: a view without columns ignores its filter (docs/differences.md).
            del config["filter"]
            config.pop("filter_op", None)
        op = self.top({"op": "view"}, table)
        if name != "v" or rng.random() < 0.5:
            op["name"] = name
        op["config"] = config
        self.emit(op)
        table.views.append(View(name, visible))
        # The reference's get_config echoes an in/not in list as n nulls followed by the n
        # values (docs/differences.md): such views are never asked for their config.
        if any(clause[1] in ("in", "not in") for clause in config.get("filter", [])):
            self.list_filter_views.add(name)
        else:
            self.list_filter_views.discard(name)
        return name

    def filter_clause(self, table):
        rng = self.rng
        c = rng.choice(table.cols)

        def some_value():
            if c.seen and rng.random() < 0.8:
                return rng.choice(c.seen)
            return c.value(rng, allow_null=False)

        t = c.type
        ops = ["==", "!=", "<", ">", "<=", ">=", "is null", "is not null"]
        if t in ("integer", "float", "string", "date", "datetime"):
            ops += ["in", "not in"]
        if t == "string":
            ops += ["begins with", "contains", "ends with"] * 2
        if t == "boolean":
            ops = ["==", "==", "!=", "is null", "is not null"]
        fop = rng.choice(ops)
        if t == "string" and rng.random() < 0.3:
            fop = rng.choice(["begins with", "contains", "ends with"])
        if fop in ("is null", "is not null"):
            return [c.name, fop]
        if fop in ("in", "not in"):
            vals = []
            for _ in range(rng.randint(1, 4)):
                v = some_value()
                vals.append(c.filter_value(v, rng))
            return [c.name, fop, vals]
        v = some_value()
        if t == "string" and fop in ("begins with", "contains", "ends with"):
            if rng.random() < 0.8 and len(v) > 1:
                i = rng.randint(0, len(v) - 1)
                j = rng.randint(i + 1, len(v))
                if fop == "begins with":
                    v = v[:j]
                elif fop == "ends with":
                    v = v[i:]
                else:
                    v = v[i:j]
            return [c.name, fop, v]
        if t == "float" and rng.random() < 0.3:
            v = float(rng.randint(-10, 10))
        return [c.name, fop, c.filter_value(v, rng)]

    # Reads --------------------------------------------------------------
    def window(self, table, visible, nrows_hint):
        rng = self.rng
        w = {}
        ncols = len(visible)
        hi = max(nrows_hint, 1)
        if rng.random() < 0.6:
            if rng.random() < 0.9:
                w["start_row"] = rng.choice([0, 0, 0, 1, 1, 2, 3]) if rng.random() < 0.9 else rng.randint(0, hi)
            if rng.random() < 0.9:
                w["end_row"] = w.get("start_row", 0) + rng.choice([0, 1, 1, 2, 3, 5, 10, hi + 3])
            # Out of range (a view without columns answers to_csv "" there in the reference,
            # docs/differences.md).
            if ncols and rng.random() < 0.03:
                w["start_row"] = rng.randint(hi + 1, hi + 5)
        if rng.random() < 0.35:
            if rng.random() < 0.8:
                w["start_col"] = rng.randint(0, max(ncols - 1, 0))
            if rng.random() < 0.8:
                w["end_col"] = rng.randint(w.get("start_col", 0) + 1, ncols + 2)
        if rng.random() < 0.2:
            w["id"] = True
        if rng.random() < 0.2 and table.index is not None:
            w["index"] = True
        return w

    def read(self, table):
        rng = self.rng
        r = rng.random()
        if r < 0.12 or not table.views:
            op = rng.choice(["size", "size", "table_schema", "columns"])
            self.emit(self.top({"op": op}, table))
            return
        view = rng.choice(table.views)
        vname, visible = view.name, view.visible
        unordered = ["num_rows", "num_columns", "dimensions", "schema", "column_paths", "config",
                     "min_max", "min_max"]
        op = rng.choice(["to_columns"] * 6 + ["to_json"] * 4 + ["to_csv"] * 3
                        + ["to_ndjson"] * 2 + ["to_arrow"] * (1 if table.arrow_typed else 0)
                        + unordered)
        if op == "config" and vname in self.list_filter_views:
            op = "column_paths"
        o = self.vop({"op": op}, vname)
        if op in ("to_columns", "to_json", "to_csv", "to_ndjson", "to_arrow") and rng.random() < 0.5:
            o["window"] = self.window(table, visible, self.row_hint)
        if op == "min_max":
            if not visible:
                return
            o["column"] = rng.choice(visible)
        self.emit(o)

    # Mutations ----------------------------------------------------------
    def update(self, table):
        rng = self.rng
        n = rng.choice([0, 1, 1, 2, 3, 4, 5, 8, 12])
        fmt = rng.choice(["rows", "rows", "rows", "columns", "csv", "ndjson"])
        if n == 0 and fmt == "columns":
            # {"a": []} is an error in the reference, a no-op in Parallax (docs/differences.md).
            n = 1
        partial_names = None
        rows = make_rows(rng, table, n, inferred=False)
        if table.index is not None:
            if rng.random() < 0.5:
                # Upsert existing keys.
                for r in rows:
                    if table.keys and rng.random() < 0.7:
                        r[table.index.name] = rng.choice(sorted(table.keys, key=repr))
            if rng.random() < 0.4 and len(table.cols) > 1:
                others = [c.name for c in table.cols if c is not table.index]
                partial_names = {table.index.name} | set(rng.sample(others, rng.randint(1, len(others))))
        elif rng.random() < 0.15 and len(table.cols) > 1 and fmt in ("rows", "ndjson"):
            partial_names = set(rng.sample([c.name for c in table.cols], rng.randint(1, len(table.cols) - 1)))
        if rng.random() < 0.2:
            # Explicit nulls.
            for r in rows:
                for c in table.cols:
                    if c is not table.index and rng.random() < 0.3:
                        r[c.name] = None
        if fmt == "rows" and partial_names is not None and rng.random() < 0.5:
            # Ragged partial rows: each row its own subset (still with the key).
            enc = []
            for r in rows:
                keep = [c for c in table.cols if c is table.index or rng.random() < 0.5]
                enc.append({c.name: c.json_value(r[c.name], rng, True) for c in keep})
            data, f = enc, None
        else:
            if fmt == "csv" and n == 0:
                fmt = "rows"
            data, f = encode(rng, table, rows, fmt, typed=True, col_names=partial_names)
        if table.index is not None:
            table.keys.update(r[table.index.name] for r in rows)
            table.ever_keys.update(table.keys)
        op = self.top({"op": "update"}, table)
        op["data"] = data
        if f:
            op["format"] = f
        self.emit(op)
        self.row_hint += n

    def remove(self, table):
        rng = self.rng
        keys = []
        for _ in range(rng.randint(1, 4)):
            if table.keys and rng.random() < 0.8:
                keys.append(rng.choice(sorted(table.keys, key=repr)))
            else:
                keys.append(table.index.key_value(rng))
        for k in keys:
            table.keys.discard(k)
        op = self.top({"op": "remove"}, table)
        op["keys"] = keys
        self.emit(op)

    def replace(self, table):
        rng = self.rng
        n = rng.randint(1, 10)
        rows = make_rows(rng, table, n, inferred=False)
        data, _ = encode(rng, table, rows, "rows", typed=True)
        if table.index is not None:
            table.keys = {r[table.index.name] for r in rows}
            table.ever_keys.update(table.keys)
        op = self.top({"op": "replace"}, table)
        op["data"] = data
        self.emit(op)
        self.row_hint = n

    def build(self):
        rng = self.rng
        self.row_hint = 10
        ntables = 1 if rng.random() < 0.8 else 2
        for _ in range(ntables):
            t = self.new_table()
            for _ in range(rng.choice([1, 1, 2, 2, 3])):
                self.new_view(t)
            for _ in range(rng.randint(1, 3)):
                self.read(t)
        for _ in range(rng.randint(2, 9)):
            t = rng.choice(self.tables)
            r = rng.random()
            if r < 0.55:
                self.update(t)
            elif r < 0.67:
                if t.index is not None:
                    self.remove(t)
                else:
                    self.update(t)
            elif r < 0.72:
                self.emit(self.top({"op": "clear"}, t))
                t.keys = set()
                self.row_hint = 1
            elif r < 0.8:
                self.replace(t)
            elif r < 0.88:
                self.new_view(t)
            elif r < 0.9 and t.views:
                view = t.views.pop(rng.randrange(len(t.views)))
                self.emit(self.vop({"op": "delete_view"}, view.name))
            else:
                self.update(t)
            for _ in range(rng.randint(1, 4)):
                self.read(t)
        return self.ops


def write_scripts(outdir, count, prefix, build):
    """Writes build(i), a list of ops, as OUTDIR/PREFIX_NNNN.jsonl for each i < count.
    Shared by every generator here; returns the paths."""
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for i in range(count):
        path = os.path.join(outdir, "%s_%04d.jsonl" % (prefix, i))
        with open(path, "w", encoding="utf-8") as f:
            for op in build(i):
                f.write(json.dumps(op, ensure_ascii=False, separators=(",", ":")) + "\n")
        paths.append(path)
    return paths


def generator_main(argv, doc, generate_fn, default_count, parallax=None):
    """The command line every generator here offers: OUTDIR [--count N] [--seed S], and
    [--parallax BINARY] for those that ask the binary what it offers (`parallax` its default)."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=default_count)
    ap.add_argument("--seed", type=int, default=0)
    if parallax:
        ap.add_argument("--parallax", default=parallax)
    a = ap.parse_args(argv)
    if parallax:
        generate_fn(a.outdir, a.count, a.seed, a.parallax)
    else:
        generate_fn(a.outdir, a.count, a.seed)
    return 0


def generate(outdir, count, seed):
    return write_scripts(outdir, count, "scenario", lambda i: Scenario(
        random.Random(f"parallax-differential:{seed}:{i}")).build())


def main(argv=None):
    return generator_main(argv, __doc__, generate, 300)


if __name__ == "__main__":
    sys.exit(main())
