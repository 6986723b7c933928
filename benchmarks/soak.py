"""`python -m benchmarks.soak` (`make soak`): steady mixed load through the whole system for a while.

The broker and the five services run as real processes (`animo_dev.stack.Stack`, embedded
default, as `make bench`). After setting up two brands (listening queries, a signed webhook
channel each), it sends, for `--warmup` seconds and then `--minutes` more:

- mentions in batches through ingest's batch endpoint at a fixed rate (`benchmarks.load`,
  its own process, the corpus of `benchmarks.corpus` without `published_at`, so they are
  published now); a single mention a second;
- engagement events (a batch of five or a single one, each second);
- a publisher post every 30 s (previewed, written, submitted to moderation, approved,
  published 10 s later to the local webhook);
- reads every 2 s in turn (crm leaderboard and a profile, reporting's volume, sentiment,
  influencers and alerts, moderation's decisions, ingest's mentions, publisher's posts);
  two `POST /v1/moderate` a second; every 20 s, up to three review items claimed and
  settled (one in three rejected as `allow`).

Every `--sample-seconds` it notes each process's RSS (/proc), each consumer group's lag
(committed offset against the end of every partition of every topic, read with aiokafka; a
group that never committed anything is not listed by the broker), the services' non-2xx
answers by route, dead letters and failed batches (their /metrics), the ERROR lines of
each service's log, and what the load saw (non-2xx, exceptions, latency by route). When the
load stops it waits (at most `--drain-seconds`) until no group lags and no outbox holds an
event, then checks the totals: reporting's mentions, ingest's stored mentions and the sum
of crm's members' mentions equal the mentions ingest accepted; every post is published,
counted by reporting and received by the webhook; reporting counts every engagement event.

Verdicts (the exit code is non-zero when one fails):
- no error: nothing above counted a single error;
- no unbounded growth: per service, the slope of a least-squares line through the RSS
  samples of the second half of the measured minutes is at most
  `--max-growth-mb-per-minute` (1 MB/min: a leak of ~90 bytes per mention at 200/s);
  runs shorter than 5 minutes report it without judging; the broker is not judged (the
  embedded Tansu keeps every event in memory, by design);
- no lag left: the drain ends within `--drain-seconds` and the totals are exact.

Writes `benchmarks/results/soak.json` (every sample) and `soak.md` (the summary).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families

from animo_dev.broker import free_port
from animo_dev.stack import SERVICES, Stack
from animo_dev.webhook import DemoWebhook
from animo_shared.events import Topic

from .common import cpu_seconds, latency_summary, load_average, rss_mb
from .corpus import SOURCES, mention_items

RESULTS = Path(__file__).resolve().parent / "results"
BRANDS = ("soak-velo", "soak-brume")
QUERIES = ("colis OR livr* OR rembours* OR refund* OR order", "velo OR bike OR vélo")
ENGAGEMENT_KINDS = ("like", "comment", "share", "purchase", "newsletter_click", "review")
AUTHORS = 5000  # corpus authors are user0…user4999 per brand
SHORTEST_JUDGED_MINUTES = 5
READS: tuple[tuple[str, str, dict[str, str]], ...] = (  # reports: the last 7 days
    ("crm", "/v1/members", {"sort": "influence"}),
    ("reporting", "/v1/reports/volume", {"interval": "hour"}),
    ("reporting", "/v1/reports/sentiment", {"interval": "hour", "group_by": "source"}),
    ("reporting", "/v1/reports/influencers", {}),
    ("reporting", "/v1/alerts", {}),
    ("moderation", "/v1/decisions", {}),
    ("ingest", "/v1/mentions", {}),
    ("publisher", "/v1/posts", {}),
)
ID = re.compile(r"/(post_[0-9a-f]+|[0-9a-f-]{36})")  # routes are counted by template


# --- what the system says about itself -------------------------------------------------


def metric_samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


async def scrape(client: httpx.AsyncClient, stack: Stack) -> dict[str, Any]:
    """From every service's /metrics: non-2xx answers by route, dead letters, failed batches,
    events waiting in outboxes (cumulative since each process started)."""
    http: Counter[str] = Counter()
    out = {"deadlettered": 0.0, "batch_failures": 0.0, "outbox_pending": 0.0}
    names = {
        "deadlettered": "animo_events_deadlettered_total",
        "batch_failures": "animo_consumer_batch_failures_total",
        "outbox_pending": "animo_outbox_pending_messages",
    }
    for service in SERVICES:
        text = (await client.get(stack.url(service) + "/metrics")).text
        for labels, value in metric_samples(text, "animo_http_requests_total"):
            if not labels["status"].startswith("2") and value:
                key = f"{service} {labels['method']} {labels['route']} {labels['status']}"
                http[key] += int(value)
        for field, name in names.items():
            out[field] += sum(value for _, value in metric_samples(text, name))
    return {"http_non_2xx": dict(http), **{k: int(v) for k, v in out.items()}}


def log_errors(stack: Stack) -> dict[str, list[str]]:
    """ERROR and CRITICAL lines of each service's JSON log (the broker's too)."""
    found: dict[str, list[str]] = {}
    for path in sorted(stack.log_dir.glob("*.log")):
        lines = [
            line
            for line in path.read_text(errors="replace").splitlines()
            if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line or " ERROR " in line
        ]
        found[path.stem] = lines
    return found


class GroupLag:
    """Each consumer group's lag: committed offsets against the end of every partition."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.groups: dict[str, AIOKafkaConsumer] = {}
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self.ends = AIOKafkaConsumer(bootstrap_servers=bootstrap)
        self.partitions: list[TopicPartition] = []

    async def start(self) -> None:
        await self.admin.start()
        await self.ends.start()
        await self.ends.topics()
        self.partitions = [
            TopicPartition(topic.value, p)
            for topic in Topic
            for p in sorted(self.ends.partitions_for_topic(topic.value) or ())
        ]

    async def read(self) -> dict[str, int]:
        for group, _ in await self.admin.list_consumer_groups():
            if group.startswith("animo-") and group not in self.groups:
                reader = AIOKafkaConsumer(
                    bootstrap_servers=self.bootstrap, group_id=group, enable_auto_commit=False
                )
                await reader.start()  # no subscription: it reads offsets, it never joins
                self.groups[group] = reader
        ends = await self.ends.end_offsets(self.partitions)
        lag = {}
        for group, reader in sorted(self.groups.items()):
            behind = 0
            for tp in self.partitions:
                committed = await reader.committed(tp)
                if committed is not None:  # None: a topic the group does not read
                    behind += max(0, ends[tp] - committed)
            lag[group] = behind
        return lag

    async def stop(self) -> None:
        for reader in self.groups.values():
            await reader.stop()
        await self.ends.stop()
        await self.admin.close()


# --- the load besides the batches ------------------------------------------------------


class MixedLoad:
    """Everything but the mention batches, at a few requests a second, each answer counted."""

    def __init__(self, stack: Stack, client: httpx.AsyncClient, webhook: DemoWebhook) -> None:
        self.stack, self.client, self.webhook = stack, client, webhook
        self.rng = random.Random(5)
        self.seconds: dict[str, list[float]] = {}  # answers' latencies, by route
        self.errors: Counter[str] = Counter()
        self.mentions_accepted: Counter[str] = Counter()
        self.engagement_accepted: Counter[str] = Counter()
        self.posts: dict[str, list[str]] = {brand: [] for brand in BRANDS}
        self.channels: dict[str, str] = {}
        self.reviews: Counter[str] = Counter()
        now = datetime.now(UTC)
        self.singles = {
            brand: iter(mention_items(brand, 5_000, now, seed=100 + n))
            for n, brand in enumerate(BRANDS)
        }
        self.texts = [i["text"] for i in mention_items("soak-moderate", 500, now, seed=3)]
        self.event_ids = itertools.count()
        self.turn = itertools.count()
        self.single_turn = itertools.count()
        self.post_turn = itertools.count()

    async def call(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        """One request; a non-2xx answer or an exception is an error of its route."""
        route = f"{service} {method} {ID.sub('/{id}', path)}"
        began = time.perf_counter()
        try:
            response = await self.client.request(method, self.stack.url(service) + path, **kwargs)
        except httpx.HTTPError as error:
            self.errors[f"{route} {type(error).__name__}"] += 1
            return None
        self.seconds.setdefault(route, []).append(time.perf_counter() - began)
        if not response.is_success:
            self.errors[f"{route} {response.status_code}"] += 1
            return None
        return response.json() if response.content else {}

    async def setup(self) -> None:
        for brand in BRANDS:
            await self.call("POST", "ingest", "/v1/brands", json={"id": brand, "name": brand})
            for n, query in enumerate(QUERIES):
                body = {"name": f"soak {n}", "query": query, "kind": "own"}
                await self.call("POST", "ingest", f"/v1/brands/{brand}/queries", json=body)
            channel = await self.call(
                "POST",
                "publisher",
                "/v1/channels",
                json={
                    "brand": brand,
                    "name": "soak webhook",
                    "url": self.webhook.url,
                    "secret": self.webhook.secret,
                },
            )
            if channel is None:
                raise RuntimeError(f"could not make the channel of {brand}: {self.errors}")
            self.channels[brand] = channel["id"]

    async def single_mention(self) -> None:
        brand = BRANDS[next(self.single_turn) % len(BRANDS)]
        item = next(self.singles[brand])
        item.pop("published_at")
        answer = await self.call("POST", "ingest", "/v1/mentions", json=item)
        if answer is not None:
            self.mentions_accepted[brand] += answer["accepted"]

    async def engagement(self) -> None:
        events = []
        for _ in range(self.rng.choice((1, 5))):
            brand = self.rng.choice(BRANDS)
            events.append(
                {
                    "brand": brand,
                    "kind": self.rng.choice(ENGAGEMENT_KINDS),
                    "source": self.rng.choice(SOURCES),
                    "handle": f"user{self.rng.randrange(AUTHORS)}",
                    "event_id": f"soak-{next(self.event_ids)}",
                }
            )
        body = events[0] if len(events) == 1 else {"events": events}
        answer = await self.call("POST", "ingest", "/v1/engagement", json=body)
        if answer is not None:
            for event, result in zip(events, answer["results"], strict=True):
                self.engagement_accepted[event["brand"]] += result["status"] == "accepted"

    async def post(self) -> None:
        n = next(self.post_turn)
        brand = BRANDS[n % len(BRANDS)]
        text = f"Nouveautés de la semaine chez {brand} (n° {n}) : venez les essayer !"
        preview = {"text": text, "channels": ["x", "mastodon", "linkedin"]}
        await self.call("POST", "publisher", "/v1/posts:preview", json=preview)
        at = (datetime.now(UTC) + timedelta(seconds=10)).isoformat()
        body = {
            "brand": brand,
            "text": text,
            "channels": [self.channels[brand]],
            "publish_at": at,
            "submit": True,
        }
        made = await self.call("POST", "publisher", "/v1/posts", json=body)
        if made is not None:
            approved = await self.call("POST", "publisher", f"/v1/posts/{made['id']}:approve")
            if approved is not None:
                self.posts[brand].append(made["id"])

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return await self.call("GET", service, path, params=params)

    async def read(self) -> None:
        """One read in turn, as dashboards and people make them all day."""
        service, path, params = READS[next(self.turn) % len(READS)]
        brand = self.rng.choice(BRANDS)
        page = await self.get(service, path, brand=brand, **params)
        if path == "/v1/members" and page and page["items"]:
            await self.get("crm", f"/v1/members/{self.rng.choice(page['items'])['id']}")

    async def moderate(self) -> None:
        body = {"text": self.rng.choice(self.texts), "brand": self.rng.choice(BRANDS)}
        await self.call("POST", "moderation", "/v1/moderate", json=body)

    async def review(self) -> None:
        brand = self.rng.choice(BRANDS)
        queue = await self.get("moderation", "/v1/review", brand=brand, limit=3)
        for item in (queue or {}).get("items", []):
            path = f"/v1/review/{item['id']}"
            who = {"X-Animo-Actor": "soak-reviewer"}
            if await self.call("POST", "moderation", path + ":claim", headers=who) is None:
                continue
            if sum(self.reviews.values()) % 3 == 2:
                body = {"action": "allow", "reason": "soak: a customer, not an insult"}
                done = await self.call(
                    "POST", "moderation", path + ":reject", json=body, headers=who
                )
            else:
                done = await self.call("POST", "moderation", path + ":approve", headers=who)
            self.reviews["settled" if done is not None else "failed"] += 1

    async def run(self, stop: asyncio.Event) -> None:
        async def every(seconds: float, action: Callable[[], Awaitable[None]]) -> None:
            due = time.monotonic()
            while not stop.is_set():
                try:
                    await action()
                except Exception as error:  # a bug of the soak itself is still counted
                    self.errors[f"soak {action.__name__} {type(error).__name__}"] += 1
                due += seconds
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), max(0.0, due - time.monotonic()))

        await asyncio.gather(
            every(1, self.single_mention),
            every(1, self.engagement),
            every(30, self.post),
            every(2, self.read),
            every(0.5, self.moderate),
            every(20, self.review),
        )


# --- the run ---------------------------------------------------------------------------


def write_batches(path: Path, total: int, size: int) -> None:
    """The batches `benchmarks.load` sends, one brand each in turn, published when received."""
    now = datetime.now(UTC)
    share = -(-total // (size * len(BRANDS))) * size
    items = {b: mention_items(b, share, now, seed=n + 1) for n, b in enumerate(BRANDS)}
    lines = []
    for n in range(total // size):
        brand, row = BRANDS[n % len(BRANDS)], n // len(BRANDS) * size
        chunk = [
            {k: v for k, v in i.items() if k != "published_at"}
            for i in items[brand][row : row + size]
        ]
        lines.append(json.dumps({"mentions": chunk}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n")
    Path(f"{path}.sizes").write_text(" ".join([str(size)] * len(lines)))


def slope_per_minute(points: list[tuple[float, float]]) -> float | None:
    """Least-squares MB per minute through (seconds, MB) points; None with fewer than three."""
    if len(points) < 3:
        return None
    fit = statistics.linear_regression([t / 60 for t, _ in points], [mb for _, mb in points])
    return round(fit.slope, 3)


class Soak:
    def __init__(self, stack: Stack, mixed: MixedLoad, lag: GroupLag, args: argparse.Namespace):
        self.stack, self.mixed, self.lag, self.args = stack, mixed, lag, args
        assert stack.broker is not None
        self.pids = {"broker": stack.broker.pid} | {s: p.pid for s, p in stack.services.items()}
        self.samples: list[dict[str, Any]] = []
        self.started = time.monotonic()
        self.baseline: Counter[str] = Counter()  # answers before the load: /readyz while starting

    async def sample(self, phase: str) -> dict[str, Any]:
        rss: dict[str, float | None] = {}
        for name, pid in self.pids.items():
            try:
                rss[name] = round(rss_mb(pid), 1)
            except OSError:
                rss[name] = None  # gone
        scraped = await scrape(self.mixed.client, self.stack)
        logs = log_errors(self.stack)
        exited = [s for s, p in self.stack.services.items() if p.poll() is not None]
        self.services_non_2xx = dict(Counter(scraped["http_non_2xx"]) - self.baseline)
        sample = {
            "t": round(time.monotonic() - self.started, 1),
            "phase": phase,
            "rss_mb": rss,
            "lag": await self.lag.read(),
            "outbox_pending": scraped["outbox_pending"],
            "errors": {
                "services_non_2xx": sum(self.services_non_2xx.values()),
                "load": sum(self.mixed.errors.values()),
                "log_error_lines": sum(map(len, logs.values())),
                "dead_lettered": scraped["deadlettered"],
                "batch_failures": scraped["batch_failures"],
                "exited": exited,
            },
        }
        self.samples.append(sample)
        print(
            f"  {sample['t']:>6.0f} s {phase:<8} lag {sum(sample['lag'].values()):>5} "
            f"errors {sum(v for v in sample['errors'].values() if isinstance(v, int))} "
            + " ".join(f"{s} {rss[s]}" for s in SERVICES),
            flush=True,
        )
        return sample

    async def load(self, bodies: Path) -> dict[str, Any]:
        """The warm-up and the measured minutes, sampled; returns the load generator's report."""
        args = self.args
        generator = await asyncio.create_subprocess_exec(
            *(
                sys.executable,
                "-m",
                "benchmarks.load",
                "--url",
                self.stack.url("ingest") + "/v1/mentions",
            ),
            *("--key", self.stack.admin_key, "--bodies", str(bodies), "--rate", str(args.rate)),
            *("--batch-size", str(args.batch_size), "--concurrency", "4"),
            stdout=asyncio.subprocess.PIPE,
        )
        self.pids["load generator"] = generator.pid
        self.cpu0 = {n: cpu_seconds(p) for n, p in self.pids.items()}
        output = asyncio.create_task(generator.communicate())
        stop = asyncio.Event()
        mixed = asyncio.create_task(self.mixed.run(stop))
        self.started = time.monotonic()
        for k in itertools.count():
            due = self.started + k * args.sample_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(output), max(0.0, due - time.monotonic()))
            if output.done():
                break
            await self.sample("warm-up" if k * args.sample_seconds < args.warmup else "load")
        stop.set()
        await mixed
        self.load_end = time.monotonic() - self.started
        self.cpu = {n: cpu_seconds(p) for n, p in self.pids.items()}
        await self.sample("load")
        report: dict[str, Any] = json.loads((await output)[0])
        return report

    async def drain(self) -> float | None:
        """Seconds from the end of the load until no group lags and no outbox holds an event."""
        began = time.monotonic()
        next_sample = began + self.args.sample_seconds
        while (waited := time.monotonic() - began) <= self.args.drain_seconds:
            lag = await self.lag.read()
            pending = (await scrape(self.mixed.client, self.stack))["outbox_pending"]
            if sum(lag.values()) == 0 and pending == 0:
                return round(waited, 1)
            if time.monotonic() >= next_sample:
                await self.sample("drain")
                next_sample += self.args.sample_seconds
            await asyncio.sleep(0.5)
        return None


async def totals(mixed: MixedLoad, batches: Counter[str], since: datetime) -> dict[str, Any]:
    """What each service counted, against what ingest accepted and the load sent."""
    window = {
        "from": (since - timedelta(days=1)).isoformat(),
        "to": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        "interval": "day",
    }
    out: dict[str, Any] = {}
    for brand in BRANDS:
        accepted = batches[brand] + mixed.mentions_accepted[brand]
        stored = await mixed.get("ingest", "/v1/mentions", brand=brand, limit=1)
        volume = await mixed.get("reporting", "/v1/reports/volume", brand=brand, **window)
        posts = await mixed.get("reporting", "/v1/reports/posts", brand=brand, **window)
        published = await mixed.get(
            "publisher", "/v1/posts", brand=brand, status="published", limit=1
        )
        crm, offset = 0, 0
        while True:  # best first: the pages end where members have no mention of their own
            page = await mixed.get(
                "crm", "/v1/members", brand=brand, sort="mentions", limit=500, offset=offset
            )
            items = (page or {}).get("items", [])
            crm += sum(m["mentions"] for m in items)
            if not items or items[-1]["mentions"] == 0:
                break
            offset += len(items)
        out[brand] = {
            "mentions_accepted_by_ingest": accepted,
            "ingest_stored": stored and stored["total"],
            "reporting_mentions": volume and volume["totals"]["mentions"],
            "reporting_pending": volume and volume["totals"]["pending"],
            "crm_members_mentions": crm,
            "engagement_accepted": mixed.engagement_accepted[brand],
            "reporting_engagement": posts and posts["totals"]["engagement_total"],
            "posts_approved": len(mixed.posts[brand]),
            "publisher_published": published and published["total"],
            "reporting_posts_published": posts and posts["totals"]["published"],
        }
    wrong = []
    for brand, t in out.items():
        mentions, posts_made = t["mentions_accepted_by_ingest"], t["posts_approved"]
        expected = {
            "ingest_stored": mentions,
            "reporting_mentions": mentions,
            "crm_members_mentions": mentions,
            "reporting_pending": 0,
            "reporting_engagement": t["engagement_accepted"],
            "publisher_published": posts_made,
            "reporting_posts_published": posts_made,
        }
        wrong += [f"{brand} {k}: {t[k]}, not {v}" for k, v in expected.items() if t[k] != v]
    posts_sent = sum(len(p) for p in mixed.posts.values())
    received = len(mixed.webhook.received)
    if received != posts_sent:
        wrong.append(f"webhook received {received} posts, not {posts_sent}")
    return {"brands": out, "webhook_received": received, "mismatches": wrong, "exact": not wrong}


def figures(soak: Soak) -> dict[str, Any]:
    """Per process: RSS at the start of the measured minutes, highest, at the end, and the
    growth per minute over their second half; CPU share of one core under load."""
    args, samples = soak.args, soak.samples
    measured = [s for s in samples if s["phase"] != "warm-up"]
    half = args.warmup + (soak.load_end - args.warmup) / 2
    out = {}
    for name in soak.pids:
        series = [(s["t"], s["rss_mb"][name]) for s in measured if s["rss_mb"].get(name)]
        if not series:
            continue
        second = [(t, mb) for t, mb in series if half <= t <= soak.load_end]
        cpu = soak.cpu[name] - soak.cpu0[name]
        out[name] = {
            "rss_start_mb": series[0][1],
            "rss_max_mb": max(mb for _, mb in series),
            "rss_end_mb": series[-1][1],
            "growth_mb_per_minute_second_half": slope_per_minute(second),
            "cpu_share_of_one_core": round(cpu / soak.load_end, 3) if cpu == cpu else None,
        }
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="animo-soak-"))
    stack = Stack.on_ports(home, "soak-" + secrets.token_urlsafe(24), free_port)
    seconds = args.warmup + args.minutes * 60
    total = int(args.rate * seconds) // args.batch_size * args.batch_size
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "load_average_at_start": load_average(),
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "method": __doc__,
    }
    webhook = DemoWebhook(0)
    since = datetime.now(UTC)
    print(f"starting the broker and the five services (logs in {stack.log_dir})…", flush=True)
    try:
        await asyncio.to_thread(stack.start)
        bodies = home / "batches.jsonl"
        write_batches(bodies, total, args.batch_size)
        headers = {"authorization": f"Bearer {stack.admin_key}"}
        async with httpx.AsyncClient(timeout=30, headers=headers) as client:
            mixed = MixedLoad(stack, client, webhook)
            lag = GroupLag(stack.bootstrap)
            await lag.start()
            try:
                soak = Soak(stack, mixed, lag, args)
                soak.baseline.update((await scrape(client, stack))["http_non_2xx"])
                await mixed.setup()
                print(f"{args.warmup:.0f} s of warm-up, then {args.minutes:g} min of load…")
                report = await soak.load(bodies)
                batches = batch_brands(report["records"])
                print("load stopped; draining…", flush=True)
                drained = await soak.drain()
                began, first = time.monotonic(), None
                while True:  # a post due in the last seconds of the load still goes out
                    checked = await totals(mixed, batches, since)
                    first = checked["mismatches"] if first is None else first
                    if checked["exact"] or time.monotonic() - began > args.drain_seconds:
                        break
                    await asyncio.sleep(2)
                checked["mismatches_at_first_check"] = first
                checked["checked_in_seconds"] = round(time.monotonic() - began, 1)
                await soak.sample("end")
                result |= summarise(soak, report, drained)
                result["totals"] = checked
            finally:
                await lag.stop()
        result["log_errors"] = {k: v[:5] for k, v in log_errors(stack).items() if v}
    finally:
        webhook.close()
        await asyncio.to_thread(stack.stop)
    result["verdicts"] = verdicts(result, args)
    return result


def batch_brands(records: list[dict[str, Any]]) -> Counter[str]:
    """Mentions ingest kept from the batches, by brand: batch i (in the order they were due)
    is the brand `i mod 2`, as `write_batches` wrote them."""
    kept: Counter[str] = Counter()
    for n, record in enumerate(sorted(records, key=lambda r: r["due"])):
        if record["status"] == 202:
            kept[BRANDS[n % len(BRANDS)]] += int(record["kept"])
    return kept


def summarise(soak: Soak, report: dict[str, Any], drained: float | None) -> dict[str, Any]:
    records = report["records"]
    accepted = [r for r in records if r["status"] == 202]
    span = max(r["accepted"] for r in records) - min(r["due"] for r in records)
    scraped_last = soak.samples[-1]["errors"]
    processes = figures(soak)  # the load generator had ended: its own CPU figure
    processes["load generator"]["cpu_share_of_one_core"] = round(report["cpu_seconds"] / span, 3)
    load_errors = Counter(soak.mixed.errors)
    for r in records:
        if r["status"] != 202:
            load_errors[f"ingest POST /v1/mentions (batch) {r['status']}"] += 1
    return {
        "load": {
            "mention_batches": len(records),
            "mentions_sent_in_batches": sum(r["n"] for r in records),
            "batch_mentions_per_second": round(sum(r["n"] for r in accepted) / span, 1),
            "batch_latency": latency_summary([r["accepted"] - r["sent"] for r in records]),
            "batch_late_start_max_seconds": round(max(r["sent"] - r["due"] for r in records), 3),
            "requests_by_route": {
                route: latency_summary(seconds)
                for route, seconds in sorted(soak.mixed.seconds.items())
            },
            "reviews": dict(soak.mixed.reviews),
            "load_generator_cpu_seconds": round(report["cpu_seconds"], 1),
        },
        "processes": processes,
        "errors": {
            "load": dict(load_errors),
            "services_non_2xx": soak.services_non_2xx,
            "log_error_lines": {k: len(v) for k, v in log_errors(soak.stack).items() if v},
            "dead_lettered": scraped_last["dead_lettered"],
            "batch_failures": scraped_last["batch_failures"],
            "exited": scraped_last["exited"],
        },
        "lag_drained_seconds": drained,
        "lag_max_during_load": {
            group: max(s["lag"].get(group, 0) for s in soak.samples if s["phase"] == "load")
            for group in soak.samples[-1]["lag"]
        },
        "lag_at_load_end": next(s["lag"] for s in reversed(soak.samples) if s["phase"] == "load"),
        "samples": soak.samples,
    }


def verdicts(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    errors = result["errors"]
    count = (
        sum(errors["load"].values())
        + sum(errors["services_non_2xx"].values())
        + sum(errors["log_error_lines"].values())
        + errors["dead_lettered"]
        + errors["batch_failures"]
        + len(errors["exited"])
    )
    growth = {
        name: figures["growth_mb_per_minute_second_half"]
        for name, figures in result["processes"].items()
        if name in SERVICES
    }
    judged = args.minutes >= SHORTEST_JUDGED_MINUTES and None not in growth.values()
    over = {n: g for n, g in growth.items() if g is not None and g > args.max_growth_mb_per_minute}
    drained = result["lag_drained_seconds"]
    return {
        "no_error": {"pass": count == 0, "errors": count},
        "no_unbounded_growth": {
            "pass": (not over) if judged else None,
            "how": f"per service, the least-squares slope of RSS over the second half of the "
            f"measured minutes is at most {args.max_growth_mb_per_minute} MB/min"
            + ("" if judged else f" (not judged: a run under {SHORTEST_JUDGED_MINUTES} min)"),
            "over": over,
        },
        "no_lag_left": {
            "pass": drained is not None and result["totals"]["exact"],
            "drained_seconds": drained,
            "totals_exact": result["totals"]["exact"],
        },
    }


def table(result: dict[str, Any]) -> str:
    settings, load, totals = result["settings"], result["load"], result["totals"]
    verdict = result["verdicts"]
    mark = {True: "pass", False: "**FAIL**", None: "not judged"}
    lines = [
        f"# Soak, {result['when']}",
        "",
        f"{settings['minutes']:g} min of steady mixed load after {settings['warmup']:.0f} s of "
        f"warm-up, {result['machine']['cpus']} cores, load average at start "
        f"{result['load_average_at_start']}: {settings['rate']:g} mentions/s in batches of "
        f"{settings['batch_size']} ({load['batch_mentions_per_second']}/s held, batch p99 "
        f"{load['batch_latency']['p99_ms']} ms) plus single mentions, engagement, posts, reads, "
        f"moderation checks and reviews ({sum(r['runs'] for r in load['requests_by_route'].values()):,} other "
        "requests). Method: `benchmarks/soak.py`.",
        "",
        "The broker is judged by no verdict: the embedded Tansu stores every event in memory.",
        "",
        "| process | RSS start MB | max | end | growth MB/min (2nd half) | CPU (one core) |",
        "|---|---|---|---|---|---|",
    ]
    for name, f in result["processes"].items():
        lines.append(
            f"| {name} | {f['rss_start_mb']} | {f['rss_max_mb']} | {f['rss_end_mb']} "
            f"| {f['growth_mb_per_minute_second_half']} | {f['cpu_share_of_one_core']} |"
        )
    errors = result["errors"]
    lines += [
        "",
        f"Errors: load {sum(errors['load'].values())}, services' non-2xx "
        f"{sum(errors['services_non_2xx'].values())}, ERROR log lines "
        f"{sum(errors['log_error_lines'].values())}, dead letters {errors['dead_lettered']}, "
        f"failed batches {errors['batch_failures']}, processes exited {len(errors['exited'])}."
        + "".join(
            f"\n- {k}: {v}"
            for part in ("load", "services_non_2xx", "log_error_lines")
            for k, v in errors[part].items()
        ),
        "",
        f"Lag at the end of the load: {sum(result['lag_at_load_end'].values())} events; "
        f"drained in {result['lag_drained_seconds']} s (limit {settings['drain_seconds']:.0f} s). "
        "Highest lag seen in a sample under load: "
        + ", ".join(f"{g} {n}" for g, n in result["lag_max_during_load"].items() if n)
        + ".",
        "",
        "| brand | accepted | ingest | reporting | crm | pending | engagement (sent/reporting) "
        "| posts (approved/published/reporting) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for brand, t in totals["brands"].items():
        lines.append(
            f"| {brand} | {t['mentions_accepted_by_ingest']} | {t['ingest_stored']} "
            f"| {t['reporting_mentions']} | {t['crm_members_mentions']} | {t['reporting_pending']} "
            f"| {t['engagement_accepted']}/{t['reporting_engagement']} "
            f"| {t['posts_approved']}/{t['publisher_published']}/{t['reporting_posts_published']} |"
        )
    lines += [
        "",
        f"Webhook received {totals['webhook_received']} posts. Totals exact: {totals['exact']} "
        f"(checked in {totals['checked_in_seconds']} s; at the first check: "
        f"{'; '.join(totals['mismatches_at_first_check']) or 'exact'}).",
        "",
        f"- no error: {mark[verdict['no_error']['pass']]}",
        f"- no unbounded growth: {mark[verdict['no_unbounded_growth']['pass']]} "
        f"({verdict['no_unbounded_growth']['how']})",
        f"- no lag left: {mark[verdict['no_lag_left']['pass']]}",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Steady mixed load through the whole system.")
    parser.add_argument("--minutes", type=float, default=10, help="measured minutes of load")
    parser.add_argument("--warmup", type=float, default=60, help="seconds of load before them")
    parser.add_argument("--rate", type=float, default=200, help="mentions/s in batches")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--sample-seconds", type=float, default=10)
    parser.add_argument("--drain-seconds", type=float, default=60)
    parser.add_argument("--max-growth-mb-per-minute", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    (args.out / "soak.md").write_text(table(result))
    print(table(result))
    print(f"written: {args.out / 'soak.json'}, {args.out / 'soak.md'}")
    if any(v["pass"] is False for v in result["verdicts"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
