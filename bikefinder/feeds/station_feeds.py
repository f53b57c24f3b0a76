"""Station feeds: ``station_information`` and ``station_status``, and their join.

The two feeds every station system publishes, parsed from any GBFS version (Vélib'
integer ids and ``num_bikes_available_types``; v2 ``num_ebikes_available``; v3
``vehicle_types_available`` and ``num_vehicles_available``) into typed models. They are
the biggest documents a rider's refresh reads, so each has a fast path (typed decoding
into :mod:`wire`'s structs, written inline for the hot per-record loop) beside the
lenient one, and both give the same result. Discovery and the system-level feeds are
:mod:`bikefinder.feeds.gbfs`'s; no I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import msgspec

from bikefinder.common.errors import FeedFormatError
from bikefinder.common.geo import haversine_m
from bikefinder.common.text import encodable
from bikefinder.feeds import clean_stations, typed_decoding, wire
from bikefinder.feeds.gbfs import decode_document, document_data, parse_meta
from bikefinder.feeds.models import (
    FeedMeta,
    InfoFeed,
    JoinReport,
    Station,
    StationInfo,
    StationStatus,
    StatusFeed,
    VehicleKind,
)
from bikefinder.feeds.typed_decoding import decode_in_batches, is_utf8, shallow
from bikefinder.feeds.values import (
    MAX_COUNT,
    as_bool,
    as_count,
    as_id,
    as_latitude,
    as_longitude,
    as_text,
    as_timestamp,
    as_ttl,
)

_VELIB_MECHANICAL_KEYS = clean_stations.VELIB_MECHANICAL_KEYS
_VELIB_ELECTRIC_KEYS = clean_stations.VELIB_ELECTRIC_KEYS


def _station_records(doc: Any, feed: str) -> list[Any]:
    data = document_data(doc, feed)
    stations = data.get("stations")
    if not isinstance(stations, list):
        raise FeedFormatError(feed, "'data.stations' is not a list")
    return stations


def parse_station_information(doc: Any, url: str, language: str | None = None) -> InfoFeed:
    """``station_information``: records without an id or valid coordinates are rejected."""
    meta = parse_meta(doc, "station_information", url)
    records = _station_records(doc, "station_information")
    return _info_feed(meta, [_station_info(record, language) for record in records])


def decode_station_information(body: bytes, url: str, language: str | None = None) -> InfoFeed:
    """``station_information`` from its raw body: typed decoding where records fit
    :mod:`wire`'s shapes, the lenient rules for those that do not (the same result as
    :func:`parse_station_information` on the decoded document, faster). A value nested
    too deep for any decoder is unknown (see :func:`shallow`); its record is kept."""
    try:
        return _decode_station_information(body, url, language)
    except RecursionError:
        return _decode_station_information(shallow(body), url, language)


def _decode_station_information(body: bytes, url: str, language: str | None) -> InfoFeed:
    if not is_utf8(body):
        return parse_station_information(
            decode_document(body, "station_information"), url, language
        )
    if len(body) <= typed_decoding.WHOLE_DECODE_MAX_BYTES:
        try:
            clean_doc = clean_stations.INFO_DOCUMENT.decode(body)
        except wire.MISFIT:
            pass
        else:
            meta = _wire_meta(clean_doc, "station_information", url)
            return _info_feed(meta, clean_stations.infos(clean_doc.data.stations, _wire_area_span))
        try:
            doc = wire.INFO_DOCUMENT.decode(body)
        except wire.MISFIT:
            pass
        else:
            meta = _wire_meta(doc, "station_information", url)
            return _info_feed(meta, [_wire_info(record, language) for record in doc.data.stations])
    try:
        raw_doc = wire.RAW_STATIONS.decode(body)
    except wire.MISFIT:
        return parse_station_information(
            decode_document(body, "station_information"), url, language
        )
    meta = _wire_meta(raw_doc, "station_information", url)
    stations = decode_in_batches(
        raw_doc.data.stations,
        wire.INFO_RECORDS,
        wire.INFO_RECORD,
        _wire_info,
        _station_info,
        language,
        (
            clean_stations.INFO_RECORDS,
            lambda records: clean_stations.infos(records, _wire_area_span),
        ),
    )
    return _info_feed(meta, stations)


def _info_feed(meta: FeedMeta, parsed: Sequence[StationInfo | None]) -> InfoFeed:
    stations = tuple(station for station in parsed if station is not None)
    rejected = len(parsed) - len(stations)
    if rejected and not stations:
        raise FeedFormatError(
            "station_information",
            f"no usable station: all {rejected} lack a valid id or coordinates",
        )
    return InfoFeed(meta=meta, stations=stations, rejected=rejected)


def _station_info(record: Any, language: str | None) -> StationInfo | None:
    if not isinstance(record, Mapping):
        return None
    station_id = as_id(record.get("station_id"))
    lat = as_latitude(record.get("lat"))
    lon = as_longitude(record.get("lon"))
    if station_id is None or lat is None or lon is None:
        return None
    name = as_text(record.get("name"), language) or as_text(record.get("short_name"), language)
    address = as_text(record.get("address"), language)
    return StationInfo(
        station_id=station_id,
        name=(name or "").strip(),
        lat=lat,
        lon=lon,
        address=address.strip() or None if address else None,
        capacity=as_count(record.get("capacity")),
        is_virtual=as_bool(record.get("is_virtual_station")) is True,
        rental_urls=_rental_urls(record),
        area_span_m=area_span_m(record.get("station_area")),
    )


#: Positions read from one ``station_area`` at most (a city's outline has thousands).
_MAX_AREA_POINTS = 100_000


def area_span_m(area: Any) -> float | None:
    """How far across a GeoJSON ``station_area`` is: the diagonal of the box around
    its points, in metres (``None``: no area, or not one that can be measured). A
    "station" covering a city is no place to walk to; the lists leave it out."""
    if not isinstance(area, Mapping):
        return None
    lats: list[float] = []
    lons: list[float] = []
    pending: list[Any] = [area.get("coordinates")]
    while pending and len(lats) < _MAX_AREA_POINTS:
        item = pending.pop()
        if not isinstance(item, list) or not item:
            continue
        first = item[0]
        if isinstance(first, int | float) and len(item) >= 2 and isinstance(item[1], int | float):
            lon, lat = float(first), float(item[1])
            if -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0:
                lats.append(lat)
                lons.append(lon)
        else:
            pending.extend(item)
    if not lats:
        return None
    return haversine_m(min(lats), min(lons), max(lats), max(lons))


def _wire_area_span(raw: Any) -> float | None:
    """:func:`area_span_m` of a raw ``station_area`` (typed decoding keeps it raw)."""
    try:
        return area_span_m(msgspec.json.decode(raw))
    except (msgspec.DecodeError, RecursionError):
        return None


def _rental_urls(record: Mapping[str, Any]) -> tuple[str, ...]:
    urls: list[str] = []
    uris = record.get("rental_uris")
    if isinstance(uris, Mapping):
        for platform in ("web", "android", "ios"):
            uri = uris.get(platform)
            if isinstance(uri, str) and uri.strip() and uri.strip() not in urls:
                urls.append(uri.strip())
    single = record.get("rental_url")
    if isinstance(single, str) and single.strip() and single.strip() not in urls:
        urls.append(single.strip())
    return tuple(encodable(url) for url in urls)


def parse_station_status(
    doc: Any, url: str, vehicle_kinds: Mapping[str, VehicleKind] | None = None
) -> StatusFeed:
    """``station_status``: counts, flags and the mechanical / electric split.

    ``vehicle_kinds`` (from ``vehicle_types``) turns ``vehicle_types_available``
    into the split; without it that split stays unknown rather than guessed.
    """
    return StatusParser(vehicle_kinds).parse(doc, url)


class StatusParser:
    """Parses ``station_status`` documents of one system, given its vehicle types."""

    def __init__(self, vehicle_kinds: Mapping[str, VehicleKind] | None = None) -> None:
        self.vehicle_kinds: Mapping[str, VehicleKind] = vehicle_kinds or {}

    def parse(self, doc: Any, url: str) -> StatusFeed:
        """A decoded document, the lenient way (every field checked on its own)."""
        meta = parse_meta(doc, "station_status", url)
        kinds = self.vehicle_kinds
        statuses = [
            _station_status(record, kinds) for record in _station_records(doc, "station_status")
        ]
        return _status_feed(meta, statuses)

    def parse_body(self, body: bytes, url: str) -> StatusFeed:
        """A raw body: typed decoding where records fit :mod:`wire`'s shapes, the
        lenient rules for those that do not (same result as :meth:`parse`, faster). A
        value nested too deep for any decoder is unknown (see :func:`shallow`)."""
        try:
            return self._parse_body(body, url)
        except RecursionError:
            return self._parse_body(shallow(body), url)

    def _parse_body(self, body: bytes, url: str) -> StatusFeed:
        kinds = self.vehicle_kinds
        if not is_utf8(body):
            return self.parse(decode_document(body, "station_status"), url)
        if len(body) <= typed_decoding.WHOLE_DECODE_MAX_BYTES:
            try:
                clean_doc = clean_stations.STATUS_DOCUMENT.decode(body)
            except wire.MISFIT:
                pass
            else:
                meta = _wire_meta(clean_doc, "station_status", url)
                return _status_feed(meta, clean_stations.statuses(clean_doc.data.stations))
            try:
                doc = wire.STATUS_DOCUMENT.decode(body)
            except wire.MISFIT:
                pass
            else:
                meta = _wire_meta(doc, "station_status", url)
                return _status_feed(meta, [_wire_status(r, kinds) for r in doc.data.stations])
        try:
            raw_doc = wire.RAW_STATIONS.decode(body)
        except wire.MISFIT:
            return self.parse(decode_document(body, "station_status"), url)
        meta = _wire_meta(raw_doc, "station_status", url)
        statuses = decode_in_batches(
            raw_doc.data.stations,
            wire.STATUS_RECORDS,
            wire.STATUS_RECORD,
            _wire_status,
            _station_status,
            kinds,
            (clean_stations.STATUS_RECORDS, partial(clean_stations.statuses, stamps={})),
        )
        return _status_feed(meta, statuses)


def decode_station_status(
    body: bytes, url: str, vehicle_kinds: Mapping[str, VehicleKind] | None = None
) -> StatusFeed:
    """``station_status`` from its raw body (see :meth:`StatusParser.parse_body`)."""
    return StatusParser(vehicle_kinds).parse_body(body, url)


def _status_feed(meta: FeedMeta, parsed: Sequence[StationStatus | None]) -> StatusFeed:
    statuses = tuple(status for status in parsed if status is not None)
    rejected = len(parsed) - len(statuses)
    if rejected and not statuses:
        raise FeedFormatError(
            "station_status", f"no usable record: all {rejected} lack a valid station_id"
        )
    return StatusFeed(meta=meta, statuses=statuses, rejected=rejected)


def _wire_meta(doc: Any, feed: str, url: str) -> FeedMeta:
    """The header of a typed-decoded document, by :func:`parse_meta`'s rules."""
    last_updated = doc.last_updated
    if last_updated is wire.UNSET:
        last_updated = None if doc.lastUpdatedOther is wire.UNSET else doc.lastUpdatedOther
    return FeedMeta(
        name=feed,
        url=url,
        version=doc.version if isinstance(doc.version, str) else None,
        last_updated=as_timestamp(last_updated),
        ttl=as_ttl(doc.ttl),
    )


def _wire_id(value: int | str | None) -> str | None:
    return str(value) if type(value) is int else as_id(value)


def _wire_count(value: int | None) -> int | None:
    return value if value is not None and 0 <= value <= MAX_COUNT else None


def _wire_flag(value: bool | int | None) -> bool | None:
    """:func:`as_bool` for what the wire shape admits (a bool, an int or null)."""
    if value is None or value is True or value is False:
        return value
    return bool(value) if value in (0, 1) else None


def _wire_text(value: wire.Text, language: str | None) -> str | None:
    """:func:`as_text` for a plain or localized string that fits the wire shape."""
    if value is None:
        return None
    if isinstance(value, str):
        return encodable(value)
    if not value:
        return None
    if language:
        wanted = language.lower()
        for item in value:
            code = item.language.lower()
            if code == wanted or code.split("-")[0] == wanted.split("-")[0]:
                return encodable(item.text)
    return encodable(value[0].text)


def _wire_info(record: wire.InfoRecord, language: str | None) -> StationInfo | None:
    """:func:`_station_info` for a record that fits :class:`wire.InfoRecord`."""
    station_id = _wire_id(record.station_id)
    lat, lon = record.lat, record.lon
    if station_id is None or lat is None or lon is None:
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    name = _wire_text(record.name, language) or _wire_text(record.short_name, language)
    address = _wire_text(record.address, language)
    urls: list[str] = []
    uris = record.rental_uris
    if uris is not None:
        for uri in (uris.web, uris.android, uris.ios):
            if uri is not None and uri.strip() and uri.strip() not in urls:
                urls.append(uri.strip())
    single = record.rental_url
    if single is not None and single.strip() and single.strip() not in urls:
        urls.append(single.strip())
    urls = [encodable(url) for url in urls]
    return StationInfo(
        station_id=station_id,
        name=(name or "").strip(),
        lat=float(lat),
        lon=float(lon),
        address=address.strip() or None if address else None,
        capacity=_wire_count(record.capacity),
        is_virtual=record.is_virtual_station == 1,
        rental_urls=tuple(urls),
        area_span_m=None if record.station_area is None else _wire_area_span(record.station_area),
    )


def _wire_status(
    record: wire.StatusRecord, kinds: Mapping[str, VehicleKind]
) -> StationStatus | None:
    """:func:`_station_status` for a record that fits :class:`wire.StatusRecord` (the hot
    path: the common cases are tested inline before any helper is called)."""
    station_id = record.station_id
    station_id = str(station_id) if type(station_id) is int else as_id(station_id)
    if station_id is None:
        return None
    bikes = record.num_bikes_available
    if bikes is wire.UNSET:
        bikes = record.num_vehicles_available
    if bikes is not None and not 0 <= bikes <= MAX_COUNT:
        bikes = None
    disabled = record.num_bikes_disabled
    if disabled is wire.UNSET:
        disabled = record.num_vehicles_disabled
    types = record.num_bikes_available_types
    others = None
    if types is not None:
        split = clean_stations.velib_split(types)
    elif record.vehicle_types_available is not None and kinds:
        split, others = _wire_typed_split(record.vehicle_types_available, kinds)
        if others is not None:  # the counts by type are known: bikes are bicycles only
            bikes = (split[0] or 0) + (split[1] or 0)
    else:
        split = _wire_split(record, bikes, kinds)
    mechanical, electric = _capped_split(split, bikes)
    docks = record.num_docks_available
    installed, renting, returning = record.is_installed, record.is_renting, record.is_returning
    reported = record.last_reported
    return StationStatus(
        station_id,
        bikes,
        mechanical,
        electric,
        docks if docks is None or 0 <= docks <= MAX_COUNT else None,
        _wire_count(disabled),
        _wire_count(record.num_docks_disabled),
        installed if installed is True or installed is None else _wire_flag(installed),
        renting if renting is True or renting is None else _wire_flag(renting),
        returning if returning is True or returning is None else _wire_flag(returning),
        as_timestamp(reported) if reported is not None else None,
        others,
    )


def _wire_typed_split(
    by_type: list[wire.TypeCount], kinds: Mapping[str, VehicleKind]
) -> tuple[tuple[int | None, int | None], int | None]:
    """:func:`_typed_split` for counts that fit :class:`wire.TypeCount`."""
    mechanical = electric = others = 0
    for item in by_type:
        count = _wire_count(item.count)
        kind = kinds.get(_wire_id(item.vehicle_type_id) or "")
        if count is None or (kind is None and count > 0):
            return (None, None), None
        if kind is VehicleKind.MECHANICAL:
            mechanical += count
        elif kind is VehicleKind.ELECTRIC:
            electric += count
        elif kind is VehicleKind.OTHER:
            others += count
    return (mechanical, electric), others


def _wire_split(
    record: wire.StatusRecord, bikes: int | None, kinds: Mapping[str, VehicleKind]
) -> tuple[int | None, int | None]:
    """:func:`_any_split` for a record that fits :class:`wire.StatusRecord`, counts by
    vehicle type aside (:func:`_wire_typed_split`)."""
    if record.num_ebikes_available is not wire.UNSET:
        return _ebike_split(bikes, _wire_count(record.num_ebikes_available))
    return None, None


def _station_status(record: Any, kinds: Mapping[str, VehicleKind]) -> StationStatus | None:
    if not isinstance(record, Mapping):
        return None
    station_id = as_id(record.get("station_id"))
    if station_id is None:
        return None
    if "num_bikes_available" in record:
        bikes = as_count(record.get("num_bikes_available"))
    else:
        bikes = as_count(record.get("num_vehicles_available"))
    if "num_bikes_disabled" in record:
        bikes_disabled = as_count(record.get("num_bikes_disabled"))
    else:
        bikes_disabled = as_count(record.get("num_vehicles_disabled"))
    by_type = record.get("vehicle_types_available")
    others = None
    if (
        isinstance(by_type, list)
        and kinds
        and not isinstance(record.get("num_bikes_available_types"), list | Mapping)
    ):
        split, others = _typed_split(by_type, kinds)
        if others is not None:  # the counts by type are known: bikes are bicycles only
            bikes = (split[0] or 0) + (split[1] or 0)
        mechanical, electric = _capped_split(split, bikes)
    else:
        mechanical, electric = _bike_split(record, bikes, kinds)
    return StationStatus(
        station_id=station_id,
        bikes=bikes,
        mechanical=mechanical,
        electric=electric,
        docks=as_count(record.get("num_docks_available")),
        bikes_disabled=bikes_disabled,
        docks_disabled=as_count(record.get("num_docks_disabled")),
        is_installed=as_bool(record.get("is_installed")),
        is_renting=as_bool(record.get("is_renting")),
        is_returning=as_bool(record.get("is_returning")),
        last_reported=as_timestamp(record.get("last_reported")),
        others=others,
    )


def _bike_split(
    record: Mapping[str, Any], bikes: int | None, kinds: Mapping[str, VehicleKind]
) -> tuple[int | None, int | None]:
    """(mechanical, electric), from whichever of the three conventions the feed uses."""
    return _capped_split(_any_split(record, bikes, kinds), bikes)


def _capped_split(
    split: tuple[int | None, int | None], bikes: int | None
) -> tuple[int | None, int | None]:
    """A split is held to the count rules: a part beyond :data:`MAX_COUNT`, or parts adding
    up to more than the station's bike count, contradict the feed: both are unknown."""
    mechanical, electric = split
    if (mechanical or 0) > MAX_COUNT or (electric or 0) > MAX_COUNT:
        return None, None
    if bikes is not None and (mechanical or 0) + (electric or 0) > bikes:
        return None, None
    return mechanical, electric


def _ebike_split(bikes: int | None, electric: int | None) -> tuple[int | None, int | None]:
    """``num_ebikes_available``: the rest of the bikes are mechanical."""
    if electric is None or bikes is None or electric > bikes:
        return None, electric
    return bikes - electric, electric


def _any_split(
    record: Mapping[str, Any], bikes: int | None, kinds: Mapping[str, VehicleKind]
) -> tuple[int | None, int | None]:
    velib_types = record.get("num_bikes_available_types")
    if isinstance(velib_types, list | Mapping):
        return _velib_split(velib_types)
    if "num_ebikes_available" in record:
        return _ebike_split(bikes, as_count(record.get("num_ebikes_available")))
    return None, None


def _velib_split(velib_types: Any) -> tuple[int | None, int | None]:
    """Vélib's ``[{"mechanical": 1}, {"ebike": 4}]`` (or one merged object)."""
    parts = [velib_types] if isinstance(velib_types, Mapping) else velib_types
    mechanical = electric = 0
    seen_mechanical = seen_electric = False
    for part in parts:
        if not isinstance(part, Mapping):
            return None, None
        for key, value in part.items():
            count = as_count(value)
            if count is None:
                return None, None
            if key in _VELIB_MECHANICAL_KEYS:
                mechanical, seen_mechanical = mechanical + count, True
            elif key in _VELIB_ELECTRIC_KEYS:
                electric, seen_electric = electric + count, True
    return (mechanical if seen_mechanical else None, electric if seen_electric else None)


def _typed_split(
    by_type: list[Any], kinds: Mapping[str, VehicleKind]
) -> tuple[tuple[int | None, int | None], int | None]:
    """``vehicle_types_available`` joined with ``vehicle_types``: ((mechanical,
    electric) bicycles, other vehicles). A station's bikes are then its bicycles only: a
    car-share station has none. If any type with vehicles present is not described,
    all three are unknown."""
    mechanical = electric = others = 0
    for item in by_type:
        if not isinstance(item, Mapping):
            return (None, None), None
        count = as_count(item.get("count"))
        kind = kinds.get(as_id(item.get("vehicle_type_id")) or "")
        if count is None or (kind is None and count > 0):
            return (None, None), None
        if kind is VehicleKind.MECHANICAL:
            mechanical += count
        elif kind is VehicleKind.ELECTRIC:
            electric += count
        elif kind is VehicleKind.OTHER:
            others += count
    return (mechanical, electric), others


def join_stations(info: InfoFeed, status: StatusFeed) -> tuple[tuple[Station, ...], JoinReport]:
    """Join status to information by id. The first record of a duplicated id wins.
    Built with C-level loops (a dict, ``map``) over all records at once: a 100,000-station
    join is one of the steps of every change of a big feed."""
    statuses = status.statuses
    status_by_id = {record.station_id: record for record in reversed(statuses)}  # first wins
    duplicate_ids = len(statuses) - len(status_by_id)
    infos = info.stations
    ids = [station_info.station_id for station_info in infos]
    if len(set(ids)) != len(ids):  # duplicated information: keep each id's first record
        kept = dict(zip(reversed(ids), reversed(infos), strict=True))
        duplicate_ids += len(infos) - len(kept)
        infos = tuple(kept[station_id] for station_id in dict.fromkeys(ids))
        ids = [station_info.station_id for station_info in infos]
    joined = list(map(status_by_id.get, ids))
    info_only = joined.count(None)
    report = JoinReport(
        info_only=info_only,
        status_only=len(status_by_id) - (len(ids) - info_only),
        duplicate_ids=duplicate_ids,
        rejected=info.rejected + status.rejected,
    )
    return tuple(map(Station, infos, joined)), report
