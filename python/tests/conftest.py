"""Shared fixtures. ctest runs this suite with PYTHONPATH=build/python (the uninstalled
build); each test gets a fresh Server so table names never collide."""

import os
import time

import pytest

import parallax


@pytest.fixture
def client():
    return parallax.Server().new_local_client()


@pytest.fixture
def local_time_zone():
    """Runs a test in a given local time zone (TZ), restoring the previous one after."""
    previous = os.environ.get("TZ")

    def use(zone):
        os.environ["TZ"] = zone
        time.tzset()

    yield use
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    time.tzset()
