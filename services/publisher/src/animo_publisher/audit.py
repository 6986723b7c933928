"""Audit entries: who did what to a post, and when, in the order it happened."""

from __future__ import annotations

import random
from datetime import datetime
from itertools import count
from typing import Any

from .models import AuditEntry

SYSTEM = "publisher"  # the actor of what the service does by itself (dispatch, recovery)
_SEQUENCE = count()


def entry(
    post_id: str, brand: str, actor: str, action: str, at: datetime, /, **detail: Any
) -> AuditEntry:
    # The id sorts like the time (then the order of creation), so ties on `at` keep their order.
    seq = next(_SEQUENCE) % 1_000_000
    return AuditEntry(
        id=f"au_{at:%Y%m%d%H%M%S%f}_{seq:06d}_{random.getrandbits(24):06x}",
        post_id=post_id,
        brand=brand,
        at=at,
        actor=actor,
        action=action,
        detail={k: v for k, v in detail.items() if v is not None},
    )
