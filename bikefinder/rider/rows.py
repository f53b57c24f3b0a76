"""The one row every list is made of: a station or a free-floating vehicle near the rider.

The app's table, its details screen, the map and every printed format (table, JSON,
CSV, line) render :class:`Row` and nothing else, so they cannot disagree about a
station's rank, why it is no option, its walking time or its alerts. A row is
identified by a typed :class:`RowKey` (kind, system, id), never by a string with
separators.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING

import msgspec

from bikefinder.common.units import Units, format_distance

if TYPE_CHECKING:
    from bikefinder.feeds.models import Station
    from bikefinder.feeds.pricing import PricingPlan
    from bikefinder.feeds.system_alerts import SystemAlert
    from bikefinder.feeds.vehicles import Vehicle, VehicleType
    from bikefinder.rider.reasons import Reason
    from bikefinder.rider.trends import Trend
    from bikefinder.rider.watches import Watch


class Kind(Enum):
    """What a row is."""

    STATION = "station"
    VEHICLE = "vehicle"


class RowKey(msgspec.Struct, frozen=True, order=True):
    """Which row: its kind, its system (:attr:`SceneSystem.key`) and the feed's id.

    A station keeps its key across refreshes; a vehicle's id is rotated by operators
    (GBFS 2.x requires it), so a vehicle key lasts only as long as its id does."""

    kind: Kind
    system: str
    item_id: str

    @property
    def is_station(self) -> bool:
        return self.kind is Kind.STATION


class SceneSystem(msgspec.Struct, frozen=True):
    """One system as the lists name it: ``key`` tells systems apart (the catalog id,
    else the feed's, made unique), ``name`` is what the rider reads."""

    key: str
    name: str
    gbfs_url: str


class Row(msgspec.Struct, frozen=True):
    """A station or a vehicle, with everything any view shows of it.

    ``rank`` counts only the rows that are an option in the mode (1, 2, ...);
    ``reason`` says why a row is not one ("no bikes", "closed, opens 07:00", "only 2
    bikes"), else ``None``. Distances are ``None`` when there is no point to measure
    from (favourites printed without ``--near``). ``error`` is set on a favourite with
    no live data (its system failed, or the station left the feed).
    """

    key: RowKey
    system: SceneSystem
    name: str
    lat: float | None
    lon: float | None
    distance_m: float | None
    bearing_deg: float | None
    #: A compass point ("NE"), empty without a point to measure from.
    bearing: str
    walk_s: int | None
    rank: int | None
    reason: str | None
    station: Station | None = None
    #: ``reason`` as a value, for the app to say in its own language.
    why: Reason | None = None
    vehicle: Vehicle | None = None
    vehicle_type: VehicleType | None = None
    #: Active alerts naming this station.
    alerts: tuple[SystemAlert, ...] = ()
    #: Open now (``None``: the hours are not known or not published).
    is_open: bool | None = None
    #: "closed, opens 07:00" / "open until 22:00", ``None`` when not known.
    hours_text: str | None = None
    #: What a ride costs, in one sentence (``None`` when not known for sure).
    price: str | None = None
    #: The plan that price comes from, and how many plans it is the cheapest of.
    price_plan: PricingPlan | None = None
    price_plans: int = 1
    #: "~18 km" or "62 %" (vehicles, in the rider's units), and whether the range is
    #: below the threshold.
    range_text: str | None = None
    low_range: bool | None = None
    #: Recent values of what the mode wants (``None`` until two refreshes saw it).
    trend: Trend | None = None
    #: How each count moved since the previous refresh ({"bikes": -2}).
    changes: Mapping[str, int] = msgspec.field(default_factory=dict)
    #: How long before the data's own time the station last reported, and if that is old.
    report_age_s: float | None = None
    report_stale: bool = False
    favourite: bool = False
    watched: bool = False
    error: str | None = None
    #: The units the rider reads distances in (the list's: :attr:`Query.units`).
    units: Units = Units.METRIC
    #: What the row offers: "bike", "scooter", "moped", "car" or "other" (``None``: a
    #: favourite with no live data). Only bikes serve a bike mode.
    what: str | None = None
    #: How many vehicles a vehicle row stands for (several at one spot are one row), or
    #: a station's vehicles other than bikes when that is what it holds; else ``None``.
    count: int | None = None
    #: The vehicles at a vehicle row's spot when there are several (it first).
    group: tuple[Vehicle, ...] = ()

    @property
    def kind(self) -> Kind:
        return self.key.kind

    @property
    def distance_text(self) -> str:
        """How far, in the rider's units ("350 ft", "1.2 km"); empty without a point."""
        return "" if self.distance_m is None else format_distance(self.distance_m, self.units)

    @property
    def useful(self) -> bool:
        """An option in the mode asked for."""
        return self.reason is None


class RowDetails(msgspec.Struct, frozen=True):
    """What a details view shows of one row: the row now (``None`` once it left the
    feed), the watch on it, the system's time zone, and whether to name the system."""

    key: RowKey
    row: Row | None
    #: The watch on this station, described ("at least 2 bikes"), if any.
    watch: str | None = None
    #: The system's time zone name from system_information (``None`` if not given).
    timezone: str | None = None
    #: Several systems are shown: the details say which one this is.
    several: bool = False
    #: A vehicle taken or moved since its details opened (``row`` is as it was).
    gone: bool = False
    #: ``watch`` as a value, for the app to say in its own language.
    watch_rule: Watch | None = None
