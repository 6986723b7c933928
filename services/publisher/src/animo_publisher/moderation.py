"""The moderation check of a draft: `POST /v1/moderate` on the moderation service, over HTTP.

A user waits on the answer, hence HTTP rather than an event. Anything but a well-formed
verdict (unreachable, refused, timed out, garbage) is `ModerationUnavailable`: the post
then stays submitted and is checked again later, never published unchecked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from pydantic import ValidationError

from .models import Category

ACTIONS = ("allow", "review", "hide", "escalate")  # in increasing severity


class ModerationUnavailable(Exception):
    """No usable verdict: the reason says why, in words for the post's status."""


@dataclass(frozen=True)
class Verdict:
    action: str
    categories: tuple[Category, ...] = ()


class Moderator(Protocol):
    async def check(self, texts: Sequence[str], brand: str) -> Verdict: ...


def worst(verdicts: Sequence[Verdict]) -> Verdict:
    """One verdict for several texts (the post and its overrides): the severest action, and
    every category found, each tagged with the text it came from when there are several."""
    action = max((v.action for v in verdicts), key=ACTIONS.index, default="allow")
    categories: list[Category] = []
    for index, verdict in enumerate(verdicts):
        for category in verdict.categories:
            extra = {"text_index": index} if len(verdicts) > 1 else {}
            categories.append(category.model_copy(update=extra))
    return Verdict(action, tuple(categories))


def parse(body: Any) -> Verdict:
    if not isinstance(body, dict) or body.get("action") not in ACTIONS:
        raise ModerationUnavailable("moderation answered without a known action")
    raw = body.get("categories") or []
    if not isinstance(raw, list):
        raise ModerationUnavailable("moderation answered categories that are not a list")
    try:
        categories = tuple(Category.model_validate(item) for item in raw)
    except ValidationError:
        raise ModerationUnavailable("moderation answered malformed categories") from None
    return Verdict(str(body["action"]), categories)


class HttpModerator:
    """Calls moderation once per distinct text; the key is the service's own, never logged."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, key: str) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/v1/moderate"
        self._key = key

    async def check(self, texts: Sequence[str], brand: str) -> Verdict:
        verdicts = [await self._one(text, brand) for text in dict.fromkeys(texts)]
        return worst(verdicts)

    async def _one(self, text: str, brand: str) -> Verdict:
        try:
            response = await self._client.post(
                self._url,
                json={"text": text, "brand": brand},
                headers={"authorization": f"Bearer {self._key}"},
            )
        except httpx.TimeoutException:
            raise ModerationUnavailable("moderation did not answer in time") from None
        except httpx.HTTPError as error:
            raise ModerationUnavailable(
                f"moderation unreachable ({type(error).__name__})"
            ) from None
        if response.status_code in (401, 403):
            raise ModerationUnavailable(
                f"moderation refused the publisher's key (HTTP {response.status_code})"
            )
        if not response.is_success:
            raise ModerationUnavailable(f"moderation answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise ModerationUnavailable("moderation answered something that is not JSON") from None
        return parse(body)
