"""CSV exports of reports: one row per bucket (per group with `group_by`), or per ranked item."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .models import MetricReport, RankingReport


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted columns: {"by_source": {"twitter": 3}} -> {"by_source.twitter": 3}."""
    flat: dict[str, Any] = {}
    for name, value in values.items():
        column = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, column + "."))
        elif isinstance(value, list):
            continue  # groups become rows of their own
        else:
            flat[column] = value
    return flat


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    # A leading =, +, - or @ makes spreadsheets evaluate the cell: quote it as text.
    text = str(value)
    if text[:1] in ("=", "+", "-", "@") and not isinstance(value, int | float):
        return "'" + text
    return text


def rows_of(report: MetricReport | RankingReport) -> list[dict[str, Any]]:
    if isinstance(report, RankingReport):
        return [flatten(item) for item in report.items]
    rows: list[dict[str, Any]] = []
    for bucket in report.buckets:
        groups = bucket.get("groups")
        if groups is None:
            rows.append(flatten(bucket))
            continue
        for group in groups:
            values = {k: v for k, v in group.items() if k != "key"}
            rows.append({"start": bucket["start"], **group["key"], **flatten(values)})
    return rows


def to_csv(report: MetricReport | RankingReport) -> str:
    rows = rows_of(report)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(columns))
    writer.writerows(_values(row, columns) for row in rows)
    return out.getvalue()


def _values(row: Mapping[str, Any], columns: Iterable[str]) -> list[str]:
    return [_cell(row.get(column)) for column in columns]
