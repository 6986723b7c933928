"""Network adapters: one per network behind one interface, each building that network's real request."""

from __future__ import annotations

from .base import ChannelHealth, Delivery, NetworkAdapter, evidence, health, parse_retry_after
from .discourse import DiscourseAdapter
from .facebook import FacebookAdapter
from .instagram import InstagramAdapter
from .linkedin import LinkedInAdapter
from .mastodon import MastodonAdapter
from .webhook import WebhookAdapter
from .x import XAdapter

# Keyed by the same kinds as the adaptation (animo_publisher.adaptation.KINDS).
ADAPTERS: dict[str, NetworkAdapter] = {
    "x": XAdapter(),
    "mastodon": MastodonAdapter(),
    "linkedin": LinkedInAdapter(),
    "instagram": InstagramAdapter(),
    "facebook": FacebookAdapter(),
    "discourse": DiscourseAdapter(),
    "webhook": WebhookAdapter(),
}

__all__ = [
    "ADAPTERS",
    "ChannelHealth",
    "Delivery",
    "NetworkAdapter",
    "evidence",
    "health",
    "parse_retry_after",
]
