"""Parallax script host: a Pyro4 daemon that runs transform and connector scripts in
sandboxed, pre-forked worker processes (see README.md of the repository, issue 8)."""

OBJECT_ID = "parallax.scripthost"
