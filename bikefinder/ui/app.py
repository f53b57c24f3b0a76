"""The Textual app: a live, ranked, keyboard-driven list of what is near the rider.

The app holds a :class:`~bikefinder.fleet.fleet.Fleet` (one system or eight, alike) and
the :class:`~bikefinder.rider.scene.Scene` prepared from it; its one list screen,
:class:`StationsScreen`, asks it for rows and draws them. Data flow: a 1 s
``set_interval`` tick starts an exclusive worker per system whose refresh is due; the
worker only fetches and posts :class:`FleetUpdate`; the handler records it in the fleet
and prepares a new scene on the data thread (:class:`ScenePrepared`), which the list
redraws in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from bikefinder.common.text import clean
from bikefinder.feeds.vehicles import VehicleSelection
from bikefinder.fleet.fleet import FeedCache, Fleet, utc_now
from bikefinder.fleet.live import LiveSystem, Loaded
from bikefinder.rider.alerts import alert_environment, alert_message, run_notify_command
from bikefinder.rider.favourites import FavouritesStore, favourites_url, new_favourite
from bikefinder.rider.listing import ListStatus, OtherFavourites, other_favourites
from bikefinder.rider.mode_rows import DEFAULT_LIMIT
from bikefinder.rider.modes import Mode
from bikefinder.rider.output import format_distance
from bikefinder.rider.ranking import FAR_FROM_POINT_M
from bikefinder.rider.rows import Kind, Row, RowDetails, RowKey
from bikefinder.rider.scene import Query, Scene, stations_centre
from bikefinder.rider.walking import WALKING_SPEED_KMH
from bikefinder.systems.source import SYSTEM_CENTRE, SystemSource
from bikefinder.systems.switching import SystemSwitching, point_for_system
from bikefinder.ui.commands import palette_commands
from bikefinder.ui.data_thread import run_on_data_thread
from bikefinder.ui.messages import (
    EditWatch,
    FleetUpdate,
    ScenePrepared,
    ToggleFavourite,
    WatchFired,
)
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.screens.stations import StationsScreen
from bikefinder.ui.screens.watch_dialog import WatchChoice
from bikefinder.ui.watches import WatchKeeper
from bikefinder.ui.widgets.status_bar import HeaderState

if TYPE_CHECKING:
    from bikefinder.feeds.models import Station
    from bikefinder.feeds.snapshot import Snapshot
    from bikefinder.options import Options
    from bikefinder.rider.refresh import RefreshSchedule

#: How long ``r``'s note stays.
REFRESH_NOTE_S = 2.5
#: Notifications about a fired watch stay up long enough to be seen from across the room.
ALERT_TIMEOUT_S = 30


class BikefinderApp(App[int]):
    """What is near one point, in one system or several."""

    CSS_PATH = "app.tcss"
    TITLE = "bikefinder"
    #: Every screen's keys; the list and details screens bind their own.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(
        self,
        source: SystemSource,
        near: tuple[float, float],
        favourites: FavouritesStore,
        *,
        more_sources: Sequence[SystemSource] = (),
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
        vehicles: VehicleSelection | None = None,
        walking_speed_kmh: float = WALKING_SPEED_KMH,
        favourites_view: bool = False,
        max_feed_bytes: int | None = None,
    ) -> None:
        """``source`` and ``more_sources`` are the systems listed together; their
        ``transport``, ``favourites``, ``cache`` (the first system's last known data; no
        cache when ``None``), ``clock`` and ``switching`` (the picker's catalog and
        transport) are the seams tests inject. ``limit`` None lists as many rows as the
        screen holds, and more as the cursor reaches the end."""
        super().__init__()
        self.near, self.near_note = near, near_note
        #: The rider's own position, kept across system switches (None: not known).
        self.rider_near = near if near_note is None and not source.is_demo else None
        self.switching = switching or SystemSwitching()
        self.favourites = favourites
        self.limit = limit
        self.clock = clock
        self.local_tz = local_tz
        self.notify_command = notify_command
        self.walking_speed_kmh = walking_speed_kmh
        self._cache, self._caching = cache, cache is not None
        self.fleet = Fleet(language=language, client_id=client_id, refresh_s=refresh_s,
                           selection=vehicles or VehicleSelection.BIKES, clock=clock,
                           offload=run_on_data_thread, cache_for=self._cache_for,
                           max_bytes=max_feed_bytes)  # fmt: skip
        for each in (source, *more_sources):
            self.fleet.add(each)
        self.scene: Scene | None = None
        self.watches = WatchKeeper(favourites, self.post_message)
        #: Set by a switch (``s``): rank from the system's centre if the point is far from it.
        self._move_if_far = False
        #: A refresh the rider asked for (``r``): the systems not answered yet, and per
        #: system how many stations changed (``None``: not known, or it failed).
        self._waiting: set[str] = set()
        self._asked: dict[str, int | None] = {}
        self._asked_failed = False
        self.stations = StationsScreen(self, limit=limit, local_tz=local_tz,
                                       walking_speed_kmh=walking_speed_kmh,
                                       favourites_view=favourites_view)  # fmt: skip

    def _cache_for(self, source: SystemSource) -> FeedCache | None:
        if self._cache is not None and self._cache.gbfs_url == source.gbfs_url:
            return self._cache
        return self.switching.cache_for(source) if self._caching else None

    # -- the first system, as one-system views and tests speak of it -----------------

    @property
    def lead(self) -> LiveSystem:
        """The first system shown (whose freshness the header shows)."""
        enabled = self.fleet.enabled or self.fleet.systems
        return next((s for s in enabled if s.snapshot is not None), enabled[0])

    @property
    def snapshot(self) -> Snapshot | None:
        return self.lead.snapshot

    @property
    def schedule(self) -> RefreshSchedule:
        return self.lead.schedule

    @property
    def source(self) -> SystemSource:
        return self.lead.source

    # -- lifecycle -------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.favourites.load()
        self._show_store_notices()
        await self.push_screen(self.stations)
        self.set_interval(1.0, self.tick)
        self.stations.show_loading(self.lead.name)
        for system in self.fleet.systems:
            self._fetch(system, with_cache=True)

    async def on_unmount(self) -> None:
        await self.fleet.aclose()

    def _fetch(self, system: LiveSystem, *, with_cache: bool = False, asked: bool = False) -> None:
        """Fetch ``system`` in its own exclusive worker (a fetch under way restarts)."""
        system.schedule.start(asked)
        self.run_worker(self._fetch_now(system, with_cache), group=f"feeds:{system.url}",
                        exclusive=True, exit_on_error=False,
                        description=f"fetch {system.url}")  # fmt: skip

    async def _fetch_now(self, system: LiveSystem, with_cache: bool) -> None:
        """Stale-while-revalidate: the last known data first, then the live answer."""
        if with_cache:
            cached = await self.fleet.read_cache(system)
            if cached is not None:
                self.post_message(FleetUpdate(cached))
        for event in await self.fleet.fetch(system):
            self.post_message(FleetUpdate(event))

    def tick(self) -> None:
        """Every second: age the header, count the retry down, start due refreshes."""
        self.stations.update_header()
        if not self.has_data and any(s.error for s in self.fleet.enabled):
            self._show_load_error()
        for system in self.fleet.due():
            self._fetch(system)

    @on(FleetUpdate)
    def _fleet_update(self, message: FleetUpdate) -> None:
        event = message.event
        before = self.fleet.system(event.gbfs_url)
        old = before.snapshot if before is not None else None
        system = self.fleet.apply(event)
        if system is None:
            return  # a system removed meanwhile (switched away from)
        waited = system.url in self._waiting and not (
            isinstance(event, Loaded) and event.snapshot.from_cache
        )
        if isinstance(event, Loaded):
            new = (
                old is None
                or event.snapshot.stations is not old.stations
                or (event.snapshot.vehicles is not old.vehicles)
            )
            if new:
                self.prepare_scene()  # the answer is counted when the scene is ready
            elif waited:
                self._asked[system.url] = 0
                self._waiting.discard(system.url)
        elif waited:
            self._asked_failed = True
            self._waiting.discard(system.url)
        if not self.has_data and system.error is not None:
            self._show_load_error()
        self._say_refreshed()
        self.stations.update_header()

    def prepare_scene(self) -> None:
        """Prepare a new scene from the fleet's data, on the data thread."""
        self._prepare(partial(self.fleet.prepare, self.fleet.frame(), self.scene))

    # A description, or Textual builds one from repr(): every snapshot, every vehicle.
    @work(exclusive=True, group="scene", exit_on_error=False, description="prepare the scene")
    async def _prepare(self, prepare: Callable[[], Scene]) -> None:
        self.post_message(ScenePrepared(await run_on_data_thread(prepare)))

    @on(ScenePrepared)
    def _scene_prepared(self, message: ScenePrepared) -> None:
        scene, old = message.scene, self.scene
        self.scene = scene
        for index in scene.indexes:
            kept = old.index(index.system.key) if old is not None else None
            if kept is None or kept.snapshot.stations is not index.snapshot.stations:
                self.watches.check(index.snapshot, index.station, self._shown_urls())
                url = index.system.gbfs_url
                if url in self._waiting and not index.snapshot.from_cache:
                    self._asked[url] = index.changed
                    self._waiting.discard(url)
        if self._move_if_far:
            self._move_away_if_far(scene)
        if scene.indexes and not self.stations.table.display:
            self.stations.show_list()
            self.stations.refresh_bindings()  # f, a, Enter are live now
        self._say_refreshed()
        self.stations.render_rows()

    def _move_away_if_far(self, scene: Scene) -> None:
        """After a switch: rank from the system's centre when the point is far from it."""
        index = scene.indexes[0] if scene.indexes else None
        if index is None or index.snapshot.from_cache:
            return
        self._move_if_far = False
        nearest = scene.rows(Query(self.near, limit=1), now=self.clock())
        centre = stations_centre(index.snapshot.stations)
        if nearest and (nearest[0].distance_m or 0) > FAR_FROM_POINT_M and centre is not None:
            self.near, self.near_note = centre, SYSTEM_CENTRE

    def _say_refreshed(self) -> None:
        """Once every system the rider refreshed (``r``) has answered: the header
        flashes, and a short note says what changed (a failure or a descriptive feed's
        problem is the header's to say)."""
        if self._waiting or not (self._asked or self._asked_failed):
            return
        results, failed = list(self._asked.values()), self._asked_failed
        self._asked, self._asked_failed = {}, False
        self.stations.flash_header()
        if failed or any(system.schedule.partial_error for system in self.fleet.enabled):
            return
        changed = sum(value or 0 for value in results)
        if self.lead.is_demo:
            note = "Refreshed: no change (demo data never changes)"
        elif any(value is None for value in results):
            note = "Refreshed: new availability"
        elif changed == 0:
            note = "Refreshed: no change"
        else:
            note = f"Refreshed: {changed} station{'s' * (changed != 1)} changed"
        self.notify(note, timeout=REFRESH_NOTE_S, markup=False)

    # -- what the list is drawn from (the list screen's ListSource) ------------------

    @property
    def has_data(self) -> bool:
        return self.scene is not None and bool(self.scene.indexes)

    @property
    def several(self) -> bool:
        return len(self.fleet.enabled) > 1

    def _shown_urls(self) -> set[str]:
        return {system.url for system in self.fleet.systems}

    def rider_query(self, mode: Mode, favourites_only: bool = False, name_query: str = "",
              limit: int = DEFAULT_LIMIT) -> Query:  # fmt: skip
        """The list's question: the rider's favourites and watches as row keys."""
        favourites: dict[RowKey, str] = {}
        watched: set[RowKey] = set()
        for system in self.fleet.enabled:
            for favourite in self.favourites.for_system(favourites_url(system.url)):
                key = RowKey(Kind.STATION, system.system_id, favourite.station_id)
                favourites[key] = favourite.name or favourite.station_id
                if favourite.watch is not None:
                    watched.add(key)
        return Query(self.near, mode, None, limit, name_query, favourites_only, favourites,
                     frozenset(watched))  # fmt: skip

    def list_rows(
        self, mode: Mode, favourites_only: bool, name_query: str, limit: int
    ) -> list[Row]:
        if self.scene is None:
            return []
        query = self.rider_query(mode, favourites_only, name_query, limit)
        return self.scene.rows(query, now=self.clock(), walking_speed_kmh=self.walking_speed_kmh,
                               trends=self.fleet.trends)  # fmt: skip

    def list_status(self) -> ListStatus:
        """The header's facts: the systems, the lead system's freshness, what fails."""
        now, lead, scene = self.clock(), self.lead, self.scene
        enabled = self.fleet.enabled
        fresh = lead.freshness(now)
        health, problem = fresh.health, fresh.problem
        failing = self._failing_line() if self.several else None
        if failing is not None:
            health, problem = "error", failing
        problem = problem or self.far_note()
        return ListStatus(
            system_name=" + ".join(s.name for s in enabled) or lead.name,
            near=self.near,
            freshness=fresh.text,
            health=health,
            problem=problem,
            near_note=self.near_note,
            chosen_by=lead.source.chosen_by,
            systems=len(enabled),
            station_count=scene.station_count if scene else 0,
            vehicle_count=scene.vehicle_count if scene else 0,
            alert_count=len(scene.active_alerts(now)) if scene else 0,
            skipped=sum(i.snapshot.report.problems for i in scene.indexes) if scene else 0,
            refresh_s=None if lead.is_demo else lead.schedule.refresh_s,
        )

    def header_state(self) -> HeaderState:
        """The list's header as it stands."""
        return self.stations.header_state()

    def _failing_line(self) -> str | None:
        parts = []
        for system in self.fleet.enabled:
            if system.schedule.last_error is None:
                continue
            since = system.failing_since
            when = f" since {since.astimezone(self.local_tz):%H:%M:%S}" if since else ""
            brief = system.schedule.last_error_brief or system.schedule.last_error
            parts.append(f"{clean(system.name, 40)} failing{when} ({clean(brief, 80)})")
        if not parts:
            return None
        return "; ".join(parts) + ": the other systems' rows are shown"

    def far_note(self) -> str | None:
        """A warning when the point is far from every row of the systems shown."""
        if self.scene is None or not self.scene.indexes:
            return None
        nearest = self.scene.rows(Query(self.near, limit=1), now=self.clock())
        distance = nearest[0].distance_m if nearest else None
        if distance is None or distance <= FAR_FROM_POINT_M:
            return None
        return (
            f"The nearest station is {format_distance(distance)} away: this point is "
            f"outside {clean(self.lead.name, 40)}. Press s to choose another system."
        )

    def row_details(self, key: RowKey, shown: RowDetails | None = None) -> RowDetails:
        """One row of the current scene (``row`` None once it left the feed)."""
        row = None
        if self.scene is not None:
            query = self.rider_query(self.stations.mode)
            row = self.scene.row(key, query, now=self.clock(),
                                 walking_speed_kmh=self.walking_speed_kmh,
                                 trends=self.fleet.trends)  # fmt: skip
        if row is None and shown is not None and shown.row is not None and not key.is_station:
            return replace(shown, gone=True)  # a vehicle taken or moved: keep what was seen
        system = self.fleet.by_id(key.system)
        saved = None
        if system is not None and key.is_station:
            saved = self.favourites.get(favourites_url(system.url), key.item_id)
        snapshot = system.snapshot if system is not None else None
        return RowDetails(
            key=key,
            row=row,
            watch=saved.watch.describe() if saved is not None and saved.watch else None,
            timezone=snapshot.system.timezone if snapshot is not None else None,
            several=self.several,
        )

    def other_favourites(self) -> OtherFavourites:
        return other_favourites(self._shown_urls(), self.favourites.all())

    def _show_load_error(self) -> None:
        """Nothing loaded yet and a load failed: say what and when the next try is."""
        system = next((s for s in self.fleet.enabled if s.error), self.lead)
        wait_s = system.schedule.wait_s(self.clock())
        self.stations.show_load_error(system.name, system.schedule.last_error, wait_s,
                                      system.schedule.failures + 1)  # fmt: skip

    # -- favourites and watches ------------------------------------------------------

    def _selected_station(self, key: RowKey | None) -> tuple[Snapshot, Station] | None:
        """The station of row ``key`` with its snapshot; a vehicle is no station (and
        the rider is told why)."""
        if key is not None and not key.is_station:
            self.notify("Vehicles move: favourite or watch a station instead.", timeout=4,
                        markup=False)  # fmt: skip
            return None
        found = self.scene.station(key) if self.scene is not None and key is not None else None
        return None if found is None else (found[0].snapshot, found[1])

    @on(ToggleFavourite)
    def _toggle_favourite(self, message: ToggleFavourite) -> None:
        """Add the station to the favourites, or remove it (``f``)."""
        selected = self._selected_station(message.key)
        if selected is None:
            self.bell()
            return
        snapshot, station = selected
        added = self.favourites.toggle(new_favourite(snapshot, station, self.clock()))
        name = clean(station.info.name, 60) or station.station_id
        self.notify(f"★ {name} added to favourites" if added else f"{name} removed from favourites",
                    markup=False, timeout=3)  # fmt: skip
        self._show_store_notices()
        self.stations.render_rows()

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
        favourite = new_favourite(snapshot, station, self.clock())
        confirmation = self.watches.save(snapshot, station, favourite, choice, self._shown_urls())
        self.notify(confirmation, title="Watch", timeout=6, markup=False)
        self._show_store_notices()  # e.g. the file is read-only
        self.stations.render_rows()

    @on(WatchFired)
    def _watch_fired(self, message: WatchFired) -> None:
        """Ring, show the notification, and start the rider's ``--notify-command`` (in a
        worker: the UI never waits for it)."""
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

    def _show_store_notices(self) -> None:
        for notice in self.favourites.take_notices():
            self.notify(notice, title="Favourites", severity="warning", timeout=12, markup=False)

    # -- the app's keys --------------------------------------------------------------

    def action_keys(self) -> None:
        """Show every key (``?``); Escape closes."""
        from bikefinder.ui.screens.keys import KeysScreen

        self.push_screen(KeysScreen())

    def action_refresh(self) -> None:
        """Refresh every system shown now, whatever the timers say (``r``)."""
        self._asked, self._asked_failed = {}, False
        self._waiting = {system.url for system in self.fleet.enabled}
        for system in self.fleet.enabled:
            self._fetch(system, asked=True)

    def action_choose_system(self) -> None:
        """Open the system picker (``s``): with one system, another one replaces it in
        place; with several, systems are turned on and off. (Imported here: the picker
        and the catalog code are not needed before ``s``.)"""
        from bikefinder.ui.screens.system_picker import SystemPickerScreen
        from bikefinder.ui.screens.systems_toggle import SystemsToggleScreen

        if len(self.fleet.systems) > 1:
            choices = [(s.url, s.name, s.enabled) for s in self.fleet.systems]
            self.push_screen(SystemsToggleScreen(choices), self._systems_toggled)
            return
        picker = SystemPickerScreen(self.switching, self.near, client_id=self.fleet.client_id,
                                    current_url=self.lead.url)  # fmt: skip
        self.push_screen(picker, self.system_picked)

    def _systems_toggled(self, enabled: set[str] | None) -> None:
        if enabled is not None:
            self.set_systems_enabled(enabled)

    def set_systems_enabled(self, enabled: set[str]) -> None:
        """Turn systems on and off (at least one stays on); the scene is prepared again."""
        if not enabled:
            self.bell()
            return
        for system in self.fleet.systems:
            was, system.enabled = system.enabled, system.url in enabled
            if system.enabled and not was:
                self._fetch(system)  # back on: refresh it now
            elif was and not system.enabled:
                self.workers.cancel_group(self, f"feeds:{system.url}")
                system.schedule.refreshing = False
        self.prepare_scene()

    async def system_picked(self, source: SystemSource | None) -> None:
        """Show ``source`` instead of the system shown, in place: mode, view and filter
        are kept; the fetch under way is cancelled."""
        if source is None or source.gbfs_url == self.lead.url:
            return
        for system in list(self.fleet.systems):
            self.workers.cancel_group(self, f"feeds:{system.url}")
            self.fleet.remove(system.url)
        self.near, self.near_note = point_for_system(source, self.rider_near, self.near,
                                                     self.near_note)  # fmt: skip
        self._caching = True
        system = self.fleet.add(source)
        self.scene = None
        self.stations.clear()
        self.stations.show_loading(system.name)
        self.stations.update_header()
        self._move_if_far = True  # a URL's system may be anywhere: its centre if far
        self._fetch(system, with_cache=True)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action is in the command palette too (Ctrl+P)."""
        yield from super().get_system_commands(screen)
        details = screen if isinstance(screen, DetailsScreen) else None
        yield from palette_commands(self.stations, details, refresh=self.action_refresh,
                                    choose_system=self.action_choose_system)  # fmt: skip


def run_app(options: Options) -> int:
    """Open the app for the command line's options; returns the exit status."""
    app = build_app(options)
    app.run()
    return app.return_code or 0


def build_app(options: Options) -> BikefinderApp:
    """The app on the systems the command line asks for (the same choice as ``--once``)."""
    from bikefinder.fleet.choice import choose, selection_of

    favourites = FavouritesStore()
    saved = favourites.load() if options.favorites else []
    choice = choose(options, saved)
    first, *more = choice.sources
    assert choice.near is not None
    return BikefinderApp(
        first,
        choice.near,
        favourites,
        more_sources=more,
        limit=options.limit,
        language=options.language,
        client_id=options.client_id,
        refresh_s=options.refresh_s,
        cache=Fleet().default_cache(first),
        near_note=choice.near_note,
        notify_command=options.notify_command,
        vehicles=selection_of(options),
        walking_speed_kmh=options.walking_speed_kmh,
        favourites_view=options.favorites,  # `bikefinder --favorites` opens on them
        max_feed_bytes=options.max_feed_bytes,
    )
