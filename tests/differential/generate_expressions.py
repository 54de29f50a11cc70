#!/usr/bin/env python3
"""Generate deterministic random replay scripts that exercise computed columns (expressions).

usage: generate_expressions.py OUTDIR [--count N] [--seed S]

Each scenario makes a typed table (integer, float, string, date, datetime and boolean columns,
some with nulls, sometimes an integer index), then views whose `expressions` use every
function of the language, and reads them; the expression columns are shown, sorted and
filtered on; the table is then updated (appends, upserts, removes, nulls anywhere) after the
views exist and the views are read again. The same (count, seed) always gives byte-identical
files. The expected answers come from the fresh-state oracle (tests/oracle/README.md): the
reference's nulls written into its empty table (here: the first update of a table made from a
schema) compare above every value, its nulls from a table's data below, as Parallax's do.

Reference behaviour the scenarios keep away from (docs/differences.md):
  * comparisons with an integer operand (the reference orders integers below every float,
    whatever their values), abs() of an integer column (null) and conditionals with an
    integer branch (garbage values): integer columns go through float() or arithmetic first;
  * comparisons of computed values that can be null (whether such a null sorts above or
    below a value depends on the function in the reference): comparisons take a column, or
    arithmetic on non-null columns;
  * replace() and replace_all() of a null string (the reference answers "null" with the
    replacement applied): they take the non-null string column;
  * conditionals whose branches have different types (the reference makes them strings);
  * not(), which in the reference is no logical not (alone it is a type error, and
    `not(x) or false` is always false), and search() of anything but a column;
  * non-ASCII text (length/substring/upper count bytes in Parallax, which is unchecked);
  * empty string literals (the reference fails to parse '' inside some expressions), and
    empty strings made by functions (upper, lower and concat answer null for one):
    substring() takes at least one character;
  * more than one order() in an expression (the reference uses one list for all);
  * sorts on an expression with `%` (the reference orders a zero remainder of a negative
    number apart from one of a positive number, whatever the next sort key);
  * several expressions without `columns` (the reference orders them by a hash);
  * NaN results (log of a negative number): the reference writes them as null but its
    filters take them for values;
  * now(), today(), random() and index(), which no two runs agree on.
"""
import datetime as _dt
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import generate as generate_common  # noqa: E402  (the scripts writer shared by the generators)

WORDS = ["apple", "banana", "cherry", "Date fruit", "elder", "fig", "grape", "Apple", "kiwi",
         "lemon", "mango", "bb", "abba", "b", "a", "Hello World", "x y z", "under_score",
         "dash-ed", "MiXeD", "the end", "end", "ending", "pending", "lo-lo", "ab12"]

COLUMNS = [("i", "integer"), ("f", "float"), ("g", "float"), ("s", "string"), ("t", "string"),
           ("d", "date"), ("dt", "datetime"), ("b", "boolean")]
# Never null: g (float) and t (string), so that computed values from them are never null.
NEVER_NULL = {"g", "t"}

DAY0 = (_dt.date(1995, 1, 1) - _dt.date(1970, 1, 1)).days
DAY1 = (_dt.date(2030, 12, 31) - _dt.date(1970, 1, 1)).days


def iso_date(days):
    return (_dt.date(1970, 1, 1) + _dt.timedelta(days=days)).isoformat()


def iso_datetime(ms):
    d = _dt.datetime(1970, 1, 1) + _dt.timedelta(milliseconds=ms)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def wrap(text):
    """Parenthesised unless a single token, so that composing never changes precedence."""
    return text if " " not in text and not text.startswith("-") else "(" + text + ")"


def number(rng, nonzero=False):
    v = rng.choice([0.5, 2, 3, 10, 0.25, 1.5, 100, 7, -2, -0.5, 1e3])
    if nonzero and v == 0:
        v = 1
    return repr(v) if isinstance(v, float) else str(v)


class Exprs:
    """Random expressions of a wanted type, from templates that together use every function."""

    def __init__(self, rng):
        self.rng = rng

    def word(self):
        return "'" + self.rng.choice(WORDS) + "'"

    def num(self, depth=0, non_null=False):
        """A numeric (float) expression; non_null: never null."""
        rng = self.rng
        leaves = ['"g"', number(rng), 'float("i")' if not non_null else '"g"']
        if not non_null:
            leaves += ['"f"']
        if depth >= 2:
            return rng.choice(leaves)
        n = lambda: wrap(self.num(depth + 1, non_null))
        choices = [
            lambda: rng.choice(leaves),
            lambda: "%s %s %s" % (n(), rng.choice(["+", "-", "*"]), n()),
            lambda: "%s / %s" % (n(), number(rng, nonzero=True)),
            lambda: "%s %% %s" % (n(), rng.choice(["2", "3", "7"])),
            lambda: "%s ^ 2" % n(),
            lambda: "-(%s)" % n(),
            lambda: "(%s)" % n(),
            lambda: "%s(%s)" % (rng.choice(["exp", "ceil", "floor", "round", "sin", "cos", "tan",
                                             "frac"]), n()),
            lambda: "%s(abs(%s) + 1)" % (rng.choice(["sqrt", "log", "log10"]), n()),
            lambda: "abs(%s)" % rng.choice(['"f"', '"g"', '"g" - 3', 'float("i")']),
            lambda: "%s(%s)" % (rng.choice(["min", "max", "avg", "sum"]),
                                ", ".join(n() for _ in range(rng.randint(1, 3)))),
            lambda: "percent_of(%s, %s)" % (n(), number(rng, nonzero=True)),
            lambda: "clamp(%s, %s, %s)" % (number(rng), n(), "1000"),
            lambda: "bucket(%s, %s)" % (n(), rng.choice(["2", "0.5", "10", "3"])),
            lambda: "hour_of_day(%s)" % rng.choice(['"dt"', '"d"']),
            lambda: "length(%s)" % self.text(depth + 1),
            lambda: "order(%s, %s, %s)" % (rng.choice(['"s"', '"t"']), self.word(), self.word()),
            lambda: "float(%s)" % rng.choice(['"i"', '"f"', '"d"', '"dt"', '"b"', "'12.5'", '"s"']),
            lambda: 'is_null(%s) ? %s : %s' % (rng.choice(['"f"', '"s"', '"d"']), n(), n()),
            lambda: '%s ? %s : %s' % (self.cond(), n(), n()),
            lambda: 'if (%s) { %s } else { %s }' % (self.cond(), n(), n()),
            lambda: "col('g') + %s" % number(rng),
        ]
        if depth == 0:
            # Statements make whole expressions only.
            choices += [
                lambda: 'var x := %s; x * 2 + %s' % (n(), n()),
                lambda: 'var x := %s; x += %s; x' % (n(), number(rng)),
                lambda: 'var acc := 0; for (var k := 0; k < 3; k += 1) { acc += %s; }; acc' % n(),
            ]
        return rng.choice(choices)()

    def cond(self):
        """A boolean expression whose operands are columns (or never null)."""
        rng = self.rng
        op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
        choices = [
            lambda: '"f" %s %s' % (op, number(rng)),
            lambda: '"g" %s %s' % (op, wrap(self.num(1, non_null=True))),
            lambda: '"s" %s %s' % (op, self.word()),
            lambda: '"t" %s "s"' % op,
            lambda: '"d" %s date(%d, %d, %d)' % (op, rng.randint(1995, 2030), rng.randint(1, 12),
                                                 rng.randint(1, 28)),
            lambda: '"dt" %s datetime(%d)' % (op, rng.randint(DAY0, DAY1) * 86400000),
            lambda: '"b" == %s' % rng.choice(["true", "false"]),
            lambda: '"f" == "f"',
            lambda: '%s and %s' % (wrap(self.cond()), wrap(self.cond())),
            lambda: '%s or %s' % (wrap(self.cond()), wrap(self.cond())),
            lambda: 'is_not_null(%s)' % rng.choice(['"f"', '"s"', '"dt"', '"b"']),
        ]
        return rng.choice(choices)()

    def boolean(self):
        rng = self.rng
        choices = [
            self.cond,
            lambda: "inrange(%s, %s, %s)" % (number(rng), self.num(1), "50"),
            lambda: "match(%s, '%s')" % (rng.choice(['"s"', '"t"']),
                                         rng.choice(["a", "^a", "e$", "b+", "[aeiou]{2}", "(?i)apple"])),
            lambda: "match_all(%s, '%s')" % (rng.choice(['"s"', '"t"']),
                                             rng.choice(["a.*", "[a-z]+", ".*e", "b+"])),
            lambda: "boolean(%s)" % rng.choice(['"i"', '"f"', '"s"', '"b"', "0", "1"]),
            lambda: "is_null(%s)" % rng.choice(['"f"', '"s"', '"i"', '"d"']),
        ]
        return rng.choice(choices)()

    def text(self, depth=0):
        rng = self.rng
        t = lambda: wrap(self.text(depth + 1)) if depth < 2 else rng.choice(['"s"', '"t"'])
        choices = [
            lambda: rng.choice(['"s"', '"t"', self.word()]),
            lambda: "concat(%s, '-', %s)" % (t(), t()),
            lambda: "%s(%s)" % (rng.choice(["upper", "lower"]), t()),
            lambda: "substring(%s, %d)" % (t(), rng.randint(0, 3)),
            lambda: "substring(%s, %d, %d)" % (t(), rng.randint(0, 2), rng.randint(1, 3)),
            lambda: "replace(\"t\", '%s', '%s')" % (rng.choice(["a", "e", "[aeiou]", "l+", "x"]),
                                                     rng.choice(["_", "AB", "$0"])),
            lambda: "replace_all(\"t\", '%s', '%s')" % (rng.choice(["a", "e", "[aeiou]", "n"]),
                                                         rng.choice(["_", "AB"])),
            lambda: "search(%s, '%s')" % (rng.choice(['"s"', '"t"']), rng.choice(["(a+)", "([a-z]+)", "(e.)", "^(.)"])),
            lambda: "day_of_week(%s)" % rng.choice(['"d"', '"dt"']),
            lambda: "month_of_year(%s)" % rng.choice(['"d"', '"dt"']),
            lambda: "string(%s)" % rng.choice(['"i"', '"f"', '"d"', '"dt"', '"b"', '"s"', "1.5",
                                                '"g" * 1000000', '"g" / 3']),
            lambda: "if (%s) { %s } else { %s }" % (self.cond(), self.word(), t()),
            lambda: "%s ? %s : 'none'" % (self.cond(), t()),
        ]
        return rng.choice(choices)()

    def date(self):
        rng = self.rng
        unit = rng.choice(["D", "W", "M", "Y", "2M", "6M", "10Y", "3Y"])
        choices = [
            lambda: "bucket(%s, '%s')" % (rng.choice(['"d"', '"dt"']), unit),
            lambda: "bucket(\"d\", '%s')" % rng.choice(["s", "m", "h"]),
            lambda: "date(%d, %d, %d)" % (rng.randint(1990, 2030), rng.randint(1, 13),
                                          rng.randint(1, 31)),
            lambda: '"d"',
        ]
        return rng.choice(choices)()

    def datetime(self):
        rng = self.rng
        choices = [
            lambda: "bucket(\"dt\", '%s')" % rng.choice(["s", "m", "h", "5m", "15m", "2h", "30s"]),
            lambda: "datetime(%d)" % (rng.randint(DAY0, DAY1) * 86400000 + rng.randint(0, 86399999)),
            lambda: 'datetime(float("dt") + 3600000)',
            lambda: '"dt"',
        ]
        return rng.choice(choices)()

    def integer(self):
        rng = self.rng
        choices = [
            lambda: "trunc(%s)" % self.num(1),
            lambda: "sgn(%s)" % self.num(1),
            lambda: "integer(%s)" % rng.choice(['"f"', '"g" * 3', "'42'", '"s"', '"dt"', '"i"']),
            lambda: '"i"',
            lambda: '-"i"',
            lambda: '"i" + %s' % wrap(self.num(1)),
        ]
        return rng.choice(choices)()

    def any(self):
        kind = self.rng.choice(["num", "num", "num", "boolean", "text", "text", "date", "datetime",
                                "integer"])
        return getattr(self, kind)()


class Scenario:
    def __init__(self, rng, number):
        self.rng = rng
        self.ops = []
        self.exprs = Exprs(rng)
        self.indexed = rng.random() < 0.5
        self.table = "te%d" % number
        self.next_key = 0
        self.keys = []

    def value(self, name, ctype, allow_null):
        rng = self.rng
        if allow_null and name not in NEVER_NULL and rng.random() < 0.2:
            return None
        if ctype == "integer":
            return rng.randint(-50, 50)
        if ctype == "float":
            return round(rng.uniform(-100, 100), rng.choice([1, 2])) + 0.25
        if ctype == "string":
            return rng.choice(WORDS)
        if ctype == "date":
            return iso_date(rng.randint(DAY0, DAY1))
        if ctype == "datetime":
            return iso_datetime(rng.randint(DAY0 * 86400000, DAY1 * 86400000))
        return rng.random() < 0.5

    def rows(self, n, upsert=False):
        rows = []
        for _ in range(n):
            row = {name: self.value(name, ctype, True) for name, ctype in COLUMNS}
            if self.indexed:
                if upsert and self.keys and self.rng.random() < 0.6:
                    row["k"] = self.rng.choice(self.keys)
                    # A partial update: some columns left out keep their values.
                    for name, _ in COLUMNS:
                        if self.rng.random() < 0.3:
                            del row[name]
                else:
                    row["k"] = self.next_key
                    self.keys.append(self.next_key)
                    self.next_key += 1
            rows.append(row)
        return rows

    def build(self):
        rng = self.rng
        schema = {name: ctype for name, ctype in COLUMNS}
        self.start(schema, self.rows(rng.randint(3, 12)))
        views = []
        for v in range(rng.randint(1, 3)):
            name = "ve%d" % v
            expressions = {}
            for e in range(rng.randint(1, 4)):
                text = self.exprs.any()
                while text.count("order(") > 1:  # (one list for all in the reference)
                    text = self.exprs.any()
                expressions["x%d" % e] = text
            config = {"expressions": expressions}
            names = list(expressions)
            if rng.random() < 0.8 or len(names) > 1:
                shown = rng.sample([c for c, _ in COLUMNS], rng.randint(0, 2)) + names
                rng.shuffle(shown)
                config["columns"] = shown
            sortable = [n for n in names if "%" not in expressions[n]]
            if sortable and rng.random() < 0.5:
                # Sorting by an expression, then by the key (or a never-null column) for ties.
                config["sort"] = [[rng.choice(sortable), rng.choice(["asc", "desc"])],
                                  ["k" if self.indexed else "g", "asc"]]
            if rng.random() < 0.4:
                config["filter"] = [self.filter_on(names[0], expressions[names[0]])]
            self.ops.append({"op": "view", "table": self.table, "name": name, "config": config})
            views.append(name)
        for name in views:
            self.read(name)
        for _ in range(rng.randint(1, 3)):
            change = rng.random()
            if change < 0.6 or not self.indexed:
                self.update(self.rows(rng.randint(1, 5), upsert=True))
            else:
                gone = rng.sample(self.keys, min(len(self.keys), rng.randint(1, 3)))
                self.keys = [k for k in self.keys if k not in gone]
                self.ops.append({"op": "remove", "table": self.table, "keys": gone})
            for name in views:
                self.read(name)
        return self.ops

    def start(self, schema, rows):
        """The table (of `schema`, with the key when indexed) and its first rows."""
        table = {"op": "table", "name": self.table, "data": dict(schema, **({"k": "integer"} if self.indexed else {}))}
        if self.indexed:
            table["index"] = "k"
        self.ops.append(table)
        self.update(rows)

    def update(self, rows):
        self.ops.append({"op": "update", "table": self.table, "data": rows})

    def filter_on(self, name, text):
        # Filter operators that every type answers; the value is checked against the type
        # by trying one the reference takes for all (is not null), or a number for numbers.
        return [name, self.rng.choice(["is not null", "is null"])]

    def read(self, name):
        op = self.rng.choice(["to_columns", "to_columns", "to_json", "schema"])
        self.ops.append({"op": op, "view": name})


def generate(outdir, count, seed):
    return generate_common.write_scripts(outdir, count, "expressions", lambda n: Scenario(
        random.Random("%d-%d" % (seed, n)), n).build())


def main(argv=None):
    return generate_common.generator_main(argv, __doc__, generate, 50)


if __name__ == "__main__":
    sys.exit(main())
