"""A :class:`Snapshot`: everything known about one system at one moment, what the UI and
the printed outputs render. Its own module because it gathers the results of every feed's
parser (stations, vehicles, alerts, hours, prices), which themselves import only
:mod:`bikefinder.feeds.models`: no import cycle."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from bikefinder.feeds.models import FeedMeta, JoinReport, Station, SystemInfo

if TYPE_CHECKING:  # types only: the app paints cached stations before these load
    from bikefinder.feeds.geofencing import Geofencing
    from bikefinder.feeds.opening_hours import OpeningHours, SystemHours
    from bikefinder.feeds.pricing import PricingPlan
    from bikefinder.feeds.system_alerts import SystemAlert
    from bikefinder.feeds.vehicles import Vehicle, VehicleType


class Snapshot(msgspec.Struct, frozen=True):
    """Everything known about one system at one moment: what the UI and outputs render."""

    gbfs_url: str
    system: SystemInfo
    stations: tuple[Station, ...]
    info_meta: FeedMeta
    status_meta: FeedMeta
    report: JoinReport = msgspec.field(default_factory=JoinReport)
    #: When station_status was fetched (from the network, or originally, if cached).
    fetched_at: datetime | None = None
    #: True when this is the last known data from the cache, not a live answer.
    from_cache: bool = False
    #: Read from the cache while every feed was within its ttl: as current as a live
    #: answer (``from_cache`` is False), fetched at :attr:`fetched_at`.
    within_ttl: bool = False
    #: Free-floating vehicles with a location of their own, offered or not (see
    #: :func:`bikefinder.feeds.vehicles.offered`); vehicles parked at a known station are
    #: not here but in :attr:`docked_vehicles` (they count with their station).
    vehicles: tuple[Vehicle, ...] = ()
    #: ``station_id -> vehicles parked there`` (never listed on their own).
    docked_vehicles: Mapping[str, tuple[Vehicle, ...]] = msgspec.field(default_factory=dict)
    #: Vehicles with neither a location nor a known station: counted, never placed.
    unplaceable_vehicles: int = 0
    #: ``vehicle_types`` with the details riders see (form, propulsion, range, plans).
    vehicle_types: Mapping[str, VehicleType] = msgspec.field(default_factory=dict)
    #: The header of ``free_bike_status`` / ``vehicle_status``, when one was read.
    vehicle_meta: FeedMeta | None = None
    #: Every alert of ``system_alerts`` (active or not: see ``system_alerts.active_alerts``).
    alerts: tuple[SystemAlert, ...] = ()
    #: The system's hours: v2 ``system_hours`` or v3 ``system_information.opening_hours``.
    hours: SystemHours | OpeningHours | None = None
    #: v3 ``station_opening_hours`` by station id (each overrides :attr:`hours`).
    station_hours: Mapping[str, OpeningHours] = msgspec.field(default_factory=dict)
    #: ``system_pricing_plans``, in feed order.
    pricing: tuple[PricingPlan, ...] = ()
    #: ``geofencing_zones`` (``None``: not published, or not read).
    geofencing: Geofencing | None = None

    @property
    def data_time(self) -> datetime | None:
        """How recent the availability numbers are: the feed's own time, else fetch time."""
        return self.status_meta.last_updated or self.fetched_at
