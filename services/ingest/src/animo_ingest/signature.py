"""Signed webhooks: HMAC-SHA256 over `timestamp + "." + body` with the brand's secret, and a replay window."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Animo-Signature"
TIMESTAMP_HEADER = "X-Animo-Timestamp"
_PREFIX = "sha256="


class SignatureError(Exception):
    """Why a webhook is refused: `reason` is a stable code, the message says what to fix."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The `X-Animo-Signature` value for a body sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return _PREFIX + digest.hexdigest()


def verify(
    secret: str | None,
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    *,
    now: float,
    tolerance_seconds: int,
) -> None:
    """Raise SignatureError unless the body was signed with `secret` within the tolerance.

    The signature is checked before the time, so only a correctly signed old request is
    called a replay; the time is checked both ways, since a clock far ahead could
    otherwise sign requests that stay valid for as long as the skew.
    """
    if secret is None:
        raise SignatureError("no_secret", "this brand has no webhook secret: set one first")
    if not signature or not timestamp:
        raise SignatureError(
            "missing_signature", f"send {SIGNATURE_HEADER} and {TIMESTAMP_HEADER} headers"
        )
    stamp = timestamp.strip()
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise SignatureError("bad_timestamp", f"{TIMESTAMP_HEADER} must be unix seconds")
    expected = sign(secret, stamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise SignatureError(
            "bad_signature",
            f'{SIGNATURE_HEADER} must be "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)',
        )
    if abs(now - int(stamp)) > tolerance_seconds:
        raise SignatureError(
            "replay",
            f"{TIMESTAMP_HEADER} is more than {tolerance_seconds} s away from the server's clock",
        )
