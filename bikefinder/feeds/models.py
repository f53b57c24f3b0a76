"""Typed, version-independent models that every GBFS version is normalised into."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:  # the issue-11 modules import this one
    from bikefinder.feeds.opening_hours import OpeningHours, SystemHours
    from bikefinder.feeds.pricing import PricingPlan
    from bikefinder.feeds.system_alerts import SystemAlert
    from bikefinder.feeds.vehicles import Vehicle, VehicleType


class VehicleKind(Enum):
    """What a vehicle type means to a rider looking for a bike."""

    MECHANICAL = "mechanical"
    ELECTRIC = "electric"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """Header fields common to every GBFS feed document."""

    name: str
    url: str
    version: str | None
    last_updated: datetime | None
    ttl: int | None


@dataclass(frozen=True, slots=True)
class Discovery:
    """What ``gbfs.json`` says: the version, chosen language and the feed URLs by name."""

    url: str
    version: str | None
    language: str | None
    languages: tuple[str, ...]
    feeds: dict[str, str]
    ttl: int | None


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """``system_information``: who runs the system and where."""

    system_id: str
    name: str
    language: str | None = None
    timezone: str | None = None
    operator: str | None = None
    url: str | None = None


class StationInfo(msgspec.Struct, frozen=True, gc=False):
    """One station from ``station_information``: where it is and what it is.

    Station models are msgspec structs, not dataclasses: a 100,000-station feed builds
    200,000 of them per change, and a struct is built several times faster and is not
    tracked by the garbage collector (it can hold no reference cycle)."""

    station_id: str
    name: str
    lat: float
    lon: float
    address: str | None = None
    capacity: int | None = None
    is_virtual: bool = False
    rental_urls: tuple[str, ...] = ()


class StationStatus(msgspec.Struct, frozen=True, gc=False):
    """One station from ``station_status``; ``None`` means the feed did not say."""

    station_id: str
    bikes: int | None
    mechanical: int | None
    electric: int | None
    docks: int | None
    bikes_disabled: int | None = None
    docks_disabled: int | None = None
    is_installed: bool | None = None
    is_renting: bool | None = None
    is_returning: bool | None = None
    last_reported: datetime | None = None


class Station(msgspec.Struct, frozen=True, gc=False):
    """A station joined with its live status (``None`` when the status feed omits it)."""

    info: StationInfo
    status: StationStatus | None

    @property
    def station_id(self) -> str:
        return self.info.station_id


@dataclass(frozen=True, slots=True)
class InfoFeed:
    """A parsed ``station_information``: valid stations plus how many records were rejected."""

    meta: FeedMeta
    stations: tuple[StationInfo, ...]
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class StatusFeed:
    """A parsed ``station_status``: valid records plus how many were rejected."""

    meta: FeedMeta
    statuses: tuple[StationStatus, ...]
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class JoinReport:
    """What did not line up when joining status to information; shown, never fatal."""

    info_only: int = 0
    status_only: int = 0
    duplicate_ids: int = 0
    rejected: int = 0

    @property
    def problems(self) -> int:
        return self.info_only + self.status_only + self.duplicate_ids + self.rejected


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything known about one system at one moment: what the UI and outputs render."""

    gbfs_url: str
    system: SystemInfo
    stations: tuple[Station, ...]
    info_meta: FeedMeta
    status_meta: FeedMeta
    report: JoinReport = field(default_factory=JoinReport)
    #: When station_status was fetched (from the network, or originally, if cached).
    fetched_at: datetime | None = None
    #: True when this is the last known data from the cache, not a live answer.
    from_cache: bool = False
    #: Free-floating vehicles with a location of their own, offered or not (see
    #: :func:`bikefinder.feeds.vehicles.offered`); vehicles parked at a known station are
    #: not here but in :attr:`docked_vehicles` (they count with their station).
    vehicles: tuple[Vehicle, ...] = ()
    #: ``station_id -> vehicles parked there`` (never listed on their own).
    docked_vehicles: Mapping[str, tuple[Vehicle, ...]] = field(default_factory=dict, hash=False)
    #: Vehicles with neither a location nor a known station: counted, never placed.
    unplaceable_vehicles: int = 0
    #: ``vehicle_types`` with the details riders see (form, propulsion, range, plans).
    vehicle_types: Mapping[str, VehicleType] = field(default_factory=dict, hash=False)
    #: The header of ``free_bike_status`` / ``vehicle_status``, when one was read.
    vehicle_meta: FeedMeta | None = None
    #: Every alert of ``system_alerts`` (active or not: see ``system_alerts.active_alerts``).
    alerts: tuple[SystemAlert, ...] = ()
    #: The system's hours: v2 ``system_hours`` or v3 ``system_information.opening_hours``.
    hours: SystemHours | OpeningHours | None = None
    #: v3 ``station_opening_hours`` by station id (each overrides :attr:`hours`).
    station_hours: Mapping[str, OpeningHours] = field(default_factory=dict, hash=False)
    #: ``system_pricing_plans``, in feed order.
    pricing: tuple[PricingPlan, ...] = ()

    @property
    def data_time(self) -> datetime | None:
        """How recent the availability numbers are: the feed's own time, else fetch time."""
        return self.status_meta.last_updated or self.fetched_at


@dataclass(frozen=True, slots=True)
class RankedStation:
    """A station with its distance and compass direction from the query point."""

    station: Station
    distance_m: float
    bearing_deg: float
    bearing: str
