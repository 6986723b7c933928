"""Reporting's alert storage: alerts, each brand x kind's detector state, settings, deliveries."""

from __future__ import annotations

from datetime import datetime

from animo_shared.store import Changes, Index, Range, Store

from .documents import (
    AlertRecord,
    AlertStatus,
    BrandSettingsDoc,
    Delivery,
    DeliveryStatus,
    DetectorState,
)


class AlertRepository:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.alerts = store.collection(
            "alerts",
            AlertRecord,
            [Index(("brand", "started_at")), Index(("status",)), Index(("started_at",))],
        )
        self.detectors = store.collection("detectors", DetectorState, [Index(("brand",))])
        self.settings = store.collection("brand_settings", BrandSettingsDoc, [Index(("brand",))])
        self.deliveries = store.collection(
            "deliveries",
            Delivery,
            [Index(("status", "next_at")), Index(("created_at",))],
        )

    async def commit(self, changes: Changes) -> None:
        await self.store.commit(changes)

    # -- alerts -----------------------------------------------------------------

    async def list_alerts(
        self, brand: str | None, status: AlertStatus | None, limit: int
    ) -> list[AlertRecord]:
        where: dict[str, object] = {}
        if brand:
            where["brand"] = brand
        if status:
            where["status"] = status.value
        return await self.alerts.find(where, order_by="started_at", descending=True, limit=limit)

    async def alert(self, alert_id: str) -> AlertRecord | None:
        return await self.alerts.get(alert_id)

    async def open_alerts(self, limit: int = 10_000) -> list[AlertRecord]:
        return await self.alerts.find({"status": AlertStatus.OPEN.value}, limit=limit)

    def save_alert(self, changes: Changes, alert: AlertRecord) -> None:
        changes.put(self.alerts, alert)

    # -- detectors --------------------------------------------------------------

    async def detector(self, detector_id: str) -> DetectorState | None:
        return await self.detectors.get(detector_id)

    def save_detector(self, changes: Changes, state: DetectorState) -> None:
        changes.put(self.detectors, state)

    # -- settings ---------------------------------------------------------------

    async def brand_settings(self, brand: str) -> BrandSettingsDoc | None:
        return await self.settings.get(brand)

    async def save_settings(self, doc: BrandSettingsDoc) -> None:
        await self.settings.put(doc)

    # -- webhook deliveries -----------------------------------------------------

    def enqueue(self, changes: Changes, delivery: Delivery) -> None:
        changes.insert_if_absent(self.deliveries, delivery)

    async def due(self, now: datetime, limit: int) -> list[Delivery]:
        return await self.deliveries.find(
            {"status": DeliveryStatus.PENDING.value},
            range=Range("next_at", None, now),
            order_by="next_at",
            limit=limit,
        )

    async def save_delivery(self, delivery: Delivery) -> None:
        await self.deliveries.put(delivery)

    # -- retention --------------------------------------------------------------

    async def expired_deliveries(self, cutoff: datetime, limit: int) -> list[str]:
        found = await self.deliveries.find(range=Range("created_at", None, cutoff), limit=limit)
        return [d.id for d in found if d.status is not DeliveryStatus.PENDING]

    def delete_deliveries(self, changes: Changes, ids: list[str]) -> None:
        for delivery_id in ids:
            changes.delete(self.deliveries, delivery_id)
