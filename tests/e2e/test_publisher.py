"""The publisher end to end, as a real process: draft → submit → approve → a signed webhook once,
reported as an event; and a SIGKILL between sending and recording never double-posts."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from animo_dev.broker import free_port
from animo_dev.stack import Stack
from animo_dev.webhook import DemoWebhook
from animo_shared.events import Topic, decode_event

from helpers.kafka import read_all

pytestmark = pytest.mark.e2e
SECRET = "e2e-webhook-secret-" + "s" * 16


@dataclass
class Double:
    """A threaded stand-in answering JSON by path: moderation's verdicts and two networks (a
    webhook honouring Idempotency-Key, and X, which has none). `hold` parks requests."""

    seen: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    by_key: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None
    url: str = ""

    def answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        if path == "/v1/moderate":
            hateful = "connard" in body["text"].lower()
            return 200, {"action": "hide" if hateful else "allow", "categories": []}
        self.seen.append((path, headers, body))
        if self.hold is not None:
            self.hold.wait(30)
        if path == "/2/tweets":
            return 201, {"data": {"id": str(len(self.seen))}}
        key = headers.get("idempotency-key", "")
        return 200, {"id": self.by_key.setdefault(key, str(len(self.seen)))}

    def start(self) -> Callable[[], None]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, body = owner.answer(self.path, headers, json.loads(raw))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        server.daemon_threads = True
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()

        def stop() -> None:
            server.shutdown()
            server.server_close()

        return stop


def restart_publisher(stack: Stack, env: dict[str, str | None]) -> None:
    for name, value in env.items():
        if value is None:
            stack.extra_env.pop(name, None)
        else:
            stack.extra_env[name] = value
    stack.kill("publisher")
    stack.start_service("publisher")
    stack.wait_ready(["publisher"], timeout=60)


@pytest.fixture(scope="module")
def double(stack: Stack) -> Iterator[Double]:
    """The publisher, restarted to ask this double for moderation and with a short claim lease."""
    made = Double()
    stop = made.start()
    settings = {
        "ANIMO_PUBLISHER_MODERATION_URL": made.url,
        "ANIMO_PUBLISHER_CLAIM_LEASE_SECONDS": "1",
        "ANIMO_PUBLISHER_TICK_SECONDS": "0.2",
    }
    restart_publisher(stack, dict(settings))
    try:
        yield made
    finally:
        restart_publisher(stack, dict.fromkeys(settings))
        stop()


def wait_for(api: httpx.Client, url: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        post: dict[str, Any] = api.get(url).json()
        if done(post):
            return post
        assert time.monotonic() < deadline, f"not done in time: {post}"
        time.sleep(0.2)


def channel(api: httpx.Client, publisher: str, **body: Any) -> str:
    made = api.post(publisher + "/v1/channels", json={"brand": "pub-e2e", **body})
    assert made.status_code == 201, made.text
    secrets = [body.get("secret"), *body.get("credentials", {}).values()]
    assert not [s for s in secrets if s and s in made.text], "a credential came back"
    return str(made.json()["id"])


def test_draft_approve_publish_to_a_signed_webhook(
    stack: Stack, api: httpx.Client, double: Double
) -> None:
    receiver = DemoWebhook(free_port())
    publisher = stack.url("publisher")
    try:
        hook = channel(api, publisher, name="site", url=receiver.url, secret=receiver.secret)
        body = {"brand": "pub-e2e", "text": "Essais gratuits ce week-end !", "channels": [hook]}
        post = api.post(publisher + "/v1/posts", json=body).json()
        assert post["status"] == "draft"
        submitted = api.post(f"{publisher}/v1/posts/{post['id']}:submit").json()
        assert submitted["status"] == "awaiting_approval"
        api.headers["x-animo-actor"] = "approver"
        approved = api.post(f"{publisher}/v1/posts/{post['id']}:approve")
        del api.headers["x-animo-actor"]
        assert approved.json()["status"] == "scheduled", approved.text
        wait_for(api, f"{publisher}/v1/posts/{post['id']}", lambda p: p["status"] == "published")
        assert receiver.rejected == 0
        assert [json.loads(b)["text"] for b in receiver.received] == [body["text"]]
        records = asyncio.run(read_all(stack.bootstrap, Topic.POSTS, expect=10_000, timeout=3))
        mine = [
            e
            for r in records
            if getattr((e := decode_event(r.topic, r.value)).data, "post_id", None) == post["id"]
        ]
        assert [e.type for e in mine] == ["post.published"]
        audit = api.get(f"{publisher}/v1/posts/{post['id']}/audit").json()["items"]
        assert ("approver", "approved") in [(e["actor"], e["action"]) for e in audit]
        blocked = api.post(
            publisher + "/v1/posts", json={**body, "text": "Quel connard", "submit": True}
        )
        assert blocked.json()["status"] == "blocked"
        refused = api.post(publisher + "/v1/posts", json={**body, "brand": "other-brand"})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["body", "channels"]
    finally:
        receiver.close()


def test_a_publisher_killed_mid_send_never_posts_twice(
    stack: Stack, api: httpx.Client, double: Double
) -> None:
    publisher = stack.url("publisher")
    hook = channel(api, publisher, name="hook", url=double.url + "/hook", secret=SECRET)
    x = channel(
        api,
        publisher,
        name="x",
        kind="x",
        base_url=double.url,
        credentials={"access_token": "x-token-e2e-0042"},
    )
    body = {
        "brand": "pub-e2e",
        "text": "Lancement ce soir !",
        "channels": [hook, x],
        "submit": True,
    }
    post = api.post(publisher + "/v1/posts", json=body).json()
    double.hold = threading.Event()
    assert api.post(f"{publisher}/v1/posts/{post['id']}:approve").status_code == 200
    deadline = time.monotonic() + 15
    while len(double.seen) < 2:
        assert time.monotonic() < deadline, "the requests never arrived"
        time.sleep(0.05)
    stack.kill("publisher")  # SIGKILL: the networks have the post, the publisher recorded nothing
    double.hold.set()
    double.hold = None
    stack.start_service("publisher")
    stack.wait_ready(["publisher"], timeout=60)
    url = f"{publisher}/v1/posts/{post['id']}"
    done = wait_for(
        api, url, lambda p: {d["state"] for d in p["deliveries"]} == {"sent", "unknown"}
    )
    assert done["status"] == "needs_attention"
    hooks = [s for s in double.seen if s[0] == "/hook"]
    tweets = [s for s in double.seen if s[0] == "/2/tweets"]
    assert len(tweets) == 1, "X has no idempotency key: never resent blindly"
    assert len(hooks) == 2 and len({h[1]["idempotency-key"] for h in hooks}) == 1
    assert len(double.by_key) == 1, "the repeat with the same key published nothing new"
