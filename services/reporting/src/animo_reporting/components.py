"""The parts of a running reporting service, as the routes see them (built in main.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .alerts import AlertService
from .config import Settings
from .gauges import BusinessMetrics
from .repository import BucketRepository
from .repository_alerts import AlertRepository
from .response_time import BusinessHours
from .retention import Pruner
from .service import ReportingService
from .webhooks import WebhookSender


@dataclass
class Components:
    settings: Settings
    reporting: ReportingService
    buckets: BucketRepository
    alert_repository: AlertRepository
    alerts: AlertService
    webhooks: WebhookSender
    pruner: Pruner
    business: BusinessMetrics
    hours_of: Callable[[str], Awaitable[BusinessHours]]
