"""``system_alerts`` (GBFS 1.1 to 3.0): closures, moves and notices, and when they apply.

Pure parsing and rules, no I/O. v1/v2 alerts carry plain strings and POSIX times; v3
alerts carry localized strings (and a localized URL) and RFC 3339 times; both come out
as the same :class:`SystemAlert`.

An alert is in effect inside one of its ``times`` windows, or always when it has none
(GBFS: obsolete alerts are removed from the feed). A window whose start cannot be read
counts from the beginning of time to its end; one with neither bound readable is
dropped, and an alert left without a window is treated as always in effect: a notice
the operator still publishes is shown rather than hidden.

The ``type`` is kept as the feed says it (lower case): real feeds label plain notices
``system_closure`` (BIXI does), so show the summary, not a meaning derived from the type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from bikefinder.common.errors import FeedFormatError
from bikefinder.feeds import gbfs
from bikefinder.feeds.models import FeedMeta
from bikefinder.feeds.values import as_id, as_id_list, as_text, as_timestamp

#: The types GBFS defines; others are kept as sent (lower case).
ALERT_TYPES = ("system_closure", "station_closure", "station_move", "other")


class AlertWindow(msgspec.Struct, frozen=True):
    """When an alert is in effect: ``start <= moment < end``; a missing bound is open."""

    start: datetime | None
    end: datetime | None

    def contains(self, moment: datetime) -> bool:
        moment = _aware(moment)
        if self.start is not None and moment < self.start:
            return False
        return self.end is None or moment < self.end


class SystemAlert(msgspec.Struct, frozen=True):
    """One alert; ``None`` means the feed did not say (or said junk)."""

    alert_id: str
    type: str | None
    summary: str | None
    description: str | None = None
    url: str | None = None
    station_ids: tuple[str, ...] = ()
    region_ids: tuple[str, ...] = ()
    windows: tuple[AlertWindow, ...] = ()
    last_updated: datetime | None = None
    #: The feed gave ``times`` that could not all be read (see the module docs).
    times_unreadable: bool = False

    @property
    def system_wide(self) -> bool:
        """Neither stations nor regions named: the alert is about the whole system."""
        return not self.station_ids and not self.region_ids

    def is_active(self, moment: datetime) -> bool:
        """Whether the alert is in effect at ``moment`` (a naive time is taken as UTC)."""
        return not self.windows or any(window.contains(moment) for window in self.windows)

    @property
    def starts_at(self) -> datetime | None:
        """The earliest known start (for a listing); ``None`` when open or unknown."""
        starts = [window.start for window in self.windows if window.start is not None]
        return min(starts) if starts else None

    @property
    def ends_at(self) -> datetime | None:
        """The latest end; ``None`` when some window has no end, or there is none."""
        ends = [window.end for window in self.windows]
        return None if not ends or None in ends else max(e for e in ends if e is not None)


class AlertsFeed(msgspec.Struct, frozen=True):
    """A parsed ``system_alerts``: the usable alerts and how many records were rejected."""

    meta: FeedMeta
    alerts: tuple[SystemAlert, ...]
    rejected: int = 0


def parse_system_alerts(doc: Any, url: str, language: str | None = None) -> AlertsFeed:
    """A decoded ``system_alerts`` document. Records without an id, or without any text
    (summary or description), are rejected and counted; no ``data.alerts`` list raises."""
    meta = gbfs.parse_meta(doc, "system_alerts", url)
    records = doc["data"].get("alerts")
    if not isinstance(records, list):
        raise FeedFormatError("system_alerts", "'data.alerts' is not a list")
    parsed = [_alert(record, language) for record in records]
    alerts = tuple(alert for alert in parsed if alert is not None)
    return AlertsFeed(meta=meta, alerts=alerts, rejected=len(parsed) - len(alerts))


def decode_system_alerts(body: bytes, url: str, language: str | None = None) -> AlertsFeed:
    """:func:`parse_system_alerts` from a raw body (a small feed: ``json.loads`` is enough)."""
    return parse_system_alerts(gbfs.decode_document(body, "system_alerts"), url, language)


def _alert(record: Any, language: str | None) -> SystemAlert | None:
    if not isinstance(record, Mapping):
        return None
    alert_id = as_id(record.get("alert_id"))
    summary = _text(record.get("summary"), language)
    description = _text(record.get("description"), language)
    if alert_id is None or (summary is None and description is None):
        return None
    windows, unreadable = _windows(record.get("times"))
    return SystemAlert(
        alert_id=alert_id,
        type=_type(record.get("type")),
        summary=summary,
        description=description,
        url=_url(record.get("url"), language),
        station_ids=as_id_list(record.get("station_ids")),
        region_ids=as_id_list(record.get("region_ids")),
        windows=windows,
        last_updated=as_timestamp(record.get("last_updated")),
        times_unreadable=unreadable,
    )


def _text(value: Any, language: str | None) -> str | None:
    text = as_text(value, language)
    return text.strip() or None if text else None


def _type(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return text if text and text.isascii() and text.replace("_", "").isalnum() else None


def _url(value: Any, language: str | None) -> str | None:
    """A v2 URL string or a v3 localized URL; only http(s) links are kept."""
    text = _text(value, language)
    if text is None or not text.lower().startswith(("http://", "https://")):
        return None
    return text if text.isprintable() and " " not in text else None


def _windows(times: Any) -> tuple[tuple[AlertWindow, ...], bool]:
    """The readable windows, and whether some given ones could not be read."""
    if times is None:
        return (), False
    if not isinstance(times, list):
        return (), True
    windows: list[AlertWindow] = []
    unreadable = False
    for item in times:
        if not isinstance(item, Mapping):
            unreadable = True
            continue
        start, end = as_timestamp(item.get("start")), as_timestamp(item.get("end"))
        if (start is None and end is None) or (start and end and end <= start):
            unreadable = True
            continue
        if start is None and item.get("start") is not None:
            unreadable = True  # kept as "until end", but said
        windows.append(AlertWindow(start=start, end=end))
    return tuple(windows), unreadable


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- rules


def active_alerts(alerts: Iterable[SystemAlert], moment: datetime) -> tuple[SystemAlert, ...]:
    """The alerts in effect at ``moment``, in feed order."""
    return tuple(alert for alert in alerts if alert.is_active(moment))


def alerts_for_station(
    alerts: Iterable[SystemAlert], station_id: str, region_id: str | None = None
) -> tuple[SystemAlert, ...]:
    """The alerts that name this station, or its region (system-wide ones excluded:
    see :func:`system_wide_alerts`)."""
    return tuple(
        alert
        for alert in alerts
        if station_id in alert.station_ids
        or (region_id is not None and region_id in alert.region_ids)
    )


def system_wide_alerts(alerts: Iterable[SystemAlert]) -> tuple[SystemAlert, ...]:
    """The alerts about the whole system (naming neither stations nor regions)."""
    return tuple(alert for alert in alerts if alert.system_wide)


def alerts_by_station(alerts: Sequence[SystemAlert]) -> dict[str, tuple[str, ...]]:
    """``station_id -> alert ids`` for the alerts that name stations (a look-up table for
    a list of stations; region alerts need the station's region, see
    :func:`alerts_for_station`)."""
    table: dict[str, dict[str, None]] = {}  # insertion-ordered sets: linear in all
    for alert in alerts:
        for station_id in alert.station_ids:
            table.setdefault(station_id, {})[alert.alert_id] = None
    return {station_id: tuple(ids) for station_id, ids in table.items()}
