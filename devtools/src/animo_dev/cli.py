"""`animo-dev run`: Animo on one machine — broker, five services, a demo feed — until Ctrl-C."""

from __future__ import annotations

import argparse
import fcntl
import os
import secrets
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from .broker import BrokerError
from .demo import BRANDS, demo_batches, demo_mentions
from .stack import DEFAULT_PORTS, SERVICES, Stack, StackError
from .webhook import DemoWebhook


class AlreadyRunning(RuntimeError):
    pass


@contextmanager
def single_instance(home: Path) -> Iterator[None]:
    """One `animo-dev run` per data directory: a second one says so and leaves the first alone."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "animo-dev.lock"
    with open(path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            pid = lock.read().strip() or "?"
            raise AlreadyRunning(
                f"Animo is already running from {home} (pid {pid}). "
                f"Stop it with Ctrl-C in its terminal (or `kill {pid}`) before starting another."
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        yield


def _say(message: str) -> None:
    print(f"[animo] {message}", flush=True)


def _ports() -> dict[str, int]:
    return {s: int(os.environ.get(f"ANIMO_{s.upper()}_PORT", DEFAULT_PORTS[s])) for s in SERVICES}


def feed_demo(stack: Stack, client: httpx.Client, now: datetime) -> tuple[int, int]:
    """Post the demo stream to ingest; returns how many mentions it accepted as new, and how
    many it already had (a data directory kept from an earlier run)."""
    accepted = duplicates = 0
    for batch in demo_batches(demo_mentions(now), size=100):
        response = client.post(stack.url("ingest") + "/v1/mentions", json={"mentions": batch})
        response.raise_for_status()
        answer = response.json()
        accepted += answer["accepted"]
        duplicates += answer["duplicates"]
    return accepted, duplicates


def demo_posts(stack: Stack, client: httpx.Client, webhook: DemoWebhook) -> None:
    channel = (
        client.post(
            stack.url("publisher") + "/v1/channels",
            json={
                "brand": BRANDS[0],
                "name": "demo webhook",
                "url": webhook.url,
                "secret": webhook.secret,
            },
        )
        .raise_for_status()
        .json()
    )
    for text, delay in (
        ("Nouveau modèle Lumen 2 : essais gratuits ce week-end !", 10),
        ("Our spring collection is out: come and ride it.", 40),
    ):
        # The publisher's workflow: a draft is submitted (moderation checks it), then approved.
        at = (datetime.now(UTC) + timedelta(seconds=delay)).isoformat()
        post = (
            client.post(
                stack.url("publisher") + "/v1/posts",
                json={
                    "brand": BRANDS[0],
                    "text": text,
                    "channels": [channel["id"]],
                    "publish_at": at,
                    "submit": True,
                },
            )
            .raise_for_status()
            .json()
        )
        approved = client.post(stack.url("publisher") + f"/v1/posts/{post['id']}:approve")
        if approved.status_code >= 400:
            _say(f"demo post not approved ({approved.status_code}): {approved.text[:200]}")


def report_totals(stack: Stack, client: httpx.Client, since: datetime) -> dict[str, dict[str, Any]]:
    totals = {}
    for brand in BRANDS:
        report = (
            client.get(
                stack.url("reporting") + "/v1/reports/volume",
                params={"brand": brand, "from": since.isoformat(), "interval": "day"},
            )
            .raise_for_status()
            .json()
        )
        totals[brand] = report["totals"]
    return totals


def _counted(totals: dict[str, dict[str, Any]]) -> tuple[int, int]:
    """Mentions counted and mentions moderated, over the demo brands."""
    counted = sum(t["mentions"] for t in totals.values())
    decided = sum(sum(t["by_action"].values()) for t in totals.values())
    return counted, decided


def wait_for_counts(
    stack: Stack,
    client: httpx.Client,
    since: datetime,
    expected: int,
    timeout: float = 60,
    before: tuple[int, int] = (0, 0),
) -> dict[str, dict[str, Any]]:
    """Until reporting counted and moderated `expected` more mentions than `before`."""
    deadline = time.monotonic() + timeout
    while True:
        totals = report_totals(stack, client, since)
        counted, decided = _counted(totals)
        counted, decided = counted - before[0], decided - before[1]
        if counted >= expected and decided >= expected:
            return totals
        if time.monotonic() > deadline:
            raise StackError(f"reporting counted {counted}/{expected} mentions after {timeout} s")
        time.sleep(0.5)


def print_summary(stack: Stack, totals: dict[str, dict[str, Any]], generated_key: bool) -> None:
    _say("ready. Where to look:")
    for service in SERVICES:
        print(f"    {service:<11} {stack.url(service)}/docs")
    print(f"    report      {stack.url('reporting')}/v1/reports/volume?brand={BRANDS[0]}")
    print(
        f"    admin key   {stack.admin_key}"
        + ("   (generated; set ANIMO_ADMIN_KEY to fix it)" if generated_key else "")
    )
    print(f"    logs        {stack.log_dir}/")
    print("\n    brand         mentions  hidden  review  allowed")
    for brand, t in totals.items():
        a = t["by_action"]
        print(
            f"    {brand:<13} {t['mentions']:>8}  {a.get('hide', 0):>6}  "
            f"{a.get('review', 0):>6}  {a.get('allow', 0):>7}"
        )
    print(
        f"\n    try: curl -H 'Authorization: Bearer {stack.admin_key}' "
        f"'{stack.url('moderation')}/v1/decisions?brand={BRANDS[0]}&action=hide'"
    )
    print("\n    Ctrl-C stops everything.", flush=True)


def run(args: argparse.Namespace) -> int:
    home = Path(args.home).resolve()
    key = os.environ.get("ANIMO_ADMIN_KEY") or "animo_" + secrets.token_urlsafe(24)
    stack = Stack(
        home=home,
        admin_key=key,
        ports=_ports(),
        broker_port=int(os.environ.get("ANIMO_BROKER_PORT", "9092")),
    )

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    started = time.monotonic()
    webhook: DemoWebhook | None = None
    try:
        with single_instance(home):
            _say(f"starting the embedded broker on {stack.bootstrap} and five services…")
            stack.start()
            _say(f"all five services ready in {time.monotonic() - started:.1f} s")
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(headers=headers, timeout=30) as client:
                now = datetime.now(UTC)
                totals: dict[str, dict[str, Any]] = {}
                if not args.no_demo:
                    webhook = DemoWebhook(int(os.environ.get("ANIMO_DEMO_WEBHOOK_PORT", "8010")))
                    since = now - timedelta(days=3)
                    before = report_totals(stack, client, since)
                    accepted, duplicates = feed_demo(stack, client, now)
                    demo_posts(stack, client, webhook)
                    _say(f"demo feed posted: {accepted} mentions; waiting for reporting…")
                    if duplicates:
                        _say(
                            f"{duplicates} demo mentions were already in {stack.home / 'data'} "
                            "from an earlier run (`make clean` starts afresh)"
                        )
                    totals = wait_for_counts(
                        stack, client, since, accepted, before=_counted(before)
                    )
                    _say(f"demo counted end to end in {time.monotonic() - started:.1f} s")
                print_summary(stack, totals, "ANIMO_ADMIN_KEY" not in os.environ)
            if args.exit_when_ready:
                return 0
            while True:
                time.sleep(1)
                for service, process in list(stack.services.items()):
                    if process.poll() is not None:
                        _say(f"{service} stopped (code {process.returncode}); restarting it")
                        stack.start_service(service)
    except KeyboardInterrupt:
        _say("stopping…")
        return 0
    except (AlreadyRunning, StackError, BrokerError, httpx.HTTPError) as error:
        _say(f"error: {error}")
        return 1
    finally:
        if webhook is not None:
            webhook.close()
        stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="animo-dev", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="broker + five services + demo feed")
    run_parser.add_argument(
        "--home",
        default=os.environ.get("ANIMO_HOME", "var"),
        help="data and logs directory (default: ./var)",
    )
    run_parser.add_argument("--no-demo", action="store_true", help="do not post the demo feed")
    run_parser.add_argument(
        "--exit-when-ready",
        action="store_true",
        help="stop once the demo is counted (for tests and CI)",
    )
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
