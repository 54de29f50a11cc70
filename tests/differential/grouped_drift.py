"""Keeps generated changes off the paths where the reference's live grouped views drift from
a fresh view of the same table (docs/differences.md, "Grouped views that follow changes drift
from a fresh view of the same table"). Parallax's views always equal a fresh view; the
reference's do not after these changes, so the scenarios leave them out:

- a new row (its key not in the table) that a live view's filter drops takes that view's
  null group or null split column away and lowers its totals count;
- `high`/`low` never give a value back: with such a view alive, no row is replaced or removed;
- a table emptied by a remove shows 0 for counts and sums in live views (as when a filter
  keeps no row) where a fresh view shows null (a table without rows): removes leave a row;
- `any` of a parent takes the first non-zero value of its children in the order they were
  made (groups made by one change in key order, a fresh view all in key order), `last`
  of a parent the last row of its child made last, and `max by`/`min by` the first of tied
  extremes in that order (these three: views without split_by): with such a
  view alive and holding rows, no change makes a new group or split value there.

Probed with tests/differential/differences/grouped_live_drift.jsonl."""
import datetime as _dt


class DriftGuard:
    def __init__(self, table, rows):
        self.table = table
        self.index = table.index.name if table.index is not None else None
        self.types = {c.name: c.type for c in table.cols}
        self.views = []  # (filter clauses, path columns or None, high/low used)
        self.rows = {}
        self.serial = 0  # keys of an unindexed table's rows
        self.load(rows)

    def add_view(self, config):
        aggs = [a[0] if isinstance(a, list) else a for a in config.get("aggregates", {}).values()]
        paths = config.get("group_by", []) + config.get("split_by", [])
        # "last" of a parent likewise takes the last row of its child made last, and "max by"/
        # "min by" the first of tied extremes in that order; with split_by every cell is a leaf
        # of the reference's tree, so only views without it drift.
        ordered = "any" in aggs or not config.get("split_by") and any(
            a in aggs for a in ("last", "max by", "min by"))
        any_paths = paths if ordered and config.get("group_by") else None
        self.views.append((config.get("filter", []), any_paths,
                           "high" in aggs or "low" in aggs))

    def load(self, rows):
        self.rows = {}
        for r in rows:
            self.put(r)

    def put(self, row):
        if self.index is None:
            self.serial += 1
        self.rows[row[self.index] if self.index else self.serial] = row

    def visible(self, row, clauses):
        return all(passes_filter(self.types, row, clause) for clause in clauses)

    def admit_update(self, rows):
        """The rows of an update that meet none of the drifts, in order; the rest are left out."""
        made_before = [None if paths is None else
                       {tuple(r[c] for c in paths) for r in self.rows.values()
                        if self.visible(r, clauses)}
                       for clauses, paths, _ in self.views]
        kept = []
        for r in rows:
            present = self.index is not None and r[self.index] in self.rows
            if any(present and lowhigh or not present and not self.visible(r, clauses)
                   or made and tuple(r[c] for c in paths) not in made
                   and self.visible(r, clauses)
                   for (clauses, paths, lowhigh), made in zip(self.views, made_before)):
                continue
            kept.append(r)
            self.put(r)
        return kept

    def admit_replace(self, rows):
        kept = [r for r in rows if all(self.visible(r, clauses) for clauses, _, _ in self.views)]
        self.load(kept)
        return kept

    def admit_remove(self, keys):
        """The keys a remove may take (none with a high/low view alive; never every row)."""
        if any(lowhigh for _, _, lowhigh in self.views):
            return []
        if set(self.rows) <= set(keys):
            keys = [k for k in keys if k != keys[-1]]
        for k in keys:
            self.rows.pop(k, None)
        return keys


def passes_filter(types, row, clause):
    """Whether a row (canonical values, see generate.Column.value) passes a filter clause as
    the reference compares: nulls pass only "is null"; date and datetime operands are the
    texts the generator wrote, read back to day numbers and milliseconds."""
    name, op = clause[0], clause[1]
    value = row.get(name)
    if op in ("is null", "is not null"):
        return (value is None) == (op == "is null")
    if value is None:
        return False
    operand = clause[2]
    if types[name] == "date":
        operand = (_dt.date.fromisoformat(operand) - _dt.date(1970, 1, 1)).days
    elif types[name] == "datetime":
        moment = _dt.datetime.fromisoformat(operand.replace("Z", "").replace(" ", "T"))
        operand = (moment - _dt.datetime(1970, 1, 1)) // _dt.timedelta(milliseconds=1)
    return {"==": value == operand, "!=": value != operand, ">": value > operand,
            "<": value < operand, ">=": value >= operand, "<=": value <= operand}[op]
