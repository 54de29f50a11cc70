"""``PerspectiveWidget``: the real ``<perspective-viewer>`` in a Jupyter notebook cell, in
server mode. The viewer's client runs in the browser and queries the kernel's tables over
the widget's comm channel, speaking the same protocol as the websocket (each displayed view
of a widget is one session of the table's Server), so ``table.update(...)`` in a later cell
updates the grid. The viewer's settings are traits, synchronised both ways.

    from parallax.widget import PerspectiveWidget
    widget = PerspectiveWidget(data, group_by=["region"], plugin="Datagrid")
    widget                      # displays it
    widget.table.update(more)   # the grid follows

The front end is a classic-notebook extension (Debian's notebook 6 / ipywidgets 6):
``make install`` puts it in PREFIX/share/jupyter/nbextensions/parallax-widget/, where
Jupyter finds it (docs/python.md)."""

from .widget import PerspectiveWidget

__all__ = ["PerspectiveWidget"]
