"""Meta's Graph API (Facebook Pages, Instagram): reading its error envelope into a Delivery."""

from __future__ import annotations

from typing import Any

import httpx

from .base import Call, Delivery, failure, json_body

DEFAULT_BASE_URL = "https://graph.facebook.com/v23.0"

# Graph answers most errors with HTTP 400 and says what happened in `error.code`
# (developers.facebook.com/docs/graph-api/guides/error-handling): the status alone would
# file an expired token or a throttle as an ordinary bad request.
_AUTH_CODES = frozenset({102, 190, 463, 467})  # session or token invalid, expired, revoked
_PERMISSION_CODES = frozenset({10, *range(200, 300)})  # the token lacks a permission
_THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001})  # app, user, page or BUC rate limits


def graph_failure(response: httpx.Response, call: Call) -> Delivery:
    body = json_body(response)
    error: Any = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return failure(response, call)
    code = error.get("code")
    message = str(error.get("message") or "") or None
    if code in _AUTH_CODES or code in _PERMISSION_CODES:
        # Both are fixed the same way: someone logs in again and grants the permissions.
        return failure(response, call, message=message, auth_failed=True, retryable=False)
    if code in _THROTTLE_CODES or error.get("is_transient") is True:
        return failure(response, call, message=message, retryable=True)
    return failure(response, call, message=message)
