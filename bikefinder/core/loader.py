"""Load and refresh one GBFS system: discovery, then its feeds, concurrently.

:class:`SystemFeeds` remembers what it fetched so a refresh refetches only the
feeds whose ``ttl`` has run out (usually just ``station_status``), with
conditional requests: a 304 costs no parse and returns the same snapshot object.
With a :class:`FeedCache`, every body that parsed is stored, the first load is
conditional on the cached copy, and :meth:`SystemFeeds.load_cached` can answer
with the last known data and no network at all.

Each body is decoded once per change. Decoding, parsing and joining are pure and run
through ``offload`` (inline by default; the app passes ``asyncio.to_thread`` so that
its event loop never waits for a large feed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from bikefinder.core import gbfs
from bikefinder.core.cache import FeedCache
from bikefinder.core.errors import FeedError, FeedFormatError
from bikefinder.core.http import MAX_FEED_BYTES, FeedFetcher, origin_of
from bikefinder.core.models import (
    Discovery,
    FeedMeta,
    InfoFeed,
    Snapshot,
    StatusFeed,
    SystemInfo,
    VehicleKind,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Descriptive feeds (stations, system, vehicle types) are refetched on their own ttl,
#: but never more often than this...
MIN_INFO_TTL_S = 60
#: ...and never trusted for longer than this.
MAX_INFO_TTL_S = 3600
DISCOVERY = "gbfs.json"
#: Feeds a system works without: their failure degrades what they add, never the stations.
OPTIONAL_FEEDS = ("system_information", "vehicle_types")

Offload = Callable[[Callable[[], Any]], Awaitable[Any]]


async def run_inline(work: Callable[[], T]) -> T:
    """The default ``offload``: run the work right here (scripts have no UI to keep)."""
    return work()


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


@dataclass(frozen=True, slots=True)
class _Body:
    """A feed's body to parse; ``fresh`` when it came from the network (and is cached
    once it parsed). ``body`` is ``None`` when a 304 confirmed what is already parsed."""

    feed: str
    url: str
    body: bytes | None
    etag: str | None
    last_modified: str | None
    fresh: bool


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
        offload: Offload = run_inline,
        max_bytes: int = MAX_FEED_BYTES,
        headers: Mapping[str, str] | None = None,
        trusted_urls: Iterable[str] = (),
    ) -> None:
        """``headers`` (configured keys, Entur's client name) go only to the origin of
        ``gbfs_url`` and of ``trusted_urls``; never to other hosts gbfs.json lists."""
        self.gbfs_url = gbfs_url
        self.language = language
        self.fetcher = FeedFetcher(
            http,
            label or system_label_for(gbfs_url),
            max_bytes,
            origin_headers=headers,
            origins=frozenset(origin_of(url) for url in (gbfs_url, *trusted_urls)),
        )
        self.cache = cache
        self.offload = offload
        self._clock = clock
        self._states: dict[str, _FeedState] = {}
        #: Per feed, the (ETag, Last-Modified) of the body behind what is parsed now.
        self._parsed_from: dict[str, tuple[str | None, str | None]] = {}
        #: Per feed, its own ttl (clamped) from the last body parsed.
        self._ttls: dict[str, int] = {}
        #: The vehicle types the parsed status was split with.
        self._status_kinds: dict[str, VehicleKind] = {}
        self.discovery: Discovery | None = None
        self.system: SystemInfo | None = None
        self.vehicle_kinds: dict[str, VehicleKind] = {}
        self.info: InfoFeed | None = None
        self.status: StatusFeed | None = None
        self.snapshot: Snapshot | None = None
        #: The last failure to refresh a descriptive feed (kept data was used instead).
        self.descriptive_error: FeedError | None = None
        #: Optional feeds that failed and what that costs, said once per load.
        self.degraded: dict[str, str] = {}

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
        self.degraded = {}
        discovery_body = await self._fetch(DISCOVERY, self.gbfs_url, parsed=False)
        assert discovery_body is not None and discovery_body.body is not None
        discovery, fetched_system = await self._choose_language(discovery_body.body)
        self.discovery = discovery
        self._store([discovery_body])
        info_url = self._required(discovery, "station_information")
        status_url = self._required(discovery, "station_status")
        system_url = discovery.feeds.get("system_information")

        async def system_information() -> _Body | None:
            if fetched_system is not None and fetched_system.url == system_url:
                return fetched_system  # already fetched to choose the language
            return await self._fetch_optional("system_information", system_url)

        system, types, info, status = await asyncio.gather(
            system_information(),
            self._fetch_optional("vehicle_types", discovery.feeds.get("vehicle_types")),
            self._fetch("station_information", info_url, parsed=self.info is not None),
            self._fetch("station_status", status_url, parsed=self.status is not None),
        )
        assert info is not None and status is not None
        descriptive = [body for body in (system, types, info) if body is not None]
        snapshot = await self.offload(lambda: self._parse_all(descriptive, status))
        await self.offload(lambda: self._store([*descriptive, status]))
        return snapshot

    async def _choose_language(self, discovery_body: bytes) -> tuple[Discovery, _Body | None]:
        """v1/v2 with several languages and none asked for: use the system's own.

        Also returns the system_information fetched to decide, so the load does not
        fetch it a second time.
        """
        document = self._parse(DISCOVERY, lambda: gbfs.decode_document(discovery_body, DISCOVERY))
        discovery = self._parse(
            DISCOVERY, lambda: gbfs.parse_discovery(document, self.gbfs_url, self.language)
        )
        system_url = discovery.feeds.get("system_information")
        if not (self.language is None and len(discovery.languages) > 1 and system_url):
            return discovery, None
        fetched = await self._fetch_optional("system_information", system_url)
        system = self._optional_system(fetched) if fetched is not None else None
        if system and system.language in discovery.languages:
            discovery = self._parse(
                DISCOVERY, lambda: gbfs.parse_discovery(document, self.gbfs_url, system.language)
            )
        return discovery, fetched

    def load_cached(self) -> Snapshot | None:
        """The last known snapshot from the cache, without any network; ``None`` if
        the cache lacks (or has corrupt copies of) the feeds a snapshot needs.

        Reads and parses every cached body (pure work: the app runs it off its loop)."""
        if self.cache is None:
            return None
        cache = self.cache
        try:
            entries = {feed: cache.get(feed) for feed in (DISCOVERY, *OPTIONAL_FEEDS)}
            discovery_entry = entries[DISCOVERY]
            info_entry = cache.get("station_information")
            status_entry = cache.get("station_status")
            if discovery_entry is None or info_entry is None or status_entry is None:
                return None
            document = gbfs.decode_document(discovery_entry.body, DISCOVERY)
            self.discovery = gbfs.parse_discovery(document, self.gbfs_url, self.language)
            bodies = [
                _Body(feed, entry.url, entry.body, entry.etag, entry.last_modified, False)
                for feed, entry in (
                    *((feed, entries[feed]) for feed in OPTIONAL_FEEDS),
                    ("station_information", info_entry),
                )
                if entry is not None
            ]
            status = _Body(
                "station_status",
                status_entry.url,
                status_entry.body,
                status_entry.etag,
                status_entry.last_modified,
                False,
            )
            fetched_at = datetime.fromtimestamp(status_entry.fetched_at, tz=UTC)
            snapshot = self._parse_all(bodies, status, from_cache=True, fetched_at=fetched_at)
        except (FeedError, FeedFormatError):
            return None
        for body in (*bodies, status):  # a live load's 304s then reuse these parses
            self._parsed_from[body.feed] = (body.etag, body.last_modified)
        return snapshot

    # -- refresh ------------------------------------------------------------------

    async def refresh(self) -> Snapshot:
        """Refetch station status, plus any descriptive feed whose ttl has run out.

        Returns the *same* snapshot object when nothing changed (all 304s), so
        callers can skip re-ranking and redrawing with an identity check.
        """
        if (
            self.discovery is None
            or self.info is None
            or self.snapshot is None
            or self.snapshot.from_cache
            or "station_status" not in self._states
        ):
            return await self.load()
        due = [
            feed
            for feed, state in self._states.items()
            if feed not in ("station_status", DISCOVERY)
            and self._clock() - state.fetched_at >= state.ttl_s
        ]
        changed: list[_Body] = []
        for feed in due:
            try:
                body = await self._refetch(feed)
            except FeedError as error:
                # Descriptive data rarely changes: keep what we have, try again after its
                # ttl, and let the availability refresh go on.
                self._states[feed].fetched_at = self._clock()
                self.descriptive_error = error
                continue
            self.descriptive_error = None
            if body is not None:
                changed.append(body)
        kinds_before = self.vehicle_kinds
        if changed:
            await self.offload(lambda: self._parse_descriptive(changed))
        # New vehicle types change every record's mechanical/electric split: the status
        # must be parsed again, so it is fetched whole.
        kinds_changed = self.vehicle_kinds != kinds_before
        status = await self._refetch("station_status", conditional=not kinds_changed)
        if status is None and not changed:
            return self.snapshot
        snapshot = self.snapshot
        if status is None:
            # Descriptive feeds changed but status did not: re-join the last status.
            fetched_at = snapshot.fetched_at
            snapshot = await self.offload(
                lambda: self._snapshot_from(from_cache=False, fetched_at=fetched_at)
            )
        else:
            snapshot = await self.offload(lambda: self._parse_status(status))
        stored = [*changed, *([status] if status else [])]
        await self.offload(lambda: self._store(stored))
        return snapshot

    # -- fetching -----------------------------------------------------------------

    async def _fetch(
        self, feed: str, url: str, *, parsed: bool, optional: bool = False
    ) -> _Body | None:
        """Fetch a feed, conditional on the cached copy. On a 304, ``body`` is ``None``
        if what is parsed now came from that copy, else the copy's body."""
        if feed != DISCOVERY:
            self._check_url(feed, url)
        meta = self.cache.meta(feed) if self.cache else None
        if meta is not None and meta.url != url:
            meta = None
        result = await self.fetcher.fetch(
            feed,
            url,
            optional=optional,
            etag=meta.etag if meta else None,
            last_modified=meta.last_modified if meta else None,
        )
        if result is None:
            return None
        if not result.not_modified:
            return _Body(feed, url, result.body, result.etag, result.last_modified, True)
        assert meta is not None and self.cache is not None
        self.cache.touch(feed, etag=result.etag, last_modified=result.last_modified)
        if parsed and self._parsed_from.get(feed) == (meta.etag, meta.last_modified):
            return _Body(feed, url, None, result.etag, result.last_modified, False)
        cache = self.cache
        cached = await self.offload(lambda: cache.get(feed))  # reads and checks the body
        if cached is None:  # the copy went bad meanwhile: fetch it whole
            self.cache.discard(feed)
            return await self._fetch(feed, url, parsed=parsed, optional=optional)
        return _Body(feed, url, cached.body, result.etag, result.last_modified, False)

    async def _fetch_optional(self, feed: str, url: str | None) -> _Body | None:
        """An optional feed; its failure is noted in :attr:`degraded`, never raised."""
        if url is None:
            return None
        try:
            return await self._fetch(feed, url, parsed=False, optional=True)
        except FeedError as error:
            self._degrade(feed, error.cause)
            return None

    async def _refetch(self, feed: str, *, conditional: bool = True) -> _Body | None:
        """Refetch a feed fetched before; ``None`` when the server says 304."""
        state = self._states[feed]
        result = await self.fetcher.fetch(
            feed,
            state.url,
            optional=feed in OPTIONAL_FEEDS,
            etag=state.etag if conditional else None,
            last_modified=state.last_modified if conditional else None,
        )
        if result is None or result.not_modified:
            state.fetched_at = self._clock()
            if result is not None and self.cache:
                self.cache.touch(feed, etag=result.etag, last_modified=result.last_modified)
            return None
        # The new ETag is remembered once the body parsed (:meth:`_store`): a bad body
        # must not look current to the next conditional request.
        return _Body(feed, state.url, result.body, result.etag, result.last_modified, True)

    def _store(self, bodies: list[_Body]) -> None:
        """After a parse: remember each feed for the next refresh, note which body what is
        parsed came from, and cache the fresh bodies (only bodies that parsed are cached)."""
        for body in bodies:
            self._states[body.feed] = _FeedState(
                url=body.url,
                etag=body.etag,
                last_modified=body.last_modified,
                fetched_at=self._clock(),
                ttl_s=self._ttls.get(body.feed, MIN_INFO_TTL_S),
            )
            self._parsed_from[body.feed] = (body.etag, body.last_modified)
            if body.fresh and body.body is not None and self.cache:
                self.cache.put(body.feed, body.url, body.body, body.etag, body.last_modified)

    def _set_ttl(self, feed: str, meta: FeedMeta) -> None:
        self._ttls[feed] = clamp_ttl(meta.ttl, MIN_INFO_TTL_S, MAX_INFO_TTL_S)

    # -- parsing (pure work, run through ``offload``) -----------------------------

    def _parse_all(
        self,
        descriptive: list[_Body],
        status: _Body,
        *,
        from_cache: bool = False,
        fetched_at: datetime | None = None,
    ) -> Snapshot:
        if not any(body.feed == "system_information" for body in descriptive):
            self.system = None
        if not any(body.feed == "vehicle_types" for body in descriptive):
            self.vehicle_kinds = {}
        self._parse_descriptive(descriptive)
        if self.system is None:
            self.system = SystemInfo(system_id=self.label, name=self.label)
        return self._parse_status(status, from_cache=from_cache, fetched_at=fetched_at)

    def _parse_descriptive(self, bodies: list[_Body]) -> None:
        for body in bodies:
            if body.body is None:
                continue  # a 304 on what is parsed already
            if body.feed == "station_information":
                self.info = self._parse_info(body)
            elif body.feed in OPTIONAL_FEEDS:
                self._parse_optional(body)

    def _parse_optional(self, body: _Body) -> None:
        if body.feed == "system_information":
            system = self._optional_system(body)
            if system is not None:
                self.system = system
                if system.name:
                    self.fetcher.system_label = system.name
            return
        try:
            assert body.body is not None
            document = gbfs.decode_document(body.body, body.feed)
            kinds = gbfs.parse_vehicle_types(document)
        except FeedFormatError as error:
            self._degrade(body.feed, error.reason)
            return
        self._set_ttl(body.feed, gbfs.parse_meta(document, body.feed, body.url))
        self.vehicle_kinds = kinds

    def _optional_system(self, body: _Body) -> SystemInfo | None:
        assert body.body is not None
        try:
            document = gbfs.decode_document(body.body, body.feed)
            system = gbfs.parse_system_information(document, body.url, self.language)
            self._set_ttl(body.feed, gbfs.parse_meta(document, body.feed, body.url))
        except FeedFormatError as error:
            self._degrade(body.feed, error.reason)
            return None
        return system

    def _degrade(self, feed: str, cause: str) -> None:
        """An optional feed failed: say so once, and carry on without what it adds."""
        costs = {"vehicle_types": "e-bike split may be unknown", "system_information": "no name"}
        self.degraded[feed] = f"{cause} ({costs.get(feed, 'ignored')})"
        log.info("%s: optional feed %s failed: %s", self.label, feed, cause)

    def _parse_info(self, body: _Body) -> InfoFeed:
        assert body.body is not None
        wanted = self.language or (self.system.language if self.system else None)
        if wanted is None and self.discovery is not None:
            wanted = self.discovery.language
        content = body.body
        info = self._parse(
            "station_information",
            lambda: gbfs.decode_station_information(content, body.url, wanted),
        )
        self._set_ttl(body.feed, info.meta)
        log.debug("%s: %d stations (%d rejected)", body.feed, len(info.stations), info.rejected)
        return info

    def _parse_status(
        self, body: _Body, *, from_cache: bool = False, fetched_at: datetime | None = None
    ) -> Snapshot:
        content = body.body
        if content is None and self._status_kinds != self.vehicle_kinds and self.cache:
            cached = self.cache.get(body.feed)  # new vehicle types: split the copy anew
            content = cached.body if cached is not None else None
        if content is not None:
            kinds = self.vehicle_kinds
            parser = gbfs.StatusParser(kinds)
            self.status = self._parse(
                "station_status", lambda: parser.parse_body(content, body.url)
            )
            self._status_kinds = kinds
            log.debug(
                "%s: %d records (%d rejected)",
                body.feed, len(self.status.statuses), self.status.rejected,
            )  # fmt: skip
        return self._snapshot_from(from_cache=from_cache, fetched_at=fetched_at)

    def _snapshot_from(self, *, from_cache: bool, fetched_at: datetime | None) -> Snapshot:
        assert self.info is not None and self.system is not None and self.status is not None
        status = self.status
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

    def _required(self, discovery: Discovery, feed: str) -> str:
        return self._parse(feed, lambda: gbfs.require_feed_url(discovery, feed))

    def _check_url(self, feed: str, url: str) -> None:
        self._parse(feed, lambda: gbfs.check_feed_url(feed, url))

    def _parse(self, feed: str, parse: Callable[[], T]) -> T:
        try:
            return parse()
        except FeedFormatError as exc:
            raise FeedError(self.label, exc.feed, exc.reason) from None
