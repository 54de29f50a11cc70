#!/usr/bin/env python3
"""Generated differential scenarios for grouped views: group_by and split_by of several
depths, every aggregate per type, sorts on aggregates (also hidden and "col" sorts), filters
before aggregation, windows (also leaves_only), expand/collapse, and table changes after the
views exist (updates, upserts, removes, clear, replace).

usage: generate_grouped.py OUTDIR [--count N] [--seed S] [--parallax build/parallax]

The aggregates tried per column type are those `parallax features` advertises, so a new
aggregate is generated here at once.

Left out on purpose (docs/differences.md): "dominant" (the reference breaks ties in its hash
map's order), the index window option, split_by on float and datetime columns (their column
path texts are not probed yet).

Reference bugs steered around (docs/differences.md, each rule at scrub_nulls): nulls in the
columns views read are not written into an empty table (after a clear, or by a replace);
updates write no null into a string column a view groups or splits by while the table's own
data left a null there, nor set an existing row's key there to null (other types: not while
the data left a null there); upserts write no nulls into columns a view filters on, and none
targets a row whose string group key is null (it gets a new key). Nulls in group keys still
come with the table's data, and into non-empty tables that never held one.
Live views that drift from a fresh view are steered around by grouped_drift.py (new rows a
filter drops, high/low never given back, "any"/"last" taking children in the order they were
made) and admit_upserts (nulls written over values stay in live sums; a last/high/low cell
turned null or back counts its row again).
Windows of split-only views ask for no "__ID__" (the reference's are one row off; read_all).
"""
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import generate  # noqa: E402  (columns, rows and encodings shared with the flat generator)
from grouped_drift import DriftGuard  # noqa: E402

# The aggregates each column type offers and the argument types they take, as the server
# advertises them (`parallax features`, in the reference's menu order), less "dominant".
LEFT_OUT = {"dominant"}
DEFAULT_PARALLAX = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "build", "parallax")
AGGREGATES = {}  # column type -> [(name, [argument types])], filled by load_aggregates


def load_aggregates(parallax):
    try:
        out = subprocess.run([parallax, "features"], check=True, stdout=subprocess.PIPE).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("generate_grouped.py: cannot ask %s for its aggregates: %s" % (parallax, e))
    AGGREGATES.clear()
    for column_type, offered in json.loads(out)["aggregates"].items():
        AGGREGATES[column_type] = [(a["name"], a["args"]) for a in offered
                                   if a["name"] not in LEFT_OUT]


SPLITTABLE = ("string", "integer", "boolean", "date")


class GroupedScenario:
    def __init__(self, rng):
        self.rng = rng
        self.ops = []
        self.views = []

    def build(self):
        rng = self.rng
        ncols = rng.randint(3, 6)
        cols = [generate.Column(rng, n, rng.choice(generate.TYPES))
                for n in generate.pick_names(rng, ncols)]
        for c in cols:
            c.wide = False  # sums of wide integers overflow differently
        if not any(c.type in ("integer", "float") for c in cols):
            # (a name the table does not have yet: pick_names may have chosen "amount")
            name = "amount" if all(c.name != "amount" for c in cols) else "amount (float)"
            cols.append(generate.Column(rng, name, "float"))
        keyable = [c for c in cols if c.type in ("integer", "string")]
        index = rng.choice(keyable) if keyable and rng.random() < 0.4 else None
        self.table = generate.Table("t", cols, index, None)
        rows = generate.make_rows(rng, self.table, rng.randint(4, 30), inferred=True)
        data, _ = generate.encode(rng, self.table, rows, "rows", typed=False)
        op = {"op": "table", "data": data}
        if index is not None:
            op["index"] = index.name
            self.table.keys.update(r[index.name] for r in rows)
            self.table.ever_keys.update(self.table.keys)
        self.ops.append(op)
        self.empty = False
        self.drift = DriftGuard(self.table, rows)
        # Group keys that the table's own data left null (see scrub_nulls).
        self.data_nulls = {c.name for c in cols if any(r[c.name] is None for r in rows)}
        self.used, self.keyed, self.filtered = set(), set(), set()
        for i in range(rng.randint(1, 3)):
            self.new_view("v%d" % i)
        self.read_all()
        for _ in range(rng.randint(1, 3)):
            self.change()
            self.read_all()
        return self.ops

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
        if split_by:
            config["split_by"] = [c.name for c in split_by]
        shown = rng.sample(cols, rng.randint(1, len(cols)))
        if rng.random() < 0.8:
            config["columns"] = [c.name for c in shown]
        else:
            shown = cols
        aggregates = {}
        for c in shown:
            if rng.random() < 0.6:
                agg, args = rng.choice(AGGREGATES[c.type])
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
            direction = rng.choice(["asc", "desc", "asc abs", "desc abs"])
            if c.type not in ("integer", "float") and "abs" in direction:
                direction = direction.split()[0]
            sort.append([c.name, direction])
        if split_by and rng.random() < 0.3:
            sort.append([rng.choice(shown).name, rng.choice(["col asc", "col desc"])])
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
        self.drift.add_view(config)
        self.views.append((name, bool(group_by)))
        self.keyed.update(c.name for c in group_by + split_by)
        self.used.update(c.name for c in group_by + split_by + shown)
        self.used.update(c for c, _ in sort)
        self.used.update(a[1][0] for a in aggregates.values() if isinstance(a, list))
        self.filtered.update(f[0] for f in config.get("filter", []))

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
                for op in rng.sample(["num_rows", "num_columns", "column_paths", "schema",
                                      "config", "dimensions", "to_ndjson"], 2):
                    self.ops.append({"op": op, "view": name})

    def scrub_nulls(self, rows):
        """Replaces the nulls that would meet a reference bug with values (docs/differences.md).
        Only the nulls that meet one go; the rows stay, so changes keep their shape."""
        rng, table = self.rng, self.table
        index = table.index.name if table.index is not None else None
        seen = set(table.ever_keys)
        # The table's rows by key, as this change goes ("A null group key written by an
        # update can make a second null group": a row whose string group key is null, upserted
        # to another value, may stay counted in its null group; such rows get a new key).
        current = {} if self.empty or index is None else dict(self.drift.rows)
        null_keyed = [c.name for c in table.cols if c.type == "string" and c.name in self.keyed]
        for r in rows:
            key = r.get(index) if index else None
            old = current.get(key)
            if old is not None and any(old.get(name, 0) is None for name in null_keyed):
                key = r[index] = self.fresh_key(seen, current)
            upsert = index is not None and key in seen
            for c in table.cols:
                if r.get(c.name, 0) is not None or c is table.index:
                    continue
                # "Nulls written into an empty table": written into a table without rows
                # (cleared, or being replaced) they form a second kind of null that orders
                # above every value in group keys, split columns and aggregates.
                bad = self.empty and c.name in self.used
                # "A null group key written by an update can make a second null group":
                # a string key when the table's data left a null in the column or when an
                # upsert turns it null; a key of another type when an upsert turns it null
                # and the table's data left a null there (probed right otherwise).
                held = c.name in self.data_nulls
                bad = bad or c.name in self.keyed and (
                    (held or upsert) if c.type == "string" else (held and upsert))
                # "A live view keeps filtering a row by the value a null update replaced".
                bad = bad or upsert and c.name in self.filtered
                if bad:
                    r[c.name] = c.value(rng, allow_null=False, integral_ok=False)
                    c.seen.append(r[c.name])
            if index is not None:
                seen.add(key)
                current[key] = r
        if rows:
            self.empty = False

    def fresh_key(self, *taken):
        """An index key no row had."""
        index = self.table.index
        for _ in range(50):
            key = index.key_value(self.rng)
            if not any(key in keys for keys in taken):
                return key
        n = 100
        while any((n if index.type == "integer" else "k%d" % n) in keys for keys in taken):
            n += 1
        return n if index.type == "integer" else "k%d" % n

    def admit_upserts(self, rows):
        """The rows of an update but the upserts that meet a live-view drift found for issue 3
        (docs/differences.md, "Grouped views that follow changes drift from a fresh view of the
        same table"): a null written over a value stays in a live grouped view's sums (sum and
        pct sums, numbers' default), and a cell turned from null to a value or back in a column
        a live grouped view takes last/high/low of counts the row once more in its counts.
        Each row is judged against the table before the update (whichever of a key's rows is
        last decides)."""
        if self.table.index is None:
            return rows
        summed, flipped = set(), set()
        for config in (op["config"] for op in self.ops if op["op"] == "view"):
            if not config.get("group_by"):
                continue  # split-only views show the rows' own values
            aggregates = view_aggregates(config, self.table.cols)
            summed.update(c for c, a in aggregates.items() if a in SUMMED)
            if "count" in aggregates.values():
                flipped.update(c for c, a in aggregates.items() if a in ("last", "high", "low"))
        index = self.table.index.name
        kept, state = [], dict(self.drift.rows)
        for r in rows:
            old = state.get(r[index])
            if old is not None and any(
                    r[c] is None and old[c] is not None and c in summed
                    or (r[c] is None) != (old[c] is None) and c in flipped for c in r):
                continue
            after = dict(state)
            after[r[index]] = r
            if old is not None and self.empties_a_view(state.values(), after.values()):
                continue
            kept.append(r)
            state = after
        return kept

    def empties_a_view(self, before, after):
        """Whether a change takes every row out of a live grouped view that held some (by
        removes, or upserts out of its filter): its totals row then keeps a sum of 0, and in a
        table left empty zeros for counts and picked values, where a fresh view shows null
        (docs/differences.md, "Grouped views that follow changes drift ...")."""
        for op in self.ops:
            if op["op"] == "view" and op["config"].get("group_by"):
                clauses = op["config"].get("filter", [])
                if (any(self.drift.visible(r, clauses) for r in before)
                        and not any(self.drift.visible(r, clauses) for r in after)):
                    return True
        return False

    def clear(self):
        self.ops.append({"op": "clear"})
        self.table.keys.clear()
        self.empty, self.data_nulls = True, set()
        self.drift.load([])

    def change(self):
        rng, table = self.rng, self.table
        pick = rng.random()
        if pick < 0.6:
            rows = generate.make_rows(rng, table, rng.randint(1, 8), inferred=False)
            was_empty = self.empty
            self.scrub_nulls(rows)
            rows = self.drift.admit_update(self.admit_upserts(rows))
            if not rows:
                self.empty = was_empty
                return
            data, _ = generate.encode(rng, table, rows, "rows", typed=True)
            self.ops.append({"op": "update", "data": data})
            if table.index is not None:
                table.keys.update(r[table.index.name] for r in rows)
                table.ever_keys.update(table.keys)
        elif pick < 0.75 and table.index is not None and table.keys:
            keys = rng.sample(sorted(table.keys, key=str), min(len(table.keys), rng.randint(1, 4)))
            if self.empties_a_view(self.drift.rows.values(),
                                   [r for k, r in self.drift.rows.items() if k not in keys]):
                return
            keys = self.drift.admit_remove(keys)
            if not keys:
                return
            self.ops.append({"op": "remove", "keys": keys})
            table.keys.difference_update(keys)
        elif pick < 0.85:
            self.clear()
        else:
            rows = generate.make_rows(rng, table, rng.randint(1, 10), inferred=False)
            self.empty, self.data_nulls = True, set()
            self.scrub_nulls(rows)
            rows = self.drift.admit_replace(rows)
            if not rows:
                return self.clear()
            data, _ = generate.encode(rng, table, rows, "rows", typed=True)
            self.ops.append({"op": "replace", "data": data})
            table.keys = set(r[table.index.name] for r in rows) if table.index else set()
            table.ever_keys.update(table.keys)


SUMMED = ("sum", "pct sum parent", "pct sum total")


def view_aggregates(config, cols):
    """The aggregate of each column a view shows or sorts by, defaults included."""
    named = config.get("aggregates", {})
    read = set(config.get("columns", [c.name for c in cols]))
    read.update(name for name, _ in config.get("sort", []))
    out = {}
    for c in cols:
        if c.name in read:
            agg = named.get(c.name, "sum" if c.type in ("integer", "float") else "count")
            out[c.name] = agg[0] if isinstance(agg, list) else agg
    return out


def generate_grouped(outdir, count, seed, parallax=DEFAULT_PARALLAX):
    load_aggregates(parallax)
    return generate.write_scripts(outdir, count, "grouped", lambda i: GroupedScenario(
        random.Random(f"parallax-grouped:{seed}:{i}")).build())


def main(argv=None):
    return generate.generator_main(argv, __doc__, generate_grouped, 200, DEFAULT_PARALLAX)


if __name__ == "__main__":
    sys.exit(main())
