"""Typed, version-independent models that every GBFS version is normalised into.

Every model is a frozen msgspec struct: one is defined in microseconds where a frozen
dataclass takes about a millisecond, and a printed answer imports these on every run."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import msgspec


class VehicleKind(Enum):
    """What a vehicle type means to a rider looking for a bike."""

    MECHANICAL = "mechanical"
    ELECTRIC = "electric"
    OTHER = "other"


class FeedMeta(msgspec.Struct, frozen=True):
    """Header fields common to every GBFS feed document."""

    name: str
    url: str
    version: str | None
    last_updated: datetime | None
    ttl: int | None


class Discovery(msgspec.Struct, frozen=True):
    """What ``gbfs.json`` says: the version, chosen language and the feed URLs by name."""

    url: str
    version: str | None
    language: str | None
    languages: tuple[str, ...]
    feeds: dict[str, str]
    ttl: int | None


class SystemInfo(msgspec.Struct, frozen=True):
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
    #: How far across its ``station_area`` is, in metres (``None``: no area published).
    area_span_m: float | None = None


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
    #: Vehicles available that are not bicycles (cars, scooters ...), when the feed's
    #: counts by vehicle type say so; ``bikes`` then counts bicycles only.
    others: int | None = None


class Station(msgspec.Struct, frozen=True, gc=False):
    """A station joined with its live status (``None`` when the status feed omits it)."""

    info: StationInfo
    status: StationStatus | None

    @property
    def station_id(self) -> str:
        return self.info.station_id


class InfoFeed(msgspec.Struct, frozen=True):
    """A parsed ``station_information``: valid stations plus how many records were rejected."""

    meta: FeedMeta
    stations: tuple[StationInfo, ...]
    rejected: int = 0


class StatusFeed(msgspec.Struct, frozen=True):
    """A parsed ``station_status``: valid records plus how many were rejected."""

    meta: FeedMeta
    statuses: tuple[StationStatus, ...]
    rejected: int = 0


class JoinReport(msgspec.Struct, frozen=True):
    """What did not line up when joining status to information; shown, never fatal."""

    info_only: int = 0
    status_only: int = 0
    duplicate_ids: int = 0
    rejected: int = 0

    @property
    def problems(self) -> int:
        return self.info_only + self.status_only + self.duplicate_ids + self.rejected
