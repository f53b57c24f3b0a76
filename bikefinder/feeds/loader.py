"""Load and refresh one GBFS system: discovery, then its feeds, concurrently.

:class:`SystemFeeds` remembers what it fetched so a refresh refetches only the
feeds whose ``ttl`` has run out (usually just ``station_status``), with
conditional requests: a 304 costs no parse and returns the same snapshot object.
With a :class:`FeedCache`, every body that parsed is stored, the first load is
conditional on the cached copy, and :meth:`SystemFeeds.load_cached` can answer
with the last known data and no network at all.

Each body is decoded once per change. Decoding, parsing and joining are pure (what
:class:`~bikefinder.feeds.parsed_feeds.ParsedFeeds`, its base, does) and run through
``offload`` (inline by default; the app passes ``asyncio.to_thread`` so that its event
loop never waits for a large feed).

Issue 11's feeds are read when ``gbfs.json`` lists them, all optional (their failure is
said once in :attr:`SystemFeeds.degraded` and costs only what they add):
``free_bike_status`` (1.x/2.x) or ``vehicle_status`` (3.0), refetched on its own ttl
(within 0-60 s) like ``station_status``; ``system_alerts``, ``system_hours`` and
``system_pricing_plans`` on their ttl like the other descriptive feeds. A system that
publishes vehicles but no station feeds (a free-floating operator) loads with no
stations; its vehicle feed is then required.

Availability never waits for a descriptive feed. The first load waits for alerts, hours
and prices at most :data:`LOAD_GRACE_S` once the feeds it needs are in; a refresh starts
the due descriptive feeds as background tasks, waits for them at most
:data:`REFRESH_GRACE_S`, and fetches availability. A slower one goes on, on its own
deadline, and the refresh after it arrived applies it; it is never asked for twice at
once.

A cache whose every feed is still within its ttl (counted from when it was fetched) is as
good as the server's answer: :meth:`SystemFeeds.load_cached` given a :class:`CacheTrust`
then answers as a live load would (not ``from_cache``; ``within_ttl``), and the refreshes
after it are the incremental ones. Nothing here imports asyncio or the HTTP stack until a
fetch needs it, so such an answer costs neither. How a load waits (an event loop, or
threads for a printed answer) is its :class:`~bikefinder.feeds.runtime.Runtime`'s.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import msgspec

from bikefinder.common.errors import FeedError, FeedFormatError, first_line
from bikefinder.common.logs import get_logger
from bikefinder.common.text import system_label_for
from bikefinder.feeds import gbfs
from bikefinder.feeds.cache import CacheTrust, FeedCache
from bikefinder.feeds.http import MAX_FEED_BYTES, FeedFetcher, HttpClient, origin_of
from bikefinder.feeds.models import Discovery
from bikefinder.feeds.parsed_feeds import (
    EXTRA_FEEDS,
    GEOFENCING,
    MAX_INFO_TTL_S,
    MIN_INFO_TTL_S,
    OPTIONAL_FEEDS,
    FeedBody,
    ParsedFeeds,
    clamp_ttl,
)
from bikefinder.feeds.runtime import ASYNCIO, Background, Runtime
from bikefinder.feeds.snapshot import Snapshot

T = TypeVar("T")
log = get_logger(__name__)

DISCOVERY = "gbfs.json"
#: Vehicles outside stations: v3's name first, then v1/v2's.
VEHICLE_FEEDS = ("vehicle_status", "free_bike_status")
#: How long a first load waits for alerts, hours and prices once the feeds it needs are
#: in (a local or healthy server answers long before); later ones arrive in background.
LOAD_GRACE_S = 2.0
#: How long a refresh waits for the descriptive feeds it starts before fetching
#: availability (a slow one is applied by a later refresh).
REFRESH_GRACE_S = 0.5


class Offload(Protocol):
    """Runs ``work`` (here, or on a worker thread like ``asyncio.to_thread``) and gives
    back its result, typed: a snapshot parsed through it is still a Snapshot."""

    def __call__(self, work: Callable[[], T], /) -> Awaitable[T]: ...


async def run_inline(work: Callable[[], T]) -> T:
    """The default ``offload``: run the work right here (scripts have no UI to keep)."""
    return work()


class _FeedState(msgspec.Struct):
    """What the last successful fetch of one feed told us, for the next refresh."""

    url: str
    etag: str | None
    last_modified: str | None
    fetched_at: float  # on the loader's monotonic clock
    ttl_s: int


class SystemFeeds(ParsedFeeds):
    """One system's feeds: the first load, cheap refreshes, and the cached fallback."""

    def __init__(
        self,
        http: HttpClient | None,
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
        free_floating: bool = False,
        runtime: Runtime = ASYNCIO,
    ) -> None:
        """``headers`` (configured keys, Entur's client name) go only to the origin of
        ``gbfs_url`` and of ``trusted_urls``; never to other hosts gbfs.json lists.

        With ``free_floating``, a system whose gbfs.json lists a vehicle feed but no
        station feeds loads as vehicles alone; without it (callers that list stations
        only) such a system fails for want of ``station_information``. ``runtime``: how
        it waits (a printed answer's blocks, on threads)."""
        self.free_floating = free_floating
        self.runtime = runtime
        fetcher = FeedFetcher(
            http,
            label or system_label_for(gbfs_url),
            max_bytes,
            origin_headers=headers,
            origins=frozenset(origin_of(url) for url in (gbfs_url, *trusted_urls)),
            runtime=runtime,
        )
        super().__init__(gbfs_url, language, fetcher, cache)
        self.offload = offload
        self._clock = clock
        self._states: dict[str, _FeedState] = {}
        #: Per feed, the (ETag, Last-Modified) of the body behind what is parsed now.
        self._parsed_from: dict[str, tuple[str | None, str | None]] = {}
        #: The last failure to refresh a descriptive feed (kept data was used instead).
        self.descriptive_error: FeedError | None = None
        #: Descriptive feeds being fetched in the background: a body, or the failure.
        self._pending: dict[str, Background[FeedBody | FeedError | None]] = {}

    def attach(self, http: HttpClient) -> None:
        """Give a loader built without a client (to read its cache at once) its client."""
        self.fetcher.http = http

    # -- first load ---------------------------------------------------------------

    async def load(self) -> Snapshot:
        """Discovery, then system information, vehicle types and both station feeds."""
        self._states.clear()
        self.degraded = {}
        for task in self._pending.values():
            task.cancel()
        self._pending.clear()
        discovery_body = await self._fetch(DISCOVERY, self.gbfs_url, parsed=False)
        assert discovery_body is not None and discovery_body.body is not None
        discovery, fetched_system = await self._choose_language(discovery_body.body)
        self.discovery = discovery
        self._store([discovery_body])
        self._choose_layout(discovery)
        info_url = status_url = None
        if self.has_stations:
            info_url = self._required(discovery, "station_information")
            status_url = self._required(discovery, "station_status")
        system_url = discovery.feeds.get("system_information")
        vehicle_name = self.vehicle_feed_name
        vehicle_url = discovery.feeds.get(vehicle_name) if vehicle_name else None

        async def system_information() -> FeedBody | None:
            if fetched_system is not None and fetched_system.url == system_url:
                return fetched_system  # already fetched to choose the language
            return await self._fetch_optional("system_information", system_url)

        async def required(feed: str, url: str | None, parsed: bool) -> FeedBody | None:
            return None if url is None else await self._fetch(feed, url, parsed=parsed)

        async def vehicle_body() -> FeedBody | None:
            if vehicle_name is None or vehicle_url is None:
                return None
            parsed = self.vehicle_feed is not None
            if not self.has_stations:
                return await self._fetch(vehicle_name, vehicle_url, parsed=parsed)
            return await self._fetch_optional(vehicle_name, vehicle_url, parsed=parsed)

        for feed in EXTRA_FEEDS:  # alerts, hours, prices: on their own
            if discovery.feeds.get(feed) is not None:
                self._start(feed, self._fetch_optional(feed, discovery.feeds.get(feed)))
        if vehicle_name is not None and discovery.feeds.get(GEOFENCING) is not None:
            self._start(GEOFENCING, self._fetch_optional(GEOFENCING, discovery.feeds[GEOFENCING]))
        system, types, info, status, vehicle = await self.runtime.gather(
            system_information(),
            self._fetch_optional("vehicle_types", discovery.feeds.get("vehicle_types")),
            required("station_information", info_url, self.info is not None),
            required("station_status", status_url, self.status is not None),
            vehicle_body(),
        )
        extras = await self._collect(LOAD_GRACE_S, list(self._pending.values()))
        descriptive = [body for body in (system, types, info, *extras) if body is not None]
        snapshot = await self.offload(lambda: self._parse_all(descriptive, status, vehicle))
        fetched = [body for body in (status, vehicle) if body is not None]
        await self.offload(lambda: self._store([*descriptive, *fetched]))
        return snapshot

    def _choose_layout(self, discovery: Discovery) -> None:
        """Stations (with vehicles if listed), or a free-floating operator's vehicles alone."""
        feeds = discovery.feeds
        self.vehicle_feed_name = next((feed for feed in VEHICLE_FEEDS if feed in feeds), None)
        self.has_stations = (
            not self.free_floating
            or self.vehicle_feed_name is None
            or ("station_information" in feeds and "station_status" in feeds)
        )
        if not self.has_stations:
            self.info = self.status = None

    async def _choose_language(self, discovery_body: bytes) -> tuple[Discovery, FeedBody | None]:
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

    def load_cached(self, trust: CacheTrust | None = None) -> Snapshot | None:
        """The last known snapshot from the cache, without any network; ``None`` if
        the cache lacks (or has corrupt copies of) the feeds a snapshot needs.

        With ``trust``, a cache whose every feed a load would fetch is there and within
        its ttl answers as the server would (:meth:`_trust_cache`); otherwise the
        snapshot is marked ``from_cache``. Reads and parses every cached body (pure
        work: the app runs it off its loop)."""
        if self.cache is None:
            return None
        cache = self.cache
        try:
            discovery_entry = cache.get(DISCOVERY)
            if discovery_entry is None:
                return None
            document = gbfs.decode_document(discovery_entry.body, DISCOVERY)
            self.discovery = gbfs.parse_discovery(document, self.gbfs_url, self.language)
            self._choose_layout(self.discovery)
            entries = {feed: cache.get(feed) for feed in OPTIONAL_FEEDS}
            info_entry = status_entry = None
            if self.has_stations:
                info_entry = cache.get("station_information")
                status_entry = cache.get("station_status")
                if info_entry is None or status_entry is None:
                    return None
            vehicle_name = self.vehicle_feed_name
            vehicle_entry = cache.get(vehicle_name) if vehicle_name else None
            if not self.has_stations and vehicle_entry is None:
                return None
            entries["station_information"] = info_entry

            def body(feed: str, entry: Any) -> FeedBody:
                return FeedBody(feed, entry.url, entry.body, entry.etag, entry.last_modified, False)

            bodies = [body(feed, entry) for feed, entry in entries.items() if entry is not None]
            status = body("station_status", status_entry) if status_entry else None
            vehicle = body(vehicle_name, vehicle_entry) if vehicle_name and vehicle_entry else None
            live = status_entry or vehicle_entry
            assert live is not None
            fetched_at = datetime.fromtimestamp(live.fetched_at, tz=UTC)
            snapshot = self._parse_all(
                bodies, status, vehicle, from_cache=True, fetched_at=fetched_at
            )
        except (FeedError, FeedFormatError):
            return None
        for parsed in (*bodies, status, vehicle):  # a live load's 304s then reuse these
            if parsed is not None and parsed.feed not in self._unreadable:
                self._parsed_from[parsed.feed] = (parsed.etag, parsed.last_modified)
        return snapshot if trust is None else self._trust_cache(snapshot, trust)

    def may_be_within_ttl(self, trust: CacheTrust) -> bool:
        """A quick look at the cache's metadata alone (no body read): False when it
        cannot be within its ttl (discovery or availability too old, or absent), so the
        caller fetches without parsing a copy it would not use."""
        if self.cache is None:
            return False
        discovery = self.cache.meta(DISCOVERY)
        if discovery is None or not trust.younger(discovery.fetched_at, MAX_INFO_TTL_S):
            return False
        longest_s = trust.live_ttl_s(MAX_INFO_TTL_S)  # no live ttl is trusted for longer
        live = [self.cache.meta(feed) for feed in ("station_status", *VEHICLE_FEEDS)]
        return any(meta is not None and trust.younger(meta.fetched_at, longest_s) for meta in live)

    def _needed_feeds(self) -> list[str]:
        """Every feed :meth:`load` would fetch, as gbfs.json lists them now."""
        assert self.discovery is not None
        listed = self.discovery.feeds
        feeds = [DISCOVERY, "system_information", "vehicle_types", *EXTRA_FEEDS]
        if self.has_stations:
            feeds += ["station_information", "station_status"]
        if self.vehicle_feed_name is not None:
            feeds += [self.vehicle_feed_name, GEOFENCING]
        return [feed for feed in feeds if feed == DISCOVERY or feed in listed]

    def _trusted_s(self, feed: str, trust: CacheTrust) -> float | None:
        """How long ``feed``'s cached copy may stand for the server's answer: the app's
        rules (availability and vehicles on the refresh period, descriptive feeds within
        60-3600 s); ``None`` when it was not read (unreadable, degraded)."""
        assert self.discovery is not None
        if feed == DISCOVERY:
            return clamp_ttl(self.discovery.ttl, MIN_INFO_TTL_S, MAX_INFO_TTL_S)
        if feed == "station_status":
            return trust.live_ttl_s(self.status.meta.ttl) if self.status else None
        if feed == self.vehicle_feed_name:
            return trust.live_ttl_s(self.vehicle_feed.meta.ttl) if self.vehicle_feed else None
        if feed in self._unreadable or feed not in self._ttls:
            return None
        return self._ttls[feed]

    def _trust_cache(self, snapshot: Snapshot, trust: CacheTrust) -> Snapshot:
        """``snapshot`` as a live answer when every feed :meth:`load` would fetch is cached
        (from the URL gbfs.json gives now) and younger than its ttl; else as it is.

        A trusted copy also becomes what the next refresh is conditional on, on each
        feed's own ttl from when it was fetched, so the refreshes after it are the
        incremental ones (availability first, descriptive feeds when due)."""
        assert self.cache is not None and self.discovery is not None
        if self.degraded:
            return snapshot
        states: dict[str, _FeedState] = {}
        for feed in self._needed_feeds():
            meta = self.cache.meta(feed)
            url = self.gbfs_url if feed == DISCOVERY else self.discovery.feeds.get(feed)
            trusted_s = self._trusted_s(feed, trust)
            if meta is None or meta.url != url or trusted_s is None:
                return snapshot
            age = trust.age_s(meta.fetched_at)
            if age is None or age >= trusted_s:
                return snapshot
            ttl_s = self._ttls.get(feed, MIN_INFO_TTL_S)
            states[feed] = _FeedState(meta.url, meta.etag, meta.last_modified,
                                      self._clock() - age, ttl_s)  # fmt: skip
        log.debug("%s: every feed cached within its ttl: no request", self.label)
        self._states = states
        self.snapshot = msgspec.structs.replace(snapshot, from_cache=False, within_ttl=True)
        return self.snapshot

    # -- refresh ------------------------------------------------------------------

    async def refresh(self) -> Snapshot:
        """Refetch station status (and vehicles, on their ttl), plus any descriptive feed
        whose ttl has run out.

        Returns the *same* snapshot object when nothing changed (all 304s), so
        callers can skip re-ranking and redrawing with an identity check.
        """
        if (
            self.discovery is None
            or self.snapshot is None
            or self.snapshot.from_cache
            or (self.has_stations and (self.info is None or "station_status" not in self._states))
            or (not self.has_stations and self.vehicle_feed_name not in self._states)
        ):
            return await self.load()
        live = ("station_status", DISCOVERY, self.vehicle_feed_name)
        due = [
            feed
            for feed, state in self._states.items()
            if feed not in live
            and feed not in self._pending
            and self._clock() - state.fetched_at >= state.ttl_s
        ]
        started = [self._start(feed, self._refetch(feed)) for feed in due]
        changed = await self._collect(REFRESH_GRACE_S, started)
        kinds_before, types_before = self.vehicle_kinds, self.vehicle_types
        if changed:
            await self.offload(lambda: self._parse_descriptive(changed))
        # New vehicle types change every record's mechanical/electric split: the status
        # must be parsed again, so it is fetched whole (and the vehicles' forms likewise).
        kinds_changed = self.vehicle_kinds != kinds_before
        types_changed = self.vehicle_types != types_before
        status = None
        if self.has_stations:
            status = await self._refetch("station_status", conditional=not kinds_changed)
        vehicle = await self._refresh_vehicles(types_changed)
        if status is None and vehicle is None and not changed and not types_changed:
            if self.snapshot.within_ttl:  # the server confirmed it: a live answer now
                self.snapshot = msgspec.structs.replace(self.snapshot, within_ttl=False)
            return self.snapshot
        snapshot = self.snapshot
        fetched_at = None if status is not None or not self.has_stations else snapshot.fetched_at
        if vehicle is None and not self.has_stations:
            fetched_at = snapshot.fetched_at
        snapshot = await self.offload(lambda: self._parse_live(status, vehicle, fetched_at))
        stored = [*changed, *(body for body in (status, vehicle) if body is not None)]
        await self.offload(lambda: self._store(stored))
        return snapshot

    def _start(
        self, feed: str, fetch: Awaitable[FeedBody | None]
    ) -> Background[FeedBody | FeedError | None]:
        """Fetch a descriptive feed in the background; its failure is kept as its result
        (a task that raises would be reported on stderr when nobody awaits it)."""

        async def guarded() -> FeedBody | FeedError | None:
            try:
                return await fetch
            except FeedError as error:
                return error
            except Exception as error:  # e.g. the client closed under it at exit
                log.debug("%s: %s fetch failed", self.label, feed, exc_info=error)
                return FeedError(self.label, feed, first_line(error))

        task = self.runtime.start(guarded())
        self._pending[feed] = task
        return task

    async def _collect(
        self, grace_s: float, waited: list[Background[FeedBody | FeedError | None]]
    ) -> list[FeedBody]:
        """Wait at most ``grace_s`` for ``waited``, then take every finished background
        fetch: the bodies to parse. A failure keeps the data parsed before and is tried
        again after the feed's ttl (:attr:`descriptive_error` says it)."""
        if waited:
            await self.runtime.wait(waited, grace_s)
        bodies: list[FeedBody] = []
        for feed, task in list(self._pending.items()):
            if not task.done():
                continue
            del self._pending[feed]
            if task.cancelled():
                continue
            result = task.result()
            if isinstance(result, FeedError):
                if feed in self._states:
                    self._states[feed].fetched_at = self._clock()
                self.descriptive_error = result
            else:
                self.descriptive_error = None
                if result is not None:  # None: not modified, or an optional feed missing
                    bodies.append(result)
        return bodies

    async def _refresh_vehicles(self, types_changed: bool) -> FeedBody | None:
        """The vehicle feed when its ttl has run out (or the types changed); ``None`` when
        not due, not modified, or (for a system with stations) failed: the last vehicles
        are kept and the failure is in :attr:`descriptive_error`."""
        name = self.vehicle_feed_name
        state = self._states.get(name) if name else None
        if name is None or state is None:
            return None
        if not types_changed and self._clock() - state.fetched_at < state.ttl_s:
            return None
        try:
            return await self._refetch(name, conditional=not types_changed)
        except FeedError as error:
            if not self.has_stations:
                raise
            state.fetched_at = self._clock()
            self.descriptive_error = error
            return None

    def _parse_live(
        self, status: FeedBody | None, vehicle: FeedBody | None, fetched_at: datetime | None
    ) -> Snapshot:
        if status is not None:
            self._read_status(status)
        if vehicle is not None:
            self._read_vehicles(vehicle)
        elif (
            self.vehicle_feed is not None and self._vehicle_types_used != self._types_for_vehicles()
        ):
            name = self.vehicle_feed_name
            if name is not None and name in self._states:  # new types: read the kept copy
                state = self._states[name]
                self._read_vehicles(
                    FeedBody(name, state.url, None, state.etag, state.last_modified, False)
                )
        return self._snapshot_from(from_cache=False, fetched_at=fetched_at)

    # -- fetching -----------------------------------------------------------------

    async def _fetch(
        self, feed: str, url: str, *, parsed: bool, optional: bool = False
    ) -> FeedBody | None:
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
            return FeedBody(feed, url, result.body, result.etag, result.last_modified, True)
        assert meta is not None and self.cache is not None
        self.cache.touch(feed, etag=result.etag, last_modified=result.last_modified)
        if parsed and self._parsed_from.get(feed) == (meta.etag, meta.last_modified):
            return FeedBody(feed, url, None, result.etag, result.last_modified, False)
        cache = self.cache
        cached = await self.offload(lambda: cache.get(feed))  # reads and checks the body
        if cached is None:  # the copy went bad meanwhile: fetch it whole
            self.cache.discard(feed)
            return await self._fetch(feed, url, parsed=parsed, optional=optional)
        return FeedBody(feed, url, cached.body, result.etag, result.last_modified, False)

    async def _fetch_optional(
        self, feed: str, url: str | None, *, parsed: bool = False
    ) -> FeedBody | None:
        """An optional feed; its failure is noted in :attr:`degraded`, never raised (and
        it is tried again on the next refresh after :data:`MIN_INFO_TTL_S`)."""
        if url is None:
            return None
        try:
            return await self._fetch(feed, url, parsed=parsed, optional=True)
        except FeedError as error:
            self._degrade(feed, error.cause)
            if feed != "system_information":
                self._states[feed] = _FeedState(url, None, None, self._clock(), MIN_INFO_TTL_S)
            return None

    async def _refetch(self, feed: str, *, conditional: bool = True) -> FeedBody | None:
        """Refetch a feed fetched before; ``None`` when the server says 304."""
        state = self._states[feed]
        result = await self.fetcher.fetch(
            feed,
            state.url,
            optional=feed in OPTIONAL_FEEDS or (feed in VEHICLE_FEEDS and self.has_stations),
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
        return FeedBody(feed, state.url, result.body, result.etag, result.last_modified, True)

    def _store(self, bodies: list[FeedBody]) -> None:
        """After a parse: remember each feed for the next refresh, note which body what is
        parsed came from, and cache the fresh bodies (only bodies that parsed are cached)."""
        for body in bodies:
            unreadable = body.feed in self._unreadable
            self._states[body.feed] = _FeedState(
                url=body.url,
                etag=None if unreadable else body.etag,  # refetched whole next time
                last_modified=None if unreadable else body.last_modified,
                fetched_at=self._clock(),
                ttl_s=self._ttls.get(body.feed, MIN_INFO_TTL_S),
            )
            if unreadable:
                self._parsed_from.pop(body.feed, None)
                continue
            self._parsed_from[body.feed] = (body.etag, body.last_modified)
            if body.fresh and body.body is not None and self.cache:
                self.cache.put(body.feed, body.url, body.body, body.etag, body.last_modified)

    def _required(self, discovery: Discovery, feed: str) -> str:
        return self._parse(feed, lambda: gbfs.require_feed_url(discovery, feed))

    def _check_url(self, feed: str, url: str) -> None:
        self._parse(feed, lambda: gbfs.check_feed_url(feed, url))
