"""The fleet of live systems: loading (cache first, then live), refreshing and the scene.

The printed commands and the app drive the same object: the printed ones call
:meth:`Fleet.load` then (``--watch``) :meth:`Fleet.refresh`; the app runs
:meth:`Fleet.read_cache` and :meth:`Fleet.fetch` in its workers and hands the results to
:meth:`Fleet.apply` in its message handlers. Either way :meth:`Fleet.prepare` makes the
:class:`~bikefinder.rider.scene.Scene` the lists are drawn from, and calls each hook
given to :meth:`Fleet.on_snapshot` once per new snapshot: the place for anything that
learns from the data over time (trends, where a system is).

A system whose cached feeds are all within their ttl answers from the cache without
asking its server (:meth:`Fleet.load_within_ttl`, :meth:`Fleet.read_cache`); asyncio and
the HTTP stack are imported only once something is fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from bikefinder.common.i18n import N_
from bikefinder.common.logs import get_logger
from bikefinder.common.phrases import Phrase, phrase
from bikefinder.common.text import clean, system_label_for
from bikefinder.feeds.cache import CacheTrust, FeedCache
from bikefinder.feeds.http import (
    MAX_FEED_BYTES,
    HttpClient,
    make_blocking_client,
    make_http_client,
)
from bikefinder.feeds.loader import Offload, SystemFeeds, run_inline
from bikefinder.feeds.runtime import ASYNCIO, Runtime
from bikefinder.feeds.vehicles import VehicleSelection, has_bicycles, others_what
from bikefinder.fleet.live import Failed, LiveSystem, Loaded, failure_lines, same_numbers
from bikefinder.rider.refresh import RefreshSchedule, refresh_interval_s
from bikefinder.rider.rows import SceneSystem
from bikefinder.rider.scene import Scene
from bikefinder.rider.staleness import data_age_s, format_age
from bikefinder.rider.trends import TrendHistory
from bikefinder.systems.source import SystemSource, remember_loaded_system

if TYPE_CHECKING:
    import contextlib

    from bikefinder.feeds.snapshot import Snapshot

log = get_logger(__name__)

#: What a hook is given: the system and its new snapshot (on the thread that prepares).
SnapshotHook = Callable[[LiveSystem, "Snapshot"], None]
#: One system's data as a scene is built from it: (system, snapshot or None, why none).
Frame = list[tuple[SceneSystem, "Snapshot | None", "str | None"]]
#: What a system without bicycles has, in the plural (by ``others_what``).
OTHER_VEHICLES = {"scooter": N_("scooters"), "moped": N_("mopeds"), "car": N_("cars"),
                  "other": N_("other vehicles")}  # fmt: skip


def utc_now() -> datetime:
    return datetime.now(UTC)


class Fleet:
    """The systems a rider looks at, each loading and refreshing on its own."""

    def __init__(
        self,
        sources: Sequence[SystemSource] = (),
        *,
        language: str | None = None,
        client_id: str | None = None,
        max_bytes: int | None = None,
        refresh_s: float | None = None,
        selection: VehicleSelection = VehicleSelection.BIKES,
        clock: Callable[[], datetime] = utc_now,
        offload: Offload = run_inline,
        use_cache: bool = True,
        cache_for: Callable[[SystemSource], FeedCache | None] | None = None,
        remember: bool = True,
        runtime: Runtime = ASYNCIO,
    ) -> None:
        """``offload`` runs decoding and parsing (the app: its data thread); ``clock`` is
        the one clock of every deadline (tests set it); ``use_cache``: read and write the
        feed cache (``cache_for``: each system's, instead of the user's cache folder);
        ``remember``: learn where each loaded system is (coverage); ``runtime``: how
        loads wait (an event loop; a printed answer's threads)."""
        self.language = language
        self.client_id = client_id
        self.max_bytes = MAX_FEED_BYTES if max_bytes is None else max_bytes
        self.refresh_s = refresh_s
        self.selection = selection
        self.clock = clock
        self.offload = offload
        self.use_cache = use_cache
        self.cache_for = cache_for
        self.runtime = runtime
        self.systems: list[LiveSystem] = []
        #: Each system's recent counts, by system id (the Trend column).
        self.trends: dict[str, TrendHistory] = {}
        self._hooks: list[SnapshotHook] = [self._record_trends]
        self._remember = remember
        if remember:
            self._hooks.append(self._remember_where)
        #: What the fleet left out while loading, for the rider (one line each).
        self.notes: list[str | Phrase] = []
        self._dropped: set[str] = set()
        self._clients: dict[int, HttpClient] = {}
        self._client_lock: contextlib.AbstractAsyncContextManager[Any] | None = None
        self.closed = False
        for source in sources:
            self.add(source)

    # -- which systems ---------------------------------------------------------------

    def add(self, source: SystemSource) -> LiveSystem:
        """One more system (the same gbfs.json URL twice is one system)."""
        known = self.system(source.gbfs_url)
        if known is not None:
            return known
        cache = None
        if not source.is_demo and self.use_cache:
            cache = self.cache_for(source) if self.cache_for else FeedCache(source.gbfs_url)
        feeds = SystemFeeds(
            None,
            source.gbfs_url,
            language=self.language,
            label=source.label,
            cache=cache,
            offload=self.offload,
            headers=source.headers,
            max_bytes=self.max_bytes,
            free_floating=True,
            clock=self._feed_clock,
            runtime=self.runtime,
        )
        schedule = RefreshSchedule.starting(self.clock(), self.refresh_s)
        system = LiveSystem(source, feeds, schedule)
        self.systems.append(system)
        self._name(system)
        return system

    def remove(self, gbfs_url: str) -> LiveSystem | None:
        system = self.system(gbfs_url)
        if system is not None:
            self.systems.remove(system)
        return system

    def system(self, gbfs_url: str) -> LiveSystem | None:
        return next((s for s in self.systems if s.url == gbfs_url), None)

    def by_id(self, system_id: str) -> LiveSystem | None:
        return next((s for s in self.systems if s.system_id == system_id), None)

    @property
    def remembers(self) -> bool:
        """Whether loads are written to ``coverage.json`` (so what it says is this
        fleet's own learning, not a stranger's file)."""
        return self._remember

    @property
    def enabled(self) -> list[LiveSystem]:
        return [system for system in self.systems if system.enabled]

    def on_snapshot(self, hook: SnapshotHook) -> None:
        """Call ``hook(system, snapshot)`` once per new snapshot, when a scene is prepared."""
        self._hooks.append(hook)

    def _name(self, system: LiveSystem) -> None:
        """Fix the system's id once it is known: the catalog's, else its feed's (made
        unique in the fleet); until data names it, its URL's host/folder."""
        snapshot = system.snapshot
        base = system.source.system_id or (snapshot.system.system_id if snapshot else None)
        if system.system_id and (system.named or base is None):
            return
        taken = {other.system_id for other in self.systems if other is not system}
        first = base or system_label_for(system.url)
        key, number = first, 2
        while key in taken:
            key, number = f"{first}#{number}", number + 1
        system.system_id, system.named = key, base is not None

    # -- loading ---------------------------------------------------------------------

    def _feed_clock(self) -> float:
        """The fleet's clock in seconds, for the feeds' own ttls."""
        return self.clock().timestamp()

    async def _client(self, system: LiveSystem) -> HttpClient | None:
        """The HTTP client for ``system``: one shared by every system, one more per
        test or demo transport (made by the runtime: off the event loop, a TLS context
        takes ~0.1 s). ``None`` once the fleet is closed."""
        if self._client_lock is None:
            self._client_lock = self.runtime.lock()
        transport = system.source.transport
        slot = id(transport) if transport is not None else 0
        async with self._client_lock:
            client = self._clients.get(slot)
            if client is None:
                if self.runtime.blocking and transport is None:
                    client = make_blocking_client(self.client_id)
                else:
                    client = await self.runtime.to_thread(
                        make_http_client, self.client_id, None, transport
                    )
                if self.closed:
                    await client.aclose()
                    return None
                self._clients[slot] = client
        return client

    def cache_trust(self) -> CacheTrust:
        """When a cached feed may stand for the server's answer, now: availability and
        vehicles for the refresh period (the status ttl within 5-60 s, or ``--refresh``),
        descriptive feeds for their own ttl within 60-3600 s."""
        return CacheTrust(
            self._feed_clock(), partial(refresh_interval_s, override_s=self.refresh_s)
        )

    async def read_cache(self, system: LiveSystem, *, trust_ttl: bool = True) -> Loaded | None:
        """The system's last known data, without the network: as a live answer
        (``within_ttl``) when every feed is within its ttl and ``trust_ttl``, else
        marked as cached."""
        trust = self.cache_trust() if trust_ttl and system.refused is None else None
        snapshot = await self.offload(lambda: system.feeds.load_cached(trust))
        return None if snapshot is None else Loaded(system.url, snapshot)

    def load_within_ttl(self) -> bool:
        """Answer each enabled system whose cached feeds are all within their ttl from its
        cache, here and now (no request, no event loop: a printed answer needs neither);
        whether every enabled system was so answered. The others' copies are parsed
        only if they may be (a quick look at the metadata first), and then the live
        load's 304s reuse that parse."""
        trust = self.cache_trust()
        for system in self.enabled:
            feeds = system.feeds
            if system.refused is not None or not feeds.may_be_within_ttl(trust):
                continue
            try:
                snapshot = feeds.load_cached(trust)
            except Exception as exc:  # a copy this version cannot read: ask the server
                log.warning("%s: cached copy unreadable", system.url, exc_info=exc)
                continue
            if snapshot is not None and snapshot.within_ttl:
                self.apply(Loaded(system.url, snapshot))
        return all(within_ttl(system) for system in self.enabled)

    async def fetch(self, system: LiveSystem) -> list[Loaded | Failed]:
        """Fetch once (the whole system the first time, then what is due); what
        happened. A failed first load brings the cached copy first, if there is one."""
        if system.refused is not None:
            return [Failed(system.url, system.refused, system.refused)]
        client = await self._client(system)
        if client is None:
            return []
        system.feeds.attach(client)
        first_load = system.snapshot is None or system.snapshot.from_cache
        try:
            snapshot = await system.feeds.refresh()
        except Exception as exc:  # report and retry, whatever it is
            error, brief = failure_lines(exc, system.feeds.label)
            log.error("fetch failed: %s", error, exc_info=exc)
            cached = None
            if first_load and system.snapshot is None:
                cached = await self.read_cache(system, trust_ttl=False)
            return [*([cached] if cached else []), Failed(system.url, error, brief)]
        problem = system.feeds.descriptive_error
        partial = f"{problem.feed}: {problem.cause}" if problem is not None else None
        return [Loaded(system.url, snapshot, partial)]

    def apply(self, event: Loaded | Failed) -> LiveSystem | None:
        """Record what a fetch or cache read gave; the system it is about (``None``: a
        system no longer in the fleet)."""
        system = self.system(event.gbfs_url)
        if system is None:
            return None
        now = self.clock()
        if isinstance(event, Loaded):
            system.loaded(event.snapshot, now, event.partial_error)
            self._name(system)
            self._drop_without_bicycles(system, event.snapshot)
        else:
            system.failed(event.error, event.brief, now)
            if system.snapshot is not None and system.snapshot.from_cache:
                age = data_age_s(system.snapshot, now)
                age_text = f"{format_age(age)} old" if age is not None else "of unknown age"
                system.cache_note = f"{event.error}; showing cached data {age_text}"
        return system

    async def load(self) -> None:
        """Every enabled system at once, for a printed answer: live, else its cached copy
        (with :attr:`LiveSystem.cache_note`), else its error. A system already answered
        from its cache within the ttl (:meth:`load_within_ttl`) is not asked."""
        await self._fetch_all([system for system in self.enabled if not within_ttl(system)])

    async def refresh(self) -> None:
        """One refresh of every enabled system (each loader fetches only what is due);
        a failure keeps that system's last data with its error."""
        await self._fetch_all(self.enabled)

    async def _fetch_all(self, systems: list[LiveSystem]) -> None:
        """Fetch every system at once, then record what each gave, here (a blocking
        runtime fetches on threads: the fleet's own state is changed on one)."""
        answers = await self.runtime.gather(*(self.fetch(system) for system in systems))
        for events in answers:
            for event in events:
                self.apply(event)

    def due(self) -> list[LiveSystem]:
        """The enabled systems whose next fetch is due now."""
        now = self.clock()
        return [system for system in self.enabled if system.schedule.due(now)]

    async def aclose(self) -> None:
        """Close the HTTP clients; a client made after this is closed at once."""
        self.closed = True
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def __aenter__(self) -> Fleet:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- the scene -------------------------------------------------------------------

    def frame(self) -> Frame:
        """The enabled systems' data as it is now (cheap: for the UI thread)."""
        return [(system.scene_system, system.snapshot, system.error) for system in self.enabled]

    def prepare(self, frame: Frame, previous: Scene | None = None) -> Scene:
        """The scene of ``frame``, after the hooks have seen each new snapshot in it.
        Possibly slow (indexes, trends): the app runs it on its data thread."""
        for scene_system, snapshot, _error in frame:
            system = self.system(scene_system.gbfs_url)
            if system is None or snapshot is None or system.hooked is snapshot:
                continue
            seen = system.hooked
            system.hooked = snapshot
            if same_numbers(seen, snapshot):
                continue
            for hook in self._hooks:
                hook(system, snapshot)
        return Scene.build(frame, self.selection, previous)

    def scene(self, previous: Scene | None = None) -> Scene:
        """:meth:`prepare` of the fleet as it is now, on this thread."""
        return self.prepare(self.frame(), previous)

    def default_cache(self, source: SystemSource) -> FeedCache | None:
        """The user's feed cache for ``source`` (none for the demo)."""
        return None if source.is_demo else FeedCache(source.gbfs_url)

    def _drop_without_bicycles(self, system: LiveSystem, snapshot: Snapshot) -> None:
        """A system chosen by location for a bike view that turns out to have no bicycle
        (a car share among the nearest operators) is turned off, said, and remembered
        (coverage), so that it is not chosen for a bike view again. One named by the
        rider, or the last one on, stays."""
        if (
            self.selection is VehicleSelection.ALL
            or system.url in self._dropped  # once: a rider may turn it on again
            or system.source.chosen_by is None
            or has_bicycles(snapshot.vehicle_types) is not False
            or not any(other.enabled for other in self.systems if other is not system)
        ):
            return
        system.enabled = False
        self._dropped.add(system.url)
        what = others_what(snapshot.vehicle_types)
        self.notes.append(
            phrase(
                "{system} has no bicycles ({what}): left out of this bike view, and not "
                "chosen for one again (--vehicles all lists it)",
                system=clean(system.name, 60),
                what=phrase(OTHER_VEHICLES.get(what, OTHER_VEHICLES["other"])),
            )
        )
        if self._remember and not (snapshot.from_cache or snapshot.within_ttl or system.remembered):
            system.remembered = True
            remember_loaded_system(system.source, snapshot)

    def _remember_where(self, system: LiveSystem, snapshot: Snapshot) -> None:
        """Learn where a system is (its coverage, for choosing by location) from its first
        live snapshot of the fleet's life."""
        if not (snapshot.from_cache or snapshot.within_ttl or system.remembered):
            system.remembered = True
            remember_loaded_system(system.source, snapshot)

    def _record_trends(self, system: LiveSystem, snapshot: Snapshot) -> None:
        history = self.trends.setdefault(system.system_id, TrendHistory())
        history.record(system.url, snapshot.stations)


def within_ttl(system: LiveSystem) -> bool:
    """The system's data is its cache's, trusted within the feeds' ttl (no request yet)."""
    return system.snapshot is not None and system.snapshot.within_ttl


#: What the fleet exports: ``FeedCache`` too, the type of a system's cache, so that
#: front ends can name it without importing the feeds' I/O.
__all__ = ["FeedCache", "Fleet", "Frame", "SnapshotHook", "utc_now"]
