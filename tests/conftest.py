"""Fixtures shared by every test layer: a real Tansu broker, started and stopped by the tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from animo_dev.broker import free_port, start_broker, stop_process


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A memory-only Tansu broker on a free loopback port; yields its bootstrap address."""
    port = free_port()
    process = start_broker(port, tmp_path_factory.mktemp("broker") / "broker.log")
    yield f"127.0.0.1:{port}"
    stop_process(process)
