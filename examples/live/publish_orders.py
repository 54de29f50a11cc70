#!/usr/bin/python3
"""Order rows as MQTT messages for `make demo`: JSON lines on stdout, one message per line
(pipe into `mosquitto_pub -l`). First every order of CSV in messages of 1,000 rows, then
forever, every INTERVAL seconds, a message of 20 changes: orders whose qty and price move, and
now and then a new order. Standard library only.

usage: publish_orders.py ORDERS.csv [INTERVAL]   (INTERVAL defaults to 0.25)
"""
import csv
import json
import random
import sys
import time
from datetime import datetime


def typed(row):
    """A CSV row as the JSON the orders table takes (an empty price is null)."""
    return {
        "order_id": int(row["order_id"]), "region": row["region"], "product": row["product"],
        "customer": row["customer"], "qty": int(row["qty"]),
        "price": float(row["price"]) if row["price"] else None,
        "ts": row["ts"], "day": row["day"], "flag": row["flag"] == "true",
    }


def publish(rows):
    sys.stdout.write(json.dumps(rows, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    interval = float(sys.argv[2]) if len(sys.argv) == 3 else 0.25
    with open(sys.argv[1], newline="", encoding="ascii") as file:
        orders = [typed(row) for row in csv.DictReader(file)]
    for start in range(0, len(orders), 1000):
        publish(orders[start:start + 1000])
    rng = random.Random(7)
    while True:
        time.sleep(interval)
        now = datetime.now().isoformat(" ", "seconds")
        changes = []
        for _ in range(20):
            if rng.random() < 0.1:  # a new order
                order = dict(rng.choice(orders), order_id=len(orders))
                orders.append(order)
            else:
                order = rng.choice(orders)
                order["qty"] = max(1, order["qty"] + rng.randint(-5, 5))
                if order["price"] is not None:
                    order["price"] = round(order["price"] * rng.uniform(0.98, 1.02), 2)
            order["ts"], order["day"] = now, now[:10]
            changes.append(order)
        publish(changes)


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
