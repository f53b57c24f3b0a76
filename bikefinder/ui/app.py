"""The Textual station finder: a live, ranked, keyboard-driven list of nearby stations.

Data flow: a 1 s ``set_interval`` tick starts an exclusive ``@work`` worker when a
refresh is due; the worker only fetches (``SystemFeeds.refresh``) and posts a
:class:`SnapshotLoaded` or :class:`RefreshFailed` message; the ``@on`` handlers own
all state and redraw the table in place. Ranking, usefulness per mode and
staleness come from :mod:`bikefinder.core.modes`; this module only renders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer

from bikefinder.core.cache import FeedCache
from bikefinder.core.demo import DEMO_NEAR
from bikefinder.core.favourites import Favourite, FavouritesStore
from bikefinder.core.listing import (
    FAR_FROM_POINT_M,
    RowDisplay,
    StationDetails,
    StationListing,
    favourites_url,
    new_favourite,
)
from bikefinder.core.loader import SystemFeeds, system_label_for
from bikefinder.core.models import Snapshot, Station
from bikefinder.core.modes import DEFAULT_LIMIT, Mode
from bikefinder.core.output import format_distance
from bikefinder.core.refresh import RefreshSchedule, freshness
from bikefinder.core.source import (
    SYSTEM_CENTRE,
    SystemSource,
    remember_loaded_system,
    resolve_source,
    start_point,
)
from bikefinder.core.switching import SystemSwitching, point_for_system
from bikefinder.core.text import clean
from bikefinder.ui.commands import palette_commands
from bikefinder.ui.feed_session import FeedSession
from bikefinder.ui.messages import RefreshFailed, SnapshotLoaded
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.watches import WatchKeeper
from bikefinder.ui.widgets.filter_bar import FilterBar
from bikefinder.ui.widgets.map_panel import MapPanel
from bikefinder.ui.widgets.message_panel import MessagePanel
from bikefinder.ui.widgets.other_favourites import OtherFavouritesPanel
from bikefinder.ui.widgets.station_table import StationTable
from bikefinder.ui.widgets.status_bar import HeaderState, StatusBar

if TYPE_CHECKING:
    import httpx

    from bikefinder.cli import Options

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
    ) -> None:
        """``source.transport``, ``favourites``, ``cache``, ``clock`` and ``switching``
        (the picker's catalog and transport) are the seams tests inject; ``cache`` (if
        any) supplies the last known data when the network fails. ``near_note`` says
        ``near`` is not the rider's position (e.g. ``"system centre"``). ``limit`` None
        lists as many stations as the screen holds, and more as the cursor reaches the
        end."""
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

    def _open_system(self) -> None:
        """Start loading ``self.source`` (at start-up and after a switch).

        The HTTP client is made by the first fetch, off the UI thread (building its TLS
        context takes ~0.1 s), so cached data can be on screen before that."""
        self._session = FeedSession(
            self.source, language=self.language, client_id=self.client_id, cache=self.cache
        )
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
        if self.snapshot is None and self.last_error is not None:
            self._show_load_error()
        if self.schedule.due(self.clock()):
            self.start_refresh()

    @on(SnapshotLoaded)
    def _snapshot_loaded(self, message: SnapshotLoaded) -> None:
        previous = self.snapshot
        snapshot = message.snapshot
        if snapshot.gbfs_url != self.source.gbfs_url:
            return  # posted for the system shown before a switch
        if not snapshot.from_cache and self._remembered_url != snapshot.gbfs_url:
            # Learn where this system is, once per system per session, off the UI thread.
            self._remembered_url = snapshot.gbfs_url
            remember = partial(remember_loaded_system, self.source, snapshot)
            self.run_worker(remember, thread=True, group="coverage", exit_on_error=False)
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
        if previous is None:
            self.message.display = False
            self.table.display = True
            self.table.focus()
        self.render_rows()

    @on(RefreshFailed)
    def _refresh_failed(self, message: RefreshFailed) -> None:
        if message.gbfs_url not in (None, self.source.gbfs_url):
            return  # posted for the system shown before a switch
        if self.schedule.manual:
            self.flash_header()
        self.schedule.failed(message.error, message.brief, self.clock())
        if self.snapshot is None:
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

    def _update_header(self) -> None:
        state = self.header_state()
        self.status_bar.show(state)
        if isinstance(self.screen, DetailsScreen):
            self.screen.show_header(state)

    # -- details ---------------------------------------------------------------------

    def station_details(self, station_id: str) -> StationDetails:
        """The details of one station from the current snapshot (``ranked`` None if gone)."""
        assert self.snapshot is not None
        saved = self.favourites.get(favourites_url(self.snapshot.gbfs_url), station_id)
        watch = saved.watch.describe() if saved is not None and saved.watch else None
        return self.listing.details(station_id, self.near, saved is not None, watch)

    def _update_details(self) -> None:
        if isinstance(self.screen, DetailsScreen):
            self.screen.show(self.station_details(self.screen.station_id))

    @on(DataTable.RowSelected, "#stations")
    def _row_selected(self) -> None:
        self.action_details()

    @on(DataTable.RowHighlighted, "#stations")
    def _row_highlighted(self) -> None:
        self.map_panel.highlight(self.table.highlighted_key)
        self._grow_list()

    def selected_station_id(self) -> str | None:
        """The station an action applies to: the details screen's, else the highlighted one."""
        if isinstance(self.screen, DetailsScreen):
            return self.screen.station_id
        return self.table.highlighted_key if self.snapshot is not None else None

    # -- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LIST_ONLY_ACTIONS and isinstance(self.screen, DetailsScreen):
            return False
        if isinstance(self.screen, ModalScreen) and action != "quit":  # the list's keys
            return not any(isinstance(b, Binding) and b.action == action for b in self.BINDINGS)
        if action == "clear_filter" and not self.filter_query and not self.filter_bar.display:
            return False
        if action in ("toggle_favourite", "details", "watch") and self.snapshot is None:
            return None
        return True

    def action_details(self) -> None:
        """Open the highlighted station's details."""
        station_id = self.selected_station_id()
        if station_id is None or isinstance(self.screen, DetailsScreen):
            return
        self.push_screen(DetailsScreen(self.station_details(station_id), self.local_tz))
        self.call_after_refresh(self._update_header)

    def action_keys(self) -> None:
        """Show every key (``?``); Escape closes."""
        from bikefinder.ui.screens.keys import KeysScreen

        if not isinstance(self.screen, KeysScreen):
            self.push_screen(KeysScreen())

    def action_refresh(self) -> None:
        """Refresh now, whatever the timer says."""
        self.start_refresh(manual=True)

    def action_watch(self) -> None:
        """Set, change or remove a watch on the highlighted station (``a``)."""
        station_id = self.selected_station_id()
        station = self._by_id.get(station_id) if station_id is not None else None
        if self.snapshot is None or station is None:
            self.bell()
            return
        self.watches.edit(self.snapshot, station, self.mode)

    def action_toggle_map(self) -> None:
        """Show or hide the map of the listed stations (``M``)."""
        self.map_panel.display = not self.map_panel.display
        self.render_rows()

    def action_choose_system(self) -> None:
        """Open the system picker; choosing a system reloads the view for it in place.
        (Imported here: the picker and the catalog code are not needed before ``s``.)"""
        from bikefinder.ui.screens.system_picker import SystemPickerScreen

        if isinstance(self.screen, SystemPickerScreen):
            return
        picker = SystemPickerScreen(self.switching, self.near, client_id=self.client_id,
                                    current_url=self.source.gbfs_url)  # fmt: skip
        self.push_screen(picker, self._system_picked)

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
        station_id = self.selected_station_id()
        snapshot = self.snapshot
        station = self._by_id.get(station_id) if station_id is not None else None
        if snapshot is None or station is None:
            self.bell()
            return
        now_favourite = self.favourites.toggle(self.favourite_for(station))
        name = clean(station.info.name, 60) or station.station_id
        self.notify(
            f"★ {name} added to favourites" if now_favourite else f"{name} removed from favourites",
            markup=False,
            timeout=3,
        )
        self._show_store_notices()
        self.render_rows()

    def favourite_for(self, station: Station) -> Favourite:
        """``station`` of the shown system as a (new) favourite."""
        assert self.snapshot is not None
        return new_favourite(self.snapshot, station, self.clock())

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


def run_app(options: Options) -> int:
    """Open the app for the command line's options; returns the exit status."""
    app = build_app(options)
    app.run()
    return app.return_code or 0


def build_app(options: Options) -> BikefinderApp:
    """The app as the command line's options ask for it."""
    source = resolve_source(
        options.system, options.near, demo=options.demo, client_id=options.client_id
    )
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
    )
    app.favourites_view = options.favorites  # `bikefinder --favorites` opens on them
    return app
