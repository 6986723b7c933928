"""Discourse forum: `POST /posts.json`, a new topic or a reply in one, later parts as replies."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from .base import Call, Delivery, chain, failure, json_body, missing, secrets_of, send, unreadable

_REPLY_TO = re.compile(r"(?P<topic>\d+)(?:/(?P<post>\d+))?")
MAX_TITLE = 255  # Discourse's default max_topic_title_length


def _title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= MAX_TITLE else first[: MAX_TITLE - 1].rstrip() + "…"


class DiscourseAdapter:
    """Discourse "Creates a new topic, a new post, or a private message"
    (docs.discourse.org/#tag/Posts/operation/createTopicPostPM): JSON `{"raw", "topic_id",
    "reply_to_post_number"?}` for a reply, `{"raw", "title", "category"}` for a new topic;
    answered 200 with the post (`id`, `topic_id`, `post_number`).

    Credentials: `api_key` and `api_username` (sent as the `Api-Key` and `Api-Username`
    headers), and either `topic_id` (every post is a reply in that topic) or `category` (every
    post opens a topic, titled `title` or the text's first line). An external id is
    `{topic_id}/{post_number}`, which is also what `reply_to` takes (or a bare topic id). A bad
    key is a 403 with `error_type: invalid_access`, which is an auth failure here. Discourse
    has no idempotency key: no blind retries.
    """

    async def publish(
        self,
        client: httpx.AsyncClient,
        creds: Mapping[str, str],
        base_url: str,
        parts: Sequence[str],
        *,
        reply_to: str | None,
        idempotency_key: str,
    ) -> Delivery:
        if refused := missing(creds, "api_key", "api_username"):
            return refused
        call = Call("Discourse", secrets_of(creds), idempotent=False)
        url = f"{base_url.rstrip('/')}/posts.json"
        headers = {
            "api-key": creds["api_key"],
            "api-username": creds["api_username"],
            "content-type": "application/json",
        }

        async def step(part: str, target: str | None, index: int) -> str | Delivery:
            body: dict[str, Any] = {"raw": part}
            if target is None and creds.get("topic_id"):
                target = creds["topic_id"]
            if target is not None:
                where = _REPLY_TO.fullmatch(target)
                if where is None:
                    return Delivery(ok=False, error=f"not a Discourse reply target: {target!r}")
                body["topic_id"] = int(where["topic"])
                if where["post"]:
                    body["reply_to_post_number"] = int(where["post"])
            else:
                body["title"] = creds.get("title") or _title(part)
                if creds.get("category", "").isdigit():
                    body["category"] = int(creds["category"])
            response = await send(client, call, url, headers=headers, json=body)
            if isinstance(response, Delivery):
                return response
            data = json_body(response)
            if not response.is_success:
                return _failure(response, call, data)
            if isinstance(data, dict):
                topic, number = data.get("topic_id"), data.get("post_number")
                if isinstance(topic, int) and isinstance(number, int):
                    return f"{topic}/{number}"
            return unreadable(response, call, "topic_id and post_number")

        return await chain(parts, reply_to, step)


def _failure(response: httpx.Response, call: Call, data: Any) -> Delivery:
    errors = data.get("errors") if isinstance(data, dict) else None
    message = "; ".join(str(e) for e in errors) if isinstance(errors, list) else None
    error_type = data.get("error_type") if isinstance(data, dict) else None
    # Discourse answers a wrong or revoked API key with 403, not 401.
    auth = response.status_code == 401 or error_type == "invalid_access"
    return failure(response, call, message=message, auth_failed=auth)
