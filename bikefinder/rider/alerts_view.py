"""The active alerts as a rider is shown them: which one the header names, and each one
in full for the alerts screen. Pure: the UI only renders these.

"Most important first" is one rule (:func:`ranked_alerts`), documented in the README:

1. alerts about a whole system before those naming stations or regions (they change
   every ride, not one station's);
2. then by type: ``system_closure``, ``station_closure``, ``station_move``, then any
   other type (``other``, unknown, none);
3. then the newest first (the alert's ``last_updated``, else the start of its first
   window; an alert with neither comes after those with one);
4. then in feed order, systems in the order they are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, TypeAlias

from bikefinder.common.i18n import N_
from bikefinder.common.text import clean
from bikefinder.rider.rows import SceneSystem

if TYPE_CHECKING:
    # For annotations: the alerts module is imported where alerts are read, not here.
    from bikefinder.feeds.system_alerts import SystemAlert

#: The types' order of importance (lower first); other types come after these.
TYPE_ORDER = {"system_closure": 0, "station_closure": 1, "station_move": 2}
#: What a type is called on screen.
TYPE_NAMES = {
    "system_closure": N_("system closure"),
    "station_closure": N_("station closure"),
    "station_move": N_("station move"),
    "other": N_("notice"),
}

SystemAlerts: TypeAlias = "Sequence[tuple[SceneSystem, SystemAlert]]"


def newest_time(alert: SystemAlert) -> datetime | None:
    """When the alert was last said: its ``last_updated``, else its first start."""
    return alert.last_updated or alert.starts_at


def ranked_alerts(
    alerts: Iterable[tuple[SceneSystem, SystemAlert]],
) -> tuple[tuple[SceneSystem, SystemAlert], ...]:
    """``alerts`` most important first (see the module's rule); a stable sort."""

    def importance(
        item: tuple[int, tuple[SceneSystem, SystemAlert]],
    ) -> tuple[int, int, int, float, int]:
        order, (_system, alert) = item
        when = newest_time(alert)
        return (
            0 if alert.system_wide else 1,
            TYPE_ORDER.get(alert.type or "", len(TYPE_ORDER)),
            0 if when is not None else 1,
            -when.timestamp() if when is not None else 0.0,
            order,
        )

    return tuple(item for _order, item in sorted(enumerate(alerts), key=importance))


def alert_title(alert: SystemAlert, limit: int = 200) -> str:
    """The alert in a few words: its summary, else its description, else its type."""
    return clean(
        alert.summary or alert.description or TYPE_NAMES.get(alert.type or "", "alert"), limit
    )


def alert_headline(alerts: SystemAlerts, several: bool) -> str | None:
    """What the header says of the alerts (``alerts`` ranked): the first one's summary,
    its system when several are shown, and how many more: ``"Renningen: Keine
    Echtzeitdaten (+1 more)"``. ``None`` without alerts."""
    if not alerts:
        return None
    system, alert = alerts[0]
    text = alert_title(alert, 120)
    if several:
        text = f"{clean(system.name, 40)}: {text}"
    if len(alerts) > 1:
        text += f" (+{len(alerts) - 1} more)"
    return text


def alert_scope(alert: SystemAlert) -> str:
    """What the alert is about: ``"whole system"``, ``"1 station"``, ``"2 regions"``."""
    parts = []
    if alert.station_ids:
        count = len(alert.station_ids)
        parts.append(f"{count} station{'s' * (count != 1)}")
    if alert.region_ids:
        count = len(alert.region_ids)
        parts.append(f"{count} region{'s' * (count != 1)}")
    return ", ".join(parts) or "whole system"


def alert_when(alert: SystemAlert, zone: tzinfo | None) -> str | None:
    """When it applies, in ``zone``: ``"from Mon 06 Oct 08:00 until Fri 10 Oct 18:00"``,
    ``"until …"``, ``"from …"``; ``None`` when the feed gives no time (it applies now)."""
    start, end = alert.starts_at, alert.ends_at
    parts = []
    if start is not None:
        parts.append(f"from {start.astimezone(zone):%a %d %b %H:%M}")
    if end is not None:
        parts.append(f"until {end.astimezone(zone):%a %d %b %H:%M}")
    return " ".join(parts) or None


@dataclass(frozen=True, slots=True)
class AlertEntry:
    """One active alert as the alerts screen lists it (feed strings cleaned)."""

    title: str
    #: ``"city bike Linz · whole system · notice"``: system, scope, type, time.
    facts: str
    description: str | None
    url: str | None


def alert_entries(alerts: SystemAlerts, zone: tzinfo | None) -> list[AlertEntry]:
    """``alerts`` (ranked) in full, for the alerts screen."""
    entries = []
    for system, alert in alerts:
        facts = [clean(system.name, 60), alert_scope(alert)]
        if alert.type:
            facts.append(TYPE_NAMES.get(alert.type, clean(alert.type.replace("_", " "), 40)))
        when = alert_when(alert, zone)
        if when:
            facts.append(when)
        description = clean(alert.description, 1000) if alert.description else None
        entries.append(
            AlertEntry(
                title=alert_title(alert),
                facts=" · ".join(facts),
                description=description if description != alert_title(alert) else None,
                url=clean(alert.url, 300) if alert.url else None,
            )
        )
    return entries
