"""The active alerts as a rider is shown them: most important first (the header names
the first), what each type is called, and one alert in full as the alerts screen lists
it (:class:`AlertEntry`, in the UI's words: ``bikefinder.ui.status_words``). Pure.

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
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias

import msgspec

from bikefinder.common.i18n import N_
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


class AlertEntry(msgspec.Struct, frozen=True):
    """One active alert as the alerts screen lists it (feed strings cleaned)."""

    title: str
    #: ``"city bike Linz · whole system · notice"``: system, scope, type, time.
    facts: str
    description: str | None
    url: str | None
