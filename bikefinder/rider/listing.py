"""What a list says around its rows: the header's facts and the favourites it cannot show.

The app hands the list a :class:`ListStatus` (what its systems are and how fresh their
data is); the list's header puts it in words with what it knows itself (its rows, mode
and filter). No Textual: the widgets only render these.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec

from bikefinder.common.units import Units
from bikefinder.rider.favourites import Favourite, favourites_url
from bikefinder.rider.refresh import Freshness
from bikefinder.rider.rows import SceneSystem

if TYPE_CHECKING:
    from bikefinder.feeds.system_alerts import SystemAlert  # annotations only


class ListStatus(msgspec.Struct, frozen=True):
    """The systems behind a list, as its header says them."""

    system_name: str
    near: tuple[float, float]
    freshness: str
    #: ``"ok"``, ``"stale"`` (old data) or ``"error"`` (a refresh failed).
    health: str = "ok"
    problem: str | None = None
    near_note: str | None = None
    #: The place the rider named for the point, said instead of its coordinates.
    near_label: str | None = None
    chosen_by: str | None = None
    #: The point ``chosen_by`` names.
    chosen_near: tuple[float, float] | None = None
    systems: int = 1
    station_count: int = 0
    vehicle_count: int = 0
    alert_count: int = 0
    #: The active alerts, most important first (``alerts_view.ranked_alerts``).
    alerts: tuple[tuple[SceneSystem, SystemAlert], ...] = ()
    #: Feed records skipped (rejected, not joined).
    skipped: int = 0
    #: Seconds between refreshes (``None``: data that never changes, the demo's).
    refresh_s: float | None = None
    #: The systems listed (the System column names them apart with their short names).
    listed_systems: tuple[SceneSystem, ...] = ()
    #: The keys of the listed systems whose refresh fails (their rows are stale).
    failing: frozenset[str] = frozenset()
    #: The facts behind ``freshness`` and ``problem`` (the lead system's), for the app.
    fresh: Freshness | None = None
    #: Per failing system (in a list of several): its name, since when (local
    #: ``HH:MM:SS``, ``None``: not known) and the error in brief.
    failures: tuple[tuple[str, str | None, str], ...] = ()
    #: How far the nearest row is when the point is far from every row (else ``None``),
    #: and the system it is outside of.
    far_m: float | None = None
    lead_name: str = ""
    #: The units the list's distances are in.
    units: Units = Units.METRIC


class OtherFavourites(msgspec.Struct, frozen=True):
    """The favourites of systems not shown, grouped by system name (in the order first
    met); those of shown systems are rows of the favourites view."""

    by_system: dict[str, list[Favourite]] = msgspec.field(default_factory=dict)


def other_favourites(shown_urls: Iterable[str], everywhere: Iterable[Favourite]) -> OtherFavourites:
    """Of ``everywhere``, the favourites of systems whose URL is not in ``shown_urls``."""
    shown = {favourites_url(url) for url in shown_urls}
    others = OtherFavourites()
    for favourite in everywhere:
        if favourites_url(favourite.gbfs_url) not in shown:
            system = favourite.system_name or favourite.system_id or favourite.gbfs_url
            others.by_system.setdefault(system, []).append(favourite)
    return others
