"""Webhook signatures without I/O: HMAC over timestamp + "." + body, and the replay window."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from animo_ingest.signature import SignatureError, sign, verify

SECRET = "a-long-shared-secret-for-hooks"
BODY = b'{"source": "shop", "external_id": "1"}'
NOW = 1_795_771_800


def check(signature: str | None, timestamp: str | None, **over: object) -> None:
    args: dict[str, object] = {"secret": SECRET, "body": BODY, "now": NOW}
    args.update(over)
    verify(
        args["secret"],  # type: ignore[arg-type]
        signature,
        timestamp,
        args["body"],  # type: ignore[arg-type]
        now=args["now"],  # type: ignore[arg-type]
        tolerance_seconds=300,
    )


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == f"sha256={expected}"
    check(sign(SECRET, NOW, BODY), str(NOW))
    check(sign(SECRET, NOW, BODY).upper().replace("SHA256=", "sha256="), f" {NOW} ")


@pytest.mark.parametrize(
    ("signature", "timestamp", "over", "reason"),
    [
        (sign(SECRET, NOW, BODY), str(NOW), {"secret": None}, "no_secret"),
        (None, str(NOW), {}, "missing_signature"),
        (sign(SECRET, NOW, BODY), None, {}, "missing_signature"),
        (sign(SECRET, NOW, BODY), "yesterday", {}, "bad_timestamp"),
        (sign(SECRET, NOW, BODY), "-1", {}, "bad_timestamp"),
        (sign("another-secret-of-16+", NOW, BODY), str(NOW), {}, "bad_signature"),
        (sign(SECRET, NOW, BODY + b" "), str(NOW), {}, "bad_signature"),
        (sign(SECRET, NOW, BODY), str(NOW + 1), {}, "bad_signature"),
        (sign(SECRET, NOW, BODY)[7:], str(NOW), {}, "bad_signature"),
        (sign(SECRET, NOW, BODY), str(NOW), {"now": NOW + 301}, "replay"),
        (sign(SECRET, NOW, BODY), str(NOW), {"now": NOW - 301}, "replay"),
    ],
)
def test_refusals_say_why(
    signature: str | None, timestamp: str | None, over: dict[str, object], reason: str
) -> None:
    with pytest.raises(SignatureError) as refused:
        check(signature, timestamp, **over)
    assert refused.value.reason == reason


def test_the_window_is_inclusive_of_five_minutes_each_way() -> None:
    check(sign(SECRET, NOW, BODY), str(NOW), now=NOW + 300)
    check(sign(SECRET, NOW, BODY), str(NOW), now=NOW - 300)
