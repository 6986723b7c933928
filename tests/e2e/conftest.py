"""The running system every end-to-end test shares: broker + five services as real processes."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from animo_dev.stack import Stack

from helpers.faults import spare_port

KEY = "e2e-" + uuid.uuid4().hex


@contextlib.contextmanager
def running_stack(home: Path, admin_key: str) -> Iterator[Stack]:
    """Broker and five services on free ports, stopped on exit whatever happened."""
    running = Stack.on_ports(home, admin_key, spare_port)
    try:
        running.start(timeout=120)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("animo"), KEY) as running:
        yield running


@pytest.fixture
def api() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as client:
        yield client
