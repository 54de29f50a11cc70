#!/usr/bin/env python3
"""Generated differential scenarios whose tables come from Arrow and change through Arrow.

usage: generate_arrow.py OUTDIR [--count N] [--seed S] [--parallax build/parallax]

Each scenario's tables are made from Arrow IPC (streams of one or more record batches, files,
empty batches) or from a schema or JSON rows, and then change through Arrow batches mixed with
JSON, CSV and ndjson updates, upserts (also partial: batches holding the index and some
columns), removes, clears and replaces (JSON or Arrow). Every Arrow type both engines read
appears, with nulls: int8/16/32/64, uint8/16/32, float32/64, bool, utf8, large_utf8,
dictionary-encoded strings (Int32 and Uint8 indices), date32, date64, timestamps in seconds,
milliseconds (also with a time zone), microseconds and nanoseconds; updates may carry a column
in another type that holds its values (int64 into an int8 column, float64 of whole numbers
into an integer one, a dictionary into a utf8 one, date64 into date32, ...), in another order,
or a column the table does not have. Tables have
an index, a limit or neither. The views are those of the other generators, on these tables:
flat ones (generate.py: columns, sorts, filters, windows, every read), grouped and split ones
(generate_grouped.py: every aggregate, expand/collapse) and computed columns
(generate_expressions.py). The Arrow files are written beside the scripts by
arrow_files.mjs (the apache-arrow package of tests/oracle); scripts name them by absolute path.

Kept out (docs/differences.md): values an Arrow type holds beyond 32 bits (Parallax reads them
as float), uint8/uint16/uint32 values above the signed range (the reference reads them
negative), floats beyond 32 bits into integer columns (the reference wraps them), and values a
narrow column cannot hold (the reference keeps Arrow widths and wraps; Parallax has one width),
so every float32 value is a number of eighths, whose float32 and float64 texts agree; to_arrow
only on tables whose columns are all of the widths Parallax writes (int32, float64); stream
batches after the first with a dictionary column (the reference decodes every batch with the
first batch's dictionary) and empty Arrow input with a dictionary column (the reference refuses
it), several batches where a column has nulls in one batch and none in a later one (the
reference reads those nulls as 0), timestamps before 1970 with a fraction of a millisecond (the
reference truncates them towards zero: nanoseconds are written from whole milliseconds), and
the aggregates of WRONG_AGGREGATES.
"""
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import generate  # noqa: E402  (columns, rows, encodings and flat views)
import generate_expressions  # noqa: E402
import generate_grouped  # noqa: E402

# Arrow types per column type, the first the most likely. Integer ranges are what each type
# holds without the reference's wrap-around (unsigned types below the signed range).
ARROW_TYPES = {
    "integer": ["int32", "int32", "int64", "int16", "int8", "uint8", "uint16", "uint32"],
    "float": ["float64", "float64", "float32"],
    "boolean": ["bool"],
    "string": ["utf8", "dict", "dict", "large_utf8", "dict8"],
    "date": ["date32", "date32", "date64"],
    "datetime": ["ts_ms", "ts_ms", "ts_s", "ts_us", "ts_ns", "ts_ms_utc"],
}
# Reference bugs on tables made from Arrow (docs/differences.md): columns of these types
# refuse JSON input (updates, replaces, removes of their keys) and, the first four, CSV
# input and filters with a value ("Unsupported double type"). Such tables change through
# Arrow only, filter those columns by null only, and are never indexed by them.
SMALL_INTS = {"int8", "int16", "uint8", "uint16"}
NO_JSON = SMALL_INTS | {"uint32", "float32"}
# Grouped aggregates the reference gets wrong on columns of these Arrow types (garbage,
# denormals or 0; a negative Int64 difference wrapped as unsigned 32 bits): made "count".
WRONG_AGGREGATES = dict(
    {t: {"abs sum", "sum abs", "sum not null"} for t in SMALL_INTS},
    float32={"abs sum", "sum abs", "sum not null", "high minus low", "last minus first",
             "median", "q1", "q3", "weighted mean"},
    int64={"last minus first"})
INT_RANGE = {"int8": (-128, 127), "int16": (-32768, 32767), "uint8": (0, 127),
             "uint16": (0, 32767), "uint32": (0, 2**31 - 1)}
# Arrow types that to_arrow writes back the same in both engines (Parallax writes one width).
SAME_WIDTH = {"int32", "float64", "bool", "utf8", "large_utf8", "dict", "dict8", "date32",
              "date64", "ts_ms", "ts_s", "ts_us", "ts_ns", "ts_ms_utc"}
DICTIONARY = {"dict", "dict8"}
# An update may carry a column in another Arrow type of its kind that holds the same values.
# Integers also come as floats (pandas makes float columns of integers with gaps).
WIDER = {"int8": ["int16", "int32", "int64", "float32"], "int16": ["int32", "int64", "float64"],
         "int32": ["int64", "float64"], "int64": ["int32", "float64"],
         "uint8": ["int16", "int32", "uint16", "float64"], "uint16": ["int32", "uint32", "float64"],
         "uint32": ["int64", "float64"], "float32": ["float64"], "float64": [],
         "utf8": ["dict", "large_utf8"], "large_utf8": ["utf8", "dict"], "dict": ["utf8", "dict8"],
         "dict8": ["dict", "utf8"], "date32": ["date64"], "date64": ["date32"],
         "ts_ms": ["ts_us", "ts_ns", "ts_ms_utc"], "ts_s": ["ts_ms", "ts_us"],
         "ts_us": ["ts_ms", "ts_ns"], "ts_ns": ["ts_ms", "ts_us"], "ts_ms_utc": ["ts_ms"], "bool": []}
PRE_EPOCH_DAYS = (-20 * 365, -1)  # 1950-1969


class ArrowColumn(generate.Column):
    """A column with the Arrow type its table was made with; its values always fit that type."""

    def __init__(self, rng, name, ctype, narrow=True):
        super().__init__(rng, name, ctype)
        self.wide = False  # (int32 extremes overflow grouped sums differently)
        self.arrow = rng.choice([a for a in ARROW_TYPES[ctype] if narrow or a not in NO_JSON])
        if self.arrow == "ts_s":
            self.dt_format = rng.choice(["space", "z"])  # (whole seconds in JSON too)
        self.pre_epoch = rng.random() < 0.2
        if self.arrow == "float32":
            self.pool = sorted({round(v * 8) / 8 for v in self.pool})

    def value(self, rng, allow_null=True, integral_ok=True):
        v = super().value(rng, allow_null, integral_ok)
        if v is None:
            return v
        if self.arrow in INT_RANGE:
            lo, hi = INT_RANGE[self.arrow]
            if not lo <= v <= hi:
                v = rng.randint(max(lo, -20), min(hi, 200))
        elif self.arrow == "float32":
            v = round(v * 8) / 8  # (its float32 and float64 texts agree: to_csv)
        elif self.type in ("date", "datetime") and self.pre_epoch and rng.random() < 0.3:
            day = rng.randint(*PRE_EPOCH_DAYS)
            v = day if self.type == "date" else day * 86400000 + rng.randint(0, 86399999)
        if self.arrow == "ts_s" or (self.type == "datetime" and self.dt_format in ("space", "z")):
            v = v // 1000 * 1000
        return v


def nulls_last(batches, name):
    """Whether every batch after one with a null in column `name` has a null there too: the
    reference reads a column's nulls as 0 (false, "") when a later batch has none."""
    seen = False
    for batch in batches:
        has = any(r.get(name) is None for r in batch)
        if seen and not has:
            return False
        seen = seen or has
    return True


class ArrowFiles:
    """The Arrow files of the scripts being generated, written at once by arrow_files.mjs."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.specs = []

    def add(self, stem, columns, rows, rng, same_dictionary=False):
        """A file holding `rows` (canonical values) in `columns` ([(name, arrow type)]);
        returns its absolute path. Several record batches, or the file format, at random."""
        has_dictionary = any(arrow in DICTIONARY for _, arrow in columns)
        batches = [rows]
        if len(rows) > 1 and not has_dictionary and rng.random() < 0.3:
            cuts = sorted(rng.sample(range(1, len(rows)), min(len(rows) - 1, rng.randint(1, 2))))
            batches = [rows[a:b] for a, b in zip([0] + cuts, cuts + [len(rows)])]
            if not all(nulls_last(batches, name) for name, _ in columns):
                batches = [rows]
        file_format = rng.random() < 0.2
        path = os.path.abspath(os.path.join(
            self.outdir, "%s.%s" % (stem, "arrow" if file_format else "arrows")))
        self.specs.append({
            "path": path, "format": "file" if file_format else "stream",
            "batches": [[[name, arrow, [r.get(name) for r in batch]] for name, arrow in columns]
                        for batch in batches]})
        return path

    def write(self):
        if not self.specs:
            return
        listing = os.path.join(self.outdir, "arrow_specs.json")
        with open(listing, "w", encoding="utf-8") as f:
            json.dump(self.specs, f)
        node = os.environ.get("NODE", "node")
        try:
            subprocess.run([node, os.path.join(HERE, "arrow_files.mjs"), listing], check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            sys.exit("generate_arrow.py: cannot write the Arrow files: %s" % e)
        finally:
            os.unlink(listing)


class ArrowWriting:
    """Arrow input for a scenario's table (mixed into the generators' scenarios below): the
    scenario has `rng`, `files`, `stem` and `ops`; its table has cols (ArrowColumn), index."""

    def arrow_path(self, table, rows, names=None, change=True):
        """An Arrow file of `rows` holding the columns `names` (default all) in their types; for
        a change, some in another type of their kind, in any order, perhaps with a column the
        table lacks."""
        rng = self.rng
        columns = []
        for c in table.cols:
            if names is not None and c.name not in names:
                continue
            arrow = c.arrow
            if change and rng.random() < 0.25 and WIDER[arrow]:
                arrow = rng.choice(WIDER[arrow])
            columns.append((c.name, arrow))
        if change and rng.random() < 0.3:
            rng.shuffle(columns)
        if change and rng.random() < 0.1:
            extra = "not in table"
            while any(c.name == extra for c in table.cols):
                extra += "_"
            arrow = rng.choice(["int32", "utf8"])
            columns.insert(rng.randrange(len(columns) + 1), (extra, arrow))
            pool = [None, 1, 2] if arrow == "int32" else [None, "x", "y"]
            rows = [dict(r, **{extra: rng.choice(pool)}) for r in rows]
        if not rows and any(arrow in DICTIONARY for _, arrow in columns):
            columns = [(n, "utf8" if a in DICTIONARY else a) for n, a in columns]
        self.serial = getattr(self, "serial", 0) + 1
        return self.files.add("%s_%02d" % (self.stem, self.serial), columns, rows, rng)

    def arrow_table_op(self, table, rows):
        """A table op making `table` from Arrow holding `rows`."""
        op = {"op": "table", "path": self.arrow_path(table, rows, change=False)}
        if table.index is not None:
            op["index"] = table.index.name
        if table.limit is not None:
            op["limit"] = table.limit
        return op

    def arrow_change(self, table, kind, rows):
        """An update (of every column or some) or a replace op of `table` through Arrow."""
        rng = self.rng
        names = None
        partial = rng.random() if kind == "update" else 1
        if table.index is not None and partial < 0.35 and len(table.cols) > 1:
            others = [c.name for c in table.cols if c is not table.index]
            names = {table.index.name} | set(rng.sample(others, rng.randint(1, len(others))))
        elif table.index is None and partial < 0.1 and len(table.cols) > 1:
            names = set(rng.sample([c.name for c in table.cols], len(table.cols) - 1))
        op = {"op": kind, "path": self.arrow_path(table, rows, names)}
        if table.name != "t" or self.rng.random() < 0.5:
            op["table"] = table.name
        return op


def same_width(table):
    return all(c.arrow in SAME_WIDTH for c in table.cols)


def takes_json(table):
    return all(c.arrow not in NO_JSON for c in table.cols)


def null_filters(rng, table, filters):
    """`filters` with a null test in place of each with a value on a SMALL_INTS column."""
    arrow = {c.name: c.arrow for c in table.cols}
    return [f if arrow.get(f[0]) not in SMALL_INTS or len(f) == 2
            else [f[0], rng.choice(["is null", "is not null"])] for f in filters]


class FlatArrow(ArrowWriting, generate.Scenario):
    """generate.py's flat scenarios on tables made from and changed through Arrow."""

    def __init__(self, rng, files, stem):
        super().__init__(rng)
        self.files, self.stem = files, stem

    def new_table(self):
        rng = self.rng
        name = "t" if not self.table_names else rng.choice(["t2", "other", "données"])
        while name in self.table_names:
            name += "_"
        self.table_names.add(name)
        names = generate.pick_names(rng, rng.choice([1, 2, 3, 4, 4, 5, 6, 7]))
        narrow = rng.random() < 0.35
        cols = [ArrowColumn(rng, n, rng.choice(generate.TYPES), narrow) for n in names]
        index = limit = None
        keyable = [c for c in cols if c.type in ("integer", "string") and c.arrow not in NO_JSON]
        r = rng.random()
        if r < 0.4 and keyable:
            index = rng.choice(keyable)
        elif r < 0.55:
            limit = rng.randint(1, 15)
        t = generate.Table(name, cols, index, limit)
        mode = rng.choice(["arrow"] * 5 + ["empty arrow", "schema", "rows"])
        n = 0 if mode == "empty arrow" else rng.randint(1, 25)
        rows = generate.make_rows(rng, t, n, inferred=mode == "rows")
        if mode in ("arrow", "empty arrow"):
            op = self.arrow_table_op(t, rows)
            if name != "t" or rng.random() < 0.5:
                op["name"] = name
            t.arrow_typed = same_width(t)
            t.json_ok = takes_json(t)
        else:
            # A table of Parallax's own widths, fed Arrow of any width later.
            op = {"op": "table"} if name == "t" and rng.random() < 0.5 else {"op": "table", "name": name}
            if mode == "schema":
                rows = []
                op["data"] = {c.name: c.type for c in cols}
            else:
                op["data"], _ = generate.encode(rng, t, rows, "rows", typed=False)
            if index is not None:
                op["index"] = index.name
            if limit is not None:
                op["limit"] = limit
            t.arrow_typed = t.json_ok = True
        if index is not None:
            t.keys.update(r[index.name] for r in rows)
            t.ever_keys.update(t.keys)
        self.emit(op)
        self.tables.append(t)
        return t

    def update(self, table):
        rng = self.rng
        if table.json_ok and rng.random() < 0.4:
            return super().update(table)  # JSON, CSV or ndjson
        n = rng.choice([0, 1, 1, 2, 3, 4, 5, 8, 12])
        rows = generate.make_rows(rng, table, n, inferred=False)
        if table.index is not None and rng.random() < 0.6:
            for r in rows:  # upserts of keys the table holds
                if table.keys and rng.random() < 0.7:
                    r[table.index.name] = rng.choice(sorted(table.keys, key=repr))
        if rng.random() < 0.2:
            for r in rows:
                for c in table.cols:
                    if c is not table.index and rng.random() < 0.3:
                        r[c.name] = None
        self.emit(self.arrow_change(table, "update", rows))
        if table.index is not None:
            table.keys.update(r[table.index.name] for r in rows)
            table.ever_keys.update(table.keys)
        self.row_hint += n

    def filter_clause(self, table):
        return null_filters(self.rng, table, [super().filter_clause(table)])[0]

    def replace(self, table):
        if table.json_ok and self.rng.random() < 0.5:
            return super().replace(table)
        rows = generate.make_rows(self.rng, table, self.rng.randint(1, 10), inferred=False)
        self.emit(self.arrow_change(table, "replace", rows))
        if table.index is not None:
            table.keys = {r[table.index.name] for r in rows}
            table.ever_keys.update(table.keys)
        self.row_hint = len(rows)


class GroupedArrow(ArrowWriting, generate_grouped.GroupedScenario):
    """generate_grouped.py's scenarios on a table made from and changed through Arrow."""

    def __init__(self, rng, files, stem):
        super().__init__(rng)
        self.files, self.stem = files, stem

    def column(self, name, column_type):
        if not hasattr(self, "narrow"):
            self.narrow = self.rng.random() < 0.35
        return ArrowColumn(self.rng, name, column_type, self.narrow)

    def create(self, rows):
        table = self.table
        if table.index is not None and table.index.arrow in NO_JSON:
            table.index.arrow = "int32"  # (removes of its keys)
        table.arrow_typed, table.json_ok = same_width(table), takes_json(table)
        if self.rng.random() < 0.2:
            # From the rows in JSON, so that only the changes below come through Arrow.
            table.arrow_typed = table.json_ok = True
            return super().create(rows)
        self.ops.append(self.arrow_table_op(table, rows))

    def new_view(self, name):
        super().new_view(name)
        config = self.ops[-1]["config"]
        if "filter" in config:
            config["filter"] = null_filters(self.rng, self.table, config["filter"])
        arrow = {c.name: c.arrow for c in self.table.cols}
        for column, aggregate in config.get("aggregates", {}).items():
            name, args = (aggregate, []) if isinstance(aggregate, str) else aggregate
            if any(name in WRONG_AGGREGATES.get(arrow[c], ()) for c in [column] + args):
                config["aggregates"][column] = "count"

    def write_rows(self, op, rows):
        if self.table.json_ok and self.rng.random() < 0.3:
            return super().write_rows(op, rows)
        self.ops.append(self.arrow_change(self.table, op, rows))


# The expression scenarios' columns (generate_expressions.COLUMNS), each with an Arrow type.
class ExpressionArrow(ArrowWriting, generate_expressions.Scenario):
    """generate_expressions.py's scenarios on a table made from and changed through Arrow."""

    def __init__(self, rng, number, files, stem):
        super().__init__(rng, number)
        self.files, self.stem = files, stem
        self.limit = None
        cols = [ArrowColumn(rng, name, ctype, narrow=False)
                for name, ctype in generate_expressions.COLUMNS]
        key = ArrowColumn(rng, "k", "integer", narrow=False) if self.indexed else None
        self.arrow_table = generate.Table(self.table, cols + ([key] if key else []), key, None)

    def canonical(self, row):
        """A row of generate_expressions' JSON values as canonical values (days, ms)."""
        out = {}
        for name, value in row.items():
            c = next(c for c in self.arrow_table.cols if c.name == name)
            if value is not None and c.type == "date":
                value = (generate_expressions._dt.date.fromisoformat(value)
                         - generate_expressions._dt.date(1970, 1, 1)).days
            elif value is not None and c.type == "datetime":
                d = generate_expressions._dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
                value = round((d - generate_expressions._dt.datetime(1970, 1, 1)).total_seconds() * 1000)
            out[name] = value
        return out

    def start(self, schema, rows):
        if self.rng.random() < 0.25:
            return super().start(schema, rows)
        op = self.arrow_table_op(self.arrow_table, [self.canonical(r) for r in rows])
        op["name"] = self.table
        self.ops.append(op)

    def update(self, rows):
        if self.rng.random() < 0.3:
            return super().update(rows)
        # One Arrow batch per set of columns (a partial upsert leaves columns out).
        groups = []
        for row in rows:
            if not groups or set(groups[-1][0]) != set(row):
                groups.append((list(row), []))
            groups[-1][1].append(self.canonical(row))
        for names, group in groups:
            path = self.arrow_path(self.arrow_table, group, set(names))
            self.ops.append({"op": "update", "table": self.table, "path": path})


def generate_arrow(outdir, count, seed, parallax=generate_grouped.DEFAULT_PARALLAX):
    generate_grouped.load_aggregates(parallax)
    os.makedirs(outdir, exist_ok=True)
    files = ArrowFiles(outdir)

    def build(i):
        rng = random.Random(f"parallax-arrow:{seed}:{i}")
        stem = "arrow_%04d" % i
        kind = rng.random()
        if kind < 0.5:
            return FlatArrow(rng, files, stem).build()
        if kind < 0.8:
            return GroupedArrow(rng, files, stem).build()
        return ExpressionArrow(rng, i, files, stem).build()

    paths = generate.write_scripts(outdir, count, "arrow", build)
    files.write()
    return paths


def main(argv=None):
    return generate.generator_main(argv, __doc__, generate_arrow, 100,
                                   generate_grouped.DEFAULT_PARALLAX)


if __name__ == "__main__":
    sys.exit(main())
