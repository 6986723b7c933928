"""Schemathesis fuzzes every service's OpenAPI over real HTTP against the running system: no
generated request (valid or not) gets a 5xx, and no response breaks the schema its route
documents. Bounded: a fixed seed and a fixed number of examples per operation."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from animo_dev.stack import SERVICES, Stack

from .conftest import running_stack

pytestmark = pytest.mark.e2e
KEY = "fuzz-" + uuid.uuid4().hex
EXAMPLES = os.environ.get("ANIMO_FUZZ_EXAMPLES", "10")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A system of its own: what the fuzzer creates stays out of the other tests' way."""
    with running_stack(tmp_path_factory.mktemp("fuzzed"), KEY) as running:
        yield running


@pytest.mark.parametrize("service", SERVICES)
def test_no_generated_request_breaks_a_service(fuzzed: Stack, service: str, tmp_path: Path) -> None:
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "run",
        f"{fuzzed.url(service)}/openapi.json",
        "--header",
        f"Authorization: Bearer {KEY}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        EXAMPLES,
        "--seed",
        "20261122",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--include-path-regex",
        "^/v1/",
        "--warnings",
        "off",
        "--no-color",
    ]
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]


def test_after_the_fuzzing_every_service_is_ready_and_logged_no_error(fuzzed: Stack) -> None:
    # What the fuzzer stored (odd dates, huge numbers, any Unicode) flows through the consumers
    # too: none may be stuck on it, and no service may have logged an error.
    for service in SERVICES:
        deadline = time.monotonic() + 30
        while True:
            ready = httpx.get(f"{fuzzed.url(service)}/readyz", timeout=5)
            if ready.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert ready.status_code == 200, (service, ready.text)
        logged = (fuzzed.log_dir / f"{service}.log").read_text(errors="replace")
        errors = [line for line in logged.splitlines() if '"level": "ERROR"' in line]
        assert errors == [], (service, errors[:3])
