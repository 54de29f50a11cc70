#!/usr/bin/python3
"""The Python package's bulk paths at ROWS rows (default 1M): a pandas DataFrame loaded
through numpy buffers against the same data as a list of dicts, and to_pandas against
to_records. Prints one JSON object (seconds, and the ratios). Run with the package on
PYTHONPATH (bench/run.py sets it to BUILD/python).

usage: PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py [ROWS]
"""
import json
import sys
import time

import numpy as np
import pandas as pd

import parallax


def timed(function):
    began = time.perf_counter()
    result = function()
    return time.perf_counter() - began, result


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "quantity": rng.integers(0, 1000, rows),
        "price": rng.random(rows) * 100,
        "region": rng.choice(["EU", "US", "APAC", "LATAM"], rows),
        "time": pd.date_range("2024-01-01", periods=rows, freq="s"),
    })
    records = frame.reset_index().to_dict(orient="records")  # the same columns, index included
    client = parallax.Server().new_local_client()
    load_frame, table = timed(lambda: client.table(frame))
    load_records, _ = timed(lambda: client.table(records))
    view = table.view()
    to_pandas, out = timed(view.to_pandas)
    to_records, _ = timed(view.to_records)
    assert len(out) == rows and table.size() == rows
    print(json.dumps({
        "rows": rows, "columns": "index int, quantity int, price float, region str (4 values), time datetime",
        "load_dataframe_s": load_frame, "load_list_of_dicts_s": load_records,
        "load_speedup": load_records / load_frame,
        "to_pandas_s": to_pandas, "to_records_s": to_records, "to_pandas_speedup": to_records / to_pandas,
    }))


if __name__ == "__main__":
    main()
