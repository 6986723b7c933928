"""The whole system as real processes: broker, topics, the five services; started, watched, stopped."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from animo_shared.bus import ensure_topics
from animo_shared.events import Topic

from .broker import port_open, start_broker, stop_process

SERVICES = ("ingest", "moderation", "publisher", "crm", "reporting")
DEFAULT_PORTS = {
    "ingest": 8001,
    "moderation": 8002,
    "publisher": 8003,
    "crm": 8004,
    "reporting": 8005,
}


class StackError(RuntimeError):
    """The stack could not start, or a service did not become ready in time."""


@dataclass
class Stack:
    """Ports, data and logs of one running Animo; `start()` brings it all up, `stop()` all down."""

    home: Path
    admin_key: str
    broker_port: int = 9092
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    extra_env: dict[str, str] = field(default_factory=dict)
    broker: subprocess.Popen[bytes] | None = None
    services: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @classmethod
    def on_ports(cls, home: Path, admin_key: str, port: Callable[[], int]) -> Stack:
        """A stack, not started, whose broker and services each take a port from `port`."""
        return cls(
            home=home,
            admin_key=admin_key,
            broker_port=port(),
            ports={service: port() for service in SERVICES},
        )

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.broker_port}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def log_dir(self) -> Path:
        return self.home / "log"

    def env(self, service: str) -> dict[str, str]:
        return {
            **os.environ,
            "ANIMO_ENV": "embedded",
            "ANIMO_KAFKA_BOOTSTRAP": self.bootstrap,
            "ANIMO_ADMIN_KEY": self.admin_key,
            "ANIMO_DATA_DIR": str(self.home / "data"),
            # Short group timeouts: a restarted process gets its partitions back in seconds.
            "ANIMO_CONSUMER_SESSION_TIMEOUT_MS": "6000",
            "ANIMO_CONSUMER_HEARTBEAT_MS": "1000",
            f"ANIMO_{service.upper()}_PORT": str(self.ports[service]),
            f"ANIMO_{service.upper()}_HOST": "127.0.0.1",
            # The publisher checks drafts with moderation's POST /v1/moderate.
            "ANIMO_PUBLISHER_MODERATION_URL": self.url("moderation"),
            **self.extra_env,
        }

    def check_ports(self) -> None:
        busy = [p for p in (self.broker_port, *self.ports.values()) if port_open("127.0.0.1", p)]
        if busy:
            raise StackError(
                f"ports already in use: {', '.join(map(str, busy))} — is Animo already running? "
                "Stop it, or choose other ports (ANIMO_BROKER_PORT, ANIMO_<SERVICE>_PORT)."
            )

    def start_broker(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.broker = start_broker(self.broker_port, self.log_dir / "broker.log")
        asyncio.run(ensure_topics(self.bootstrap, [t.value for t in Topic]))

    def start_service(self, service: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{service}.log", "ab") as log:
            self.services[service] = subprocess.Popen(
                [sys.executable, "-m", f"animo_{service}"],
                env=self.env(service),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start(self, timeout: float = 120) -> None:
        self.check_ports()
        self.start_broker()
        for service in SERVICES:
            self.start_service(service)
        self.wait_ready(SERVICES, timeout)

    def wait_ready(self, services: tuple[str, ...] | list[str], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        waiting = set(services)
        with httpx.Client(timeout=2) as client:
            while waiting:
                for service in sorted(waiting):
                    process = self.services[service]
                    if process.poll() is not None:
                        raise StackError(
                            f"{service} exited with code {process.returncode}; "
                            f"see {self.log_dir / (service + '.log')}"
                        )
                    try:
                        if client.get(self.url(service) + "/readyz").status_code == 200:
                            waiting.discard(service)
                    except httpx.HTTPError:
                        pass
                if waiting and time.monotonic() > deadline:
                    raise StackError(
                        f"not ready after {timeout:.0f} s: {', '.join(sorted(waiting))}"
                    )
                time.sleep(0.2)

    def kill(self, service: str) -> None:
        """SIGKILL: no shutdown hook runs, as in a crash."""
        process = self.services.pop(service)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.services.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.services.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.services.clear()
        if self.broker is not None:
            stop_process(self.broker)
            self.broker = None

    def start_instance(self, service: str, instance: str, port: int) -> None:
        """One more process of `service` under the name `instance`, on its own port.

        It shares the service's consumer group and data dir (the embedded SQLite in WAL
        mode takes writers from several processes); `wait_ready`, `kill` and `stop` know
        it by `instance`, and its log is `<instance>.log`.
        """
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.ports[instance] = port
        env = {**self.env(service), f"ANIMO_{service.upper()}_PORT": str(port)}
        with open(self.log_dir / f"{instance}.log", "ab") as log:
            self.services[instance] = subprocess.Popen(
                [sys.executable, "-m", f"animo_{service}"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def restart(self, service: str, timeout: float = 60) -> None:
        """Start a stopped or killed service again on its port and data, and wait until ready."""
        self.start_service(service)
        self.wait_ready([service], timeout)

    def pause_broker(self) -> None:
        """SIGSTOP the broker: its connections stay open but nothing answers, as in a freeze."""
        assert self.broker is not None, "the broker is not running"
        self.broker.send_signal(signal.SIGSTOP)

    def resume_broker(self) -> None:
        assert self.broker is not None, "the broker is not running"
        self.broker.send_signal(signal.SIGCONT)

    def pause(self, service: str) -> None:
        """SIGSTOP one service (or instance): a stall, as under a long GC pause or a full CPU."""
        self.services[service].send_signal(signal.SIGSTOP)

    def resume(self, service: str) -> None:
        self.services[service].send_signal(signal.SIGCONT)
