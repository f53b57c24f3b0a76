"""The Textual station finder: a live, ranked, keyboard-driven list of nearby stations.

The app owns the feeds; its one screen, :class:`StationsScreen`, owns the list. Data
flow: a 1 s ``set_interval`` tick starts an exclusive ``@work`` worker when a refresh is
due; the worker only fetches (``SystemFeeds.refresh``) and posts a :class:`SnapshotLoaded`
or :class:`RefreshFailed` message; the ``@on`` handlers own the data and hand it to the
screen, which redraws the table in place. Ranking, usefulness per mode and staleness
come from :mod:`bikefinder.rider`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from bikefinder.common.text import clean
from bikefinder.feeds.cache import FeedCache
from bikefinder.feeds.demo import DEMO_NEAR
from bikefinder.feeds.loader import system_label_for
from bikefinder.feeds.models import Station
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.feeds.vehicles import VehicleSelection
from bikefinder.rider.alerts import alert_environment, alert_message, run_notify_command
from bikefinder.rider.changes import count_changes
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.listing import (
    MIXED_ROWS,
    MixedData,
    StationDetails,
    StationListing,
    VehicleDetails,
    favourites_url,
    find_mixed_row,
    mixed_detail_line,
    new_favourite,
    prepare_mixed,
)
from bikefinder.rider.mode_rows import DEFAULT_LIMIT
from bikefinder.rider.output import format_distance
from bikefinder.rider.ranking import FAR_FROM_POINT_M, ranked_from
from bikefinder.rider.refresh import Freshness, RefreshSchedule, freshness
from bikefinder.rider.staleness import is_report_stale, report_age_s
from bikefinder.rider.walking import WALKING_SPEED_KMH
from bikefinder.systems.source import (
    SYSTEM_CENTRE,
    SystemSource,
    remember_loaded_system,
    resolve_source,
    start_point,
)
from bikefinder.systems.switching import SystemSwitching, point_for_system
from bikefinder.ui.commands import palette_commands
from bikefinder.ui.data_thread import run_on_data_thread
from bikefinder.ui.feed_session import FeedSession
from bikefinder.ui.messages import (
    EditWatch,
    MixedPrepared,
    RefreshFailed,
    SnapshotLoaded,
    ToggleFavourite,
    WatchFired,
)
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.screens.stations import StationsScreen
from bikefinder.ui.screens.watch_dialog import WatchChoice
from bikefinder.ui.systems import ExtraSystem, scene_system
from bikefinder.ui.watches import WatchKeeper
from bikefinder.ui.widgets.status_bar import HeaderState

if TYPE_CHECKING:
    from bikefinder.options import Options

#: How long ``r``'s note stays.
REFRESH_NOTE_S = 2.5
#: Notifications about a fired watch stay up long enough to be seen from across the room.
ALERT_TIMEOUT_S = 30


def utc_now() -> datetime:
    return datetime.now(UTC)


#: The coverage workers' description: given, because Textual's default is ``repr(work)``,
#: and the repr of a partial holding a snapshot walks every station and vehicle on the
#: event loop (~200 ms for 10,000 vehicles).
COVERAGE_WORKER = "remember where the system is"


class BikefinderApp(App[int]):
    """The station finder for one system around one point."""

    CSS_PATH = "app.tcss"
    TITLE = "bikefinder"
    #: Every screen's keys; the list and details screens bind their own (``?`` and ``r``
    #: there run the app's actions, in the footer's order).
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(
        self,
        source: SystemSource,
        near: tuple[float, float],
        favourites: FavouritesStore,
        *,
        limit: int | None = DEFAULT_LIMIT,
        language: str | None = None,
        client_id: str | None = None,
        refresh_s: float | None = None,
        cache: FeedCache | None = None,
        clock: Callable[[], datetime] = utc_now,
        local_tz: tzinfo | None = None,
        near_note: str | None = None,
        switching: SystemSwitching | None = None,
        notify_command: str | None = None,
        more_sources: Sequence[SystemSource] = (),
        vehicles: VehicleSelection | None = None,
        walking_speed_kmh: float = WALKING_SPEED_KMH,
        favourites_view: bool = False,
    ) -> None:
        """``source.transport``, ``favourites``, ``cache``, ``clock`` and ``switching``
        (the picker's catalog and transport) are the seams tests inject; ``cache`` (if
        any) supplies the last known data when the network fails. ``near_note`` says
        ``near`` is not the rider's position (e.g. ``"system centre"``). ``limit`` None
        lists as many stations as the screen holds, and more as the cursor reaches the
        end. ``more_sources``: more systems listed with this one in one ranked list
        (issue 11); ``vehicles``: which free-floating vehicles are listed (``None``: bikes,
        and a system of vehicles alone loads only with several systems);
        ``walking_speed_kmh``: the pace of walking times (config.toml's);
        ``favourites_view``: open on the favourites (``--favorites``)."""
        super().__init__()
        self.source = source
        self.near = near
        self.near_note = near_note
        #: The rider's own position, kept across system switches (None: not known).
        self.rider_near = near if near_note is None and not source.is_demo else None
        self.switching = switching or SystemSwitching()
        self._remembered_url: str | None = None
        self.favourites = favourites
        self.limit = limit
        #: Set by a switch (``s``): rank from the system's centre if the point is far from it.
        self._move_if_far = False
        self.language = language
        self.client_id = client_id
        self.cache = cache
        self.clock = clock
        self.local_tz = local_tz
        self.schedule = RefreshSchedule.starting(clock(), refresh_s)
        self.listing = StationListing()
        self.trends = self.listing.trends
        #: The feeds of the system shown (made when the app mounts, and by a switch).
        self.session: FeedSession | None = None
        self.notify_command = notify_command
        self.watches = WatchKeeper(favourites, self.post_message)
        #: Issue 11: the other systems shown, by gbfs.json URL, and the mixed list.
        self.extras: dict[str, ExtraSystem] = {
            s.gbfs_url: ExtraSystem(s, RefreshSchedule.starting(clock(), refresh_s))
            for s in more_sources
            if s.gbfs_url != source.gbfs_url
        }
        self.selection = vehicles or VehicleSelection.BIKES
        #: Systems of vehicles alone (no stations) load: several systems, or --vehicles.
        self.free_floating = bool(self.extras) or vehicles is not None
        self.mixed: MixedData | None = None
        #: When the first system's refreshes started failing (the header says since when).
        self.failing_since: datetime | None = None
        self.primary_enabled = True
        self.walking_speed_kmh = walking_speed_kmh
        #: The list: the screen the app opens on, which the data is handed to.
        self.stations = StationsScreen(self, limit=limit, local_tz=local_tz,
                                       walking_speed_kmh=walking_speed_kmh,
                                       favourites_view=favourites_view)  # fmt: skip

    @property
    def snapshot(self) -> Snapshot | None:
        """The data shown (``None`` until the first load)."""
        return self.listing.snapshot

    # -- lifecycle -------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.favourites.load()
        self._show_store_notices()
        await self.push_screen(self.stations)
        self.set_interval(1.0, self.tick)
        self._open_system()
        for extra in self.extras.values():
            self._open_extra(extra)

    def _open_system(self) -> None:
        """Start loading ``self.source`` (at start-up and after a switch).

        The HTTP client is made by the first fetch, off the UI thread (building its TLS
        context takes ~0.1 s), so cached data can be on screen before that."""
        self.session = FeedSession(
            self.source, language=self.language, client_id=self.client_id, cache=self.cache,
            free_floating=self.free_floating, clock=self._feed_clock,
        )  # fmt: skip
        self.stations.show_loading(self._system_name())
        self.stations.update_header()
        self._show_cached_then_fetch()

    def _feed_clock(self) -> float:
        """The app's clock in seconds, for the feeds' own ttls: one clock for every
        deadline (and the one tests set)."""
        return self.clock().timestamp()

    @work(exclusive=True, group="feeds")
    async def _show_cached_then_fetch(self) -> None:
        """Stale-while-revalidate: the last known data (marked with its age) as soon as
        it is read, replaced in place when the live fetch answers."""
        session = self.session
        assert session is not None
        cached = await session.load_cached()
        if cached is not None:
            await self._post_loaded(SnapshotLoaded(cached))
        self.schedule.start()
        await self._fetch_now(session)

    async def switch_system(
        self, source: SystemSource, near: tuple[float, float], near_note: str | None
    ) -> None:
        """Show another system in place: the fetch under way is cancelled, the old HTTP
        client closed; mode, favourites view and filter are kept."""
        self.workers.cancel_group(self, "feeds")
        old_session = self.session
        self.source, self.near, self.near_note = source, near, near_note
        self.cache = self.switching.cache_for(source)
        self.listing.clear()
        self.schedule.forget_failures()
        self.stations.clear()
        self._open_system()
        if old_session is not None:
            await old_session.close()

    async def on_unmount(self) -> None:
        if self.session is not None:
            await self.session.close()
        for extra in self.extras.values():
            if extra.session is not None:
                await extra.session.close()

    # -- several systems (issue 11) --------------------------------------------------

    def _open_extra(self, extra: ExtraSystem) -> None:
        """Start loading one more system: its cached data, then its own refreshes."""
        cache = None if self.cache is None else self.switching.cache_for(extra.source)
        extra.session = FeedSession(extra.source, language=self.language, client_id=self.client_id,
                                    cache=cache, free_floating=True,
                                    clock=self._feed_clock)  # fmt: skip
        self._fetch_extra(extra, with_cache=True)

    def _fetch_extra(self, extra: ExtraSystem, *, with_cache: bool = False) -> None:
        extra.schedule.start(extra.schedule.manual)
        self.run_worker(self._extra_fetch_now(extra, with_cache), group=extra.worker_group,
                        exclusive=True, exit_on_error=False)  # fmt: skip

    async def _extra_fetch_now(self, extra: ExtraSystem, with_cache: bool) -> None:
        """One system's fetch: posts messages only, its own worker group (each system
        refreshes on its own ttl and back-off)."""
        session = extra.session
        assert session is not None
        if with_cache:
            cached = await session.load_cached()
            if cached is not None:
                self.post_message(SnapshotLoaded(cached))
        if not await session.connect():
            return
        for message in await session.refresh(first_load=extra.snapshot is None):
            self.post_message(message)

    @property
    def is_multi(self) -> bool:
        """Several systems are shown (a System column, the picker toggles systems)."""
        return bool(self.extras)

    @property
    def use_mixed(self) -> bool:
        """The list is the mixed one: several systems, or vehicles to list."""
        return self.is_multi or (self.mixed is not None and self.mixed.has_vehicles)

    def shown_system_urls(self) -> set[str]:
        """The gbfs.json URLs of every system shown."""
        return {self.source.gbfs_url, *self.extras}

    def _mixed_systems(self) -> list[tuple[SystemSource, Snapshot]]:
        """The enabled systems with data, first system first."""
        found: list[tuple[SystemSource, Snapshot]] = []
        if self.primary_enabled and self.snapshot is not None:
            found.append((self.source, self.snapshot))
        for extra in self.extras.values():
            if extra.enabled and extra.snapshot is not None:
                found.append((extra.source, extra.snapshot))
        return found

    def _wants_mixed(self, snapshot: Snapshot) -> bool:
        return self.is_multi or (
            self.selection is not VehicleSelection.NONE and bool(snapshot.vehicles)
        )

    def prepare_mixed(self) -> None:
        """Rebuild the mixed list's data on a thread (one data change, point or size)."""
        taken: set[str] = set()
        systems = []
        for source, snapshot in self._mixed_systems():
            system = scene_system(source, snapshot, taken)
            taken.add(system.key)
            systems.append((system, snapshot))
        limit = max(MIXED_ROWS, self.stations.shown_limit)
        prepare = partial(prepare_mixed, systems, self.mixed, self.near, limit, self.selection,
                          self.clock(), self.walking_speed_kmh)  # fmt: skip
        self._post_mixed(prepare)

    # A description, or Textual builds one from repr(prepare): every snapshot, every
    # vehicle (1.6 s on the event loop for the Paris-like scene's 30,000 vehicles).
    @work(exclusive=True, group="mixed", exit_on_error=False, description="prepare the mixed list")
    async def _post_mixed(self, prepare: Callable[[], MixedData]) -> None:
        """Run ``prepare`` on a thread; the newest preparation wins (exclusive)."""
        self.post_message(MixedPrepared(await run_on_data_thread(prepare)))

    @on(MixedPrepared)
    def _mixed_prepared(self, message: MixedPrepared) -> None:
        self.mixed = message.data
        if message.data.scene.indexes and not self.stations.table.display:
            self.stations.show_list()
        self.stations.render_rows()

    @work(group="coverage", exit_on_error=False, description=COVERAGE_WORKER)
    async def _remember(self, source: SystemSource, snapshot: Snapshot) -> None:
        """Learn where a loaded system is (its coverage, for choosing by location)."""
        await run_on_data_thread(remember_loaded_system, source, snapshot)

    def _extra_loaded(self, extra: ExtraSystem, message: SnapshotLoaded) -> None:
        snapshot = message.snapshot
        if not snapshot.from_cache and extra.snapshot is None:
            self._remember(extra.source, snapshot)
        changed = extra.snapshot is not snapshot
        extra.snapshot = snapshot
        extra.schedule.succeeded(snapshot.status_meta.ttl, self.clock(), message.partial_error)
        if not snapshot.from_cache:
            extra.failing_since = None
        if changed:
            self._check_watches(snapshot, {s.station_id: s for s in snapshot.stations})
            self.prepare_mixed()
        self.stations.update_header()

    def _extra_failed(self, extra: ExtraSystem, message: RefreshFailed) -> None:
        extra.schedule.failed(message.error, message.brief, self.clock())
        if extra.failing_since is None:
            extra.failing_since = self.clock()
        self.stations.update_header()

    def failing_systems(self) -> list[tuple[str, datetime | None, str]]:
        """The shown systems whose refreshes fail: (name, since when, what fails)."""
        failing = []
        if self.schedule.last_error is not None:
            brief = self.schedule.last_error_brief or self.schedule.last_error
            failing.append((self._system_name(), self.failing_since, brief))
        for extra in self.extras.values():
            if extra.enabled and extra.schedule.last_error is not None:
                name = (extra.snapshot.system.name if extra.snapshot else None) or (
                    extra.source.label or system_label_for(extra.source.gbfs_url)
                )
                brief = extra.schedule.last_error_brief or extra.schedule.last_error
                failing.append((name, extra.failing_since, brief))
        return failing

    def _failing_line(self) -> str | None:
        parts = []
        for name, since, brief in self.failing_systems():
            when = f" since {since.astimezone(self.local_tz):%H:%M:%S}" if since else ""
            parts.append(f"{clean(name, 40)} failing{when} ({clean(brief, 80)})")
        if not parts:
            return None
        return "; ".join(parts) + ": the other systems' rows are shown"

    # -- refreshing ------------------------------------------------------------------

    def start_refresh(self, manual: bool = False) -> None:
        """Fetch now (a refresh already running is cancelled and restarted); ``manual``:
        the rider asked (``r``), which never lengthens the back-off."""
        self.schedule.start(manual)
        self._fetch()

    @work(exclusive=True, group="feeds")
    async def _fetch(self) -> None:
        """Fetch in the background; all state changes happen in the message handlers."""
        session = self.session
        assert session is not None
        await self._fetch_now(session)

    async def _fetch_now(self, session: FeedSession) -> None:
        if not await session.connect():
            return
        for message in await session.refresh(first_load=self.snapshot is None):
            if isinstance(message, SnapshotLoaded):
                await self._post_loaded(message)
            else:
                self.post_message(message)

    async def _post_loaded(self, message: SnapshotLoaded) -> None:
        """Post new data with what the list derives from it, prepared on a thread."""
        if self.listing.is_new(message.snapshot):
            data = await run_on_data_thread(self.listing.prepare, message.snapshot, self.near)
            far = data.nearest_m is not None and data.nearest_m > FAR_FROM_POINT_M
            if self._move_if_far and far and data.centre is not None:
                data = await run_on_data_thread(data.moved_to, data.centre)
            message.data = data
        self.post_message(message)

    def tick(self) -> None:
        """Every second: age the header, count the retry down, start a due refresh."""
        self.stations.update_header()
        if self.snapshot is None and self.schedule.last_error is not None and self.mixed is None:
            self._show_load_error()
        now = self.clock()
        if self.schedule.due(now) and self.primary_enabled:
            self.start_refresh()
        for extra in self.extras.values():
            if extra.enabled and extra.session is not None and extra.schedule.due(now):
                self._fetch_extra(extra)

    @on(SnapshotLoaded)
    def _snapshot_loaded(self, message: SnapshotLoaded) -> None:
        previous = self.snapshot
        snapshot = message.snapshot
        extra = self.extras.get(snapshot.gbfs_url)
        if extra is not None:
            self._extra_loaded(extra, message)
            return
        if snapshot.gbfs_url != self.source.gbfs_url:
            return  # posted for the system shown before a switch
        if not snapshot.from_cache:
            self.failing_since = None
        if not snapshot.from_cache and self._remembered_url != snapshot.gbfs_url:
            # Learn where this system is, once per system per session, off the UI thread.
            self._remembered_url = snapshot.gbfs_url
            self._remember(self.source, snapshot)
        changed: int | None = None
        if message.data is not None and message.data.snapshot is snapshot:
            changed = message.data.changed
            if message.data.near is not None and message.data.near != self.near:
                # A system chosen with s whose stations are all far from the point.
                self.near, self.near_note = message.data.near, SYSTEM_CENTRE
            self._move_if_far = False
            self.listing.apply(message.data)
            self._check_watches(snapshot, self.listing.by_id)
        elif self.listing.load(snapshot):  # not prepared (e.g. posted by a test)
            self._check_watches(snapshot, self.listing.by_id)
        else:
            changed = 0
        if self.schedule.manual:
            self._refreshed_feedback(changed, message.partial_error)
        self.schedule.succeeded(snapshot.status_meta.ttl, self.clock(), message.partial_error)
        if self._wants_mixed(snapshot) and (
            self.mixed is None or self.mixed.snapshot_of(snapshot.gbfs_url) is not snapshot
        ):
            self.prepare_mixed()
        if previous is None and not (self.is_multi and self.stations.table.display):
            self.stations.show_list()
        self.stations.render_rows()
        if previous is None:
            # Keys that needed data (f, a, Enter) are live now: the footer says so at
            # once, not at whatever later moment Textual next re-checks bindings.
            self.stations.refresh_bindings()

    @on(RefreshFailed)
    def _refresh_failed(self, message: RefreshFailed) -> None:
        extra = self.extras.get(message.gbfs_url or "")
        if extra is not None:
            self._extra_failed(extra, message)
            return
        if message.gbfs_url not in (None, self.source.gbfs_url):
            return  # posted for the system shown before a switch
        if self.schedule.manual:
            self.stations.flash_header()
        self.schedule.failed(message.error, message.brief, self.clock())
        if self.failing_since is None:
            self.failing_since = self.clock()
        if self.snapshot is None and self.mixed is None:
            self._show_load_error()
        self.stations.update_header()

    def _refreshed_feedback(self, changed: int | None, partial_error: str | None) -> None:
        """What ``r`` did: the header flashes and a short note says whether anything moved
        (``changed``: how many stations' status changed; ``None``: not known)."""
        self.stations.flash_header()
        if partial_error is not None:
            return  # the header's problem line says it
        if self.source.is_demo:
            note = "Refreshed: no change (demo data never changes)"
        elif changed == 0:
            note = "Refreshed: no change"
        elif changed is None:
            note = "Refreshed: new availability"
        else:
            note = f"Refreshed: {changed} station{'s' * (changed != 1)} changed"
        self.notify(note, timeout=REFRESH_NOTE_S, markup=False)

    # -- what the header and the details say -----------------------------------------

    def _show_load_error(self) -> None:
        """The first load failed: say what and when the next try is; no table yet."""
        wait_s = self.schedule.wait_s(self.clock())
        self.stations.show_load_error(
            self._system_name(), self.schedule.last_error, wait_s, self.schedule.failures + 1
        )

    def _system_name(self) -> str:
        if self.snapshot is not None:
            return self.snapshot.system.name or self.snapshot.system.system_id
        return self.source.label or system_label_for(self.source.gbfs_url)

    def far_note(self) -> str | None:
        """A warning when the point is far from every station of the system."""
        data = self.listing.data
        if data is None or data.near != self.near or data.nearest_m is None:
            return None
        if data.nearest_m <= FAR_FROM_POINT_M:
            return None
        return (
            f"The nearest station is {format_distance(data.nearest_m)} away: this point is "
            f"outside {clean(self._system_name(), 40)}. Press s to choose another system."
        )

    def header_state(self) -> HeaderState:
        """What the header says right now (data age, health, the failure if any)."""
        view = self.stations
        fresh = freshness(self.snapshot, self.schedule, self.source, self.clock())
        if self.use_mixed and self.mixed is not None:
            return self._mixed_header(fresh)
        problem = fresh.problem or self.far_note()
        return HeaderState(
            system_name=self._system_name(),
            near=self.near,
            mode=view.mode,
            favourites_view=view.favourites_view,
            freshness=fresh.text,
            health=fresh.health,
            problem=problem,
            detail=self.listing.detail_line(
                view.displayed,
                view.mode,
                view.filter_query,
                None if self.source.is_demo else self.schedule.refresh_s,
            ),
            near_note=self.near_note,
            chosen_by=self.source.chosen_by,
        )

    def _mixed_header(self, fresh: Freshness) -> HeaderState:
        """The header of the mixed list: every system's name, which are failing and
        since when, the active alerts' count."""
        view = self.stations
        data = self.mixed
        assert data is not None
        names = [system.name for system in data.systems] or [self._system_name()]
        failing = self._failing_line()
        text, health = fresh.text, fresh.health
        if self.snapshot is None or not self.primary_enabled:
            shown = [e.snapshot for e in self.extras.values() if e.enabled and e.snapshot]
            if shown:
                fresh = freshness(shown[0], self.extras[shown[0].gbfs_url].schedule,
                                  self.extras[shown[0].gbfs_url].source, self.clock())  # fmt: skip
                text, health = fresh.text, fresh.health
        if failing is not None:
            health = "error"
        problem = failing or (fresh.problem if fresh.health != "ok" else None)
        refresh_s = None if self.source.is_demo else self.schedule.refresh_s
        return HeaderState(
            system_name=" + ".join(names),
            near=self.near,
            mode=view.mode,
            favourites_view=view.favourites_view,
            freshness=text,
            health=health,
            problem=problem,
            detail=mixed_detail_line(
                data,
                view.displayed_mixed,
                view.mode,
                view.filter_query,
                refresh_s,
            ),
            near_note=self.near_note,
            chosen_by=self.source.chosen_by,
        )

    # -- details ---------------------------------------------------------------------

    def station_details(
        self, station_id: str, shown: StationDetails | VehicleDetails | None = None
    ) -> StationDetails | VehicleDetails:
        """The details of one station from the current snapshot (``ranked`` None if gone);
        in the mixed list, of the station or vehicle of that row key (``shown``: the
        details on screen, kept when their vehicle is gone)."""
        if self.use_mixed and self.mixed is not None:
            return self._mixed_details(station_id, shown)
        assert self.snapshot is not None
        saved = self.favourites.get(favourites_url(self.snapshot.gbfs_url), station_id)
        watch = saved.watch.describe() if saved is not None and saved.watch else None
        return self.listing.details(station_id, self.near, saved is not None, watch)

    def _mixed_details(
        self, key: str, shown: StationDetails | VehicleDetails | None
    ) -> StationDetails | VehicleDetails:
        data = self.mixed
        assert data is not None
        row = find_mixed_row(data, key, self.stations.mode)
        if row is None and key.startswith("v\x1f") and isinstance(shown, VehicleDetails):
            return replace(shown, gone=True)  # a vehicle taken or moved: keep what was seen
        if row is None or row.station is None:
            return VehicleDetails(key, row)
        station = row.station
        snapshot = data.snapshot_of(row.system.gbfs_url)
        saved = self.favourites.get(favourites_url(row.system.gbfs_url), station.station_id)
        watch = saved.watch.describe() if saved is not None and saved.watch else None
        age = report_age_s(station, snapshot) if snapshot is not None else None
        return StationDetails(
            station_id=key,
            ranked=ranked_from(self.near, station),
            favourite=saved is not None,
            report_age_s=age,
            report_stale=is_report_stale(age),
            changes=count_changes(data.previous_status.get(key), station.status)
            if key in data.previous_status
            else {},
            watch=watch,
            timezone=snapshot.system.timezone if snapshot is not None else None,
            system_name=row.system.name if len(data.systems) > 1 else None,
            alerts=row.alerts,
            hours_text=row.hours_text if row.is_open is False else None,
            price=row.price,
        )

    # -- favourites and watches ------------------------------------------------------

    def _selected_station(self, key: str | None) -> tuple[Snapshot, Station] | None:
        """The station of row ``key``, with its system's snapshot (``None``: none, or a
        vehicle)."""
        if key is None:
            return None
        if self.use_mixed and self.mixed is not None:
            parts = key.split("\x1f")
            if len(parts) != 3 or parts[0] != "s":
                return None
            snapshot = self.mixed.snapshot_of(parts[1])
            station = self.mixed.stations.get(parts[1], {}).get(parts[2])
            return None if snapshot is None or station is None else (snapshot, station)
        station = self.listing.by_id.get(key)
        if self.snapshot is None or station is None:
            return None
        return self.snapshot, station

    @on(ToggleFavourite)
    def _toggle_favourite(self, message: ToggleFavourite) -> None:
        """Add the station to the favourites, or remove it (``f``)."""
        selected = self._selected_station(message.key)
        if selected is None:
            self.bell()
            return
        snapshot, station = selected
        now_favourite = self.favourites.toggle(self.favourite_for(station, snapshot))
        name = clean(station.info.name, 60) or station.station_id
        self.notify(
            f"★ {name} added to favourites" if now_favourite else f"{name} removed from favourites",
            markup=False,
            timeout=3,
        )
        self._show_store_notices()
        self.stations.render_rows()

    def favourite_for(self, station: Station, snapshot: Snapshot | None = None) -> Favourite:
        """``station`` of the shown system (or of ``snapshot``'s) as a (new) favourite."""
        snapshot = snapshot or self.snapshot
        assert snapshot is not None
        return new_favourite(snapshot, station, self.clock())

    @on(EditWatch)
    def _edit_watch(self, message: EditWatch) -> None:
        """Open the watch dialog on the station (``a``); saving makes it a favourite."""
        selected = self._selected_station(message.key)
        if selected is None:
            self.bell()
            return
        snapshot, station = selected
        dialog = self.watches.dialog(snapshot, station, self.stations.mode)
        self.push_screen(dialog, partial(self._watch_chosen, snapshot, station))

    def _watch_chosen(self, snapshot: Snapshot, station: Station,
                      choice: WatchChoice | None) -> None:  # fmt: skip
        if choice is None:
            return
        favourite = self.favourite_for(station, snapshot)
        shown = self.shown_system_urls()
        confirmation = self.watches.save(snapshot, station, favourite, choice, shown)
        self.notify(confirmation, title="Watch", timeout=6, markup=False)
        self._show_store_notices()  # e.g. the file is read-only
        self.stations.render_rows()

    def _check_watches(self, snapshot: Snapshot, stations_by_id: dict[str, Station]) -> None:
        self.watches.check(snapshot, stations_by_id, self.shown_system_urls())

    @on(WatchFired)
    def _watch_fired(self, message: WatchFired) -> None:
        """Ring, show the alert, and start the rider's ``--notify-command`` (in a worker:
        the UI never waits for it)."""
        self.bell()
        self.notify(alert_message(message.alert), title="Watch", timeout=ALERT_TIMEOUT_S,
                    markup=False)  # fmt: skip
        if self.notify_command:
            environment = alert_environment(message.alert, message.system_name)
            self.run_worker(self._run_notify_command(self.notify_command, environment),
                            group="notify-command", exit_on_error=False)  # fmt: skip

    async def _run_notify_command(self, command: str, environment: dict[str, str]) -> None:
        problem = await run_notify_command(command, environment)
        if problem is not None:
            self.notify(problem, title="Watch", severity="warning", timeout=10, markup=False)

    # -- the app's keys --------------------------------------------------------------

    def action_keys(self) -> None:
        """Show every key (``?``); Escape closes."""
        from bikefinder.ui.screens.keys import KeysScreen

        self.push_screen(KeysScreen())

    def action_refresh(self) -> None:
        """Refresh now, whatever the timer says (every system shown)."""
        if self.primary_enabled:
            self.start_refresh(manual=True)
        for extra in self.extras.values():
            if extra.enabled and extra.session is not None:
                extra.schedule.manual = True
                self._fetch_extra(extra)

    def action_choose_system(self) -> None:
        """Open the system picker; choosing a system reloads the view for it in place.
        (Imported here: the picker and the catalog code are not needed before ``s``.)"""
        from bikefinder.ui.screens.system_picker import SystemPickerScreen
        from bikefinder.ui.screens.systems_toggle import SystemsToggleScreen

        if self.is_multi:
            self.push_screen(SystemsToggleScreen(self.system_choices()), self._systems_toggled)
            return
        picker = SystemPickerScreen(self.switching, self.near, client_id=self.client_id,
                                    current_url=self.source.gbfs_url)  # fmt: skip
        self.push_screen(picker, self.system_picked)

    def system_choices(self) -> list[tuple[str, str, bool]]:
        """The systems shown, for the picker: (gbfs.json URL, name, on)."""
        choices = [(self.source.gbfs_url, self._system_name(), self.primary_enabled)]
        for url, extra in self.extras.items():
            name = (extra.snapshot.system.name if extra.snapshot else None) or (
                extra.source.label or system_label_for(url)
            )
            choices.append((url, name, extra.enabled))
        return choices

    def set_systems_enabled(self, enabled: set[str]) -> None:
        """Turn systems on and off (at least one stays on); the list is re-prepared."""
        if not enabled:
            self.bell()
            return
        self.primary_enabled = self.source.gbfs_url in enabled
        for url, extra in self.extras.items():
            was = extra.enabled
            extra.enabled = url in enabled
            if extra.enabled and not was and extra.session is not None:
                self._fetch_extra(extra)  # back on: refresh it now
            elif was and not extra.enabled:
                self.workers.cancel_group(self, extra.worker_group)
                extra.schedule.refreshing = False
        if not self.primary_enabled:
            self.workers.cancel_group(self, "feeds")
            self.schedule.refreshing = False
        self.prepare_mixed()

    def _systems_toggled(self, enabled: set[str] | None) -> None:
        if enabled is not None:
            self.set_systems_enabled(enabled)

    async def system_picked(self, source: SystemSource | None) -> None:
        if source is None or source.gbfs_url == self.source.gbfs_url:
            return
        near, note = point_for_system(source, self.rider_near, self.near, self.near_note)
        await self.switch_system(source, near, note)
        self._move_if_far = True  # a URL's system may be anywhere: its centre if far

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action is in the command palette too (Ctrl+P)."""
        yield from super().get_system_commands(screen)
        details = screen if isinstance(screen, DetailsScreen) else None
        yield from palette_commands(self.stations, details, refresh=self.action_refresh,
                                    choose_system=self.action_choose_system)  # fmt: skip

    def _show_store_notices(self) -> None:
        for notice in self.favourites.take_notices():
            self.notify(notice, title="Favourites", severity="warning", timeout=12, markup=False)


def run_app(options: Options) -> int:
    """Open the app for the command line's options; returns the exit status."""
    app = build_app(options)
    app.run()
    return app.return_code or 0


def build_app(options: Options) -> BikefinderApp:
    """The app as the command line's options ask for it: several systems at once when
    ``--system`` is repeated, or with ``--vehicles`` / ``--max-systems`` (as ``--once``
    decides; ``--near`` alone then loads every covering system)."""
    systems = options.systems
    selection_text = options.vehicles
    max_systems = options.max_systems
    more: list[SystemSource] = []
    if not options.demo and (len(systems) > 1 or selection_text or max_systems):
        from bikefinder.systems.source import DEFAULT_MAX_SYSTEMS, resolve_sources

        sources, _notes = resolve_sources(
            systems, options.near, max_systems=max_systems or DEFAULT_MAX_SYSTEMS,
            client_id=options.client_id,
        )  # fmt: skip
        source, more = sources[0], sources[1:]
    else:
        source = resolve_source(
            options.system, options.near, demo=options.demo, client_id=options.client_id
        )
    selection: VehicleSelection | None = None
    if selection_text:
        from bikefinder.feeds.vehicles import parse_vehicle_selection

        selection = parse_vehicle_selection(selection_text)
    near, near_note = start_point(source, options.near, DEMO_NEAR)
    return BikefinderApp(
        source,
        near,
        FavouritesStore(),
        limit=options.limit,
        language=options.language,
        client_id=options.client_id,
        refresh_s=options.refresh_s,
        cache=None if source.is_demo else FeedCache(source.gbfs_url),
        near_note=near_note,
        notify_command=options.notify_command,
        more_sources=more,
        vehicles=selection,
        walking_speed_kmh=options.walking_speed_kmh,
        favourites_view=options.favorites,  # `bikefinder --favorites` opens on them
    )
