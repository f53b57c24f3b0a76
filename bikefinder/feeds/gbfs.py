"""Pure GBFS parsing: JSON documents in, typed models out. No I/O here.

Every GBFS version a rider meets is accepted: 1.0/1.1 (language-keyed discovery,
often no ``version``), 2.x and 3.0 (flat discovery, localized strings, ISO
timestamps, ``num_vehicles_available``), plus real feeds' quirks (Vélib' integer
ids, ``lastUpdatedOther`` and ``num_bikes_available_types``; 0/1 booleans).
Problems in a single record reject that record and are counted; problems with a
whole document raise :class:`FeedFormatError`.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

from bikefinder.common.errors import FeedFormatError, first_line
from bikefinder.common.text import encodable
from bikefinder.feeds import wire
from bikefinder.feeds.models import (
    Discovery,
    FeedMeta,
    InfoFeed,
    JoinReport,
    Station,
    StationInfo,
    StationStatus,
    StatusFeed,
    SystemInfo,
    VehicleKind,
)
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

FEED_URL_SCHEMES = ("http", "https")
_BICYCLE_FORM_FACTORS = frozenset({"bicycle", "cargo_bicycle"})
_ELECTRIC_PROPULSION = frozenset({"electric_assist", "electric"})
# Vélib's keys, and BCycle v1.1's ("classic" and "smart" bikes are both mechanical).
_VELIB_MECHANICAL_KEYS = frozenset({"mechanical", "classic", "smart"})
_VELIB_ELECTRIC_KEYS = frozenset({"ebike", "electric"})


def _document(doc: Any, feed: str) -> Mapping[str, Any]:
    if not isinstance(doc, Mapping):
        raise FeedFormatError(feed, f"expected a JSON object, got {_kind(doc)}")
    data = doc.get("data")
    if not isinstance(data, Mapping):
        raise FeedFormatError(feed, "no 'data' object")
    return data


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)


def decode_document(body: bytes, feed: str) -> Any:
    """Decode a feed body with ``json.loads``, naming every kind of garbage precisely."""
    stripped = body.lstrip()
    if not stripped:
        raise FeedFormatError(feed, "empty response")
    if stripped[:1] == b"<":
        raise FeedFormatError(feed, "got HTML/XML instead of JSON")
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":
            raise FeedFormatError(feed, "truncated JSON (ends inside a character)") from None
        raise FeedFormatError(feed, "response is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        # EOF inside a string, or the parser wanted more: the body was cut short.
        cut = exc.pos >= len(body.rstrip()) or exc.msg.startswith("Unterminated string")
        reason = "truncated JSON" if cut else "invalid JSON"
        raise FeedFormatError(feed, f"{reason} ({exc.msg} at byte {exc.pos})") from None
    except RecursionError:
        raise FeedFormatError(feed, "invalid JSON (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer longer than Python will convert
        raise FeedFormatError(feed, f"invalid JSON ({first_line(exc)[:60]})") from None


def parse_meta(doc: Any, feed: str, url: str) -> FeedMeta:
    """The common header; Vélib' writes ``lastUpdatedOther`` where ``last_updated`` belongs."""
    _document(doc, feed)
    last_updated = doc.get("last_updated", doc.get("lastUpdatedOther"))
    version = doc.get("version")
    return FeedMeta(
        name=feed,
        url=url,
        version=version if isinstance(version, str) else None,
        last_updated=as_timestamp(last_updated),
        ttl=as_ttl(doc.get("ttl")),
    )


def parse_discovery(doc: Any, url: str, language: str | None = None) -> Discovery:
    """``gbfs.json``: v3 flat ``data.feeds`` or v1/v2 ``data.<language>.feeds``.

    The language is ``language`` if the feed offers it, else the first one listed
    (the loader may switch to the system's own language afterwards).
    """
    data = _document(doc, "gbfs.json")
    meta = parse_meta(doc, "gbfs.json", url)
    if isinstance(data.get("feeds"), list):
        languages: tuple[str, ...] = ()
        chosen = language
        feed_list = data["feeds"]
    else:
        languages = tuple(
            key
            for key, value in data.items()
            if isinstance(value, Mapping) and isinstance(value.get("feeds"), list)
        )
        if not languages:
            raise FeedFormatError("gbfs.json", "no feeds listed in 'data'")
        chosen = _pick_language(languages, language)
        feed_list = data[chosen]["feeds"]
    feeds: dict[str, str] = {}
    for entry in feed_list:
        if not isinstance(entry, Mapping):
            continue
        name, feed_url = entry.get("name"), entry.get("url")
        if not (isinstance(name, str) and name.strip()):
            continue  # a feed without a name cannot be asked for (and errors name it)
        if isinstance(feed_url, str) and feed_url.strip():
            feeds.setdefault(name.strip(), _resolve(url, feed_url.strip()))
    return Discovery(
        url=url,
        version=meta.version,
        language=chosen,
        languages=languages,
        feeds=feeds,
        ttl=meta.ttl,
    )


def _resolve(base_url: str, feed_url: str) -> str:
    """A feed URL relative to ``gbfs.json``; an unparsable one is kept for
    :func:`check_feed_url` to refuse with a clear reason."""
    try:
        return urljoin(base_url, feed_url)
    except ValueError:
        return feed_url


def _pick_language(languages: tuple[str, ...], wanted: str | None) -> str:
    if wanted:
        for code in languages:
            if code.lower() == wanted.lower():
                return code
        for code in languages:
            if code.lower().split("-")[0] == wanted.lower().split("-")[0]:
                return code
    return languages[0]


def require_feed_url(discovery: Discovery, feed: str) -> str:
    """The URL of a feed the app cannot work without; only http(s) is ever read."""
    feed_url = discovery.feeds.get(feed)
    if feed_url is None:
        raise FeedFormatError("gbfs.json", f"lists no {feed} feed")
    check_feed_url(feed, feed_url)
    return feed_url


def check_feed_url(feed: str, feed_url: str) -> None:
    """Refuse ``file://`` and other non-HTTP URLs a hostile discovery file may list."""
    try:
        scheme = urlsplit(feed_url).scheme.lower()
    except ValueError:
        raise FeedFormatError(feed, f"invalid feed URL: {feed_url[:80]!r}") from None
    if scheme not in FEED_URL_SCHEMES:
        raise FeedFormatError(feed, f"refusing a non-HTTP feed URL: {feed_url[:80]!r}")


def parse_system_information(doc: Any, url: str, language: str | None = None) -> SystemInfo:
    """``system_information``: v3 names are localized, v1/v2 names are plain strings."""
    data = _document(doc, "system_information")
    languages = data.get("languages")
    system_language = data.get("language")
    if not isinstance(system_language, str) and isinstance(languages, list) and languages:
        system_language = languages[0] if isinstance(languages[0], str) else None
    wanted = language or (system_language if isinstance(system_language, str) else None)
    system_id = as_id(data.get("system_id"))
    name = (as_text(data.get("name"), wanted) or "").strip()
    if system_id is None and not name:
        raise FeedFormatError("system_information", "no system_id or name")
    operator = as_text(data.get("operator"), wanted)
    timezone = data.get("timezone")
    system_url = data.get("url")
    return SystemInfo(
        system_id=system_id or name,
        name=name or system_id or "",
        language=system_language if isinstance(system_language, str) else None,
        timezone=encodable(timezone) if isinstance(timezone, str) else None,
        operator=operator.strip() if operator else None,
        url=encodable(system_url) if isinstance(system_url, str) and system_url else None,
    )


def parse_vehicle_types(doc: Any) -> dict[str, VehicleKind]:
    """``vehicle_types``: which type ids are mechanical bikes, which electric, which other."""
    data = _document(doc, "vehicle_types")
    types = data.get("vehicle_types")
    if not isinstance(types, list):
        raise FeedFormatError("vehicle_types", "'vehicle_types' is not a list")
    kinds: dict[str, VehicleKind] = {}
    for record in types:
        if not isinstance(record, Mapping):
            continue
        type_id = as_id(record.get("vehicle_type_id"))
        if type_id is None:
            continue
        form_factor = str(record.get("form_factor", "")).lower()
        propulsion = str(record.get("propulsion_type", "")).lower()
        if form_factor in _BICYCLE_FORM_FACTORS and propulsion == "human":
            kind = VehicleKind.MECHANICAL
        elif form_factor in _BICYCLE_FORM_FACTORS and propulsion in _ELECTRIC_PROPULSION:
            kind = VehicleKind.ELECTRIC
        else:
            kind = VehicleKind.OTHER
        kinds.setdefault(type_id, kind)
    return kinds


def _station_records(doc: Any, feed: str) -> list[Any]:
    data = _document(doc, feed)
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
    if len(body) <= WHOLE_DECODE_MAX_BYTES:
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
    )


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
        if len(body) <= WHOLE_DECODE_MAX_BYTES:
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
        )
        return _status_feed(meta, statuses)


def decode_station_status(
    body: bytes, url: str, vehicle_kinds: Mapping[str, VehicleKind] | None = None
) -> StatusFeed:
    """``station_status`` from its raw body (see :meth:`StatusParser.parse_body`)."""
    return StatusParser(vehicle_kinds).parse_body(body, url)


#: JSON nested deeper than this inside a feed is no GBFS value (records need ~6 levels);
#: msgspec and ``json`` give up at ~1,000, with a RecursionError.
MAX_NESTING = 64
#: A whole JSON string (escapes included) or one bracket: what :func:`shallow` walks.
_STRUCTURE = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def shallow(body: bytes, max_depth: int = MAX_NESTING) -> bytes:
    """``body`` with every array or object nested deeper than ``max_depth`` replaced by
    ``null``: one hostile record cannot make a decoder recurse past its limit, and the
    rest of the document (that record's other fields too) reads as before. Linear in
    the body; used only after a decoder gave up."""
    pieces: list[bytes] = []
    kept_from = 0
    depth = 0
    cut_at = -1  # where the current over-deep value starts
    for match in _STRUCTURE.finditer(body):
        mark = match.group()
        if mark in (b"[", b"{"):
            depth += 1
            if depth == max_depth + 1:
                cut_at = match.start()
        elif mark in (b"]", b"}"):
            if depth == max_depth + 1 and cut_at >= 0:
                pieces += [body[kept_from:cut_at], b"null"]
                kept_from, cut_at = match.end(), -1
            depth = max(0, depth - 1)
    if cut_at >= 0:  # cut short inside an over-deep value: drop the rest
        pieces += [body[kept_from:cut_at], b"null"]
        kept_from = len(body)
    pieces.append(body[kept_from:])
    return b"".join(pieces)


def is_utf8(body: bytes, chunk: int = 2**20) -> bool:
    """Whether ``body`` is all UTF-8 (msgspec checks only the strings it decodes, not
    those in fields it skips; the lenient path names the fault). Checked a megabyte at a
    time, so a big body never holds the GIL in one long call."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(body), chunk):
            decoder.decode(body[start : start + chunk])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _status_feed(meta: FeedMeta, parsed: Sequence[StationStatus | None]) -> StatusFeed:
    statuses = tuple(status for status in parsed if status is not None)
    rejected = len(parsed) - len(statuses)
    if rejected and not statuses:
        raise FeedFormatError(
            "station_status", f"no usable record: all {rejected} lack a valid station_id"
        )
    return StatusFeed(meta=meta, statuses=statuses, rejected=rejected)


#: A body up to this size is decoded in one call; a larger one record batch by record
#: batch, so that no single C call holds the GIL long (the app parses on a thread while
#: its event loop must keep running: one call on a 25 MB feed holds it ~0.1 s).
WHOLE_DECODE_MAX_BYTES = 2 * 2**20
BATCH_RECORDS = 2000


def decode_in_batches(
    raws: list[Any], batch_decoder: Any, decoder: Any, fast: Any, lenient: Any, context: Any
) -> list[Any]:
    """Raw records decoded ``BATCH_RECORDS`` at a time; a batch that does not fit the
    typed shape is decoded record by record (each misfit the lenient way)."""
    parsed: list[Any] = []
    for start in range(0, len(raws), BATCH_RECORDS):
        batch = raws[start : start + BATCH_RECORDS]
        try:
            records = batch_decoder.decode(b"[" + b",".join(batch) + b"]")
        except wire.MISFIT:
            parsed.extend(_record_by_record(raw, decoder, fast, lenient, context) for raw in batch)
        else:
            parsed.extend(fast(record, context) for record in records)
    return parsed


def _record_by_record(raw: Any, decoder: Any, fast: Any, lenient: Any, context: Any) -> Any:
    """One raw record: typed when it fits, else decoded and judged the lenient way."""
    try:
        return fast(decoder.decode(raw), context)
    except wire.MISFIT:
        pass
    try:
        record = json.loads(bytes(raw))
    except (ValueError, RecursionError):
        return None
    return lenient(record, context)


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
    split = _wire_velib_split(types) if types is not None else _wire_split(record, bikes, kinds)
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
    )


def _wire_velib_split(
    types: list[dict[str, int]] | dict[str, int],
) -> tuple[int | None, int | None]:
    """:func:`_velib_split` for parts the wire shape guarantees are objects of ints."""
    mechanical = electric = 0
    seen_mechanical = seen_electric = False
    for part in (types,) if isinstance(types, dict) else types:
        for key, count in part.items():
            if not 0 <= count <= MAX_COUNT:
                return None, None
            if key in _VELIB_MECHANICAL_KEYS:
                mechanical, seen_mechanical = mechanical + count, True
            elif key in _VELIB_ELECTRIC_KEYS:
                electric, seen_electric = electric + count, True
    return (mechanical if seen_mechanical else None, electric if seen_electric else None)


def _wire_split(
    record: wire.StatusRecord, bikes: int | None, kinds: Mapping[str, VehicleKind]
) -> tuple[int | None, int | None]:
    """:func:`_any_split` for a record that fits :class:`wire.StatusRecord`."""
    by_type = record.vehicle_types_available
    if by_type is not None and kinds:
        mechanical = electric = 0
        for item in by_type:
            count = _wire_count(item.count)
            kind = kinds.get(_wire_id(item.vehicle_type_id) or "")
            if count is None or (kind is None and count > 0):
                return None, None
            if kind is VehicleKind.MECHANICAL:
                mechanical += count
            elif kind is VehicleKind.ELECTRIC:
                electric += count
        return mechanical, electric
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
    by_type = record.get("vehicle_types_available")
    if isinstance(by_type, list) and kinds:
        return _typed_split(by_type, kinds)
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
) -> tuple[int | None, int | None]:
    """``vehicle_types_available`` joined with ``vehicle_types`` propulsion.

    If any type with vehicles present is not described, the split is unknown.
    """
    mechanical = electric = 0
    for item in by_type:
        if not isinstance(item, Mapping):
            return None, None
        count = as_count(item.get("count"))
        kind = kinds.get(as_id(item.get("vehicle_type_id")) or "")
        if count is None or (kind is None and count > 0):
            return None, None
        if kind is VehicleKind.MECHANICAL:
            mechanical += count
        elif kind is VehicleKind.ELECTRIC:
            electric += count
    return mechanical, electric


def join_stations(info: InfoFeed, status: StatusFeed) -> tuple[tuple[Station, ...], JoinReport]:
    """Join status to information by id. The first record of a duplicated id wins."""
    status_by_id: dict[str, StationStatus] = {}
    duplicate_ids = 0
    for record in status.statuses:
        if record.station_id in status_by_id:
            duplicate_ids += 1
        else:
            status_by_id[record.station_id] = record
    stations: list[Station] = []
    seen: set[str] = set()
    info_only = 0
    for station_info in info.stations:
        if station_info.station_id in seen:
            duplicate_ids += 1
            continue
        seen.add(station_info.station_id)
        station_status = status_by_id.get(station_info.station_id)
        if station_status is None:
            info_only += 1
        stations.append(Station(info=station_info, status=station_status))
    status_only = sum(1 for station_id in status_by_id if station_id not in seen)
    report = JoinReport(
        info_only=info_only,
        status_only=status_only,
        duplicate_ids=duplicate_ids,
        rejected=info.rejected + status.rejected,
    )
    return tuple(stations), report
