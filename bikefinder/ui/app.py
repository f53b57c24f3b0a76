"""The Textual station finder: a live, ranked, keyboard-driven list of nearby stations.

Data flow: a 1 s ``set_interval`` tick starts an exclusive ``@work`` worker when a
refresh is due; the worker only fetches (``SystemFeeds.refresh``) and posts a
:class:`SnapshotLoaded` or :class:`RefreshFailed` message; the ``@on`` handlers own
all state and redraw the table in place. Ranking, usefulness per mode and
staleness come from :mod:`bikefinder.core.modes`; this module only renders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from bikefinder.core.cache import FeedCache
from bikefinder.core.demo import DEMO_NEAR
from bikefinder.core.errors import BikefinderError, FeedError
from bikefinder.core.favourites import Favourite, FavouritesStore
from bikefinder.core.http import make_http_client
from bikefinder.core.loader import SystemFeeds, system_label_for
from bikefinder.core.models import RankedStation, Snapshot, Station, StationStatus
from bikefinder.core.modes import (
    Mode,
    ModeRow,
    count_changes,
    data_age_s,
    format_age,
    id_mask,
    is_report_stale,
    name_mask,
    rank_for_mode,
    refresh_interval_s,
    report_age_s,
    retry_delay_s,
    stale_after_s,
)
from bikefinder.core.ranking import (
    StationIndex,
    compass_point,
    haversine_m,
    initial_bearing_deg,
)
from bikefinder.core.source import (
    SystemSource,
    remember_loaded_system,
    resolve_source,
    start_point,
)
from bikefinder.core.text import clean
from bikefinder.core.trends import TrendHistory
from bikefinder.ui.messages import RefreshFailed, SnapshotLoaded
from bikefinder.ui.screens.details import DetailsScreen, StationDetails
from bikefinder.ui.screens.system_picker import (
    SystemPickerScreen,
    SystemSwitching,
    point_for_system,
)
from bikefinder.ui.screens.watch_dialog import WatchDialog
from bikefinder.ui.watches import WatchKeeper
from bikefinder.ui.widgets.filter_bar import FilterBar
from bikefinder.ui.widgets.map_panel import MapPanel
from bikefinder.ui.widgets.station_table import RowDisplay, StationTable
from bikefinder.ui.widgets.status_bar import HeaderState, StatusBar

if TYPE_CHECKING:
    import httpx

    from bikefinder.cli import Options

DEFAULT_LIMIT = 20
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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "toggle_favourite", "Favourite"),
        Binding("v", "toggle_view", "Favourites/all"),
        Binding("slash", "start_filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter"),
        Binding("m", "cycle_mode", "Mode"),
        Binding("r", "refresh", "Refresh"),
        Binding("s", "choose_system", "System"),
        Binding("a", "watch", "Watch"),
        Binding("M", "toggle_map", "Map"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        source: SystemSource,
        near: tuple[float, float],
        favourites: FavouritesStore,
        *,
        limit: int = DEFAULT_LIMIT,
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
        ``near`` is not the rider's position (e.g. ``"system centre"``)."""
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
        self.language = language
        self.client_id = client_id
        self.refresh_override_s = refresh_s
        self.cache = cache
        self.clock = clock
        self.local_tz = local_tz
        self.mode = Mode.ANY_BIKE
        self.favourites_view = False
        self.filter_query = ""
        self.snapshot: Snapshot | None = None
        self.refresh_s = refresh_interval_s(None, refresh_s)
        self.failures = 0
        self.last_error: str | None = None
        self.last_error_brief: str | None = None
        self.refreshing = False
        self.next_refresh_at = clock()
        self.displayed: list[RowDisplay] = []
        self._index: StationIndex | None = None
        self._by_id: dict[str, Station] = {}
        self._previous_status: dict[str, StationStatus | None] = {}
        self._feeds: SystemFeeds | None = None
        self._http: httpx.AsyncClient | None = None
        self.trends = TrendHistory()
        self.watches = WatchKeeper(self, notify_command)

    # -- layout and lifecycle --------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.status_bar = StatusBar(id="status")
        self.table = StationTable(id="stations")
        self.map_panel = MapPanel(id="map")
        self.message = Static(id="message")
        self.others = Static(id="others")
        self.filter_bar = FilterBar(id="filter")
        yield self.status_bar
        yield self.table
        yield self.map_panel
        yield self.message
        yield self.others
        yield self.filter_bar
        yield Footer()

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
        self._http = None
        self._feeds = SystemFeeds(
            None,
            self.source.gbfs_url,
            language=self.language,
            label=self.source.label,
            cache=self.cache,
        )
        self._show_message(Text(f"Loading {self._system_name()} …", style="bold"))
        self._update_header()
        # Stale-while-revalidate: the last known data (marked with its age) at once,
        # replaced in place when the live fetch below answers.
        cached = self._feeds.load_cached()
        if cached is not None:
            self.post_message(SnapshotLoaded(cached))
        self.start_refresh()

    async def switch_system(
        self, source: SystemSource, near: tuple[float, float], near_note: str | None
    ) -> None:
        """Show another system in place: the fetch under way is cancelled, the old HTTP
        client closed; mode, favourites view and filter are kept."""
        self.workers.cancel_group(self, "feeds")
        old_http = self._http
        self._http = None
        self.source, self.near, self.near_note = source, near, near_note
        self.cache = self.switching.cache_for(source)
        self.snapshot, self._index, self._by_id, self._previous_status = None, None, {}, {}
        self.displayed, self.failures = [], 0
        self.last_error = self.last_error_brief = None
        self.table.show([], self.mode)
        self.table.display = self.others.display = False
        self._open_system()
        if old_http is not None:
            await old_http.aclose()

    async def on_unmount(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    def on_resize(self, event: events.Resize) -> None:
        if self.table.fit_width(event.size.width):
            self.render_rows()

    # -- refreshing ------------------------------------------------------------------

    def start_refresh(self) -> None:
        """Fetch now (a refresh already running is cancelled and restarted)."""
        self.refreshing = True
        self._fetch()

    @work(exclusive=True, group="feeds")
    async def _fetch(self) -> None:
        """Fetch in the background; all state changes happen in the message handlers."""
        assert self._feeds is not None
        if self._http is None:
            source, feeds = self.source, self._feeds
            http = await asyncio.to_thread(
                make_http_client, self.client_id, source.headers, source.transport
            )
            if feeds is not self._feeds:  # the system was switched meanwhile
                await http.aclose()
                return
            self._http = http
            feeds.attach(http)
        first_load = self.snapshot is None
        try:
            snapshot = await self._feeds.refresh()
        except Exception as exc:  # even a parser bug must not kill the app: report, retry
            if isinstance(exc, FeedError):
                error, brief = str(exc), f"{exc.feed}: {exc.cause}"
            elif isinstance(exc, BikefinderError):
                error = brief = str(exc)
            else:
                brief = f"unexpected error ({type(exc).__name__}: {exc})"
                error = f"{self._feeds.label}: {brief}"
            cached = self._feeds.load_cached() if first_load else None
            if cached is not None:  # the last known data, marked as such, beats nothing
                self.post_message(SnapshotLoaded(cached))
            self.post_message(RefreshFailed(error, brief, first_load, self._feeds.gbfs_url))
            return
        self.post_message(SnapshotLoaded(snapshot))

    def tick(self) -> None:
        """Every second: age the header, count the retry down, start a due refresh."""
        self._update_header()
        if self.snapshot is None and self.last_error is not None:
            self._show_load_error()
        if not self.refreshing and self.clock() >= self.next_refresh_at:
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
        if previous is None or snapshot.stations is not previous.stations:
            # New numbers (the loader returns the very same objects when nothing changed,
            # e.g. on HTTP 304): change markers compare with the data shown until now.
            if previous is not None:
                self._previous_status = {s.station_id: s.status for s in previous.stations}
            self._index = StationIndex(snapshot.stations)
            self._by_id = {station.station_id: station for station in snapshot.stations}
            self.trends.record(snapshot.gbfs_url, snapshot.stations)
            self.watches.check(snapshot, self._by_id)
        self.snapshot = snapshot
        self.refresh_s = refresh_interval_s(
            message.snapshot.status_meta.ttl, self.refresh_override_s
        )
        self.failures = 0
        self.last_error = None
        self.last_error_brief = None
        self.refreshing = False
        self.next_refresh_at = self.clock() + timedelta(seconds=self.refresh_s)
        if previous is None:
            self.message.display = False
            self.table.display = True
            self.table.focus()
        self.render_rows()

    @on(RefreshFailed)
    def _refresh_failed(self, message: RefreshFailed) -> None:
        if message.gbfs_url not in (None, self.source.gbfs_url):
            return  # posted for the system shown before a switch
        self.failures += 1
        self.last_error = message.error
        self.last_error_brief = message.brief
        self.refreshing = False
        self.next_refresh_at = self.clock() + timedelta(seconds=retry_delay_s(self.failures))
        if self.snapshot is None:
            self._show_load_error()
        self._update_header()

    # -- rendering -------------------------------------------------------------------

    def render_rows(self) -> None:
        """Recompute the listed stations for the view, filter and mode, and show them."""
        snapshot, index = self.snapshot, self._index
        if snapshot is None or index is None:
            return
        favourite_ids = {f.station_id for f in self.favourites.for_system(snapshot.gbfs_url)}
        keep: list[bool] | None = None
        limit = self.limit
        if self.favourites_view:
            keep = id_mask(index.stations, favourite_ids)
            limit = len(favourite_ids)
        if self.filter_query.strip():
            names = name_mask(index.stations, self.filter_query)
            keep = names if keep is None else [a and b for a, b in zip(keep, names, strict=True)]
        rows = rank_for_mode(index, self.near, self.mode, limit, keep)
        self.displayed = [self._row_display(row, favourite_ids) for row in rows]
        self.table.show(self.displayed, self.mode)
        if self.map_panel.display:
            rows = [display.row for display in self.displayed]
            self.map_panel.show(self.near, rows, self.mode, self.table.highlighted_key)
        self._update_empty_message()
        self._update_others(snapshot, favourite_ids)
        self._update_header()
        self._update_details()

    def _row_display(self, row: ModeRow, favourite_ids: set[str]) -> RowDisplay:
        assert self.snapshot is not None
        station = row.station
        age = report_age_s(station, self.snapshot)
        return RowDisplay(
            row=row,
            favourite=station.station_id in favourite_ids,
            changes=self._changes(station),
            report_age_s=age,
            report_stale=is_report_stale(age),
            trend=self.trends.trend(station.station_id, self.mode),
        )

    def _changes(self, station: Station) -> dict[str, int]:
        return count_changes(self._previous_status.get(station.station_id), station.status)

    def _update_empty_message(self) -> None:
        if self.displayed:
            self.message.display = False
            return
        if self.favourites_view and not self.filter_query.strip():
            text = Text(
                "No favourites in this system yet. "
                "Press v for all stations, then f on a station to add it."
            )
        elif self.filter_query.strip():
            text = Text("No station name matches ")
            text.append(clean(self.filter_query, 60), style="bold")
            text.append(". Escape clears the filter.")
        else:
            text = Text("This system lists no stations.")
        self._show_message(text)

    def _update_others(self, snapshot: Snapshot, favourite_ids: set[str]) -> None:
        """In the favourites view: favourites gone from this feed and those of other systems."""
        if not self.favourites_view:
            self.others.display = False
            return
        lines: list[Text] = []
        missing = [
            f
            for f in self.favourites.for_system(snapshot.gbfs_url)
            if f.station_id not in self._by_id
        ]
        if missing:
            line = Text("Not in this system's feed right now: ", style="bold yellow")
            line.append(", ".join(clean(f.name, 40) or f.station_id for f in missing))
            lines.append(line)
        elsewhere: dict[str, list[Favourite]] = {}
        for favourite in self.favourites.all():
            if favourite.gbfs_url != snapshot.gbfs_url:
                system = favourite.system_name or favourite.system_id or favourite.gbfs_url
                elsewhere.setdefault(system, []).append(favourite)
        for system, favourites in elsewhere.items():
            line = Text("In ", style="dim")
            line.append(clean(system, 40), style="bold")
            line.append(": ", style="dim")
            line.append(", ".join(clean(f.name, 40) or f.station_id for f in favourites))
            lines.append(line)
        self.others.display = bool(lines)
        self.others.update(Text("\n").join(lines))

    def _show_message(self, text: Text) -> None:
        self.message.update(text)
        self.message.display = True

    def _show_load_error(self) -> None:
        """The first load failed: say what and when the next try is; no table yet."""
        text = Text(f"Could not load {self._system_name()}\n\n", style="bold red")
        text.append(clean(self.last_error, 400) + "\n\n", style="")
        wait_s = max(0.0, (self.next_refresh_at - self.clock()).total_seconds())
        text.append(
            f"Retrying in {wait_s:.0f} s (attempt {self.failures + 1}). "
            "Press r to retry now, s to choose another system, q to quit.",
            style="dim",
        )
        self._show_message(text)

    def _system_name(self) -> str:
        if self.snapshot is not None:
            return self.snapshot.system.name or self.snapshot.system.system_id
        return self.source.label or system_label_for(self.source.gbfs_url)

    def header_state(self) -> HeaderState:
        """What the header says right now (data age, health, the failure if any)."""
        snapshot = self.snapshot
        now = self.clock()
        health, problem = "ok", None
        age = data_age_s(snapshot, now) if snapshot is not None else None
        if snapshot is None:
            freshness = "no data yet" if self.last_error else "loading …"
            health = "error" if self.last_error else "ok"
        elif self.source.is_demo:
            freshness = self.source.demo_label or "demo data"
        elif snapshot.from_cache:
            age_text = f", {format_age(age)} old" if age is not None else ""
            freshness = f"CACHED data{age_text}"
            health = "stale"
        elif age is None:
            freshness = "data time unknown"
        else:
            freshness = f"updated {format_age(age)} ago"
            if age > stale_after_s(self.refresh_s):
                health = "stale"
                problem = (
                    f"Stale: this data is {format_age(age)} old; the system has not "
                    "published newer availability."
                )
        if snapshot is not None and self.last_error:
            health = "error"
            wait_s = max(0.0, (self.next_refresh_at - now).total_seconds())
            if self.source.is_demo:
                shown = self.source.demo_label
            elif age is None:
                shown = "older data"
            else:
                cached = "cached " if snapshot.from_cache else ""
                shown = f"{cached}data from {format_age(age)} ago"
            problem = (
                f"Showing {shown}: refresh failed ({self.last_error_brief}); "
                f"retrying in {wait_s:.0f} s"
            )
        return HeaderState(
            system_name=self._system_name(),
            near=self.near,
            mode=self.mode,
            favourites_view=self.favourites_view,
            freshness=freshness,
            health=health,
            problem=problem,
            detail=self._detail_line(),
            near_note=self.near_note,
            chosen_by=self.source.chosen_by,
        )

    def _detail_line(self) -> str:
        snapshot = self.snapshot
        if snapshot is None:
            return ""
        useful = sum(1 for d in self.displayed if d.row.useless is None)
        parts = [
            f"{len(snapshot.stations)} stations",
            f"{useful} of {len(self.displayed)} listed have {self.mode.wanted}",
        ]
        if self.filter_query.strip():
            parts.append(f"filter: {clean(self.filter_query, 40)}")
        if snapshot.report.problems:
            parts.append(f"{snapshot.report.problems} feed records skipped")
        parts.append(f"refresh every {self.refresh_s:.0f} s")
        return " · ".join(parts)

    def _update_header(self) -> None:
        state = self.header_state()
        self.status_bar.show(state)
        if isinstance(self.screen, DetailsScreen):
            self.screen.show_header(state)

    # -- details ---------------------------------------------------------------------

    def station_details(self, station_id: str) -> StationDetails:
        """The details of one station from the current snapshot (``ranked`` None if gone)."""
        station = self._by_id.get(station_id)
        assert self.snapshot is not None
        ranked = self._ranked(station) if station is not None else None
        age = report_age_s(station, self.snapshot) if station is not None else None
        return StationDetails(
            station_id=station_id,
            ranked=ranked,
            favourite=self.favourites.is_favourite(self.snapshot.gbfs_url, station_id),
            report_age_s=age,
            report_stale=is_report_stale(age),
            changes=self._changes(station) if station is not None else {},
        )

    def _ranked(self, station: Station) -> RankedStation:
        lat, lon = self.near
        bearing = initial_bearing_deg(lat, lon, station.info.lat, station.info.lon)
        return RankedStation(
            station=station,
            distance_m=haversine_m(lat, lon, station.info.lat, station.info.lon),
            bearing_deg=bearing,
            bearing=compass_point(bearing),
        )

    def _update_details(self) -> None:
        if isinstance(self.screen, DetailsScreen):
            self.screen.show(self.station_details(self.screen.station_id))

    @on(DataTable.RowSelected, "#stations")
    def _row_selected(self) -> None:
        self.action_details()

    @on(DataTable.RowHighlighted, "#stations")
    def _row_highlighted(self) -> None:
        self.map_panel.highlight(self.table.highlighted_key)

    def selected_station_id(self) -> str | None:
        """The station an action applies to: the details screen's, else the highlighted one."""
        if isinstance(self.screen, DetailsScreen):
            return self.screen.station_id
        return self.table.highlighted_key if self.snapshot is not None else None

    # -- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LIST_ONLY_ACTIONS and isinstance(self.screen, DetailsScreen):
            return False
        if isinstance(self.screen, WatchDialog) and action != "quit":  # the list's keys
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

    def action_refresh(self) -> None:
        """Refresh now, whatever the timer says."""
        self.start_refresh()

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
        """Open the system picker; choosing a system reloads the view for it in place."""
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
        return Favourite(
            gbfs_url=self.snapshot.gbfs_url,
            system_id=self.snapshot.system.system_id,
            system_name=self.snapshot.system.name,
            station_id=station.station_id,
            name=station.info.name,
            added_at=self.clock().isoformat(timespec="seconds").replace("+00:00", "Z"),
        )

    def action_start_filter(self) -> None:
        """Show the name filter and type into it."""
        if self.snapshot is None:
            return
        self.filter_bar.display = True
        self.filter_bar.focus()
        self.refresh_bindings()

    def action_clear_filter(self) -> None:
        """Clear and hide the name filter."""
        self.filter_bar.value = ""
        self.filter_bar.display = False
        self.filter_query = ""
        if self.snapshot is not None:
            self.table.focus()
        self.render_rows()
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.value != self.filter_query:
            self.filter_query = event.value
            self.render_rows()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    @on(FilterBar.Cleared)
    def _filter_cleared(self) -> None:
        self.action_clear_filter()

    @on(FilterBar.Move)
    def _filter_move(self, event: FilterBar.Move) -> None:
        if self.table.row_count:
            row = min(max(0, self.table.cursor_row + event.rows), self.table.row_count - 1)
            self.table.move_cursor(row=row)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action is in the command palette too (Ctrl+P)."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Refresh now", "Fetch the latest availability (r)", self.action_refresh)
        if not isinstance(screen, DetailsScreen):
            yield SystemCommand(
                "Choose system…", "Search all known bike-share systems (s)",
                self.action_choose_system,
            )  # fmt: skip
        yield SystemCommand(
            "Cycle mode", "Any bike → e-bike → free dock (m)", self.action_cycle_mode
        )
        for mode in Mode:
            yield SystemCommand(
                f"Look for: {mode.label}",
                f"Rank stations by {mode.label} availability",
                lambda mode=mode: self.set_mode(mode),
            )
        yield SystemCommand(
            "Toggle favourite",
            "Add or remove the highlighted station (f)",
            self.action_toggle_favourite,
        )
        yield SystemCommand(
            "Favourites / all stations", "Switch the list (v)", self.action_toggle_view
        )
        yield SystemCommand(
            "Watch station…", "Notify at N bikes / e-bikes / docks (a)", self.action_watch
        )
        if not isinstance(screen, DetailsScreen):
            yield SystemCommand("Map", "Show or hide the map (M)", self.action_toggle_map)
        if not isinstance(screen, DetailsScreen):
            yield SystemCommand(
                "Filter by name", "Type to narrow the list (/)", self.action_start_filter
            )
            yield SystemCommand(
                "Clear filter", "Show all names again (Escape)", self.action_clear_filter
            )
            yield SystemCommand(
                "Station details", "Open the highlighted station (Enter)", self.action_details
            )

    def _show_store_notices(self) -> None:
        for notice in self.favourites.take_notices():
            self.notify(notice, title="Favourites", severity="warning", timeout=12, markup=False)


def run_app(options: Options) -> int:
    """Open the app for the command line's options; returns the exit status."""
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
    app.run()
    return app.return_code or 0
