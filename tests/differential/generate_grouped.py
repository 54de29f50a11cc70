#!/usr/bin/env python3
"""Generated differential scenarios for grouped views: group_by and split_by of several
depths (also group_by_depth), every aggregate per type, sorts on aggregates (also hidden and
"col" sorts), filters before aggregation, windows (also leaves_only), expand/collapse, and
table changes after the views exist (updates, upserts, removes, clear, replace).

usage: generate_grouped.py OUTDIR [--count N] [--seed S] [--parallax build/parallax]

The aggregates tried per column type are those `parallax features` advertises, so a new
aggregate is generated here at once.

The expected answers come from the fresh-state oracle (tests/oracle/README.md): every read
of a view answers as a view made then on a copy of the table's rows, so the reference's live
views' drift (nulls written into an empty table, stale filters, high/low never given back,
groups picked in the order they were made) is not expected, and the scenarios write nulls,
upserts and removes anywhere.

Left out on purpose (docs/differences.md): the index window option (not built), "col" sorts
on columns the view does not show (refused), an `id` in the windows of split-only views
(the reference's `__ID__` there is one row off; read_all), "sum not null" of integers
(the reference answers a negative sum as an unsigned number), and, on tables that may hold
more than 7 rows, float median/q1/q3 and "abs" sorts (SMALL_ONLY).
"""
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import generate  # noqa: E402  (columns, rows and encodings shared with the flat generator)

# The aggregates each column type offers and the argument types they take, as the server
# advertises them (`parallax features`, in the reference's menu order), less those that meet a
# reference bug (docs/differences.md): (column type, aggregate).
LEFT_OUT = {("integer", "sum not null")}
# Only in small scenarios, whose table never holds more than 7 rows (docs/differences.md): the
# reference's float median/quartiles average a middle value with whatever its nth_element left
# beside it (right up to 7 values, which it sorts), and its "abs" sorts of more than 24
# siblings leave values of one magnitude and opposite signs in introsort's order.
SMALL_ONLY = {("float", "median"), ("float", "q1"), ("float", "q3")}
# Aggregates that add (or multiply) floats: their last digit follows the summation order, which differs on
# purpose (docs/differences.md), so two equal totals may tie in one engine only. "col" sorts
# (whose ties go by key) are not made on them.
ADDING = {"sum", "abs sum", "sum abs", "sum not null", "avg", "mean", "pct sum parent",
          "pct sum total", "weighted mean", "var", "stddev", "mul"}
DEFAULT_PARALLAX = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "build", "parallax")
AGGREGATES = {}  # column type -> [(name, [argument types])], filled by load_aggregates


def load_aggregates(parallax):
    AGGREGATES.clear()
    # The listed ones, then those the reference takes without listing them ("mul").
    for listing in ([], ["--unlisted"]):
        try:
            out = subprocess.run([parallax, "features", *listing], check=True,
                                 stdout=subprocess.PIPE).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            sys.exit("generate_grouped.py: cannot ask %s for its aggregates: %s" % (parallax, e))
        for column_type, offered in json.loads(out)["aggregates"].items():
            AGGREGATES.setdefault(column_type, []).extend(
                (a["name"], a["args"]) for a in offered
                if (column_type, a["name"]) not in LEFT_OUT)


SPLITTABLE = ("string", "integer", "float", "boolean", "date")


class GroupedScenario:
    INFO_READS = ["num_rows", "num_columns", "column_paths", "schema", "config", "dimensions",
                  "to_ndjson", "to_arrow"]

    def __init__(self, rng):
        self.rng = rng
        self.ops = []
        self.views = []

    def build(self):
        rng = self.rng
        ncols = rng.randint(3, 6)
        cols = [self.column(n, rng.choice(generate.TYPES))
                for n in generate.pick_names(rng, ncols)]
        for c in cols:
            c.wide = False  # sums of wide integers overflow differently
        if not any(c.type in ("integer", "float") for c in cols):
            # (a name the table does not have yet: pick_names may have chosen "amount")
            name = "amount" if all(c.name != "amount" for c in cols) else "amount (float)"
            cols.append(self.column(name, "float"))
        keyable = [c for c in cols if c.type in ("integer", "string")]
        index = rng.choice(keyable) if keyable and rng.random() < 0.4 else None
        self.table = generate.Table("t", cols, index, None)
        # Small: at most 4 rows, 1 more per change (3 at most), a replace at most 4: never 8.
        self.small = rng.random() < 0.3
        count = rng.randint(2, 4) if self.small else rng.randint(4, 30)
        rows = generate.make_rows(rng, self.table, count, inferred=True)
        self.create(rows)
        if index is not None:
            self.table.keys.update(r[index.name] for r in rows)
            self.table.ever_keys.update(self.table.keys)
        for i in range(rng.randint(1, 3)):
            self.new_view("v%d" % i)
        self.read_all()
        for _ in range(rng.randint(1, 3)):
            self.change()
            self.read_all()
        return self.ops

    def column(self, name, column_type):
        return generate.Column(self.rng, name, column_type)

    def create(self, rows):
        """The table op: the table made from `rows` (with its index)."""
        data, _ = generate.encode(self.rng, self.table, rows, "rows", typed=False)
        op = {"op": "table", "data": data}
        if self.table.index is not None:
            op["index"] = self.table.index.name
        self.ops.append(op)

    def new_view(self, name):
        rng, cols = self.rng, self.table.cols
        config = {}
        group_by = rng.sample(cols, rng.choice([0, 1, 1, 1, 2, 2, 3]) if len(cols) > 2 else 1)
        splittable = [c for c in cols if c.type in SPLITTABLE]
        split_by = []
        if splittable and (not group_by or rng.random() < 0.4):
            split_by = rng.sample(splittable, min(len(splittable), rng.choice([1, 1, 2])))
        if not group_by and not split_by:
            group_by = [rng.choice(cols)]
        if group_by:
            config["group_by"] = [c.name for c in group_by]
            if rng.random() < 0.15:
                config["group_by_depth"] = rng.randint(0, len(group_by) + 1)
        if split_by:
            config["split_by"] = [c.name for c in split_by]
        shown = rng.sample(cols, rng.randint(1, len(cols)))
        if rng.random() < 0.8:
            config["columns"] = [c.name for c in shown]
        else:
            shown = cols
        aggregates = {}
        for c in shown:
            offered = [a for a in AGGREGATES[c.type]
                       if self.small or (c.type, a[0]) not in SMALL_ONLY]
            if rng.random() < 0.6:
                agg, args = rng.choice(offered)
                if args:
                    # (as the reference: one argument, a column of the type it names)
                    takers = [a for a in cols if a.type == args[0]]
                    if not takers:
                        continue
                    aggregates[c.name] = [agg, [rng.choice(takers).name]]
                else:
                    aggregates[c.name] = agg
        if aggregates:
            config["aggregates"] = aggregates
        sort = []
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            c = rng.choice(shown if rng.random() < 0.8 else cols)
            if c not in shown and any(name not in config.get("columns", [n.name for n in cols])
                                      for name, _ in sort):
                continue  # (a second hidden sort column: docs/differences.md)
            direction = rng.choice(["asc", "desc", "asc abs", "desc abs"])
            if (c.type not in ("integer", "float") or not self.small) and "abs" in direction:
                direction = direction.split()[0]
            sort.append([c.name, direction])
        def adds_floats(c):
            agg = aggregates.get(c.name, "sum")
            return c.type == "float" and (agg if isinstance(agg, str) else agg[0]) in ADDING
        col_sortable = [c for c in shown if not adds_floats(c)]
        if split_by and col_sortable and rng.random() < 0.3:
            sort.append([rng.choice(col_sortable).name, rng.choice(["col asc", "col desc"])])
        if sort:
            config["sort"] = sort
        if rng.random() < 0.3:
            c = rng.choice(cols)
            if c.seen and rng.random() < 0.7:
                op = rng.choice(["==", "!=", ">", "<", ">=", "<="])
                config["filter"] = [[c.name, op, c.filter_value(rng.choice(c.seen), rng)]]
            else:
                config["filter"] = [[c.name, rng.choice(["is null", "is not null"])]]
        self.ops.append({"op": "view", "name": name, "config": config})
        self.views.append((name, bool(group_by)))

    def read_all(self):
        rng = self.rng
        for name, grouped in self.views:
            self.ops.append({"op": "to_columns", "view": name})
            if grouped and rng.random() < 0.4:
                row = rng.randint(0, 6)
                self.ops.append({"op": rng.choice(["collapse", "expand"]), "view": name, "row": row})
                self.ops.append({"op": "to_json", "view": name})
            pick = rng.random()
            if pick < 0.25:
                self.ops.append({"op": "to_csv", "view": name})
            elif pick < 0.5:
                window = {"start_row": rng.randint(0, 4), "end_row": rng.randint(2, 12),
                          "start_col": rng.randint(0, 2), "end_col": rng.randint(1, 6)}
                if rng.random() < 0.3:
                    window = {"leaves_only": True}
                # "__ID__ of split-only views is one row off" (docs/differences.md): no id
                # for views without group_by.
                if rng.random() < 0.3 and grouped:
                    window["id"] = True
                self.ops.append({"op": rng.choice(["to_columns", "to_json"]), "view": name,
                                 "window": window})
            else:
                for op in rng.sample(self.INFO_READS, 2):
                    if op == "to_arrow" and not self.table.arrow_typed:
                        op = "to_ndjson"
                    self.ops.append({"op": op, "view": name})

    def write_rows(self, op, rows):
        """An update or replace of the table with `rows`."""
        data, _ = generate.encode(self.rng, self.table, rows, "rows", typed=True)
        self.ops.append({"op": op, "data": data})

    def clear(self):
        self.ops.append({"op": "clear"})
        self.table.keys.clear()

    def change(self):
        rng, table = self.rng, self.table
        pick = rng.random()
        if pick < 0.6:
            rows = generate.make_rows(rng, table, 1 if self.small else rng.randint(1, 8),
                                      inferred=False)
            if table.index is not None and table.keys:
                # Upserts: some rows take keys the table holds.
                for r in rows:
                    if rng.random() < 0.4:
                        r[table.index.name] = rng.choice(sorted(table.keys, key=str))
            self.write_rows("update", rows)
            if table.index is not None:
                table.keys.update(r[table.index.name] for r in rows)
                table.ever_keys.update(table.keys)
        elif pick < 0.75 and table.index is not None and table.keys:
            keys = rng.sample(sorted(table.keys, key=str), min(len(table.keys), rng.randint(1, 4)))
            self.ops.append({"op": "remove", "keys": keys})
            table.keys.difference_update(keys)
        elif pick < 0.85:
            self.clear()
        else:
            rows = generate.make_rows(rng, table, rng.randint(1, 4 if self.small else 10),
                                      inferred=False)
            self.write_rows("replace", rows)
            table.keys = set(r[table.index.name] for r in rows) if table.index else set()
            table.ever_keys.update(table.keys)


def generate_grouped(outdir, count, seed, parallax=DEFAULT_PARALLAX):
    load_aggregates(parallax)
    return generate.write_scripts(outdir, count, "grouped", lambda i: GroupedScenario(
        random.Random(f"parallax-grouped:{seed}:{i}")).build())


def main(argv=None):
    return generate.generator_main(argv, __doc__, generate_grouped, 200, DEFAULT_PARALLAX)


if __name__ == "__main__":
    sys.exit(main())
