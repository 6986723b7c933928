"""The right to be forgotten across the system: crm erases a member, every service purges.

A person writes mentions (one with a complaint), engages on the brand's shop with a
verified email, and asks to be erased. After `DELETE /v1/members/{id}` on crm, no
service's store holds the person's handle, name, email or words any more, while the
counts that name no one stay.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from animo_crm.identity import member_id
from animo_dev.stack import SERVICES, Stack
from animo_reporting.fields import encode

from helpers.factories import mention_body

pytestmark = pytest.mark.e2e


def poll(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {timeout} s")
        time.sleep(0.25)


def traces(data_dir: Path, needles: list[str], words: str) -> dict[str, list[str]]:
    """Where each needle still appears: service -> ["table: needle", ...], every row read
    through SQLite (its write-ahead log included). The person's `words` are searched too,
    except in reporting: its trending terms count words across mentions, naming no author."""
    found: dict[str, list[str]] = {}
    for service in SERVICES:
        # Reporting spells values inside counter names, escaped (fields.encode).
        searched = (
            [*needles, *map(encode, needles)] if service == "reporting" else [*needles, words]
        )
        path = data_dir / f"{service}.sqlite3"
        if not path.exists():
            continue
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - our own tables
                    text = " ".join(str(cell) for cell in row).casefold()
                    for needle in searched:
                        if needle.casefold() in text:
                            found.setdefault(service, []).append(f"{table}: {needle}")
        finally:
            db.close()
    return found


class Load:
    """Other people's mentions of the brand, 200 a second in batches, from a thread."""

    def __init__(self, stack: Stack, brand: str, tag: str) -> None:
        self.url = stack.url("ingest") + "/v1/mentions"
        self.brand, self.tag = brand, tag
        self.sent = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.key = stack.admin_key

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(headers=headers, timeout=30) as client:
            while not self.stopping.is_set() and self.sent < 20_000:
                batch = [
                    mention_body(
                        self.brand,
                        text=f"Livraison rapide, commande {self.sent + n}",
                        author={"handle": f"crowd{(self.sent + n) % 300}_{self.tag}"},
                    )
                    for n in range(50)
                ]
                client.post(self.url, json={"mentions": batch}).raise_for_status()
                self.sent += len(batch)
                self.stopping.wait(0.25)

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        self.thread.start()
        time.sleep(3)  # the person's traffic joins a queue that is already busy
        return self

    def __exit__(self, *exc: object) -> None:
        # The erasure travels while the crowd keeps writing: ten seconds of load at least.
        self.stopping.wait(max(0.0, 10 - (time.monotonic() - self.started)))
        self.stopping.set()
        self.thread.join(timeout=60)


@pytest.mark.parametrize("under_load", [False, True], ids=["quiet", "under-load"])
def test_an_erased_member_leaves_no_personal_data_in_any_store(
    stack: Stack, api: httpx.Client, under_load: bool
) -> None:
    tag = uuid.uuid4().hex[:8]
    brand, handle, other = f"e2e-gdpr-{tag}", f"erase_me_{tag}", f"keeper_{tag}"
    name, email, words = f"Prudence {tag}", f"prudence.{tag}@example.org", f"zorglub{tag}"
    when = datetime.now(UTC) - timedelta(minutes=20)
    texts = [
        f"Mon colis n'est jamais arrivé, {words} je suis furieuse",
        f"J'adore mon vélo {words}, merci",
        f"Bande de connards {words}",
    ]
    mentions = [
        mention_body(
            brand,
            text=text,
            published_at=(when + timedelta(minutes=n)).isoformat(),
            author={"handle": handle, "name": name, "followers": 4200},
        )
        for n, text in enumerate(texts)
    ]
    mentions.append(mention_body(brand, text="Super service", author={"handle": other}))
    load = Load(stack, brand, tag) if under_load else contextlib.nullcontext()
    with load:
        forget_under(stack, api, brand, mentions, when, handle, name, email, words, other)
    window = {"brand": brand, "from": (when - timedelta(days=1)).isoformat()}
    volume = stack.url("reporting") + "/v1/reports/volume"
    if not isinstance(load, Load):
        # Counts that name no one stay: the four mentions and their moderation outcomes.
        def counted() -> bool:
            totals = api.get(volume, params=window).json()["totals"]
            return bool(totals["mentions"] == 4 and sum(totals["by_action"].values()) == 4)

        poll(counted, 30, "the four mentions and their outcomes still counted")
    else:
        # Every mention of the crowd is counted once the load is over: erasure lost nothing.
        def drained() -> bool:
            totals = api.get(volume, params=window).json()["totals"]
            return bool(totals["mentions"] == 4 + load.sent)

        assert load.sent > 0
        poll(drained, 120, "every mention of the load counted")
        assert traces(stack.home / "data", [handle, name, email], words) == {}


def forget_under(
    stack: Stack,
    api: httpx.Client,
    brand: str,
    mentions: list[dict[str, Any]],
    when: datetime,
    handle: str,
    name: str,
    email: str,
    words: str,
    other: str,
) -> None:
    """The person's traffic, its erasure, and the proof that no store keeps a trace of them."""
    api.post(stack.url("ingest") + "/v1/mentions", json={"mentions": mentions}).raise_for_status()
    api.post(
        stack.url("ingest") + "/v1/engagement",
        json={
            "brand": brand,
            "kind": "purchase",
            "source": "twitter",
            "handle": handle,
            "name": name,
            "email": email,
            "email_verified": True,
            "value": 89.9,
        },
    ).raise_for_status()

    def person_moderated() -> bool:
        path = stack.home / "data" / "moderation.sqlite3"
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            rows = db.execute(
                "SELECT count(*) FROM decisions WHERE json_extract(doc, '$.author_handle') = ?",
                [handle],
            ).fetchone()
        return bool(rows[0] == 3)

    poll(person_moderated, 60, "the person's three mentions moderated")
    person = member_id(brand, "twitter", handle)

    def member_complete() -> dict[str, Any] | None:
        response = api.get(stack.url("crm") + f"/v1/members/{person}")
        if response.status_code != 200:
            return None
        member: dict[str, Any] = response.json()["member"]
        done = member["mentions"] == 3 and member.get("engagements", 0) >= 1
        return member if done else None

    poll(member_complete, 60, "crm's member with 3 mentions and the purchase")
    poll(
        lambda: (
            traces(stack.home / "data", [handle], handle).keys()
            >= {"ingest", "moderation", "crm", "reporting"}
        ),
        60,
        "the person in every store",
    )
    needles = [handle, name, email]
    found = traces(stack.home / "data", needles, words)
    assert set(found) >= {"ingest", "moderation", "crm", "reporting"}

    erased = api.delete(stack.url("crm") + f"/v1/members/{person}")
    assert erased.status_code == 200, erased.text
    assert api.get(stack.url("crm") + f"/v1/members/{person}").status_code == 404

    deadline = time.monotonic() + 60
    while traces(stack.home / "data", needles, words) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1)  # nothing late brings the person back
    assert traces(stack.home / "data", needles, words) == {}
    keeper = api.get(stack.url("crm") + f"/v1/members/{member_id(brand, 'twitter', other)}")
    assert keeper.status_code == 200
