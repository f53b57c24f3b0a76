"""The shapes of clean GBFS station feeds on the wire, for msgspec's typed decoding.

A feed whose records all fit these shapes is decoded straight from bytes into these
structs in C (a 2,000-station feed in about 1 ms instead of about 40 ms through
``json.loads`` and per-field checks). Each field admits exactly the JSON types the
lenient rules in :mod:`bikefinder.feeds.values` accept without a string conversion;
anything else (a count sent as a string, a float id, a NaN) fails the typed decode,
and :mod:`bikefinder.feeds.station_feeds` then parses that record, or the whole document, the
lenient way. So these shapes decide only speed, never what a value means.

Records are not tracked by the garbage collector (``gc=False``): decoded JSON cannot form
a reference cycle, and 200,000 tracked objects per refresh made collection a third of
the CPU on large feeds.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET as UNSET  # re-exported: gbfs tells an absent field by it
from msgspec import Raw, Struct, UnsetType

# Integers keep every digit (msgspec decodes ints beyond 64 bits exactly); floats are
# accepted wherever the lenient path takes one, and checked by the converter.


class LocalizedText(Struct, gc=False):
    """One translation of a v3 localized string."""

    text: str
    language: str = ""


Text = str | list[LocalizedText] | None


class RentalUris(Struct, gc=False):
    web: str | None = None
    android: str | None = None
    ios: str | None = None


class InfoRecord(Struct, gc=False):
    """One ``station_information`` record."""

    station_id: int | str | None = None
    name: Text = None
    short_name: Text = None
    lat: float | None = None
    lon: float | None = None
    address: Text = None
    capacity: int | None = None
    is_virtual_station: bool | int | None = None
    rental_uris: RentalUris | None = None
    rental_url: str | None = None
    station_area: Raw | None = None  # GeoJSON, measured only when present


class TypeCount(Struct, gc=False):
    vehicle_type_id: int | str | None = None
    count: int | None = None


class StatusRecord(Struct, gc=False):
    """One ``station_status`` record (v1 to v3 names, Vélib's type split)."""

    station_id: int | str | None = None
    num_bikes_available: int | UnsetType | None = UNSET
    num_vehicles_available: int | None = None
    num_bikes_disabled: int | UnsetType | None = UNSET
    num_vehicles_disabled: int | None = None
    num_docks_available: int | None = None
    num_docks_disabled: int | None = None
    num_ebikes_available: int | UnsetType | None = UNSET
    num_bikes_available_types: list[dict[str, int]] | dict[str, int] | None = None
    vehicle_types_available: list[TypeCount] | None = None
    is_installed: bool | int | None = None
    is_renting: bool | int | None = None
    is_returning: bool | int | None = None
    last_reported: int | str | None = None


class Header(Struct, kw_only=True):
    """The fields every feed document shares (any JSON type: the lenient rules judge)."""

    last_updated: Any = UNSET
    lastUpdatedOther: Any = UNSET  # Vélib's spelling on the wire
    ttl: Any = None
    version: Any = None


class _InfoData(Struct):
    stations: list[InfoRecord]


class InfoDocument(Header):
    data: _InfoData


class _StatusData(Struct):
    stations: list[StatusRecord]


class StatusDocument(Header):
    data: _StatusData


class _RawData(Struct):
    stations: list[Raw]


class RawStationsDocument(Header):
    """A station feed whose records are kept as raw JSON, decoded one at a time."""

    data: _RawData


INFO_DOCUMENT = msgspec.json.Decoder(InfoDocument)
STATUS_DOCUMENT = msgspec.json.Decoder(StatusDocument)
RAW_STATIONS = msgspec.json.Decoder(RawStationsDocument)
INFO_RECORD = msgspec.json.Decoder(InfoRecord)
STATUS_RECORD = msgspec.json.Decoder(StatusRecord)
INFO_RECORDS = msgspec.json.Decoder(list[InfoRecord])
STATUS_RECORDS = msgspec.json.Decoder(list[StatusRecord])
#: What a typed decode raises when a document or record does not fit its shape.
MISFIT = (msgspec.ValidationError, msgspec.DecodeError)
