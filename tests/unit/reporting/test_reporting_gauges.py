"""Business gauges: every family declares itself, and a snapshot becomes per-brand samples."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from animo_reporting.gauges import BrandFigures, BusinessMetrics


def test_families_exist_before_any_brand_and_carry_the_snapshot() -> None:
    registry = CollectorRegistry()
    business = BusinessMetrics(registry)
    empty = generate_latest(registry).decode()
    for family in (
        "animo_reporting_mentions_total",
        "animo_reporting_share_of_voice_ratio",
        "animo_reporting_response_seconds",
        "animo_reporting_open_alerts",
    ):
        assert f"# TYPE {family} " in empty
    assert 'animo_reporting_webhook_deliveries_total{outcome="failed"} 0.0' in empty

    business.collector.brands = {
        "acme": BrandFigures(
            lifetime={"mentions": 12, "s_negative": 3},
            negative_share=0.25,
            share_of_voice=None,
            response={"0.5": 60.0},
            open_alerts=1,
        )
    }
    text = generate_latest(registry).decode()
    assert 'animo_reporting_mentions_total{brand="acme"} 12.0' in text
    assert 'animo_reporting_negative_mentions_total{brand="acme"} 3.0' in text
    assert 'animo_reporting_negative_share_ratio{brand="acme"} 0.25' in text
    assert 'animo_reporting_share_of_voice_ratio{brand="acme"}' not in text  # undefined: no sample
    assert 'animo_reporting_response_seconds{brand="acme",quantile="0.5"} 60.0' in text
    assert 'animo_reporting_open_alerts{brand="acme"} 1.0' in text
