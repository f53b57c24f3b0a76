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

import gc
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from bikefinder.common.i18n import _
from bikefinder.common.phrases import Phrase
from bikefinder.feeds.vehicles import VehicleSelection
from bikefinder.fleet.destination import Destination
from bikefinder.fleet.fleet import FeedCache, Fleet, Frame, utc_now
from bikefinder.fleet.live import LiveSystem, Loaded, same_numbers
from bikefinder.fleet.view import FleetView
from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.listing import ListStatus, OtherFavourites
from bikefinder.rider.mode_rows import DEFAULT_LIMIT
from bikefinder.rider.modes import Mode
from bikefinder.rider.refresh import AskedRefresh
from bikefinder.rider.rows import Row, RowDetails, RowKey
from bikefinder.rider.scene import Query, Scene
from bikefinder.rider.speeds import Speeds
from bikefinder.rider.walking import WALKING_SPEED_KMH
from bikefinder.systems.source import SystemSource
from bikefinder.systems.switching import SystemSwitching, point_for_system
from bikefinder.ui.data_thread import (
    FRAME_GATE,
    FULL_COLLECTIONS,
    GateTicket,
    run_on_data_thread,
)
from bikefinder.ui.fleet_edits import FleetEdits
from bikefinder.ui.messages import (
    EditWatch,
    FleetUpdate,
    ScenePrepared,
    ToggleFavourite,
    TripsPlanned,
    WatchFired,
)
from bikefinder.ui.screens.stations import StationsScreen
from bikefinder.ui.station_actions import StationActions
from bikefinder.ui.status_words import freshness_words, left_out_words
from bikefinder.ui.watches import WatchKeeper
from bikefinder.ui.widgets.status_bar import HeaderState
from bikefinder.ui.words import refreshed_words, say

if TYPE_CHECKING:
    from bikefinder.rider.trips import TripPlan
    from bikefinder.ui.screens.trips import TripsScreen

# The trip list, the details, the dialogs and the command palette's commands are imported
# where they are first opened: the first table needs none of them.

#: How long ``r``'s note stays.
REFRESH_NOTE_S = 2.5
#: How many trips the trip list shows when ``--limit`` does not say.
APP_TRIP_LIMIT = 8
#: How long a note about what the list leaves out stays.
NOTE_S = 8.0
#: How long "X is now full: next best ..." stays.
TRIP_NOTICE_S = 8.0


class BikefinderApp(App[int]):
    """What is near one point, in one system or several."""

    CSS_PATH = "app.tcss"
    TITLE = "bikefinder"
    #: Every screen's keys; the list and details screens bind their own.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", _("Quit")),
        # Textual's own palette key, declared here so that its words are translated.
        Binding(
            "ctrl+p",
            "command_palette",
            _("palette"),
            show=False,
            priority=True,
            tooltip=_("Open the command palette"),
        ),
    ]

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
        mode: Mode = Mode.ANY_BIKE,
        minimum: int | None = None,
        speeds: Speeds | None = None,
        destination: Destination | None = None,
        trip_limit: int | None = None,
        first_run: bool = False,
        notes: Sequence[str | Phrase] = (),
    ) -> None:
        """``source`` and ``more_sources`` are the systems listed together; their
        ``transport``, ``favourites``, ``cache`` (the first system's last known data; no
        cache when ``None``), ``clock`` and ``switching`` (the picker's catalog and
        transport) are the seams tests inject. ``limit`` None lists as many rows as the
        screen holds, and more as the cursor reaches the end. ``destination``: open on
        the trip list to there (``--to``); ``speeds``: the trips' time model; ``trip_limit``:
        how many trips it lists (``None``: :data:`APP_TRIP_LIMIT`); ``first_run``: no
        system was asked for, so the picker opens at once (over ``source``, the demo);
        ``notes``: what choosing the systems left out, said once the list is shown."""
        super().__init__()
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
        self._caching = True  # a system added or chosen later (s) gets its feed cache
        #: What the list is drawn from: the fleet, the scene made of it, the point.
        self.view = FleetView(self.fleet, near, favourites, near_note, walking_speed_kmh,
                              local_tz)  # fmt: skip
        #: The picker's changes to the fleet: on, off, added, removed (``s``).
        self.edits = FleetEdits(self.fleet, fetch=lambda s, c: self._fetch(s, with_cache=c),
                                stop=self._stop, changed=self.prepare_scene)  # fmt: skip
        self.watches = WatchKeeper(favourites, self.post_message)
        self.actions = StationActions(self, self.view, self.watches, notify_command,
                                      changed=lambda: self.stations.render_rows())  # fmt: skip
        #: Set by a switch (``s``): rank from the system's centre if the point is far from it.
        self._move_if_far = False
        self.asked = AskedRefresh()
        self.stations = StationsScreen(self, limit=limit, local_tz=local_tz,
                                       walking_speed_kmh=walking_speed_kmh,
                                       favourites_view=favourites_view, mode=mode,
                                       minimum=minimum)  # fmt: skip
        self.speeds = speeds or Speeds(walking_kmh=walking_speed_kmh)
        #: The trip list while it is open (``t``, ``--to``), re-planned on every scene.
        self.trips: TripsScreen | None = None
        self._first_destination = destination
        self.trip_limit = trip_limit or APP_TRIP_LIMIT
        self._first_run = first_run
        self._start_notes = list(notes)
        #: The notes already said (each is said once: a system left out, zones not listed).
        self._said: set[str] = set()
        #: The list's rows ranked on the data thread with a new scene: (scene, query, rows).
        self._ranked: tuple[Scene, Query, list[Row]] | None = None

    def _cache_for(self, source: SystemSource) -> FeedCache | None:
        if self._cache is not None and self._cache.gbfs_url == source.gbfs_url:
            return self._cache
        return self.switching.cache_for(source) if self._caching else None

    # -- what the list is drawn from ---------------------------------------------------

    @property
    def lead(self) -> LiveSystem:
        """The first system shown with data: the one whose freshness the header shows."""
        return self.view.lead

    @property
    def scene(self) -> Scene | None:
        return self.view.scene

    @property
    def near(self) -> tuple[float, float]:
        assert self.view.near is not None
        return self.view.near

    @property
    def near_note(self) -> str | None:
        return self.view.near_note

    # -- lifecycle -------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.favourites.load()
        self.actions.show_store_notices()
        await self.push_screen(self.stations)
        if self._first_destination is not None:
            self.open_trips(self._first_destination)
        if self._first_run:
            self.action_choose_system()
        self.set_interval(1.0, self.tick)
        self.stations.show_loading(self.lead.name)
        for system in self.fleet.systems:
            self._fetch(system, with_cache=True)

    async def on_unmount(self) -> None:
        FULL_COLLECTIONS.release_all()  # what is under way now never finishes
        FRAME_GATE.release_all()
        await self.fleet.aclose()

    def _fetch(self, system: LiveSystem, *, with_cache: bool = False, asked: bool = False) -> None:
        """Fetch ``system`` in its own exclusive worker (a fetch under way restarts)."""
        system.schedule.start(asked)
        self.run_worker(self._fetch_now(system, with_cache), group=f"feeds:{system.url}",
                        exclusive=True, exit_on_error=False,
                        description=f"fetch {system.url}")  # fmt: skip

    def _stop(self, system: LiveSystem) -> None:
        """Cancel the system's fetch under way (turned off, removed, replaced)."""
        self.workers.cancel_group(self, f"feeds:{system.url}")
        system.schedule.refreshing = False

    async def _fetch_now(self, system: LiveSystem, with_cache: bool) -> None:
        """Stale-while-revalidate: the last known data first, then the live answer (no
        full collection meanwhile)."""
        with FULL_COLLECTIONS.held():
            await self._fetch_answers(system, with_cache)

    async def _fetch_answers(self, system: LiveSystem, with_cache: bool) -> None:
        if with_cache:
            cached = await self.fleet.read_cache(system)
            if cached is not None:
                self.post_message(FleetUpdate(cached))
                if cached.snapshot.within_ttl:
                    return  # every feed within its ttl: the server is asked when that runs out
        for event in await self.fleet.fetch(system):
            self.post_message(FleetUpdate(event))

    def tick(self) -> None:
        """Every second: age the header, count the retry down, start due refreshes."""
        self.stations.update_header()
        if self.trips is not None:
            self.trips.update_header()
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
        live = not (isinstance(event, Loaded) and event.snapshot.from_cache)
        if isinstance(event, Loaded):
            if not same_numbers(old, event.snapshot):
                self.prepare_scene()  # an answer the rider asked for counts when it is ready
            elif live:
                self.asked.answered(system.url, 0)
        elif live:
            self.asked.failed(system.url)
        if not self.has_data and system.error is not None:
            self._show_load_error()
        self._say_refreshed()
        self.stations.update_header()

    def prepare_scene(self) -> None:
        """Prepare a new scene from the fleet's data, on the data thread."""
        screen = self.stations
        asked = (screen.mode, screen.favourites_view, screen.filter_query, screen.shown_limit,
                 screen.minimum)  # fmt: skip
        ticket = FRAME_GATE.ticket()
        frame = self.fleet.frame()
        self._prepare(partial(self._prepared_scene, frame, self.view.scene, asked, ticket), ticket)

    def _prepared_scene(
        self,
        frame: Frame,
        previous: Scene | None,
        asked: tuple[Mode, bool, str, int, int | None],
        ticket: GateTicket,
    ) -> Scene:
        """The fleet's scene of ``frame`` (on the data thread), with what drawing it first
        asks found there too, so the event loop does not pause for them: the list's units
        (a system known only by URL has its country looked up from where its stations
        are: the gazetteer, ~0.15 s the first time), the header's nearest row, and the
        rows the list shows now (ranking tens of thousands of vehicles takes ~0.1 s)."""
        scene = self.fleet.prepare(frame, previous)
        _ = self.view.units
        if scene.indexes:
            self.view.nearest_m(scene)
            query = self._query(*asked)
            walking = self.view.walking_speed_kmh
            rows = scene.rows(query, now=self.clock(), walking_speed_kmh=walking,
                              trends=self.fleet.trends)  # fmt: skip
            self._ranked = (scene, query, rows)
        ticket.take()  # last, here: the next job (a parse) waits for this list's frame
        return scene

    # A description, or Textual builds one from repr(): every snapshot, every vehicle.
    @work(exclusive=True, group="scene", exit_on_error=False, description="prepare the scene")
    async def _prepare(self, prepare: Callable[[], Scene], ticket: GateTicket) -> None:
        """The scene on the data thread, then drawn (``_scene_prepared``); a scene that
        will not be drawn (superseded by a newer one, failed, the app closing) gives its
        hold on the data thread's gate back."""
        with FULL_COLLECTIONS.held():
            try:
                scene = await run_on_data_thread(prepare)
            except BaseException:
                ticket.give_back()
                raise
            FULL_COLLECTIONS.hold()  # until the scene is drawn (``_scene_prepared``)
            if not self.post_message(ScenePrepared(scene, ticket)):
                FULL_COLLECTIONS.release()  # the app is closing: no one will draw it
                ticket.give_back()

    @on(ScenePrepared)
    def _scene_prepared(self, message: ScenePrepared) -> None:
        try:
            self._show_scene(message.scene)
        finally:  # full collections and data work may come back once this frame is drawn
            self.call_after_refresh(FULL_COLLECTIONS.release)
            self.call_after_refresh(message.ticket.give_back)

    def _show_scene(self, scene: Scene) -> None:
        old = self.view.scene
        self.view.scene = scene
        for index in scene.indexes:
            kept = old.index(index.system.key) if old is not None else None
            if kept is None or kept.snapshot.stations is not index.snapshot.stations:
                self.watches.check(index.snapshot, index.station, self._shown_urls())
                if not index.snapshot.from_cache:
                    self.asked.answered(index.system.gbfs_url, index.changed)
        if self._move_if_far and scene.indexes and not scene.indexes[0].snapshot.from_cache:
            self._move_if_far = False
            self.view.move_to_centre_if_far()
        if scene.indexes and not self.stations.table.display:
            self.stations.show_list()
            self.stations.refresh_bindings()  # f, a, Enter are live now
            # Everything alive now (modules, Textual's widgets, the first data) lives as
            # long as the app: out of the collector's way, so a full collection during a
            # refresh walks only what was made since, not all of it again.
            gc.freeze()
        self._say_refreshed()
        self.stations.render_rows()
        self.call_after_refresh(self._say_notes, scene)  # a note's toast: a frame of its own
        self.plan_trips()
        self._warm(scene)

    def _say_notes(self, scene: Scene) -> None:
        """What the lists leave out and why (a system without bicycles, parking zones,
        systems passed over when choosing), each said once, as --once says it."""
        for note in [*self._start_notes, *self.fleet.notes, *left_out_words(scene)]:
            text = say(note)
            if text not in self._said:
                self._said.add(text)
                self.notify(text, title=_("Note"), timeout=NOTE_S, markup=False)

    @work(exclusive=True, group="warm", exit_on_error=False, description="fold names")
    async def _warm(self, scene: Scene) -> None:
        await run_on_data_thread(scene.warm)

    def _say_refreshed(self) -> None:
        """Once every system the rider refreshed (``r``) answered: the header flashes
        and a short note says what changed."""
        if not self.asked.finished():
            return
        self.stations.flash_header()
        problem = any(system.schedule.partial_error for system in self.fleet.enabled)
        note = refreshed_words(self.asked.outcome(demo=self.lead.is_demo, problem=problem))
        if note is not None:
            self.notify(note, timeout=REFRESH_NOTE_S, markup=False)

    # -- what the list is drawn from (the list screen's ListSource) ------------------

    @property
    def has_data(self) -> bool:
        return self.view.has_data

    @property
    def several(self) -> bool:
        return self.view.several

    def _shown_urls(self) -> set[str]:
        return {system.url for system in self.fleet.systems}

    def list_rows(
        self,
        mode: Mode,
        favourites_only: bool,
        name_query: str,
        limit: int,
        minimum: int | None = None,
    ) -> list[Row]:
        query = self._query(mode, favourites_only, name_query, limit, minimum)
        ranked = self._ranked
        if (
            ranked is not None
            and ranked[0] is self.view.scene
            and ranked[1] == query
            and list(ranked[1].favourites) == list(query.favourites)  # in the same order
        ):
            self._ranked = None  # once: later asks rank at their own moment
            return ranked[2]  # ranked on the data thread with the scene
        return self.view.rows(query)

    def _query(self, mode: Mode, favourites_only: bool, name_query: str, limit: int,
               minimum: int | None) -> Query:  # fmt: skip
        return self.view.query(mode, favourites_only=favourites_only, name_query=name_query,
                               limit=limit, minimum=minimum)  # fmt: skip

    def list_status(self) -> ListStatus:
        return self.view.status()

    def header_state(self) -> HeaderState:
        """The list's header as it stands."""
        return self.stations.header_state()

    def row_details(
        self, key: RowKey, mode: Mode = Mode.ANY_BIKE, shown: RowDetails | None = None
    ) -> RowDetails:
        return self.view.details(key, mode, shown)

    def other_favourites(self) -> OtherFavourites:
        return self.view.other_favourites()

    def _show_load_error(self) -> None:
        """Nothing loaded yet and a load failed: say what and when the next try is."""
        system = next((s for s in self.fleet.enabled if s.error), self.lead)
        wait_s = system.schedule.wait_s(self.clock())
        self.stations.show_load_error(system.name, system.schedule.last_error, wait_s,
                                      system.schedule.failures + 1)  # fmt: skip

    # -- trips ---------------------------------------------------------------------

    def action_trip(self) -> None:
        """Ask where to (``t``), then open the trip list."""
        from functools import partial as bind

        from bikefinder.fleet.destination import (
            configured_places,
            look_up_destination,
            resolve_destination,
        )
        from bikefinder.ui.screens.destination import DestinationDialog

        places = configured_places()
        names = [*places, *(f.name for f in self.favourites.all() if f.name)]
        dialog = DestinationDialog(bind(resolve_destination, view=self.view, places=places),
                                   look_up_destination, names)  # fmt: skip
        self.push_screen(dialog, self._destination_chosen)

    def _destination_chosen(self, destination: Destination | None) -> None:
        if destination is not None:
            self.open_trips(destination)

    def open_trips(self, destination: Destination) -> None:
        """The trip list to ``destination``, in the list's mode; Escape goes back."""
        from bikefinder.ui.screens.trips import TripsScreen

        screen = TripsScreen(self, destination.point, destination.label, self.stations.mode)
        self.trips = screen

        def closed(_: None) -> None:
            if self.trips is screen:
                self.trips = None

        self.push_screen(screen, closed)
        self.plan_trips()

    def plan_trips(self) -> None:
        """Plan the open trip list's trips on the scene as it stands, off the event loop."""
        screen, scene = self.trips, self.view.scene
        if screen is None or scene is None or not scene.indexes:
            return
        plan = partial(self.view.trips, screen.destination, screen.mode,
                       limit=self.trip_limit, speeds=self.speeds)  # fmt: skip
        self._plan(plan, scene)

    @work(exclusive=True, group="trips", exit_on_error=False, description="plan trips")
    async def _plan(self, plan: Callable[[], TripPlan], scene: Scene) -> None:
        self.post_message(TripsPlanned(await run_on_data_thread(plan), scene))

    @on(TripsPlanned)
    def _trips_planned(self, message: TripsPlanned) -> None:
        from bikefinder.rider.trip_changes import lost_best
        from bikefinder.ui.trip_words import lost_best_words

        screen = self.trips
        if screen is None:
            return
        lost = lost_best(screen.plan, message.plan, message.scene)
        notice = lost_best_words(lost, self.view.units) if lost is not None else None
        screen.show(message.plan, message.scene, self.several, self.view.units)
        if notice is not None:
            self.notify(notice, timeout=TRIP_NOTICE_S, markup=False)

    def trip_freshness(self) -> str:
        status = self.view.status()
        return freshness_words(status.fresh) if status.fresh else status.freshness

    # -- favourites and watches ------------------------------------------------------

    @on(ToggleFavourite)
    def _toggle_favourite(self, message: ToggleFavourite) -> None:
        self.actions.toggle_favourite(message.key)

    @on(EditWatch)
    def _edit_watch(self, message: EditWatch) -> None:
        self.edit_watch(message.key, self.stations.mode)

    def edit_watch(self, key: RowKey | None, mode: Mode) -> None:
        self.actions.edit_watch(key, mode)

    @on(WatchFired)
    def _watch_fired(self, message: WatchFired) -> None:
        self.actions.watch_fired(message.fired, message.system_name)

    # -- the app's keys --------------------------------------------------------------

    def action_keys(self) -> None:
        """Show every key (``?``); Escape closes."""
        from bikefinder.ui.screens.keys import KeysScreen

        self.push_screen(KeysScreen())

    def action_command_palette(self) -> None:
        """Textual's command palette (Ctrl+P), its prompt in the UI's language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            palette = CommandPalette(placeholder=_("Search for commands…"), id="--command-palette")
            self.push_screen(palette)

    def action_refresh(self) -> None:
        """Refresh every system shown now, whatever the timers say (``r``)."""
        self.asked.start(system.url for system in self.fleet.enabled)
        for system in self.fleet.enabled:
            self._fetch(system, asked=True)

    def action_choose_system(self) -> None:
        """Open the system picker (``s``), for one system or several alike: turn systems
        on and off, add, remove, or replace the one shown. (Imported here: the picker and
        the catalog code are not needed before ``s``.)"""
        from bikefinder.ui.screens.system_picker import SystemPickerScreen

        near = self.near if self.rider_near is not None or not self._first_run else None
        picker = SystemPickerScreen(self.switching, near, self.edits,
                                    client_id=self.fleet.client_id)  # fmt: skip
        self.push_screen(picker, self.system_picked)

    async def system_picked(self, source: SystemSource | None) -> None:
        """Show ``source`` instead of the system shown, in place: mode, view and filter
        are kept; the fetch under way is cancelled."""
        if source is None or source.gbfs_url == self.lead.url:
            return
        for system in list(self.fleet.systems):
            self._stop(system)
            self.fleet.remove(system.url)
        self.view.near, self.view.near_note = point_for_system(
            source, self.rider_near, self.near, self.near_note
        )
        system = self.fleet.add(source)
        self.view.scene = None
        self.stations.clear()
        self.stations.show_loading(system.name)
        self.stations.update_header()
        self._move_if_far = True  # a URL's system may be anywhere: its centre if far
        self._fetch(system, with_cache=True)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action is in the command palette too (Ctrl+P)."""
        from bikefinder.ui.commands import palette_commands
        from bikefinder.ui.screens.details import DetailsScreen

        yield from super().get_system_commands(screen)
        details = screen if isinstance(screen, DetailsScreen) else None
        yield from palette_commands(self.stations, details, refresh=self.action_refresh,
                                    choose_system=self.action_choose_system,
                                    trip=self.action_trip)  # fmt: skip
