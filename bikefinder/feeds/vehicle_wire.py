"""The shapes of clean ``free_bike_status`` / ``vehicle_status`` feeds on the wire.

Like :mod:`bikefinder.feeds.wire` for stations: a feed whose vehicles all fit these
shapes is decoded from bytes into structs in C (10,000 vehicles in a few ms), and
:mod:`bikefinder.feeds.vehicle_feeds` then applies the same value rules to the struct's
fields as the lenient path applies to ``json.loads`` output. A record that does not
fit (a coordinate sent as a string, a float id) is decoded on its own and judged the
lenient way; a document that does not fit at all goes to ``json.loads``. So these
shapes decide only speed, never what a value means.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, Raw, Struct, UnsetType

from bikefinder.feeds.wire import MISFIT, RentalUris

__all__ = [
    "MISFIT",
    "RAW_VEHICLES",
    "UNSET",
    "VEHICLE_DOCUMENT",
    "VEHICLE_RECORD",
    "VehicleRecord",
]


class VehicleRecord(Struct, gc=False):
    """One vehicle: v3 ``vehicle_id`` or v1/v2 ``bike_id``, and the fields riders use."""

    vehicle_id: int | str | None = None
    bike_id: int | str | None = None
    lat: float | None = None
    lon: float | None = None
    vehicle_type_id: int | str | None = None
    current_range_meters: float | None = None
    current_fuel_percent: float | None = None
    is_reserved: bool | int | None = None
    is_disabled: bool | int | None = None
    station_id: int | str | None = None
    home_station_id: int | str | None = None
    pricing_plan_id: int | str | None = None
    last_reported: int | str | None = None
    available_until: int | str | None = None
    rental_uris: RentalUris | None = None


class _Header(Struct, kw_only=True):
    """The header fields (any JSON type: the lenient rules judge them)."""

    last_updated: Any = UNSET
    lastUpdatedOther: Any = UNSET  # Vélib's spelling on the wire
    ttl: Any = UNSET
    version: Any = UNSET


class _VehicleData(Struct):
    vehicles: list[VehicleRecord] | UnsetType = UNSET
    bikes: list[VehicleRecord] | UnsetType = UNSET


class VehicleDocument(_Header):
    data: _VehicleData


class _RawVehicleData(Struct):
    vehicles: list[Raw] | UnsetType = UNSET
    bikes: list[Raw] | UnsetType = UNSET


class RawVehicleDocument(_Header):
    """A vehicle feed whose records are kept as raw JSON, decoded one at a time."""

    data: _RawVehicleData


VEHICLE_DOCUMENT = msgspec.json.Decoder(VehicleDocument)
RAW_VEHICLES = msgspec.json.Decoder(RawVehicleDocument)
VEHICLE_RECORD = msgspec.json.Decoder(VehicleRecord)
VEHICLE_RECORDS = msgspec.json.Decoder(list[VehicleRecord])
