"""Facebook Page: `POST /{page-id}/feed` as the Page, a thread or a reply being comments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from .base import Call, Delivery, chain, json_body, missing, secrets_of, send, string_id, unreadable
from .graph import DEFAULT_BASE_URL, graph_failure

__all__ = ["DEFAULT_BASE_URL", "FacebookAdapter"]


class FacebookAdapter:
    """Pages API "Publish posts" (developers.facebook.com/docs/pages-api/posts): `message` to
    `/{page-id}/feed`, answered `{"id": "{page-id}_{post-id}"}`; a reply is `message` to
    `/{object-id}/comments`, answered `{"id"}`.

    Credentials: `page_id` and `page_access_token` (with `pages_manage_posts`). The token travels
    as the documented `access_token` parameter in the JSON body, never in the URL, so it cannot
    leak through an exception or an access log. `base_url` carries the Graph version, e.g.
    `https://graph.facebook.com/v23.0`. Graph has no idempotency key: no blind retries.
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
        if refused := missing(creds, "page_id", "page_access_token"):
            return refused
        call = Call("Facebook", secrets_of(creds), idempotent=False)
        base = base_url.rstrip("/")
        headers = {"content-type": "application/json"}

        async def step(part: str, target: str | None, index: int) -> str | Delivery:
            url = f"{base}/{target}/comments" if target else f"{base}/{creds['page_id']}/feed"
            body = {"message": part, "access_token": creds["page_access_token"]}
            response = await send(client, call, url, headers=headers, json=body)
            if isinstance(response, Delivery):
                return response
            if not response.is_success:
                return graph_failure(response, call)
            data = json_body(response)
            post_id = string_id(data.get("id")) if isinstance(data, dict) else None
            return post_id or unreadable(response, call, "an id")

        return await chain(parts, reply_to, step)
