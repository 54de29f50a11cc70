"""PerspectiveWidget in a notebook executed headless by nbconvert (Debian's Jupyter): the
widget displays (its view's mime bundle is in the output), a later cell updates the table
and restores other settings, and nothing fails. The browser side is widget_browser_test.mjs."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("nbconvert")
pytest.importorskip("ipykernel")


# nbconvert's executor, told that ipywidgets 6 opens widget comms in protocol 1 (the state
# itself as the data): Debian 12's nbclient reads data["state"] (protocol 2) and fails on any
# ipywidgets 6 widget with KeyError 'state', `jupyter nbconvert --execute` included.
EXECUTE = """
import sys, nbformat
from nbconvert.preprocessors import ExecutePreprocessor

class Executor(ExecutePreprocessor):
    def on_comm_open_jupyter_widget(self, msg):
        if "state" not in msg["content"]["data"]:
            return None
        return super().on_comm_open_jupyter_widget(msg)

notebook = nbformat.read(sys.argv[1], as_version=4)
Executor(timeout=120, kernel_name="python3").preprocess(notebook, {"metadata": {"path": "."}})
nbformat.write(notebook, sys.argv[2])
"""


def cell(source):
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": source}


def test_a_notebook_with_widgets_runs_headless(tmp_path):
    notebook = {"nbformat": 4, "nbformat_minor": 4, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            cell("import parallax\nfrom parallax.widget import PerspectiveWidget\n"
                 "table = parallax.table({'id': [1, 2], 'name': ['a', 'b']}, index='id')\n"
                 "widget = PerspectiveWidget(table, plugin='Datagrid', sort=[['id', 'desc']])\n"
                 "widget"),
            cell("PerspectiveWidget({'x': [1.5, 2.5]}, group_by=['x'])"),
            cell("table.update([{'id': 3, 'name': 'c'}])\nwidget.restore(group_by=['name'])\n"
                 "print('STATE', widget.save()['group_by'], table.size(), widget.table_name == table.get_name())"),
        ]}
    path = tmp_path / "widgets.ipynb"
    path.write_text(json.dumps(notebook))
    env = dict(os.environ, HOME=str(tmp_path), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               IPYTHONDIR=str(tmp_path / "ipython"),
               PYTHONPATH=os.path.abspath(os.environ.get("PYTHONPATH", "").split(os.pathsep)[0]))
    run = subprocess.run([sys.executable, "-c", EXECUTE, str(path), str(tmp_path / "executed.ipynb")],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    executed = json.loads((tmp_path / "executed.ipynb").read_text())
    outputs = [o for c in executed["cells"] for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 2
    text = "".join("".join(o["text"]) if isinstance(o["text"], list) else o["text"]
                   for o in outputs if o["output_type"] == "stream")
    assert "STATE ['name'] 3 True" in text
    assert "Widget Javascript not detected" not in text
