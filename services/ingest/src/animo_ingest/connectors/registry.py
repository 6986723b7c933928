"""The connector of each source kind; connectors are stateless, so one instance serves every source."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .discourse import DiscourseConnector
from .feed import FeedConnector
from .mapping import JsonConnector
from .mastodon import MastodonConnector
from .models import Connector

CONNECTORS: Mapping[str, Connector] = MappingProxyType(
    {
        "rss": FeedConnector(),
        "mastodon": MastodonConnector(),
        "discourse": DiscourseConnector(),
        "json": JsonConnector(),
    }
)
