"""Several Python threads updating and reading one Server: every update lands exactly once
and readers always see a consistent table."""

import threading

import numpy as np
import pandas as pd


def test_threads_updating_and_reading(client):
    table = client.table({"writer": int, "n": int, "x": float})
    view = table.view(columns=["writer", "n"])
    updates = []
    view.on_update(lambda: updates.append(1))
    writers, batches, rows_per_batch = 4, 25, 40
    errors = []

    def write(writer):
        try:
            for batch in range(batches):
                n = np.arange(rows_per_batch) + batch * rows_per_batch
                frame = pd.DataFrame({"writer": writer, "n": n, "x": n * 0.5})
                if batch % 2:
                    table.update(frame.to_dict(orient="records"))
                else:
                    table.update({"writer": np.full(rows_per_batch, writer), "n": n,
                                  "x": n * 0.5})
        except Exception as error:  # reported below, not swallowed
            errors.append(error)

    def read():
        try:
            for _ in range(50):
                columns = view.to_columns()
                assert len(columns["writer"]) == len(columns["n"])
                assert len(columns["n"]) % rows_per_batch == 0
                view.to_pandas()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert table.size() == writers * batches * rows_per_batch
    assert len(updates) == writers * batches
    frame = view.to_pandas()
    for writer in range(writers):
        mine = frame[frame["writer"] == writer]["n"]
        assert sorted(mine.tolist()) == list(range(batches * rows_per_batch))


def test_threads_creating_tables_and_views(client):
    errors = []

    def work(i):
        try:
            for j in range(20):
                table = client.table({"a": [i, j]}, name="t-%d-%d" % (i, j))
                view = table.view(sort=[["a", "desc"]])
                assert view.to_columns() == {"a": sorted([i, j], reverse=True)}
                view.delete()
                table.delete()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and client.get_hosted_table_names() == []
