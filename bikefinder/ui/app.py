"""The Textual station finder: a live, ranked, keyboard-driven list of nearby stations.

Data flow: a 1 s ``set_interval`` tick starts an exclusive ``@work`` worker when a
refresh is due; the worker only fetches (``SystemFeeds.refresh``) and posts a
:class:`SnapshotLoaded` or :class:`RefreshFailed` message; the ``@on`` handlers own
all state and redraw the table in place. Ranking, usefulness per mode and
staleness come from :mod:`bikefinder.rider.modes`; this module only renders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer

from bikefinder.common.text import clean
from bikefinder.feeds.cache import FeedCache
from bikefinder.feeds.demo import DEMO_NEAR
from bikefinder.feeds.loader import SystemFeeds, system_label_for
from bikefinder.feeds.models import RankedStation, Snapshot, Station
from bikefinder.feeds.vehicles import VehicleSelection
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.listing import (
    MIXED_ROWS,
    MixedData,
    MixedDisplay,
    RowDisplay,
    StationDetails,
    StationListing,
    VehicleDetails,
    favourites_url,
    find_mixed_row,
    mixed_detail_line,
    mixed_rows,
    new_favourite,
    prepare_mixed,
    station_key,
)
from bikefinder.rider.modes import (
    DEFAULT_LIMIT,
    Mode,
    ModeRow,
    count_changes,
    is_report_stale,
    report_age_s,
)
from bikefinder.rider.output import format_distance
from bikefinder.rider.ranking import FAR_FROM_POINT_M, ranked_from
from bikefinder.rider.refresh import Freshness, RefreshSchedule, freshness
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
from bikefinder.ui.feed_session import FeedSession
from bikefinder.ui.messages import MixedPrepared, RefreshFailed, SnapshotLoaded
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.systems import ExtraSystem, scene_system
from bikefinder.ui.watches import WatchKeeper
from bikefinder.ui.widgets.filter_bar import FilterBar
from bikefinder.ui.widgets.map_panel import MapPanel
from bikefinder.ui.widgets.message_panel import MessagePanel
from bikefinder.ui.widgets.other_favourites import OtherFavouritesPanel
from bikefinder.ui.widgets.station_table import StationTable
from bikefinder.ui.widgets.status_bar import HeaderState, StatusBar

if TYPE_CHECKING:
    import httpx

    from bikefinder.options import Options

#: The map shows at most this many of the listed stations (the nearest).
MAP_ROWS = 200
#: How long ``r``'s note stays, and the header's flash.
REFRESH_NOTE_S, FLASH_S = 2.5, 0.6
#: Below this width the footer packs its keys closer.
WIDE_FOOTER = 120
#: Actions that make no sense on the details screen (hidden from its footer).
LIST_ONLY_ACTIONS = frozenset(
    {"toggle_view", "start_filter", "cycle_mode", "clear_filter", "choose_system", "toggle_map"}
)


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
    #: Most important first: a narrow footer shows the first ones (``?`` lists all).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "keys", "Keys"),
        Binding("m", "cycle_mode", "Mode"),
        Binding("slash", "start_filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter"),
        Binding("f", "toggle_favourite", "Fav"),
        Binding("v", "toggle_view", "Favs/all"),
        Binding("s", "choose_system", "System"),
        Binding("a", "watch", "Watch"),
        Binding("r", "refresh", "Refresh"),
        Binding("M", "toggle_map", "Map"),
        Binding("q", "quit", "Quit"),
    ]

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
    ) -> None:
        """``source.transport``, ``favourites``, ``cache``, ``clock`` and ``switching``
        (the picker's catalog and transport) are the seams tests inject; ``cache`` (if
        any) supplies the last known data when the network fails. ``near_note`` says
        ``near`` is not the rider's position (e.g. ``"system centre"``). ``limit`` None
        lists as many stations as the screen holds, and more as the cursor reaches the
        end. ``more_sources``: more systems listed with this one in one ranked list
        (issue 11); ``vehicles``: which free-floating vehicles are listed (``None``: bikes,
        and a system of vehicles alone loads only with several systems);
        ``walking_speed_kmh``: the pace of walking times (config.toml's)."""
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
        #: With no ``limit``: how many stations the list has grown to (see ``shown_limit``).
        self._fill_limit = 0
        #: Set by a switch (``s``): rank from the system's centre if the point is far from it.
        self._move_if_far = False
        self.language = language
        self.client_id = client_id
        self.cache = cache
        self.clock = clock
        self.local_tz = local_tz
        self.mode = Mode.ANY_BIKE
        self.favourites_view = False
        self.filter_query = ""
        self.schedule = RefreshSchedule.starting(clock(), refresh_s)
        self.listing = StationListing()
        self.trends = self.listing.trends
        self.displayed: Sequence[RowDisplay] = []
        self._session: FeedSession | None = None
        self.watches = WatchKeeper(self, notify_command)
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

    @property
    def snapshot(self) -> Snapshot | None:
        """The data shown (``None`` until the first load)."""
        return self.listing.snapshot

    @property
    def _feeds(self) -> SystemFeeds | None:
        return self._session.feeds if self._session is not None else None

    @property
    def _http(self) -> httpx.AsyncClient | None:
        return self._session.http if self._session is not None else None

    @property
    def top_screen(self) -> Screen[object] | None:
        """The active screen, or None while the app shuts down (its timers may still fire)."""
        stack = self.screen_stack
        return stack[-1] if stack else None

    @property
    def _by_id(self) -> dict[str, Station]:
        return self.listing.by_id

    # The refresh state, as tests and the header read it.
    failures = property(lambda self: self.schedule.failures)
    last_error = property(lambda self: self.schedule.last_error)
    refreshing = property(lambda self: self.schedule.refreshing)
    refresh_s = property(lambda self: self.schedule.refresh_s)

    # -- layout and lifecycle --------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.status_bar = StatusBar(id="status")
        self.table = StationTable(id="stations")
        self.map_panel = MapPanel(id="map")
        self.message = MessagePanel(id="message")
        self.others = OtherFavouritesPanel(id="others")
        self.filter_bar = FilterBar(id="filter")
        yield self.status_bar
        yield self.table
        yield self.map_panel
        yield self.message
        yield self.others
        yield self.filter_bar
        self.footer = Footer()
        yield self.footer

    def on_mount(self) -> None:
        self.favourites.load()
        self._show_store_notices()
        self.table.display = False
        self.others.display = False
        self.filter_bar.display = False
        self.set_interval(1.0, self.tick)
        self._open_system()
        for extra in self.extras.values():
            self._open_extra(extra)

    def _open_system(self) -> None:
        """Start loading ``self.source`` (at start-up and after a switch).

        The HTTP client is made by the first fetch, off the UI thread (building its TLS
        context takes ~0.1 s), so cached data can be on screen before that."""
        self._session = FeedSession(
            self.source, language=self.language, client_id=self.client_id, cache=self.cache,
            free_floating=self.free_floating,
        )  # fmt: skip
        self.message.show_loading(self._system_name())
        self._update_header()
        self._show_cached_then_fetch()

    @work(exclusive=True, group="feeds")
    async def _show_cached_then_fetch(self) -> None:
        """Stale-while-revalidate: the last known data (marked with its age) as soon as
        it is read, replaced in place when the live fetch answers."""
        session = self._session
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
        old_session = self._session
        self.source, self.near, self.near_note = source, near, near_note
        self.cache = self.switching.cache_for(source)
        self.listing.clear()
        self.displayed = []
        self.schedule.forget_failures()
        self.table.show([], self.mode)
        self.table.display = self.others.display = False
        self._open_system()
        if old_session is not None:
            await old_session.close()

    async def on_unmount(self) -> None:
        if self._session is not None:
            await self._session.close()
        for extra in self.extras.values():
            if extra.session is not None:
                await extra.session.close()

    # -- several systems (issue 11) --------------------------------------------------

    def _open_extra(self, extra: ExtraSystem) -> None:
        """Start loading one more system: its cached data, then its own refreshes."""
        cache = None if self.cache is None else self.switching.cache_for(extra.source)
        extra.session = FeedSession(extra.source, language=self.language, client_id=self.client_id,
                                    cache=cache, free_floating=True)  # fmt: skip
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

    def _prepare_mixed(self) -> None:
        """Rebuild the mixed list's data on a thread (one data change, point or size)."""
        taken: set[str] = set()
        systems = []
        for source, snapshot in self._mixed_systems():
            system = scene_system(source, snapshot, taken)
            taken.add(system.key)
            systems.append((system, snapshot))
        limit = max(MIXED_ROWS, self.shown_limit)
        prepare = partial(prepare_mixed, systems, self.mixed, self.near, limit, self.selection,
                          self.clock(), self.walking_speed_kmh)  # fmt: skip
        self.run_worker(partial(self._post_mixed, prepare), group="mixed", exclusive=True,
                        exit_on_error=False)  # fmt: skip

    async def _post_mixed(self, prepare: Callable[[], MixedData]) -> None:
        self.post_message(MixedPrepared(await asyncio.to_thread(prepare)))

    @on(MixedPrepared)
    def _mixed_prepared(self, message: MixedPrepared) -> None:
        self.mixed = message.data
        if message.data.scene.indexes and not self.table.display:
            self.message.display = False
            self.table.display = True
            self.table.focus()
        self.render_rows()

    def _extra_loaded(self, extra: ExtraSystem, message: SnapshotLoaded) -> None:
        snapshot = message.snapshot
        if not snapshot.from_cache and extra.snapshot is None:
            remember = partial(remember_loaded_system, extra.source, snapshot)
            self.run_worker(remember, thread=True, group="coverage", exit_on_error=False,
                            description=COVERAGE_WORKER)  # fmt: skip
        changed = extra.snapshot is not snapshot
        extra.snapshot = snapshot
        extra.schedule.succeeded(snapshot.status_meta.ttl, self.clock(), message.partial_error)
        if not snapshot.from_cache:
            extra.failing_since = None
        if changed:
            self.watches.check(snapshot, {s.station_id: s for s in snapshot.stations})
            self._prepare_mixed()
        self._update_header()

    def _extra_failed(self, extra: ExtraSystem, message: RefreshFailed) -> None:
        extra.schedule.failed(message.error, message.brief, self.clock())
        if extra.failing_since is None:
            extra.failing_since = self.clock()
        self._update_header()

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

    def _render_mixed(self) -> None:
        """Render the mixed list: rows picked from the prepared data (cost follows the
        rows shown), the System column when several systems are shown."""
        data = self.mixed
        if data is None:
            return
        if data.near != self.near or self.shown_limit > data.limit:
            self._prepare_mixed()  # a moved point or a grown list: rows come shortly
        favourite_keys: set[str] = set()
        watched_keys: set[str] = set()
        for system in data.systems:
            for favourite in self.favourites.for_system(favourites_url(system.gbfs_url)):
                key = station_key(system.gbfs_url, favourite.station_id)
                favourite_keys.add(key)
                if favourite.watch is not None:
                    watched_keys.add(key)
        rows = mixed_rows(
            data, self.mode, self.shown_limit, favourite_keys,
            favourites_only=self.favourites_view, name_query=self.filter_query,
            watched_keys=watched_keys,
        )  # fmt: skip
        self.displayed = rows
        self.table.show(rows, self.mode, systems=len(data.systems) > 1)
        if self.map_panel.display:
            self.map_panel.show(self.near, _map_rows(rows[:MAP_ROWS]), self.mode,
                                self.table.highlighted_key)  # fmt: skip
        if rows:
            self.message.display = False
        else:
            self.message.show_no_rows(self.favourites_view, self.filter_query)
        self.others.show(None)
        self._update_header()
        self._update_details()

    def on_resize(self, event: events.Resize) -> None:
        """A narrow footer packs its keys; a taller screen lists more stations when the
        list fills the screen."""
        self.footer.compact = event.size.width < WIDE_FOOTER
        self.footer.show_command_palette = event.size.width >= WIDE_FOOTER
        if self.limit is None and self._fill_rows() > self._fill_limit:
            self._fill_limit = self._fill_rows()
            self.render_rows()

    # -- refreshing ------------------------------------------------------------------

    def start_refresh(self, manual: bool = False) -> None:
        """Fetch now (a refresh already running is cancelled and restarted); ``manual``:
        the rider asked (``r``), which never lengthens the back-off."""
        self.schedule.start(manual)
        self._fetch()

    @work(exclusive=True, group="feeds")
    async def _fetch(self) -> None:
        """Fetch in the background; all state changes happen in the message handlers."""
        session = self._session
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
            data = await asyncio.to_thread(self.listing.prepare, message.snapshot, self.near)
            far = data.nearest_m is not None and data.nearest_m > FAR_FROM_POINT_M
            if self._move_if_far and far and data.centre is not None:
                data = await asyncio.to_thread(data.moved_to, data.centre)
            message.data = data
        self.post_message(message)

    def tick(self) -> None:
        """Every second: age the header, count the retry down, start a due refresh."""
        self._update_header()
        if self.snapshot is None and self.last_error is not None and self.mixed is None:
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
            remember = partial(remember_loaded_system, self.source, snapshot)
            self.run_worker(remember, thread=True, group="coverage", exit_on_error=False,
                            description=COVERAGE_WORKER)  # fmt: skip
        changed: int | None = None
        if message.data is not None and message.data.snapshot is snapshot:
            changed = message.data.changed
            if message.data.near is not None and message.data.near != self.near:
                # A system chosen with s whose stations are all far from the point.
                self.near, self.near_note = message.data.near, SYSTEM_CENTRE
            self._move_if_far = False
            self.listing.apply(message.data)
            self.watches.check(snapshot, self.listing.by_id)
        elif self.listing.load(snapshot):  # not prepared (e.g. posted by a test)
            self.watches.check(snapshot, self.listing.by_id)
        else:
            changed = 0
        if self.schedule.manual:
            self._refreshed_feedback(changed, message.partial_error)
        self.schedule.succeeded(snapshot.status_meta.ttl, self.clock(), message.partial_error)
        if self._wants_mixed(snapshot) and (
            self.mixed is None or self.mixed.snapshot_of(snapshot.gbfs_url) is not snapshot
        ):
            self._prepare_mixed()
        if previous is None and not (self.is_multi and self.table.display):
            self.message.display = False
            self.table.display = True
            self.table.focus()
        self.render_rows()
        if previous is None:
            # Keys that needed data (f, a, Enter) are live now: the footer says so at
            # once, not at whatever later moment Textual next re-checks bindings.
            self.refresh_bindings()

    @on(RefreshFailed)
    def _refresh_failed(self, message: RefreshFailed) -> None:
        extra = self.extras.get(message.gbfs_url or "")
        if extra is not None:
            self._extra_failed(extra, message)
            return
        if message.gbfs_url not in (None, self.source.gbfs_url):
            return  # posted for the system shown before a switch
        if self.schedule.manual:
            self.flash_header()
        self.schedule.failed(message.error, message.brief, self.clock())
        if self.failing_since is None:
            self.failing_since = self.clock()
        if self.snapshot is None and self.mixed is None:
            self._show_load_error()
        self._update_header()

    def _refreshed_feedback(self, changed: int | None, partial_error: str | None) -> None:
        """What ``r`` did: the header flashes and a short note says whether anything moved
        (``changed``: how many stations' status changed; ``None``: not known)."""
        self.flash_header()
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

    def flash_header(self) -> None:
        """Highlight the header for a moment (a refresh was done)."""
        self.status_bar.add_class("-flash")
        self.set_timer(FLASH_S, lambda: self.status_bar.remove_class("-flash"))

    # -- rendering -------------------------------------------------------------------

    def _fill_rows(self) -> int:
        """How many station rows the screen holds (the table's height once laid out)."""
        height = self.table.size.height
        return max(1, height - 1 if height else self.size.height - 4)

    @property
    def shown_limit(self) -> int:
        """How many nearest stations to list: ``--limit``, else as many as fit (or as
        many as the list has grown to)."""
        if self.limit is not None:
            return self.limit
        return max(self._fill_limit, self._fill_rows())

    def _grow_list(self) -> None:
        """The cursor reached the end of a list that fills the screen: list a screenful more."""
        if self.limit is None and not self.favourites_view and self.snapshot is not None:
            listed = self.table.listed_count
            if listed and self.table.cursor_row >= listed - 1:
                self._fill_limit = self.shown_limit + self._fill_rows()
                self.render_rows()

    def render_rows(self) -> None:
        """Recompute the listed stations for the view, filter and mode, and show them."""
        if self.use_mixed:
            self._render_mixed()
            return
        snapshot = self.snapshot
        if snapshot is None:
            return
        here = self.favourites.for_system(favourites_url(snapshot.gbfs_url))
        favourite_ids = {f.station_id for f in here}
        watched_ids = {f.station_id for f in here if f.watch is not None}
        self.displayed = self.listing.rows(
            self.near, self.mode, self.shown_limit, favourite_ids,
            favourites_only=self.favourites_view, name_query=self.filter_query,
            watched_ids=watched_ids,
        )  # fmt: skip
        self.table.show(self.displayed, self.mode)
        if self.map_panel.display:
            rows = [display.row for display in self.displayed[:MAP_ROWS]]
            self.map_panel.show(self.near, rows, self.mode, self.table.highlighted_key)
        if self.displayed:
            self.message.display = False
        else:
            self.message.show_no_rows(self.favourites_view, self.filter_query)
        others = self.listing.other_favourites(here, self.favourites.all())
        self.others.show(others if self.favourites_view else None)
        self._update_header()
        self._update_details()

    def _show_load_error(self) -> None:
        """The first load failed: say what and when the next try is; no table yet."""
        wait_s = self.schedule.wait_s(self.clock())
        self.message.show_load_error(
            self._system_name(), self.last_error, wait_s, self.failures + 1
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
        fresh = freshness(self.snapshot, self.schedule, self.source, self.clock())
        if self.use_mixed and self.mixed is not None:
            return self._mixed_header(fresh)
        problem = fresh.problem or self.far_note()
        return HeaderState(
            system_name=self._system_name(),
            near=self.near,
            mode=self.mode,
            favourites_view=self.favourites_view,
            freshness=fresh.text,
            health=fresh.health,
            problem=problem,
            detail=self.listing.detail_line(
                self.displayed,
                self.mode,
                self.filter_query,
                None if self.source.is_demo else self.refresh_s,
            ),
            near_note=self.near_note,
            chosen_by=self.source.chosen_by,
        )

    def _mixed_header(self, fresh: Freshness) -> HeaderState:
        """The header of the mixed list: every system's name, which are failing and
        since when, the active alerts' count."""
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
        refresh_s = None if self.source.is_demo else self.refresh_s
        return HeaderState(
            system_name=" + ".join(names),
            near=self.near,
            mode=self.mode,
            favourites_view=self.favourites_view,
            freshness=text,
            health=health,
            problem=problem,
            detail=mixed_detail_line(
                data,
                self.displayed,
                self.mode,
                self.filter_query,
                refresh_s,  # type: ignore[arg-type]
            ),
            near_note=self.near_note,
            chosen_by=self.source.chosen_by,
        )

    def _update_header(self) -> None:
        state = self.header_state()
        self.status_bar.show(state)
        if isinstance(self.top_screen, DetailsScreen):
            self.screen.show_header(state)

    # -- details ---------------------------------------------------------------------

    def station_details(self, station_id: str) -> StationDetails | VehicleDetails:
        """The details of one station from the current snapshot (``ranked`` None if gone);
        in the mixed list, of the station or vehicle of that row key."""
        if self.use_mixed and self.mixed is not None:
            return self._mixed_details(station_id)
        assert self.snapshot is not None
        saved = self.favourites.get(favourites_url(self.snapshot.gbfs_url), station_id)
        watch = saved.watch.describe() if saved is not None and saved.watch else None
        return self.listing.details(station_id, self.near, saved is not None, watch)

    def _mixed_details(self, key: str) -> StationDetails | VehicleDetails:
        data = self.mixed
        assert data is not None
        row = find_mixed_row(data, key, self.mode)
        if row is None and key.startswith("v\x1f") and isinstance(self.top_screen, DetailsScreen):
            shown = self.screen.details  # a vehicle taken or moved: keep what was seen
            if isinstance(shown, VehicleDetails):
                return replace(shown, gone=True)
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

    def _update_details(self) -> None:
        if isinstance(self.top_screen, DetailsScreen):
            self.screen.show(self.station_details(self.screen.station_id))

    @on(DataTable.RowSelected, "#stations")
    def _row_selected(self) -> None:
        self.action_details()

    @on(DataTable.RowHighlighted, "#stations")
    def _row_highlighted(self) -> None:
        self.map_panel.highlight(self.table.highlighted_key)
        self._grow_list()

    def _selected_station(self) -> tuple[Snapshot, Station] | None:
        """The station an action applies to, with its system's snapshot (``None``: none,
        or a vehicle)."""
        key = self.selected_station_id()
        if key is None:
            return None
        if self.use_mixed and self.mixed is not None:
            parts = key.split("\x1f")
            if len(parts) != 3 or parts[0] != "s":
                return None
            snapshot = self.mixed.snapshot_of(parts[1])
            station = self.mixed.stations.get(parts[1], {}).get(parts[2])
            return None if snapshot is None or station is None else (snapshot, station)
        station = self._by_id.get(key)
        if self.snapshot is None or station is None:
            return None
        return self.snapshot, station

    def selected_station_id(self) -> str | None:
        """The station an action applies to: the details screen's, else the highlighted one."""
        if isinstance(self.top_screen, DetailsScreen):
            return self.screen.station_id
        has_data = self.snapshot is not None or self.mixed is not None
        return self.table.highlighted_key if has_data else None

    # -- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LIST_ONLY_ACTIONS and isinstance(self.top_screen, DetailsScreen):
            return False
        if isinstance(self.top_screen, ModalScreen) and action != "quit":  # the list's keys
            return not any(isinstance(b, Binding) and b.action == action for b in self.BINDINGS)
        if action == "clear_filter" and not self.filter_query and not self.filter_bar.display:
            return False
        no_data = self.snapshot is None and self.mixed is None
        if action in ("toggle_favourite", "details", "watch") and no_data:
            return None
        return True

    def action_details(self) -> None:
        """Open the highlighted station's details."""
        station_id = self.selected_station_id()
        if station_id is None or isinstance(self.top_screen, DetailsScreen):
            return
        self.push_screen(DetailsScreen(self.station_details(station_id), self.local_tz,
                                       self.walking_speed_kmh))  # fmt: skip
        self.call_after_refresh(self._update_header)

    def action_keys(self) -> None:
        """Show every key (``?``); Escape closes."""
        from bikefinder.ui.screens.keys import KeysScreen

        if not isinstance(self.top_screen, KeysScreen):
            self.push_screen(KeysScreen())

    def action_refresh(self) -> None:
        """Refresh now, whatever the timer says (every system shown)."""
        if self.primary_enabled:
            self.start_refresh(manual=True)
        for extra in self.extras.values():
            if extra.enabled and extra.session is not None:
                extra.schedule.manual = True
                self._fetch_extra(extra)

    def action_watch(self) -> None:
        """Set, change or remove a watch on the highlighted station (``a``)."""
        selected = self._selected_station()
        if selected is None:
            self.bell()
            return
        self.watches.edit(selected[0], selected[1], self.mode)

    def action_toggle_map(self) -> None:
        """Show or hide the map of the listed stations (``M``)."""
        self.map_panel.display = not self.map_panel.display
        self.render_rows()

    def action_choose_system(self) -> None:
        """Open the system picker; choosing a system reloads the view for it in place.
        (Imported here: the picker and the catalog code are not needed before ``s``.)"""
        from bikefinder.ui.screens.system_picker import SystemPickerScreen
        from bikefinder.ui.screens.systems_toggle import SystemsToggleScreen

        if isinstance(self.top_screen, SystemPickerScreen | SystemsToggleScreen):
            return
        if self.is_multi:
            self.push_screen(SystemsToggleScreen(self.system_choices()), self._systems_toggled)
            return
        picker = SystemPickerScreen(self.switching, self.near, client_id=self.client_id,
                                    current_url=self.source.gbfs_url)  # fmt: skip
        self.push_screen(picker, self._system_picked)

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
        self._prepare_mixed()

    def _systems_toggled(self, enabled: set[str] | None) -> None:
        if enabled is not None:
            self.set_systems_enabled(enabled)

    async def _system_picked(self, source: SystemSource | None) -> None:
        if source is None or source.gbfs_url == self.source.gbfs_url:
            return
        near, note = point_for_system(source, self.rider_near, self.near, self.near_note)
        await self.switch_system(source, near, note)
        self._move_if_far = True  # a URL's system may be anywhere: its centre if far

    def action_cycle_mode(self) -> None:
        """Any bike -> e-bike -> free dock."""
        self.set_mode(self.mode.next())

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        self.render_rows()
        self._update_header()

    def action_toggle_view(self) -> None:
        """Switch between all stations and the favourites."""
        self.favourites_view = not self.favourites_view
        self.render_rows()
        self._update_header()

    def action_toggle_favourite(self) -> None:
        """Add the highlighted station to the favourites, or remove it."""
        selected = self._selected_station()
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
        self.render_rows()

    def favourite_for(self, station: Station, snapshot: Snapshot | None = None) -> Favourite:
        """``station`` of the shown system (or of ``snapshot``'s) as a (new) favourite."""
        snapshot = snapshot or self.snapshot
        assert snapshot is not None
        return new_favourite(snapshot, station, self.clock())

    def action_start_filter(self) -> None:
        """Show the name filter and type into it."""
        if self.snapshot is not None:
            self.filter_bar.open()
            self.refresh_bindings()

    def action_clear_filter(self) -> None:
        """Clear and hide the name filter."""
        self.filter_bar.close()
        self.filter_query = ""
        if self.snapshot is not None:
            self.table.focus()
        self.render_rows()
        self.refresh_bindings()

    def on_filter_bar_query_changed(self, message: FilterBar.QueryChanged) -> None:
        if message.query != self.filter_query:
            self.filter_query = message.query
            self.render_rows()

    def on_filter_bar_done(self) -> None:
        self.table.focus()

    def on_filter_bar_cleared(self) -> None:
        self.action_clear_filter()

    def on_filter_bar_move(self, message: FilterBar.Move) -> None:
        self.table.move_cursor_by(message.rows)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action is in the command palette too (Ctrl+P)."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(self, in_details=isinstance(screen, DetailsScreen))

    def _show_store_notices(self) -> None:
        for notice in self.favourites.take_notices():
            self.notify(notice, title="Favourites", severity="warning", timeout=12, markup=False)


def _map_rows(rows: Sequence[MixedDisplay]) -> list[ModeRow]:
    """The stations of mixed rows, as the map draws them (vehicles are not drawn)."""
    return [
        ModeRow(
            ranked=RankedStation(
                d.nearby.station, d.nearby.distance_m, d.nearby.bearing_deg, d.nearby.bearing
            ),
            rank=d.nearby.rank,
            useless=d.nearby.useless,
        )
        for d in rows
        if d.nearby.station is not None
    ]


def run_app(options: Options) -> int:
    """Open the app for the command line's options; returns the exit status."""
    app = build_app(options)
    app.run()
    return app.return_code or 0


def build_app(options: Options) -> BikefinderApp:
    """The app as the command line's options ask for it: several systems at once when
    ``--system`` is repeated, or with ``--vehicles`` / ``--max-systems`` (as ``--once``
    decides; ``--near`` alone then loads every covering system)."""
    systems = tuple(getattr(options, "systems", ()) or ())
    selection_text = getattr(options, "vehicles", None)
    max_systems = getattr(options, "max_systems", None)
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
    app = BikefinderApp(
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
        walking_speed_kmh=getattr(options, "walking_speed_kmh", WALKING_SPEED_KMH),
    )
    app.favourites_view = options.favorites  # `bikefinder --favorites` opens on them
    return app
