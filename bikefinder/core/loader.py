"""Load and refresh one GBFS system: discovery, then its feeds, concurrently.

:class:`SystemFeeds` remembers what it fetched so a refresh refetches only the
feeds whose ``ttl`` has run out (usually just ``station_status``), with
conditional requests: a 304 costs no parse and returns the same snapshot object.
With a :class:`FeedCache`, every fetched feed is stored, the first load is
conditional on the cached copy, and :meth:`SystemFeeds.load_cached` can answer
with the last known data and no network at all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from bikefinder.core import gbfs
from bikefinder.core.cache import FeedCache
from bikefinder.core.errors import FeedError, FeedFormatError
from bikefinder.core.http import FeedFetcher
from bikefinder.core.models import (
    Discovery,
    InfoFeed,
    Snapshot,
    StatusFeed,
    SystemInfo,
    VehicleKind,
)

T = TypeVar("T")

#: Descriptive feeds (stations, system, vehicle types) are refetched on their own ttl,
#: but never more often than this...
MIN_INFO_TTL_S = 60
#: ...and never trusted for longer than this.
MAX_INFO_TTL_S = 3600
DISCOVERY = "gbfs.json"


def system_label_for(url: str) -> str:
    """A name for a system before (or without) its ``system_information``: the host and
    folder of its ``gbfs.json``, e.g. ``gbfs.example.com/bikes``."""
    parts = urlsplit(url)
    folder = parts.path.rsplit("/", 1)[0].strip("/")
    label = f"{parts.hostname}/{folder}" if folder else parts.hostname
    return label or url


def clamp_ttl(ttl: int | None, low: int, high: int) -> int:
    return min(high, max(low, ttl or 0))


@dataclass(slots=True)
class _FeedState:
    """What the last successful fetch of one feed told us, for the next refresh."""

    url: str
    etag: str | None
    last_modified: str | None
    fetched_at: float  # on the loader's monotonic clock
    ttl_s: int


class SystemFeeds:
    """One system's feeds: the first load, cheap refreshes, and the cached fallback."""

    def __init__(
        self,
        http: httpx.AsyncClient | None,
        gbfs_url: str,
        *,
        language: str | None = None,
        label: str | None = None,
        cache: FeedCache | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gbfs_url = gbfs_url
        self.language = language
        self.fetcher = FeedFetcher(http, label or system_label_for(gbfs_url))
        self.cache = cache
        self._clock = clock
        self._states: dict[str, _FeedState] = {}
        self.discovery: Discovery | None = None
        self.system: SystemInfo | None = None
        self.vehicle_kinds: dict[str, VehicleKind] = {}
        self._status_parser = gbfs.StatusParser()
        self.info: InfoFeed | None = None
        self.snapshot: Snapshot | None = None
        #: The last failure to refresh a descriptive feed (kept data was used instead).
        self.descriptive_error: FeedError | None = None

    def attach(self, http: httpx.AsyncClient) -> None:
        """Give a loader built without a client (to read its cache at once) its client."""
        self.fetcher.http = http

    @property
    def label(self) -> str:
        return self.fetcher.system_label

    # -- first load ---------------------------------------------------------------

    async def load(self) -> Snapshot:
        """Discovery, then system information, vehicle types and both station feeds."""
        self._states.clear()
        discovery_doc = await self._fetch_document(DISCOVERY, self.gbfs_url)
        discovery, fetched_system = await self._choose_language(discovery_doc)
        self.discovery = discovery
        info_url = self._required(discovery, "station_information")
        status_url = self._required(discovery, "station_status")
        system_url = discovery.feeds.get("system_information")

        async def system_information() -> Any:
            if fetched_system is not None and fetched_system[0] == system_url:
                return fetched_system[1]  # already fetched to choose the language
            return await self._fetch_optional("system_information", system_url)

        system_doc, types_doc, info_doc, status_doc = await asyncio.gather(
            system_information(),
            self._fetch_optional("vehicle_types", discovery.feeds.get("vehicle_types")),
            self._fetch_document("station_information", info_url),
            self._fetch_document("station_status", status_url),
        )
        self._apply_descriptive(system_doc, types_doc, info_doc)
        return self._apply_status(status_doc, from_cache=False)

    async def _choose_language(
        self, discovery_doc: Any
    ) -> tuple[Discovery, tuple[str, Any] | None]:
        """v1/v2 with several languages and none asked for: use the system's own.

        Also returns the system_information fetched to decide, as (url, document), so
        the load does not fetch it a second time.
        """
        discovery = self._parse(
            DISCOVERY, lambda: gbfs.parse_discovery(discovery_doc, self.gbfs_url, self.language)
        )
        system_url = discovery.feeds.get("system_information")
        if not (self.language is None and len(discovery.languages) > 1 and system_url):
            return discovery, None
        document = await self._fetch_optional("system_information", system_url)
        system = self._parse_system(document)
        if system and system.language in discovery.languages:
            discovery = self._parse(
                DISCOVERY,
                lambda: gbfs.parse_discovery(discovery_doc, self.gbfs_url, system.language),
            )
        return discovery, (system_url, document)

    def load_cached(self) -> Snapshot | None:
        """The last known snapshot from the cache, without any network; ``None`` if
        the cache lacks (or has corrupt copies of) the feeds a snapshot needs."""
        if self.cache is None:
            return None
        try:
            discovery_entry = self.cache.get(DISCOVERY)
            if discovery_entry is None:
                return None
            discovery = gbfs.parse_discovery(discovery_entry.document, self.gbfs_url, self.language)
            documents = {}
            for feed in (
                "system_information",
                "vehicle_types",
                "station_information",
                "station_status",
            ):
                entry = self.cache.get(feed)
                documents[feed] = entry.document if entry else None
            status_entry = self.cache.get("station_status")
            if documents["station_information"] is None or status_entry is None:
                return None
            self.discovery = discovery
            self._apply_descriptive(
                documents["system_information"],
                documents["vehicle_types"],
                documents["station_information"],
            )
            fetched_at = datetime.fromtimestamp(status_entry.fetched_at, tz=UTC)
            return self._apply_status(status_entry.document, from_cache=True, fetched_at=fetched_at)
        except (FeedError, FeedFormatError):
            return None

    # -- refresh ------------------------------------------------------------------

    async def refresh(self) -> Snapshot:
        """Refetch station status, plus any descriptive feed whose ttl has run out.

        Returns the *same* snapshot object when nothing changed (all 304s), so
        callers can skip re-ranking and redrawing with an identity check.
        """
        if self.discovery is None or self.info is None or self.snapshot is None:
            return await self.load()
        if self.snapshot.from_cache:
            return await self.load()
        due = [
            feed
            for feed, state in self._states.items()
            if feed != "station_status"
            and feed != DISCOVERY
            and self._clock() - state.fetched_at >= state.ttl_s
        ]
        changed_descriptive = False
        kinds_before = self._status_parser.vehicle_kinds
        for feed in due:
            try:
                document = await self._refetch(feed)
            except FeedError as error:
                # Descriptive data rarely changes: keep what we have, try again after its
                # ttl, and let the availability refresh go on.
                self._states[feed].fetched_at = self._clock()
                self.descriptive_error = error
                continue
            self.descriptive_error = None
            if document is not None:
                changed_descriptive = True
                if feed == "station_information":
                    self.info = self._parse_info(document)
                elif feed == "vehicle_types":
                    self._set_vehicle_kinds(
                        self._parse(feed, lambda d=document: gbfs.parse_vehicle_types(d))
                    )
                elif feed == "system_information":
                    self.system = self._parse_system(document) or self.system
        # New vehicle types change every record's mechanical/electric split: the status
        # must be parsed again, so it is fetched whole.
        kinds_changed = self._status_parser.vehicle_kinds is not kinds_before
        status_doc = await self._refetch("station_status", conditional=not kinds_changed)
        if status_doc is None and not changed_descriptive:
            return self.snapshot
        if status_doc is None:
            # Descriptive feeds changed but status did not: re-join the last status.
            status = StatusFeed(
                meta=self.snapshot.status_meta,
                statuses=tuple(s.status for s in self.snapshot.stations if s.status),
            )
            return self._snapshot_from(
                status, from_cache=False, fetched_at=self.snapshot.fetched_at
            )
        return self._apply_status(status_doc, from_cache=False)

    # -- fetching -----------------------------------------------------------------

    async def _fetch_document(self, feed: str, url: str, *, optional: bool = False) -> Any:
        """Fetch a feed (conditional on the cached copy, which a 304 then supplies)."""
        if feed != DISCOVERY:
            self._check_url(feed, url)
        cached = self.cache.get(feed) if self.cache else None
        if cached is not None and cached.url != url:
            cached = None
        result = await self.fetcher.fetch(
            feed,
            url,
            optional=optional,
            etag=cached.etag if cached else None,
            last_modified=cached.last_modified if cached else None,
        )
        if result is None:
            return None
        if result.not_modified and cached is not None:
            document = cached.document
            if self.cache:
                self.cache.touch(feed)
        else:
            document = result.document
            if self.cache:
                self.cache.put(feed, url, result.body, result.etag, result.last_modified)
        self._remember(feed, url, result.etag, result.last_modified, document)
        return document

    async def _fetch_optional(self, feed: str, url: str | None) -> Any:
        return None if url is None else await self._fetch_document(feed, url, optional=True)

    async def _refetch(self, feed: str, *, conditional: bool = True) -> Any:
        """Refetch a feed fetched before; ``None`` when the server says 304."""
        state = self._states[feed]
        optional = feed in ("system_information", "vehicle_types")
        result = await self.fetcher.fetch(
            feed,
            state.url,
            optional=optional,
            etag=state.etag if conditional else None,
            last_modified=state.last_modified if conditional else None,
        )
        if result is None or result.not_modified:
            state.fetched_at = self._clock()
            if result is not None and self.cache:
                self.cache.touch(feed)
            return None
        if self.cache:
            self.cache.put(feed, state.url, result.body, result.etag, result.last_modified)
        self._remember(feed, state.url, result.etag, result.last_modified, result.document)
        return result.document

    def _remember(
        self, feed: str, url: str, etag: str | None, last_modified: str | None, document: Any
    ) -> None:
        ttl = document.get("ttl") if isinstance(document, dict) else None
        self._states[feed] = _FeedState(
            url=url,
            etag=etag,
            last_modified=last_modified,
            fetched_at=self._clock(),
            ttl_s=clamp_ttl(ttl if isinstance(ttl, int) else None, MIN_INFO_TTL_S, MAX_INFO_TTL_S),
        )

    # -- parsing ------------------------------------------------------------------

    def _apply_descriptive(self, system_doc: Any, types_doc: Any, info_doc: Any) -> None:
        system = self._parse_system(system_doc)
        self.system = system or SystemInfo(system_id=self.label, name=self.label)
        if system and system.name:
            self.fetcher.system_label = system.name
        self._set_vehicle_kinds(
            self._parse("vehicle_types", lambda: gbfs.parse_vehicle_types(types_doc))
            if types_doc is not None
            else {}
        )
        self.info = self._parse_info(info_doc)

    def _set_vehicle_kinds(self, kinds: dict[str, VehicleKind]) -> None:
        """New vehicle types change how every status record splits: start a fresh parser."""
        if kinds != self._status_parser.vehicle_kinds:
            self._status_parser = gbfs.StatusParser(kinds)
        self.vehicle_kinds = kinds

    def _apply_status(
        self, status_doc: Any, *, from_cache: bool, fetched_at: datetime | None = None
    ) -> Snapshot:
        status_url = self._states.get("station_status")
        status: StatusFeed = self._parse(
            "station_status",
            lambda: self._status_parser.parse(status_doc, status_url.url if status_url else ""),
        )
        return self._snapshot_from(status, from_cache=from_cache, fetched_at=fetched_at)

    def _snapshot_from(
        self, status: StatusFeed, *, from_cache: bool, fetched_at: datetime | None
    ) -> Snapshot:
        assert self.info is not None and self.system is not None
        stations, report = gbfs.join_stations(self.info, status)
        if stations and report.info_only == len(stations):
            # Nothing would be shown but "unknown": a broken feed, not an empty city.
            raise FeedError(
                self.label,
                "station_status",
                f"none of its {len(status.statuses)} records match the {len(stations)} "
                "stations in station_information",
            )
        self.snapshot = Snapshot(
            gbfs_url=self.gbfs_url,
            system=self.system,
            stations=stations,
            info_meta=self.info.meta,
            status_meta=status.meta,
            report=report,
            fetched_at=fetched_at or datetime.now(UTC),
            from_cache=from_cache,
        )
        return self.snapshot

    def _parse_info(self, document: Any) -> InfoFeed:
        state = self._states.get("station_information")
        url = state.url if state else ""
        wanted = self.language or (self.system.language if self.system else None)
        if wanted is None and self.discovery is not None:
            wanted = self.discovery.language
        return self._parse(
            "station_information",
            lambda: gbfs.parse_station_information(document, url, wanted),
        )

    def _parse_system(self, document: Any) -> SystemInfo | None:
        if document is None:
            return None
        return self._parse(
            "system_information",
            lambda: gbfs.parse_system_information(document, "", self.language),
        )

    def _required(self, discovery: Discovery, feed: str) -> str:
        return self._parse(feed, lambda: gbfs.require_feed_url(discovery, feed))

    def _check_url(self, feed: str, url: str) -> None:
        self._parse(feed, lambda: gbfs.check_feed_url(feed, url))

    def _parse(self, feed: str, parse: Callable[[], T]) -> T:
        try:
            return parse()
        except FeedFormatError as exc:
            raise FeedError(self.label, exc.feed, exc.reason) from None
