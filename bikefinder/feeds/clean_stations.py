"""The cleanest station records, decoded straight into values the models hold as they are.

Most real records (Citi Bike's, Vélib's, a synthetic 100,000) need no judgement at all:
every count is within range, every id is a plain printable string or an integer, every
flag a bool or 0/1, every ``last_reported`` an integer. These shapes say so to
msgspec as constraints, so its C decoder does the checking, and one loop per feed (no
helper call per record) builds the models; ids are checked together after it (one
string test over all of them: a regex per id in the decoder costs more than the rest of
the decoding). A record that breaks any constraint makes
its batch a misfit, and :mod:`bikefinder.feeds.station_feeds` decodes that batch the
slower typed way (and any record the lenient way): these shapes decide only speed,
never what a value means, and both ways give the same models.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import msgspec
from msgspec import UNSET, Meta, Raw, Struct, UnsetType

from bikefinder.feeds.models import StationInfo, StationStatus
from bikefinder.feeds.values import MAX_COUNT, as_id
from bikefinder.feeds.wire import Header, RentalUris

#: A count the lenient rules keep as it is.
Count = Annotated[int, Meta(ge=0, le=MAX_COUNT)]
#: A 0/1 flag (a bool is taken as it is).
Flag = Annotated[int, Meta(ge=0, le=1)]
#: POSIX seconds from 2000 to 2200 are times (before: a placeholder; after: nonsense).
_EARLIEST_SECOND, _LATEST_SECOND = 946_684_800, 7_258_118_400
_UNSEEN = object()
Latitude = Annotated[float, Meta(ge=-90.0, le=90.0)]
Longitude = Annotated[float, Meta(ge=-180.0, le=180.0)]


class CleanInfo(Struct, gc=False):
    """A ``station_information`` record with plain strings (no translations)."""

    station_id: str | int | None = None
    name: str | None = None
    short_name: str | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    address: str | None = None
    capacity: Count | None = None
    is_virtual_station: bool | int | None = None
    rental_uris: RentalUris | None = None
    rental_url: str | None = None
    station_area: Raw | None = None


class CleanStatus(Struct, gc=False):
    """A ``station_status`` record without ``vehicle_types_available`` (those counts
    need the system's vehicle types, and take the typed way)."""

    station_id: str | int | None = None
    num_bikes_available: Count | UnsetType | None = UNSET
    num_vehicles_available: Count | None = None
    num_bikes_disabled: Count | UnsetType | None = UNSET
    num_vehicles_disabled: Count | None = None
    num_docks_available: Count | None = None
    num_docks_disabled: Count | None = None
    num_ebikes_available: Count | UnsetType | None = UNSET
    num_bikes_available_types: list[dict[str, Count]] | dict[str, Count] | None = None
    vehicle_types_available: None = None
    is_installed: bool | Flag | None = None
    is_renting: bool | Flag | None = None
    is_returning: bool | Flag | None = None
    last_reported: int | None = None


_Model = TypeVar("_Model", StationInfo, StationStatus)

INFO_RECORDS = msgspec.json.Decoder(list[CleanInfo])
STATUS_RECORDS = msgspec.json.Decoder(list[CleanStatus])


class _InfoData(Struct):
    stations: list[CleanInfo]


class _StatusData(Struct):
    stations: list[CleanStatus]


class InfoDocument(Header):
    data: _InfoData


class StatusDocument(Header):
    data: _StatusData


INFO_DOCUMENT = msgspec.json.Decoder(InfoDocument)
STATUS_DOCUMENT = msgspec.json.Decoder(StatusDocument)


# Vélib's keys, and BCycle v1.1's ("classic" and "smart" bikes are both mechanical).
VELIB_MECHANICAL_KEYS = frozenset({"mechanical", "classic", "smart"})
VELIB_ELECTRIC_KEYS = frozenset({"ebike", "electric"})


def velib_split(
    types: list[dict[str, int]] | dict[str, int],
) -> tuple[int | None, int | None]:
    """Vélib's ``[{"mechanical": 1}, {"ebike": 4}]`` (or one merged object), for parts
    a wire shape guarantees are objects of ints: (mechanical, electric)."""
    mechanical = electric = 0
    seen_mechanical = seen_electric = False
    for part in (types,) if isinstance(types, dict) else types:
        for key, count in part.items():
            if not 0 <= count <= MAX_COUNT:
                return None, None
            if key in VELIB_MECHANICAL_KEYS:
                mechanical, seen_mechanical = mechanical + count, True
            elif key in VELIB_ELECTRIC_KEYS:
                electric, seen_electric = electric + count, True
    return (mechanical if seen_mechanical else None, electric if seen_electric else None)


def _encodable(text: str) -> str:
    from bikefinder.common.text import encodable

    return encodable(text)


def infos(
    records: list[CleanInfo], area_span: Callable[[Raw], float | None]
) -> list[StationInfo | None]:
    """The models of clean information records (``None``: rejected, as the lenient rules
    reject a record without an id or coordinates). ``area_span`` measures a raw
    ``station_area``."""
    parsed: list[StationInfo | None] = []
    append = parsed.append
    urls_seen: dict[tuple[str | None, ...], tuple[str, ...]] = {}
    for record in records:
        station_id, lat, lon = record.station_id, record.lat, record.lon
        if station_id is None or lat is None or lon is None:
            append(None)
            continue
        if not isinstance(station_id, str):
            station_id = str(station_id)
        name = record.name
        if name is not None and not name.isascii():
            name = _encodable(name)
        if not name:
            name = record.short_name
            if name is not None and not name.isascii():
                name = _encodable(name)
        address = record.address
        if address is not None:
            if not address.isascii():
                address = _encodable(address)
            address = address.strip() or None
        uris, single = record.rental_uris, record.rental_url
        if uris is None and single is None:
            urls: tuple[str, ...] = ()
        else:
            key = (single,) if uris is None else (uris.web, uris.android, uris.ios, single)
            found = urls_seen.get(key)
            if found is None:
                found = urls_seen[key] = _rental_urls(key)
            urls = found
        area = record.station_area
        append(
            StationInfo(
                station_id,
                name.strip() if name else "",
                lat,
                lon,
                address,
                record.capacity,
                record.is_virtual_station == 1,
                urls,
                None if area is None else area_span(area),
            )
        )
    return _with_clean_ids(parsed)


def _with_clean_ids(parsed: list[_Model | None]) -> list[_Model | None]:
    """``parsed`` with every id as :func:`as_id` has it: checked in one go (all printable
    ASCII without a space: nothing to change), else one by one (an id with spaces at an
    end, or other characters, is normalised or makes its record rejected)."""
    ids = [model.station_id for model in parsed if model is not None]
    joined = "".join(ids)
    if joined.isascii() and joined.isprintable() and " " not in joined and all(ids):
        return parsed
    fixed = [model if model is None else _with_id(model) for model in parsed]
    return fixed


def _with_id(model: _Model) -> _Model | None:
    station_id = as_id(model.station_id)
    if station_id is None:
        return None
    if station_id == model.station_id:
        return model
    return msgspec.structs.replace(model, station_id=station_id)


def _rental_urls(candidates: tuple[str | None, ...]) -> tuple[str, ...]:
    """``rental_uris`` (web, android, ios) then ``rental_url``, stripped, each once."""
    urls: list[str] = []
    for uri in candidates:
        if uri is not None and uri.strip() and uri.strip() not in urls:
            urls.append(uri.strip())
    return tuple(_encodable(url) for url in urls)


def statuses(
    records: list[CleanStatus], stamps: dict[int, datetime | object | None] | None = None
) -> list[StationStatus | None]:
    """The models of clean status records (``None``: a record without an id).
    ``stamps``: the times already made from POSIX seconds (stations report in the same
    seconds: one ``datetime`` each), shared by the batches of one feed."""
    parsed: list[StationStatus | None] = []
    append = parsed.append
    if stamps is None:
        stamps = {}
    for record in records:
        station_id = record.station_id
        if station_id is None:
            append(None)
            continue
        if not isinstance(station_id, str):
            station_id = str(station_id)
        bikes = record.num_bikes_available
        if bikes is UNSET:
            bikes = record.num_vehicles_available
        disabled = record.num_bikes_disabled
        if disabled is UNSET:
            disabled = record.num_vehicles_disabled
        electric = record.num_ebikes_available
        types = record.num_bikes_available_types
        if types is not None:  # velib_split, inline (every count is already in range)
            mechanical = electric = None
            for part in (types,) if isinstance(types, dict) else types:
                for key, count in part.items():
                    if key in VELIB_MECHANICAL_KEYS:
                        mechanical = (mechanical or 0) + count
                    elif key in VELIB_ELECTRIC_KEYS:
                        electric = (electric or 0) + count
            if mechanical is not None or electric is not None:
                mechanical_count, electric_count = mechanical or 0, electric or 0
                if (
                    (bikes is not None and mechanical_count + electric_count > bikes)
                    or mechanical_count > MAX_COUNT
                    or electric_count > MAX_COUNT
                ):  # more by type than in all, or more than any station holds
                    mechanical = electric = None
        elif electric is UNSET:
            mechanical = electric = None
        elif electric is None or bikes is None:
            mechanical = None
        elif electric > bikes:  # more e-bikes than bikes: the split contradicts the feed
            mechanical = electric = None
        else:
            mechanical = bikes - electric
        installed, renting, returning = record.is_installed, record.is_renting, record.is_returning
        reported = record.last_reported
        if reported is None:
            stamp = None
        else:
            stamp = stamps.get(reported, _UNSEEN)
            if stamp is _UNSEEN:
                stamp = stamps[reported] = (
                    datetime.fromtimestamp(reported, tz=UTC)
                    if _EARLIEST_SECOND <= reported < _LATEST_SECOND
                    else None  # a placeholder (0, 86400: 1970), unknown
                )
        append(
            StationStatus(
                station_id,
                bikes,
                mechanical,
                electric,
                record.num_docks_available,
                disabled,
                record.num_docks_disabled,
                installed if installed is None else installed == 1,
                renting if renting is None else renting == 1,
                returning if returning is None else returning == 1,
                stamp,  # type: ignore[arg-type]
                None,
            )
        )
    return _with_clean_ids(parsed)
