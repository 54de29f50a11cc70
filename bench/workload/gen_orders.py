#!/usr/bin/python3
"""The synthetic 'orders' data set of the benchmarks and of `make demo`: deterministic CSV.

usage: gen_orders.py ROWS OUT.csv [SEED]     (SEED defaults to 7)

One row per order: order_id (0, 1, 2, ... unique), region (one of 8), product (P0000-P0999),
customer (C00000-C49999), qty (1-49), price (1.00-1000.00, empty in about 1% of rows),
ts (a datetime in 2024), day (ts's date), flag (true in about 30% of rows). The same ROWS and
SEED always give the same file. Standard library only.
"""
import random
import sys
from datetime import datetime, timedelta

REGIONS = ("EU", "US-East", "US-West", "APAC", "LATAM", "MEA", "Nordics", "UK")
PRODUCTS = 1000
CUSTOMERS = 50_000
YEAR_START = datetime(2024, 1, 1)
YEAR_SECONDS = 366 * 86400  # 2024 is a leap year
HEADER = "order_id,region,product,customer,qty,price,ts,day,flag\n"


def order(rng, order_id):
    """One CSV line (no field needs quoting)."""
    ts = YEAR_START + timedelta(seconds=rng.randrange(YEAR_SECONDS))
    price = "" if rng.random() < 0.01 else "%.2f" % rng.uniform(1, 1000)
    stamp = ts.isoformat(" ")
    return "%d,%s,P%04d,C%05d,%d,%s,%s,%s,%s\n" % (
        order_id, rng.choice(REGIONS), rng.randrange(PRODUCTS), rng.randrange(CUSTOMERS),
        rng.randint(1, 49), price, stamp, stamp[:10], "true" if rng.random() < 0.3 else "false")


def write_orders(path, rows, seed=7):
    rng = random.Random(seed)
    with open(path, "w", encoding="ascii") as out:
        out.write(HEADER)
        chunk = []
        for order_id in range(rows):
            chunk.append(order(rng, order_id))
            if len(chunk) == 10_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))


def main(argv):
    if len(argv) not in (2, 3) or not argv[0].isdigit():
        sys.exit(__doc__.strip())
    write_orders(argv[1], int(argv[0]), int(argv[2]) if len(argv) == 3 else 7)


if __name__ == "__main__":
    main(sys.argv[1:])
