"""A system's feeds as parsed: the state a snapshot is built from, and how each body
becomes part of it.

:class:`ParsedFeeds` holds what one system's feeds said (discovery, system, station
information and status, vehicles, alerts, hours, prices), reads a fetched body into
that state (an optional feed's failure costing only what it adds) and builds the
:class:`Snapshot` from it, reusing the join and the docked split while their inputs
are unchanged. All of it is pure work, which
:class:`~bikefinder.feeds.loader.SystemFeeds` (fetching, ttl, 304s, the cache) runs
through its ``offload``; the two are apart so that each reads as one concern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from bikefinder.common.errors import FeedError, FeedFormatError
from bikefinder.common.logs import get_logger
from bikefinder.feeds import gbfs, station_feeds, typed_decoding
from bikefinder.feeds.cache import FeedCache
from bikefinder.feeds.models import (
    Discovery,
    FeedMeta,
    InfoFeed,
    JoinReport,
    Station,
    StatusFeed,
    SystemInfo,
    VehicleKind,
)
from bikefinder.feeds.snapshot import Snapshot

if TYPE_CHECKING:
    # Imported where used: a station system without these feeds never loads them.
    from bikefinder.feeds import geofencing, opening_hours, pricing, system_alerts, vehicles
    from bikefinder.feeds.http import FeedFetcher

T = TypeVar("T")
log = get_logger(__name__)

#: Descriptive feeds (stations, system, vehicle types) are refetched on their own ttl,
#: but never more often than this...
MIN_INFO_TTL_S = 60
#: ...and never trusted for longer than this.
MAX_INFO_TTL_S = 3600
#: Descriptive feeds a rider reads beside availability (alerts, hours, prices).
EXTRA_FEEDS = ("system_alerts", "system_hours", "system_pricing_plans")
#: Where a free-floating ride may end: read only for systems with free-floating vehicles
#: (trips need it for them alone).
GEOFENCING = "geofencing_zones"
#: Feeds a system works without: their failure degrades what they add, never the stations.
OPTIONAL_FEEDS = ("system_information", "vehicle_types", *EXTRA_FEEDS, GEOFENCING)
#: A vehicle feed is refetched on its own ttl, but at least this often (like status).
MAX_VEHICLE_TTL_S = 60
#: What an optional feed's failure costs, as said in :attr:`SystemFeeds.degraded`.
DEGRADED_COSTS = {
    "vehicle_types": "e-bike split may be unknown",
    "system_information": "no name",
    "vehicle_status": "no free-floating vehicles",
    "free_bike_status": "no free-floating vehicles",
    "system_alerts": "no alerts",
    "system_hours": "opening hours unknown",
    "system_pricing_plans": "no prices",
    GEOFENCING: "parking rules unknown",
}
_STATION_HOURS = re.compile(rb'"station_opening_hours"\s*:\s*"')


def clamp_ttl(ttl: int | None, low: int, high: int) -> int:
    return min(high, max(low, ttl or 0))


class FeedBody(msgspec.Struct, frozen=True):
    """A feed's body to parse; ``fresh`` when it came from the network (and is cached
    once it parsed). ``body`` is ``None`` when a 304 confirmed what is already parsed."""

    feed: str
    url: str
    body: bytes | None
    etag: str | None
    last_modified: str | None
    fresh: bool


class ParsedFeeds:
    """One system's feeds as parsed, and the reading of fetched bodies into them."""

    def __init__(
        self,
        gbfs_url: str,
        language: str | None,
        fetcher: FeedFetcher,
        cache: FeedCache | None,
    ) -> None:
        self.gbfs_url = gbfs_url
        self.language = language
        self.fetcher = fetcher
        self.cache = cache
        #: Per feed, its own ttl (clamped) from the last body parsed.
        self._ttls: dict[str, int] = {}
        #: The vehicle types the parsed status was split with.
        self._status_kinds: dict[str, VehicleKind] = {}
        #: Optional feeds whose last body could not be read (never cached, refetched whole).
        self._unreadable: set[str] = set()
        #: The vehicle type details the parsed vehicles were read with.
        self._vehicle_types_used: Mapping[str, vehicles.VehicleType] | None = None
        #: (info, status) -> stations joined, and (vehicles, info) -> docked split.
        self._joined: tuple[Any, Any, tuple[Station, ...], JoinReport] | None = None
        self._split: tuple[Any, Any, vehicles.DockedSplit] | None = None
        self.discovery: Discovery | None = None
        self.system: SystemInfo | None = None
        self.vehicle_kinds: dict[str, VehicleKind] = {}
        self.info: InfoFeed | None = None
        self.status: StatusFeed | None = None
        self.snapshot: Snapshot | None = None
        #: ``free_bike_status`` or ``vehicle_status`` when gbfs.json lists one.
        self.vehicle_feed_name: str | None = None
        #: Whether the system has stations (else only free-floating vehicles).
        self.has_stations = True
        self.vehicle_types: dict[str, vehicles.VehicleType] = {}
        self.vehicle_feed: vehicles.VehicleFeed | None = None
        self.alerts: system_alerts.AlertsFeed | None = None
        self.system_hours: opening_hours.SystemHours | None = None
        self.system_opening_hours: opening_hours.OpeningHours | None = None
        self.station_hours: dict[str, opening_hours.OpeningHours] = {}
        self.pricing: pricing.PricingFeed | None = None
        self.geofencing: geofencing.Geofencing | None = None
        #: Optional feeds that failed and what that costs, said once per load.
        self.degraded: dict[str, str] = {}

    @property
    def label(self) -> str:
        return self.fetcher.system_label

    def _set_ttl(self, feed: str, meta: FeedMeta) -> None:
        self._ttls[feed] = clamp_ttl(meta.ttl, MIN_INFO_TTL_S, MAX_INFO_TTL_S)

    # -- parsing (pure work, run through ``offload``) -----------------------------

    def _parse_all(
        self,
        descriptive: list[FeedBody],
        status: FeedBody | None,
        vehicle: FeedBody | None = None,
        *,
        from_cache: bool = False,
        fetched_at: datetime | None = None,
    ) -> Snapshot:
        present = {body.feed for body in descriptive}
        if "system_information" not in present:
            self.system = None
            self.system_opening_hours = None
        if "vehicle_types" not in present:
            self.vehicle_kinds = {}
            self.vehicle_types = {}
        if "system_alerts" not in present:
            self.alerts = None
        if "system_hours" not in present:
            self.system_hours = None
        if "system_pricing_plans" not in present:
            self.pricing = None
        if GEOFENCING not in present:
            self.geofencing = None
        self._parse_descriptive(descriptive)
        if self.system is None:
            self.system = SystemInfo(system_id=self.label, name=self.label)
        if status is not None:
            self._read_status(status)
        if vehicle is not None:
            self._read_vehicles(vehicle)
        else:
            self.vehicle_feed = None
        return self._snapshot_from(from_cache=from_cache, fetched_at=fetched_at)

    def _parse_descriptive(self, bodies: list[FeedBody]) -> None:
        for body in bodies:
            if body.body is None:
                continue  # a 304 on what is parsed already
            if body.feed == "station_information":
                self.info = self._parse_info(body)
                self.station_hours = _station_hours(body.body)
            elif body.feed in OPTIONAL_FEEDS:
                self._parse_optional(body)

    def _language(self) -> str | None:
        """The language localized texts are read in."""
        wanted = self.language or (self.system.language if self.system else None)
        if wanted is None and self.discovery is not None:
            wanted = self.discovery.language
        return wanted

    def _parse_optional(self, body: FeedBody) -> None:
        if body.feed == "system_information":
            system = self._optional_system(body)
            if system is not None:
                self.system = system
                if system.name:
                    self.fetcher.system_label = system.name
            return
        assert body.body is not None
        content, url, language = body.body, body.url, self._language()
        from bikefinder.feeds import (
            geofencing,
            opening_hours,
            pricing,
            system_alerts,
            vehicle_feeds,
        )

        try:
            document = gbfs.decode_document(content, body.feed)
            meta = gbfs.parse_meta(document, body.feed, url)
            if body.feed == "vehicle_types":
                kinds = gbfs.parse_vehicle_types(document)
                details = vehicle_feeds.parse_vehicle_type_details(document, language)
                self.vehicle_kinds, self.vehicle_types = kinds, details
            elif body.feed == "system_alerts":
                self.alerts = system_alerts.parse_system_alerts(document, url, language)
            elif body.feed == "system_hours":
                self.system_hours = opening_hours.parse_system_hours(document, url)
            elif body.feed == "system_pricing_plans":
                self.pricing = pricing.parse_system_pricing_plans(document, url, language)
            elif body.feed == GEOFENCING:
                self.geofencing = geofencing.parse_geofencing_zones(document, url)
        except FeedFormatError as error:
            self._degrade(body.feed, error.reason)
            return
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # An optional feed must never take the stations down, whatever it holds.
            log.warning("%s: %s unreadable", self.label, body.feed, exc_info=error)
            self._degrade(body.feed, "unreadable")
            return
        self._unreadable.discard(body.feed)
        self._set_ttl(body.feed, meta)

    def _optional_system(self, body: FeedBody) -> SystemInfo | None:
        assert body.body is not None
        try:
            document = gbfs.decode_document(body.body, body.feed)
            system = gbfs.parse_system_information(document, body.url, self.language)
            self._set_ttl(body.feed, gbfs.parse_meta(document, body.feed, body.url))
        except FeedFormatError as error:
            self._degrade(body.feed, error.reason)
            return None
        data = document.get("data") if isinstance(document, dict) else None
        if isinstance(data, dict) and "opening_hours" in data:
            from bikefinder.feeds import opening_hours

            self.system_opening_hours = opening_hours.system_opening_hours(document)
        else:
            self.system_opening_hours = None
        return system

    def _degrade(self, feed: str, cause: str) -> None:
        """An optional feed failed: say so once, and carry on without what it adds."""
        self.degraded[feed] = f"{cause} ({DEGRADED_COSTS.get(feed, 'ignored')})"
        self._unreadable.add(feed)
        log.info("%s: optional feed %s failed: %s", self.label, feed, cause)

    def _parse_info(self, body: FeedBody) -> InfoFeed:
        assert body.body is not None
        wanted = self._language()
        content = body.body
        info = self._parse(
            "station_information",
            lambda: station_feeds.decode_station_information(content, body.url, wanted),
        )
        self._set_ttl(body.feed, info.meta)
        log.debug("%s: %d stations (%d rejected)", body.feed, len(info.stations), info.rejected)
        return info

    def _read_status(self, body: FeedBody) -> None:
        content = body.body
        if content is None and self._status_kinds != self.vehicle_kinds and self.cache:
            cached = self.cache.get(body.feed)  # new vehicle types: split the copy anew
            content = cached.body if cached is not None else None
        if content is not None:
            kinds = self.vehicle_kinds
            parser = station_feeds.StatusParser(kinds)
            self.status = self._parse(
                "station_status", lambda: parser.parse_body(content, body.url)
            )
            self._status_kinds = kinds
            log.debug(
                "%s: %d records (%d rejected)",
                body.feed, len(self.status.statuses), self.status.rejected,
            )  # fmt: skip

    def _types_for_vehicles(self) -> Mapping[str, vehicles.VehicleType] | None:
        """``None`` when the system publishes no vehicle_types (v1/v2 records are then
        bicycles); the details read, or ``{}`` (unknown forms) when it does."""
        if self.discovery is None or "vehicle_types" not in self.discovery.feeds:
            return None
        return self.vehicle_types

    def _read_vehicles(self, body: FeedBody) -> None:
        """Parse the vehicle feed (a 304's kept copy again when the types changed). For a
        system with stations a bad body degrades; for a free-floating one it fails."""
        types = self._types_for_vehicles()
        content = body.body
        if content is None and self._vehicle_types_used != types and self.cache:
            cached = self.cache.get(body.feed)
            content = cached.body if cached is not None else None
        if content is None:
            return
        from bikefinder.feeds import vehicle_feeds

        try:
            feed = vehicle_feeds.decode_vehicle_status(content, body.url, types, body.feed)
        except FeedFormatError as error:
            if not self.has_stations:
                raise FeedError(self.label, error.feed, error.reason) from None
            self._degrade(body.feed, error.reason)
            self.vehicle_feed = None
            return
        self._unreadable.discard(body.feed)
        self.vehicle_feed = feed
        self._vehicle_types_used = types
        self._ttls[body.feed] = clamp_ttl(feed.meta.ttl, 0, MAX_VEHICLE_TTL_S)
        log.debug("%s: %d vehicles (%d rejected)", body.feed, len(feed.vehicles), feed.rejected)

    def _stations(self) -> tuple[tuple[Station, ...], JoinReport]:
        """Information joined with status, reused while neither changed."""
        info, status = self.info, self.status
        assert info is not None and status is not None
        joined = self._joined
        if joined is not None and joined[0] is info and joined[1] is status:
            return joined[2], joined[3]
        stations, report = station_feeds.join_stations(info, status)
        self._joined = (info, status, stations, report)
        return stations, report

    def _docked_split(self) -> vehicles.DockedSplit | None:
        """The vehicles apart from those parked at a known station, reused while neither
        the vehicles nor the stations changed."""
        feed, info = self.vehicle_feed, self.info
        split = self._split
        if split is not None and split[0] is feed and split[1] is info:
            return split[2]
        if feed is None or not feed.vehicles:
            return None  # no vehicles: nothing to split (and no module to load)
        from bikefinder.feeds import vehicles

        station_ids = frozenset(s.station_id for s in info.stations) if info else frozenset()
        result = vehicles.split_docked(feed.vehicles, station_ids)
        self._split = (feed, info, result)
        return result

    def _snapshot_from(self, *, from_cache: bool, fetched_at: datetime | None) -> Snapshot:
        assert self.system is not None
        vehicle_feed = self.vehicle_feed
        if self.has_stations:
            assert self.info is not None and self.status is not None
            status = self.status
            stations, report = self._stations()
            if stations and report.info_only == len(stations):
                # Nothing would be shown but "unknown": a broken feed, not an empty city.
                raise FeedError(
                    self.label,
                    "station_status",
                    f"none of its {len(status.statuses)} records match the {len(stations)} "
                    "stations in station_information",
                )
            info_meta, status_meta = self.info.meta, status.meta
        else:
            assert vehicle_feed is not None
            stations, report = (), JoinReport()
            info_meta = status_meta = vehicle_feed.meta
        split = self._docked_split()
        fetched_at = fetched_at or datetime.now(UTC)
        self.snapshot = Snapshot(
            gbfs_url=self.gbfs_url,
            system=self.system,
            stations=stations,
            info_meta=_no_later_than(info_meta, fetched_at),
            status_meta=_no_later_than(status_meta, fetched_at),
            report=report,
            fetched_at=fetched_at,
            from_cache=from_cache,
            vehicles=split.free_floating if split else (),
            docked_vehicles=split.docked if split else {},
            unplaceable_vehicles=split.unplaceable if split else 0,
            vehicle_types=self.vehicle_types,
            vehicle_meta=_no_later_than(vehicle_feed.meta, fetched_at) if vehicle_feed else None,
            alerts=self.alerts.alerts if self.alerts else (),
            hours=self.system_hours or self.system_opening_hours,
            station_hours=self.station_hours,
            pricing=self.pricing.plans if self.pricing else (),
            geofencing=self.geofencing,
        )
        return self.snapshot

    def _parse(self, feed: str, parse: Callable[[], T]) -> T:
        try:
            return parse()
        except FeedFormatError as exc:
            raise FeedError(self.label, exc.feed, exc.reason) from None


def _no_later_than(meta: FeedMeta, fetched_at: datetime) -> FeedMeta:
    """``meta`` with a ``last_updated`` after the fetch clamped to the fetch time: a feed
    claiming to be from the future would otherwise never grow old, even cached for a
    month and read offline."""
    if meta.last_updated is not None and meta.last_updated > fetched_at:
        return msgspec.structs.replace(meta, last_updated=fetched_at)
    return meta


class _HoursStation(msgspec.Struct):
    station_id: Any = None
    station_opening_hours: Any = None


class _HoursData(msgspec.Struct):
    stations: list[_HoursStation] | None = None


class _HoursDocument(msgspec.Struct):
    data: _HoursData | None = None


_HOURS_DECODER = msgspec.json.Decoder(_HoursDocument)


def _station_hours(body: bytes) -> dict[str, opening_hours.OpeningHours]:
    """v3 ``station_opening_hours`` by station id; only read when some station has them
    (a quick byte search first: Vélib's ``null`` on every station costs nothing)."""
    if b'"station_opening_hours"' not in body or not _STATION_HOURS.search(body):
        return {}
    try:
        try:
            document = _HOURS_DECODER.decode(body)
        except RecursionError:  # one record nested too deep: that value is unknown
            document = _HOURS_DECODER.decode(typed_decoding.shallow(body))
    except (msgspec.DecodeError, ValueError):
        return {}
    if document.data is None or not document.data.stations:
        return {}
    records = [
        {"station_id": s.station_id, "station_opening_hours": s.station_opening_hours}
        for s in document.data.stations
    ]
    from bikefinder.feeds import opening_hours

    return opening_hours.station_opening_hours({"data": {"stations": records}})
