"""LinkedIn page or member: `POST /rest/posts`, with replies and later parts as comments."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from .base import (
    Call,
    Delivery,
    chain,
    failure,
    json_body,
    missing,
    secrets_of,
    send,
    string_id,
    unreadable,
)

DEFAULT_BASE_URL = "https://api.linkedin.com"
DEFAULT_VERSION = "202605"  # LinkedIn-Version (YYYYMM); versions are sunset after about a year

# Commentary is "little" text: these characters are markup and must be backslash-escaped to be
# shown as typed, or LinkedIn silently cuts the post at the first one (learn.microsoft.com/
# linkedin/marketing/community-management/shares/little-text-format). Links and #hashtags are
# left as they are so that they still link.
_RESERVED = re.compile(r"[\\|{}@\[\]()<>#*_~]")
_KEEP = re.compile(r"https?://\S+|(?<![\w#])#\w+")
_COMMENT = re.compile(r"urn:li:comment:\((?P<parent>urn:li:[a-zA-Z]+:\d+),\d+\)")


def escape_little(text: str) -> str:
    pieces: list[str] = []
    last = 0
    for match in _KEEP.finditer(text):
        pieces.append(_RESERVED.sub(lambda m: "\\" + m[0], text[last : match.start()]))
        pieces.append(match[0])
        last = match.end()
    pieces.append(_RESERVED.sub(lambda m: "\\" + m[0], text[last:]))
    return "".join(pieces)


class LinkedInAdapter:
    """Posts API (learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api):
    `POST /rest/posts` with `author`, `commentary`, `visibility`, `distribution` and
    `lifecycleState`, answered 201 with the post URN in the `x-restli-id` header. A reply is
    `POST /rest/socialActions/{urn}/comments` with `actor`, `object` and `message.text`
    (`parentComment` when answering a comment), answered 201 with the comment's URN.

    Credentials: `author` (`urn:li:organization:…` or `urn:li:person:…`) and `access_token`
    (`w_organization_social` / `w_member_social`). Every request carries `LinkedIn-Version` and
    `X-Restli-Protocol-Version: 2.0.0`. No idempotency key: no blind retries.
    """

    def __init__(self, version: str = DEFAULT_VERSION) -> None:
        self.version = version

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
        if refused := missing(creds, "author", "access_token"):
            return refused
        call = Call("LinkedIn", secrets_of(creds), idempotent=False)
        base = base_url.rstrip("/")
        author = creds["author"]
        headers = {
            "authorization": f"Bearer {creds['access_token']}",
            "content-type": "application/json",
            "linkedin-version": self.version,
            "x-restli-protocol-version": "2.0.0",
        }

        async def step(part: str, target: str | None, index: int) -> str | Delivery:
            if target is None:
                url = f"{base}/rest/posts"
                body: dict[str, Any] = {
                    "author": author,
                    "commentary": escape_little(part),
                    "visibility": "PUBLIC",
                    "distribution": {
                        "feedDistribution": "MAIN_FEED",
                        "targetEntities": [],
                        "thirdPartyDistributionChannels": [],
                    },
                    "lifecycleState": "PUBLISHED",
                    "isReshareDisabledByAuthor": False,
                }
            else:
                comment = _COMMENT.fullmatch(target)
                subject = comment["parent"] if comment else target
                url = f"{base}/rest/socialActions/{quote(target, safe='')}/comments"
                body = {
                    "actor": author,
                    "object": subject,
                    "message": {"text": escape_little(part)},
                }
                if comment:
                    body["parentComment"] = target
            response = await send(client, call, url, headers=headers, json=body)
            if isinstance(response, Delivery):
                return response
            if not response.is_success:
                data = json_body(response)
                message = data.get("message") if isinstance(data, dict) else None
                return failure(response, call, message=str(message) if message else None)
            created = response.headers.get("x-restli-id")
            if not created:
                data = json_body(response)
                if isinstance(data, dict):
                    created = string_id(data.get("$URN")) or string_id(data.get("id"))
            return created or unreadable(response, call, "an x-restli-id")

        return await chain(parts, reply_to, step)
