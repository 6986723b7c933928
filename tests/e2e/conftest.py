"""The running system every end-to-end test shares: broker + five services as real processes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from animo_dev.broker import free_port
from animo_dev.stack import SERVICES, Stack

KEY = "e2e-" + uuid.uuid4().hex


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        home=tmp_path_factory.mktemp("animo"),
        admin_key=KEY,
        broker_port=free_port(),
        ports={service: free_port() for service in SERVICES},
    )
    try:
        running.start(timeout=120)
        yield running
    finally:
        running.stop()


@pytest.fixture
def api() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as client:
        yield client
