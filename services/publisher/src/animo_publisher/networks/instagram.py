"""Instagram business account: a media container, then `media_publish`; replies are comments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from .base import Call, Delivery, chain, json_body, missing, secrets_of, send, string_id, unreadable
from .graph import DEFAULT_BASE_URL, graph_failure

__all__ = ["DEFAULT_BASE_URL", "MEDIA_PREFIX", "InstagramAdapter"]

MEDIA_PREFIX = "media:"  # a reply_to naming a post (media) rather than a comment


class InstagramAdapter:
    """Instagram Graph API content publishing (developers.facebook.com/docs/instagram-platform/
    content-publishing): `POST /{ig-user-id}/media` with `image_url` and `caption` creates a
    container `{"id"}`, then `POST /{ig-user-id}/media_publish` with `creation_id` publishes it,
    answering the media `{"id"}`. Replies: `POST /{ig-comment-id}/replies` with `message`, or
    `POST /{ig-media-id}/comments` when `reply_to` is `media:{id}`; later thread parts are
    comments on the post.

    Credentials: `ig_user_id` and `access_token` (`instagram_content_publish`), plus the post's
    `image_url` (a public JPEG) merged into the same mapping by the caller. Instagram has no
    text-only post, so without `image_url` a new post is refused before any request, with an
    error and no health change; the preview warns about it (`media_required`) beforehand.
    Images only: a video container would need its status polled before publishing.
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
        if refused := missing(creds, "ig_user_id", "access_token"):
            return refused
        if reply_to is None and parts and not creds.get("image_url"):
            return Delivery(ok=False, error="Instagram publishes only media: no image_url given")
        secrets = secrets_of(creds)
        # An unpublished container is harmless (it expires), so creating one may be retried.
        container_call = Call("Instagram", secrets, idempotent=True)
        call = Call("Instagram", secrets, idempotent=False)
        base = base_url.rstrip("/")
        user = creds["ig_user_id"]
        token = creds["access_token"]
        posts: set[str] = set()

        async def post(url: str, body: dict[str, str], as_call: Call) -> str | Delivery:
            response = await send(
                client, as_call, url, headers={"content-type": "application/json"}, json=body
            )
            if isinstance(response, Delivery):
                return response
            if not response.is_success:
                return graph_failure(response, as_call)
            data = json_body(response)
            found = string_id(data.get("id")) if isinstance(data, dict) else None
            return found or unreadable(response, as_call, "an id")

        async def step(part: str, target: str | None, index: int) -> str | Delivery:
            if target is None:
                body = {"image_url": creds["image_url"], "caption": part, "access_token": token}
                container = await post(f"{base}/{user}/media", body, container_call)
                if isinstance(container, Delivery):
                    return container
                body = {"creation_id": container, "access_token": token}
                media = await post(f"{base}/{user}/media_publish", body, call)
                if isinstance(media, str):
                    posts.add(media)
                return media
            if target in posts or target.startswith(MEDIA_PREFIX):
                url = f"{base}/{target.removeprefix(MEDIA_PREFIX)}/comments"
            else:
                url = f"{base}/{target}/replies"
            return await post(url, {"message": part, "access_token": token}, call)

        return await chain(parts, reply_to, step)
