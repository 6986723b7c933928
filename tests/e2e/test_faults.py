"""Bus faults with real processes: poison on every topic, consumers killed mid-batch, a frozen or
absent broker, and two processes in one consumer group — and the counts stay exact.

Each test runs a stack of its own (its own broker, ports, data and admin key), so a frozen
broker or a killed consumer never reaches another test.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from animo_dev.stack import SERVICES, Stack
from animo_shared.events import Topic, derive_id

from helpers.factories import T0, mention_body, mention_event
from helpers.faults import (
    Message,
    committed_lag,
    consumed,
    partitions,
    poison_for,
    poll,
    processed_ids,
    produce,
    read_until,
    readiness,
    readiness_of,
    spare_port,
    wait_empty,
)

pytestmark = pytest.mark.e2e

# Who reads what (README, "How it fits together"): each group dead-letters on its own.
GROUPS: dict[str, tuple[Topic, ...]] = {
    "animo-ingest-inbound": (Topic.INBOUND_MENTIONS, Topic.INBOUND_ENGAGEMENT),
    "animo-ingest-erasure": (Topic.CRM,),
    "animo-moderation": (Topic.MENTIONS,),
    "animo-moderation-erasure": (Topic.CRM,),
    "animo-publisher-engagement": (Topic.ENGAGEMENT,),
    "animo-publisher-erasure": (Topic.CRM,),
    "animo-crm": (Topic.MENTIONS, Topic.MODERATION, Topic.ENGAGEMENT),
    "animo-crm-loyalty": (Topic.ENGAGEMENT, Topic.MODERATION, Topic.POSTS, Topic.CRM),
    "animo-reporting": (
        Topic.MENTIONS, Topic.ENGAGEMENT, Topic.MODERATION, Topic.POSTS, Topic.CRM, Topic.ALERTS
    ),
}  # fmt: skip
WINDOW = {"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "interval": "day"}


@pytest.fixture
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack not started yet, on ports of its own, with its own home and admin key."""
    stack = Stack.on_ports(
        tmp_path_factory.mktemp("faults"), "faults-" + uuid.uuid4().hex, spare_port
    )
    try:
        yield stack
    finally:
        # A stopped process would hold SIGTERM until the stop's timeout: continue all first.
        if stack.broker is not None and stack.broker.poll() is None:
            stack.resume_broker()
        for name, process in stack.services.items():
            if process.poll() is None:
                stack.resume(name)
        stack.stop()


@pytest.fixture
def api(own_stack: Stack) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_stack.admin_key}"}
    with httpx.Client(headers=headers, timeout=30) as client:
        yield client


def new_brand() -> str:
    return f"e2e-f-{uuid.uuid4().hex[:10]}"


def volume(api: httpx.Client, base: str, brand: str) -> dict[str, Any]:
    answer = api.get(base + "/v1/reports/volume", params={"brand": brand, **WINDOW})
    answer.raise_for_status()
    totals: dict[str, Any] = answer.json()["totals"]
    return totals


def engagement_total(api: httpx.Client, stack: Stack, brand: str) -> int:
    answer = api.get(
        stack.url("reporting") + "/v1/reports/posts", params={"brand": brand, **WINDOW}
    )
    return int(answer.json()["totals"]["engagement_total"]) if answer.status_code == 200 else 0


def members(api: httpx.Client, stack: Stack, brand: str) -> list[dict[str, Any]]:
    page = api.get(stack.url("crm") + "/v1/members", params={"brand": brand, "limit": 500})
    page.raise_for_status()
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def post_mentions(api: httpx.Client, stack: Stack, bodies: list[dict[str, Any]]) -> list[str]:
    """Post in batches of 500; every one must be accepted. The mention ids, in order."""
    ids: list[str] = []
    for start in range(0, len(bodies), 500):
        answer = api.post(
            stack.url("ingest") + "/v1/mentions", json={"mentions": bodies[start : start + 500]}
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["accepted"] == len(bodies[start : start + 500])
        ids.extend(answer.json()["ids"])
    return ids


def post_engagement(api: httpx.Client, stack: Stack, events: list[dict[str, Any]]) -> None:
    answer = api.post(stack.url("ingest") + "/v1/engagement", json={"events": events})
    assert answer.status_code == 202, answer.text
    assert answer.json()["accepted"] == len(events)


def fan_mentions(brand: str, numbers: range, fans: int) -> list[dict[str, Any]]:
    """Mentions by `fans` authors, each worded apart (ingest drops word-for-word repeats);
    every seventh an insult, so moderation hides some."""
    return [
        mention_body(
            brand,
            external_id=f"m-{n}",
            author={"handle": f"fan{n % fans}"},
            text=f"Bande de connards, rendez-moi la commande {n}" if n % 7 == 0 else f"Message {n}",
            published_at=T0.isoformat(),
        )
        for n in numbers
    ]


def test_poison_on_every_consumed_topic_is_dead_lettered_by_each_group_and_the_flow_goes_on(
    own_stack: Stack, api: httpx.Client
) -> None:
    stack = own_stack
    stack.start(timeout=120)
    consumed_topics = {t for topics in GROUPS.values() for t in topics}
    assert consumed_topics == set(Topic) - {Topic.DEAD_LETTER}

    brand = new_brand()
    layout = partitions(stack.bootstrap, [t.value for t in consumed_topics])
    poison = {t: poison_for(t, brand) for t in consumed_topics}
    # Poison on every partition: whichever partition a later valid event lands on, it waits
    # behind poison there.
    produce(
        stack.bootstrap,
        [
            Message(
                p.topic.value, p.value, partition=n, headers=(("x-test-poison", p.kind.encode()),)
            )
            for topic in sorted(consumed_topics)
            for n in layout[topic.value]
            for p in poison[topic]
        ],
    )
    # Then valid events through every entrance: HTTP and the two inbound topics.
    mention = mention_body(brand, text="Mon colis n'est jamais arrivé", author={"handle": "ana"})
    post_mentions(api, stack, [mention])
    post_engagement(
        api, stack, [{"brand": brand, "kind": "like", "source": "twitter", "handle": "ana"}]
    )
    inbound_mention = mention_body(brand, text="Super vélo", author={"handle": "bea"})
    inbound_like = {"brand": brand, "kind": "share", "source": "twitter", "handle": "bea"}
    produce(
        stack.bootstrap,
        [
            Message(Topic.INBOUND_MENTIONS.value, json.dumps(inbound_mention).encode()),
            Message(Topic.INBOUND_ENGAGEMENT.value, json.dumps(inbound_like).encode()),
        ],
    )

    expected = {
        (group, topic.value, n, p.kind): p
        for group, topics in GROUPS.items()
        for topic in topics
        for n in layout[topic.value]
        for p in poison[topic]
    }

    def key(record: Any) -> tuple[str, str, int, str]:
        h = {name: value.decode() for name, value in record.headers}
        return (
            h.get("x-animo-dlq-group", ""),
            h.get("x-animo-dlq-topic", ""),
            int(h.get("x-animo-dlq-partition", "-1")),
            h.get("x-test-poison", "(a valid event)"),
        )

    letters = read_until(
        stack.bootstrap,
        Topic.DEAD_LETTER.value,
        lambda records: {key(r) for r in records} >= set(expected),
        timeout=60,
    )
    seen = {key(r) for r in letters}
    assert not set(expected) - seen, f"not dead-lettered: {sorted(set(expected) - seen)}"
    # A group missing from GROUPS shows here too: it dead-letters the poison under its name.
    assert not seen - set(expected), (
        f"dead-lettered but should not be: {sorted(seen - set(expected))}"
    )
    for record in letters:
        p = expected[key(record)]
        reason = dict(record.headers)["x-animo-dlq-reason"].decode()
        assert re.fullmatch(p.reason, reason), (key(record), reason, p.reason)
        assert record.value == p.value  # the message as it came, for a person to look at

    # The valid events behind the poison went all the way through.
    reporting = stack.url("reporting")
    poll(lambda: volume(api, reporting, brand)["mentions"] >= 2, 30, "both mentions in reporting")
    poll(lambda: sum(volume(api, reporting, brand)["by_action"].values()) >= 2, 30, "decisions")
    poll(lambda: engagement_total(api, stack, brand) >= 2, 30, "engagement in reporting")
    poll(lambda: sum(m["engagements"] for m in members(api, stack, brand)) >= 2, 30, "crm")

    # Every group went past every poison message and everything after it: nothing is stuck.
    def behind() -> dict[tuple[str, str, int], int]:
        return {k: v for k, v in committed_lag(stack.bootstrap, GROUPS).items() if v}

    wait_empty(behind, 30, "groups behind the end of a partition")
    totals = volume(api, reporting, brand)
    assert (totals["mentions"], sum(totals["by_action"].values())) == (2, 2)
    assert engagement_total(api, stack, brand) == 2
    crm = members(api, stack, brand)
    assert sorted((m["handle"], m["mentions"], m["engagements"]) for m in crm) == [
        ("ana", 1, 1),
        ("bea", 1, 1),
    ]


def test_crm_and_reporting_killed_mid_stream_count_every_event_exactly_once(
    own_stack: Stack, api: httpx.Client
) -> None:
    stack = own_stack
    stack.start(timeout=120)
    brand, fans, sent = new_brand(), 40, 3500
    bodies = fan_mentions(brand, range(sent), fans)
    likes = [
        {"brand": brand, "kind": "like", "source": "twitter", "handle": f"fan{n % fans}",
         "event_id": f"like-{n}"}
        for n in range(400)
    ]  # fmt: skip

    def busy() -> bool:
        return all(consumed(stack.url(s), Topic.MODERATION) for s in ("reporting", "crm"))

    # Kill both as soon as they apply moderation's decisions, while ingest is still sending:
    # what was sent before goes on being decided, what follows waits on the broker.
    before_kill: list[str] = []
    applied_at_kill: dict[str, set[str]] = {}
    for start in range(0, sent, 500):
        ids = post_mentions(api, stack, bodies[start : start + 500])
        if start == 0:
            post_engagement(api, stack, likes[:300])
        if applied_at_kill:
            continue  # they are down: the rest waits on the broker
        before_kill += ids
        last = start + 500 >= sent
        if busy() or (last and poll(busy, 30, "decisions applied", 0.05)):
            stack.kill("reporting")
            stack.kill("crm")
            data = stack.home / "data"
            applied_at_kill = {s: processed_ids(data, s) for s in ("reporting", "crm")}
    post_engagement(api, stack, likes[300:])
    stack.restart("reporting")
    stack.restart("crm")

    reporting = stack.url("reporting")

    def settled() -> bool:
        totals = volume(api, reporting, brand)
        crm = members(api, stack, brand)
        return (
            totals["mentions"] >= sent
            and sum(totals["by_action"].values()) >= sent
            and engagement_total(api, stack, brand) >= len(likes)
            and sum(m["mentions"] for m in crm) >= sent
            and sum(m["allowed"] + m["hidden"] + m["reviewed"] + m["escalated"] for m in crm)
            >= sent
            and sum(m["engagements"] for m in crm) >= len(likes)
        )

    poll(settled, 90, "every mention, decision and like counted after the restart")
    time.sleep(2)  # anything replayed late would land now
    totals = volume(api, reporting, brand)
    crm = members(api, stack, brand)
    assert totals["mentions"] == sent
    assert sum(totals["by_action"].values()) == sent
    assert totals["by_action"].get("hide", 0) == len(range(0, sent, 7))
    assert engagement_total(api, stack, brand) == len(likes)
    assert len(crm) == fans
    assert sum(m["mentions"] for m in crm) == sent
    assert sum(m["hidden"] for m in crm) == totals["by_action"]["hide"]
    assert sum(m["allowed"] for m in crm) == totals["by_action"]["allow"]
    assert sum(m["engagements"] for m in crm) == len(likes)
    # The kill landed mid-stream: of the mentions sent before it, each consumer had stored
    # the decisions of some, not all (moderation derives a decision's event id from the
    # mention's); by now it has stored every one.
    decisions = {derive_id("mention.moderated", mention) for mention in before_kill}
    for service, at_kill in applied_at_kill.items():
        assert 0 < len(decisions & at_kill) < len(decisions), (service, len(decisions & at_kill))
        assert decisions <= processed_ids(stack.home / "data", service), service


def test_a_frozen_broker_makes_services_unready_and_they_recover_by_themselves(
    own_stack: Stack, api: httpx.Client
) -> None:
    stack = own_stack
    stack.start(timeout=120)
    brand = new_brand()
    post_mentions(api, stack, fan_mentions(brand, range(200), 10))
    stack.pause_broker()
    frozen = time.monotonic()
    try:
        # Ingest keeps taking mentions: they wait in its outbox.
        post_mentions(api, stack, fan_mentions(brand, range(200, 400), 10))
        urls = {service: stack.url(service) for service in SERVICES}

        def all_unready() -> dict[str, tuple[int, dict[str, bool]]] | None:
            states = readiness_of(urls)
            return states if all(status == 503 for status, _ in states.values()) else None

        states = poll(all_unready, 6, "every service unready while the broker is frozen", 0.1)
    finally:
        time.sleep(max(0.0, frozen + 8 - time.monotonic()))
        stack.resume_broker()
    for service, (_, checks) in states.items():
        assert checks["broker"] is False, (service, checks)
        assert checks["database"] is True, (service, checks)
    stack.wait_ready(SERVICES, timeout=60)
    reporting = stack.url("reporting")
    poll(lambda: volume(api, reporting, brand)["mentions"] >= 400, 60, "all 400 mentions")
    poll(lambda: sum(volume(api, reporting, brand)["by_action"].values()) >= 400, 60, "decisions")
    poll(lambda: sum(m["mentions"] for m in members(api, stack, brand)) >= 400, 60, "crm")
    time.sleep(1)
    totals = volume(api, reporting, brand)
    assert (totals["mentions"], sum(totals["by_action"].values())) == (400, 400)
    assert sum(m["mentions"] for m in members(api, stack, brand)) == 400


def test_a_service_started_before_the_broker_is_unready_then_consumes_once_it_listens(
    own_stack: Stack, api: httpx.Client
) -> None:
    stack = own_stack
    stack.start_service("reporting")
    reporting = stack.url("reporting")
    status, checks = poll(lambda: (r := readiness(reporting))[0] and r, 30, "reporting answers")
    assert status == 503
    assert checks == {"broker": False, "database": True, "consumers": False}
    time.sleep(2)
    assert readiness(reporting)[0] == 503  # it waits; it does not give up or crash
    assert stack.services["reporting"].poll() is None

    stack.start_broker()
    stack.wait_ready(["reporting"], timeout=60)
    brand = new_brand()
    message = mention_event(brand, text="Le broker est arrivé")
    produce(stack.bootstrap, [Message(message.topic, message.value, message.key.encode())])
    poll(lambda: volume(api, reporting, brand)["mentions"] == 1, 30, "the mention counted")


class Spread:
    """Mentions spread over two dozen brands — so over every partition — and what each got."""

    def __init__(self, brands: int = 24) -> None:
        self.brands = [new_brand() for _ in range(brands)]
        self.sent: Counter[str] = Counter()
        self._numbers = itertools.count()

    def mentions(self, size: int) -> list[dict[str, Any]]:
        bodies = []
        for n in itertools.islice(self._numbers, size):
            brand = self.brands[n % len(self.brands)]
            self.sent[brand] += 1
            bodies.extend(fan_mentions(brand, range(n, n + 1), 9))
        return bodies

    def not_exact(self, api: httpx.Client, base: str) -> dict[str, tuple[int, int, int]]:
        """Brands whose (mentions, decided, pending) differ from (sent, sent, 0)."""
        left = {}
        for brand, count in self.sent.items():
            totals = volume(api, base, brand)
            got = (totals["mentions"], sum(totals["by_action"].values()), totals["pending"])
            if got != (count, count, 0):
                left[brand] = got
        return left


def mentions_applied(stack: Stack) -> list[int]:
    return [consumed(stack.url(r), Topic.MENTIONS) for r in ("reporting", "reporting-2")]


def until_both_apply(api: httpx.Client, stack: Stack, spread: Spread) -> None:
    """The newcomer gets partitions at the next rebalance: send small waves until both
    reporting processes have applied mentions."""

    def both_busy() -> bool:
        if all(mentions_applied(stack)):
            return True
        post_mentions(api, stack, spread.mentions(48))
        time.sleep(1)
        return False

    poll(both_busy, 40, "mentions applied by both reporting processes", every=0)


def test_a_second_reporting_process_joins_mid_stream_and_both_count_exactly(
    own_stack: Stack, api: httpx.Client
) -> None:
    stack = own_stack
    stack.start(timeout=120)
    spread = Spread()
    # The second process joins while the first works through a burst: a rebalance mid-stream.
    burst = spread.mentions(3000)
    post_mentions(api, stack, burst[:1500])
    stack.start_instance("reporting", "reporting-2", spare_port())
    post_mentions(api, stack, burst[1500:])
    stack.wait_ready(["reporting-2"], timeout=60)
    until_both_apply(api, stack, spread)
    first = stack.url("reporting")
    wait_empty(
        lambda: spread.not_exact(api, first), 60, "brands not exact (mentions, decided, pending)"
    )
    time.sleep(2)
    assert spread.not_exact(api, first) == {}
    split = mentions_applied(stack)
    assert all(split), split
    assert sum(split) == sum(spread.sent.values())  # each mention applied by exactly one
    for brand in spread.brands[:3]:  # one store: either process answers the same
        assert volume(api, stack.url("reporting-2"), brand) == volume(api, first, brand)


def test_two_reporting_processes_catching_up_a_backlog_count_exactly(
    own_stack: Stack, api: httpx.Client
) -> None:
    """The reason to scale out: a backlog. Both processes stall (shorter than the session
    timeout, so they keep their partitions) while mentions and their decisions pile up, then
    catch up side by side. A mention and its decision share a key, hence a partition number:
    the consumers' range assignment gives partition k of every topic to one member, so a
    mention's two halves are joined in one process (round robin split them, and the two
    processes overwrote each other's half of the join)."""
    stack = own_stack
    stack.start(timeout=120)
    stack.start_instance("reporting", "reporting-2", spare_port())
    stack.wait_ready(["reporting-2"], timeout=60)
    spread = Spread()
    until_both_apply(api, stack, spread)
    first = stack.url("reporting")
    wait_empty(lambda: spread.not_exact(api, first), 60, "brands not exact before the stall")
    before = sum(mentions_applied(stack))

    stalled = time.monotonic()
    stack.pause("reporting")
    stack.pause("reporting-2")
    try:
        post_mentions(api, stack, spread.mentions(1500))
        time.sleep(max(0.0, stalled + 4.5 - time.monotonic()))
    finally:
        stack.resume("reporting")
        stack.resume("reporting-2")
    wait_empty(
        lambda: spread.not_exact(api, first), 45, "brands not exact (mentions, decided, pending)"
    )
    time.sleep(2)
    assert spread.not_exact(api, first) == {}
    split = mentions_applied(stack)
    assert all(split), split
    assert sum(split) - before == 1500
