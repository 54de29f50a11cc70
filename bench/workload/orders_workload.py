#!/usr/bin/python3
"""The 'orders' benchmark as a replay script (tests/oracle/README.md) over gen_orders.py data.

usage: orders_workload.py ORDERS.csv > workload.jsonl

Each timed line carries a "bench" label; a workload is every line with its label (a view is
made, then read). Run the script with --timing on each engine (node tests/oracle/replay.mjs
--timing, parallax replay --timing) and give the outputs to compare_timing.py.
"""
import json
import sys

GROUP_BY_PRODUCT = {"group_by": ["product"], "columns": ["price", "qty"],
                    "aggregates": {"price": "sum", "qty": "avg"}}
FIRST_50 = {"start_row": 0, "end_row": 50}
UPDATES = 50  # update_1row repetitions


def made_and_read(label, view, config, read):
    """A view made on table t, then read: both lines timed under `label`."""
    return [{"op": "view", "table": "t", "name": view, "config": config, "bench": label},
            {**read, "view": view, "bench": label}]


def orders_workload(csv_path):
    ops = [{"op": "table", "name": "t", "path": csv_path, "bench": "load_csv"}]
    ops += made_and_read("group_by_product", "g1", GROUP_BY_PRODUCT,
                         {"op": "to_columns", "window": FIRST_50})
    ops += made_and_read("group2_split", "g2",
                         {"group_by": ["region", "product"], "split_by": ["flag"], "columns": ["price"],
                          "aggregates": {"price": "sum"}},
                         {"op": "to_columns", "window": FIRST_50})
    ops += made_and_read("sort_desc_top100", "s", {"sort": [["price", "desc"]]},
                         {"op": "to_columns", "window": {"start_row": 0, "end_row": 100}})
    ops += made_and_read("filter_count", "f", {"filter": [["price", ">", 500], ["region", "==", "EU"]]},
                         {"op": "num_rows"})
    ops += made_and_read("distinct_customers", "all",
                         {"group_by": ["region"], "columns": ["customer"],
                          "aggregates": {"customer": "distinct count"}},
                         {"op": "to_columns"})
    ops += made_and_read("median_price", "med",
                         {"group_by": ["region"], "columns": ["price"], "aggregates": {"price": "median"}},
                         {"op": "to_columns"})
    ops += made_and_read("group_by_customer", "cust",
                         {"group_by": ["customer"], "columns": ["price"], "aggregates": {"price": "sum"}},
                         {"op": "to_columns", "window": FIRST_50})
    ops += made_and_read("group_by_region", "reg",
                         {"group_by": ["region"], "columns": ["price"], "aggregates": {"price": "sum"}},
                         {"op": "to_columns"})
    # A keyed copy of the table: one-row upserts, each followed by a read of the grouped view.
    ops += [{"op": "table", "name": "k", "path": csv_path, "index": "order_id", "bench": "load_csv_indexed"},
            {"op": "view", "table": "k", "name": "kg", "config": GROUP_BY_PRODUCT},
            {"op": "to_columns", "view": "kg", "window": FIRST_50}]
    for i in range(UPDATES):
        ops += [{"op": "update", "table": "k", "data": [{"order_id": i * 997, "price": 1.5 + i, "qty": 3}],
                 "bench": "update_1row"},
                {"op": "to_columns", "view": "kg", "window": FIRST_50, "bench": "update_1row"}]
    return ops


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__.strip())
    sys.stdout.write("".join(json.dumps(op) + "\n" for op in orders_workload(argv[0])))


if __name__ == "__main__":
    main(sys.argv[1:])
