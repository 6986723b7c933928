"""Logs are one JSON object per line and carry the service, correlation and event ids."""

from __future__ import annotations

import json
import logging

import pytest

from animo_shared.observability import configure_logging, correlation_id, event_id


def test_json_logs_carry_service_correlation_and_event_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("ingest", "INFO")
    corr, event = correlation_id.set("req-42"), event_id.set("evt-7")
    try:
        logging.getLogger("animo.test").warning("stored %d events", 3)
    finally:
        correlation_id.reset(corr)
        event_id.reset(event)
        logging.getLogger().handlers.clear()
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "stored 3 events"
    assert line["level"] == "WARNING"
    assert (line["service"], line["correlation_id"], line["event_id"]) == (
        "ingest",
        "req-42",
        "evt-7",
    )
