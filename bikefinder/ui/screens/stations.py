"""The station list: the screen the app opens on, with its header, map, filter and keys.

The app owns the feeds (sessions, workers, timers) and the data they bring; this screen
owns how the list is looked at (mode, favourites view, name filter: reactive, so the list
re-renders from one place), draws it and builds its own header. It reads the data through
:class:`ListSource`, which the app implements, so it never imports the app.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, ClassVar, Protocol

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable

from bikefinder.common.i18n import _
from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.listing import ListStatus, OtherFavourites
from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import Row, RowDetails, RowKey
from bikefinder.ui.data_thread import call_when_idle
from bikefinder.ui.messages import EarlyKey, ToggleFavourite
from bikefinder.ui.status_words import (
    chosen_by_words,
    detail_words,
    freshness_words,
    headline_words,
    near_note_words,
    problem_words,
)
from bikefinder.ui.widgets.filter_bar import FilterBar
from bikefinder.ui.widgets.fitting_footer import FirstPaintFooter
from bikefinder.ui.widgets.map_panel import MapPanel
from bikefinder.ui.widgets.message_panel import MessagePanel
from bikefinder.ui.widgets.other_favourites import OtherFavouritesPanel
from bikefinder.ui.widgets.station_table import StationTable
from bikefinder.ui.widgets.status_bar import HeaderState, StatusBar

if TYPE_CHECKING:  # the details and alerts screens are imported when first opened
    from bikefinder.ui.screens.details import DetailsScreen

#: The map shows at most this many of the listed stations (the nearest).
MAP_ROWS = 200
#: How long the header's flash lasts (a refresh was done).
FLASH_S = 0.6
#: The footer's keys are laid out at the latest this long after the screen mounts.
FOOTER_HOLD_S = 1.0
#: ... and at the latest this long after the first table (the data thread may be busy).
FOOTER_WAIT_S = 0.5
#: Keys that open a dialog with a field, and their actions (see ``on_key``).
DIALOG_KEYS = {"a": "watch", "t": "trip"}
#: Below this width the footer packs its keys closer.
WIDE_FOOTER = 120


class ListSource(Protocol):
    """What the list is drawn from, as the app holds it."""

    favourites: FavouritesStore

    @property
    def has_data(self) -> bool:
        """Some system has data (the list can be shown)."""

    @property
    def several(self) -> bool:
        """Several systems are listed (a System column)."""

    def list_rows(
        self,
        mode: Mode,
        favourites_only: bool,
        name_query: str,
        limit: int,
        minimum: int | None = None,
    ) -> list[Row]:
        """The rows for this view of the list, nearest first."""

    def list_status(self) -> ListStatus:
        """The systems behind the list, for its header."""

    def row_details(
        self, key: RowKey, mode: Mode = Mode.ANY_BIKE, shown: RowDetails | None = None
    ) -> RowDetails:
        """One row in full (``shown``: the details on screen, kept for a vehicle gone)."""

    def other_favourites(self) -> OtherFavourites:
        """Favourites of systems not listed."""

    def edit_watch(self, key: RowKey | None, mode: Mode) -> None:
        """Open the watch dialog on ``key``'s station (a bell when there is none)."""


class StationsScreen(Screen[None]):
    """The ranked list of nearby stations (and vehicles), kept live by the app."""

    #: Most important first; the footer shows those a rider needs to find the rest
    #: (``?`` lists every key) and ends with ``q`` at any width from 60 columns.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "keys", _("Keys")),
        # Offered in the header ("! alerts") beside the alert it opens: the footer keeps
        # its room for q at every width and in every language.
        Binding("exclamation_mark", "alerts", _("Alerts"), show=False),
        Binding("m", "cycle_mode", _("Mode")),
        Binding("slash", "start_filter", _("Filter")),
        Binding("escape", "clear_filter", _("Clear filter")),
        Binding("f", "toggle_favourite", _("Fav")),
        Binding("s", "choose_system", _("System")),
        Binding("t", "trip", _("Trip")),
        Binding("v", "toggle_view", _("Favs/all"), show=False),
        Binding("a", "watch", _("Watch"), show=False),
        Binding("r", "refresh", _("Refresh"), show=False),
        Binding("M", "toggle_map", _("Map"), show=False),
    ]

    #: What the list ranks by.
    mode: var[Mode] = var(Mode.ANY_BIKE, init=False)
    #: The favourites only (``v``), else every station.
    favourites_view: var[bool] = var(False, init=False)
    #: The name filter (``/``): only names holding it are listed.
    filter_query: var[str] = var("", init=False)

    def __init__(
        self,
        feed: ListSource,
        *,
        limit: int | None,
        local_tz: tzinfo | None,
        walking_speed_kmh: float,
        favourites_view: bool = False,
        mode: Mode = Mode.ANY_BIKE,
        minimum: int | None = None,
    ) -> None:
        """``limit`` None lists as many stations as the screen holds, and more as the
        cursor reaches the end; ``mode`` and ``minimum`` (``--mode``, ``--min``): what the
        list starts looking for, and the fewest of it that makes a row an option."""
        super().__init__()
        self.feed = feed
        self.limit = limit
        self.local_tz = local_tz
        self.walking_speed_kmh = walking_speed_kmh
        #: With no ``limit``: how many stations the list has grown to (see ``shown_limit``).
        self._fill_limit = 0
        #: The rows listed now.
        self.displayed: Sequence[Row] = []
        #: The details screen this list opened (kept live while it is open).
        self._details: DetailsScreen | None = None
        self.minimum = minimum
        self.set_reactive(StationsScreen.favourites_view, favourites_view)
        self.set_reactive(StationsScreen.mode, mode)

    def compose(self) -> ComposeResult:
        self.status_bar = StatusBar(id="status")
        self.table = StationTable(id="stations")
        self.map_panel = MapPanel(id="map")
        self.message = MessagePanel(id="message")
        self.others = OtherFavouritesPanel(id="others")
        self.filter_bar = FilterBar(id="filter")
        self.footer = FirstPaintFooter()
        yield self.status_bar
        yield self.table
        yield self.map_panel
        yield self.message
        yield self.others
        yield self.filter_bar
        yield self.footer

    def on_mount(self) -> None:
        self.table.display = False
        self.others.display = False
        self.filter_bar.display = False
        # The keys are laid out once the first list or error is drawn (or after this long).
        self.set_timer(FOOTER_HOLD_S, self.footer.release)

    @property
    def has_data(self) -> bool:
        return self.feed.has_data

    # -- what the app tells the list -------------------------------------------------

    def show_loading(self, system_name: str) -> None:
        """A system is being loaded: no table yet."""
        self.message.show_loading(system_name)

    def show_load_error(self, system_name: str, error: str | None, wait_s: float,
                        attempt: int) -> None:  # fmt: skip
        """The first load failed: what, and when the next try is."""
        self.message.show_load_error(system_name, error, wait_s, attempt)
        self.footer.release()

    def show_list(self) -> None:
        """The first data arrived: the table replaces the message and takes the focus."""
        self.message.display = False
        self.table.display = True
        self.table.focus()
        self.call_after_refresh(self._release_footer)  # the table is drawn first

    def _release_footer(self) -> None:
        """The footer's keys, once the data thread has nothing to do (the next system's
        parse would slow their layout two- to threefold), at most :data:`FOOTER_WAIT_S`
        after the first table."""
        call_when_idle(self.footer.release)
        self.set_timer(FOOTER_WAIT_S, self.footer.release)

    def clear(self) -> None:
        """Another system is being loaded: forget the rows shown."""
        self.displayed = []
        self.table.show([], self.mode)
        self.table.display = self.others.display = False

    def flash_header(self) -> None:
        """Highlight the header for a moment (a refresh was done)."""
        self.status_bar.add_class("-flash")
        self.set_timer(FLASH_S, lambda: self.status_bar.remove_class("-flash"))

    # -- rendering -------------------------------------------------------------------

    def watch_mode(self) -> None:
        self.render_rows()

    def watch_favourites_view(self) -> None:
        self.render_rows()

    def watch_filter_query(self) -> None:
        """Every keystroke in the filter puts the cursor on the first (nearest) match, so
        Enter opens it (arrows while typing move it on from there); clearing the filter
        keeps the station the cursor is on."""
        self.render_rows()
        if self.filter_query and self.table.row_count:
            self.table.move_cursor(row=0, animate=False)

    def render_rows(self) -> None:
        """Recompute the listed rows for the data, view, filter and mode, and show them
        (with the header and any details open): the one way the list is redrawn."""
        if not self.is_mounted or not self.feed.has_data:
            return  # composed later, from the state then
        feed = self.feed
        rows = feed.list_rows(self.mode, self.favourites_view, self.filter_query,
                              self.shown_limit, self.minimum)  # fmt: skip
        self.displayed = rows
        status = feed.list_status()
        self.table.show(rows, self.mode, systems=feed.several,
                        listed_systems=status.listed_systems, failing=status.failing)  # fmt: skip
        if self.map_panel.display:
            self.map_panel.show(self.list_status_near(), rows[:MAP_ROWS], self.mode,
                                self.table.highlighted_key)  # fmt: skip
        self._say_when_empty(bool(rows))
        self.others.show(feed.other_favourites() if self.favourites_view else None)
        self.update_header()
        self._update_details()

    def list_status_near(self) -> tuple[float, float]:
        return self.feed.list_status().near

    def _say_when_empty(self, has_rows: bool) -> None:
        if has_rows:
            self.message.display = False
        else:
            self.message.show_no_rows(self.favourites_view, self.filter_query)

    def header_state(self) -> HeaderState:
        """The header: the app's facts about its systems, and this list's own view."""
        status = self.feed.list_status()
        return HeaderState(
            system_name=status.system_name,
            near=status.near,
            mode=self.mode,
            favourites_view=self.favourites_view,
            freshness=freshness_words(status.fresh) if status.fresh else status.freshness,
            health=status.health,
            problem=problem_words(status),
            detail=detail_words(status, self.displayed, self.mode, self.filter_query, self.minimum)
            if self.has_data
            else "",
            near_note=near_note_words(status.near_note),
            near_label=status.near_label,
            chosen_by=chosen_by_words(status),
            alert=headline_words(status.alerts, status.systems > 1),
        )

    def update_header(self) -> None:
        """Show the header here and on the details screen (if open)."""
        if not self.is_mounted:
            return
        state = self.header_state()
        self.status_bar.show(state)
        failing = self.feed.list_status().failing if self.has_data else frozenset()
        if failing != self.table.failing and self.displayed:  # a system failed or is back
            self.table.show(self.displayed, self.mode, failing=failing)
        details = self._open_details()
        if details is not None:
            details.show_header(state)

    def _open_details(self) -> DetailsScreen | None:
        """The details screen this list opened, until the list is shown again."""
        return self._details

    def on_screen_resume(self) -> None:
        self._details = None  # back from the details (Escape)

    def _update_details(self) -> None:
        details = self._open_details()
        if details is not None:
            details.show(self.feed.row_details(details.key, self.mode, details.details))

    # -- how many rows ---------------------------------------------------------------

    def _fill_rows(self) -> int:
        """How many station rows the screen holds (the table's height once laid out)."""
        height = self.table.size.height
        return max(1, height - 1 if height else self.app.size.height - 4)

    @property
    def shown_limit(self) -> int:
        """How many nearest stations to list: ``--limit``, else as many as fit (or as
        many as the list has grown to)."""
        if self.limit is not None:
            return self.limit
        return max(self._fill_limit, self._fill_rows())

    def _grow_list(self) -> None:
        """The cursor reached the end of a list that fills the screen: list a screenful more."""
        if self.limit is None and not self.favourites_view and self.feed.has_data:
            listed = self.table.listed_count
            if listed and self.table.cursor_row >= listed - 1:
                self._fill_limit = self.shown_limit + self._fill_rows()
                self.render_rows()

    async def on_key(self, event: events.Key) -> None:
        """Keys typed fast are never lost: a key that opens a dialog with a field (``a``,
        ``t``) opens it now, and the keys typed right after it, which reach this screen
        before the dialog takes the keyboard, go to the dialog."""
        active = self.app.screen
        if active is not self and isinstance(active, ModalScreen):
            event.stop()
            event.prevent_default()
            active.post_message(EarlyKey(event.key, event.character))
        elif event.key in DIALOG_KEYS and self.check_action(DIALOG_KEYS[event.key], ()):
            event.stop()
            event.prevent_default()
            await self.run_action(DIALOG_KEYS[event.key])

    def on_resize(self, event: events.Resize) -> None:
        """A narrow footer packs its keys; a taller screen lists more stations when the
        list fills the screen."""
        compact = event.size.width < WIDE_FOOTER
        if compact != self.footer.compact or compact == self.footer.show_command_palette:
            self.footer.compact = compact
            self.footer.show_command_palette = not compact
            # Neither reactive recomposes: the keys laid out for the old width (the
            # palette key docked right among them) would stay drawn over the new ones.
            self.footer.refresh(recompose=True)
        if self.limit is None and self._fill_rows() > self._fill_limit:
            self._fill_limit = self._fill_rows()
            self.render_rows()

    # -- the table -------------------------------------------------------------------

    @on(DataTable.RowSelected, "#stations")
    def _row_selected(self) -> None:
        self.action_details()

    @on(DataTable.RowHighlighted, "#stations")
    def _row_highlighted(self) -> None:
        self.map_panel.highlight(self.table.highlighted_key)
        self._grow_list()

    def highlighted_key(self) -> RowKey | None:
        """The row key an action applies to (``None`` before any data)."""
        return self.table.highlighted_key if self.has_data else None

    # -- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_active:
            return False  # under a dialog: its keys apply, not the list's
        if action == "clear_filter" and not self.filter_query and not self.filter_bar.display:
            return False
        if action == "alerts":
            return bool(self.feed.has_data and self.feed.list_status().alerts)
        if action in ("toggle_favourite", "details", "watch") and not self.has_data:
            return None
        return True

    def action_details(self) -> None:
        """Open the highlighted station's details."""
        key = self.highlighted_key()
        if key is None or self._open_details() is not None:
            return
        from bikefinder.ui.screens.details import DetailsScreen

        details = DetailsScreen(self.feed.row_details(key, self.mode), self.local_tz,
                                self.walking_speed_kmh)  # fmt: skip
        self._details = details
        self.app.push_screen(details)
        self.call_after_refresh(self.update_header)

    def action_alerts(self) -> None:
        """Every active alert in full (``!``)."""
        from bikefinder.ui.screens.alerts import AlertsScreen

        self.app.push_screen(AlertsScreen.of(self.feed.list_status().alerts, self.local_tz))

    async def action_keys(self) -> None:
        """Every key (``?``): the app's panel."""
        await self.app.run_action("keys")

    async def action_refresh(self) -> None:
        """Refresh now (``r``): the app's feeds."""
        await self.app.run_action("refresh")

    async def action_trip(self) -> None:
        """Trips to a destination (``t``): the app asks where to."""
        await self.app.run_action("trip")

    async def action_choose_system(self) -> None:
        """Another system (``s``): the app's picker."""
        await self.app.run_action("choose_system")

    def action_cycle_mode(self) -> None:
        """Any bike -> e-bike -> free dock."""
        self.mode = self.mode.next()

    def action_toggle_view(self) -> None:
        """Switch between all stations and the favourites."""
        self.favourites_view = not self.favourites_view

    def action_toggle_favourite(self) -> None:
        """Add the highlighted station to the favourites, or remove it."""
        self.post_message(ToggleFavourite(self.highlighted_key()))

    def action_watch(self) -> None:
        """Set, change or remove a watch on the highlighted station (``a``): the dialog
        opens within this key's handling, so what the rider types next goes to it."""
        self.feed.edit_watch(self.highlighted_key(), self.mode)

    def action_toggle_map(self) -> None:
        """Show or hide the map of the listed stations (``M``)."""
        self.map_panel.display = not self.map_panel.display
        self.render_rows()

    def action_start_filter(self) -> None:
        """Show the name filter and type into it."""
        if self.feed.has_data:
            self.filter_bar.open()
            self.refresh_bindings()

    def action_clear_filter(self) -> None:
        """Clear and hide the name filter."""
        self.filter_bar.close()
        if self.feed.has_data:
            self.table.focus()
        self.filter_query = ""
        self.refresh_bindings()

    def on_filter_bar_query_changed(self, message: FilterBar.QueryChanged) -> None:
        self.filter_query = message.query

    def on_filter_bar_done(self) -> None:
        """Enter in the filter: keep it, and open the highlighted match (the nearest,
        unless the rider moved the cursor while typing)."""
        self.table.focus()
        if self.filter_query and self.table.row_count:
            self.action_details()

    def on_filter_bar_cleared(self) -> None:
        self.action_clear_filter()

    def on_filter_bar_move(self, message: FilterBar.Move) -> None:
        self.table.move_cursor_by(message.rows)
