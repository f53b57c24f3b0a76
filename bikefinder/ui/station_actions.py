"""What the rider does to a station from any screen: favourite it (``f``), watch it
(``a``), and what happens when a watch fires (the bell, a notification, the rider's
``--notify-command``). The app owns one and hands it the keys' messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import App

from bikefinder.common.i18n import _
from bikefinder.common.text import clean
from bikefinder.rider.favourites import new_favourite
from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import RowKey
from bikefinder.rider.watches import (
    FiredWatch,
    run_notify_command,
    watch_environment,
)
from bikefinder.ui.words import fired_words, say

if TYPE_CHECKING:
    from bikefinder.feeds.models import Station
    from bikefinder.feeds.snapshot import Snapshot
    from bikefinder.fleet.view import FleetView
    from bikefinder.ui.screens.watch_dialog import WatchChoice
    from bikefinder.ui.watches import WatchKeeper

#: Notifications about a fired watch stay up long enough to be seen from across the room.
ALERT_TIMEOUT_S = 30


class StationActions:
    """Favourites and watches, from the list or a station's details."""

    def __init__(
        self,
        host: App[Any],
        view: FleetView,
        watches: WatchKeeper,
        notify_command: str | None,
        changed: Callable[[], None],
    ) -> None:
        """``changed`` redraws what a favourite or watch changes (marks, the view)."""
        self.host, self.view, self.watches = host, view, watches
        self.notify_command = notify_command
        self.changed = changed

    def _station(self, key: RowKey | None) -> tuple[Snapshot, Station] | None:
        """The station of row ``key`` with its snapshot; a vehicle is none (and the rider
        is told why)."""
        if key is not None and not key.is_station:
            self.host.notify(_("Vehicles move: favourite or watch a station instead."),
                             timeout=4, markup=False)  # fmt: skip
            return None
        scene = self.view.scene
        found = scene.station(key) if scene is not None and key is not None else None
        return None if found is None else (found[0].snapshot, found[1])

    def toggle_favourite(self, key: RowKey | None) -> None:
        """Add the station to the favourites, or remove it (``f``)."""
        selected = self._station(key)
        if selected is None:
            self.host.bell()
            return
        snapshot, station = selected
        favourites = self.watches.favourites
        added = favourites.toggle(new_favourite(snapshot, station, self.view.clock()))
        name = clean(station.info.name, 60) or station.station_id
        note = (
            _("★ {station} added to favourites")
            if added
            else _("{station} removed from favourites")
        ).format(station=name)
        self.host.notify(note, markup=False, timeout=3)
        self.show_store_notices()
        self.changed()

    def edit_watch(self, key: RowKey | None, mode: Mode) -> None:
        """Open the watch dialog on the station (``a``); saving makes it a favourite."""
        selected = self._station(key)
        if selected is None:
            self.host.bell()
            return
        snapshot, station = selected
        dialog = self.watches.dialog(snapshot, station, mode)
        self.host.push_screen(dialog, partial(self._watch_chosen, snapshot, station))

    def _watch_chosen(
        self, snapshot: Snapshot, station: Station, choice: WatchChoice | None
    ) -> None:
        if choice is None:
            return
        favourite = new_favourite(snapshot, station, self.view.clock())
        shown = {system.url for system in self.view.fleet.systems}
        confirmation = self.watches.save(snapshot, station, favourite, choice, shown)
        self.host.notify(confirmation, title=_("Watch"), timeout=6, markup=False)
        self.show_store_notices()  # e.g. the file is read-only
        self.changed()

    def watch_fired(self, fired: FiredWatch, system_name: str) -> None:
        """Ring, show the notification, and start the rider's ``--notify-command`` (in a
        worker: the UI never waits for it)."""
        self.host.bell()
        self.host.notify(fired_words(fired), title=_("Watch"), timeout=ALERT_TIMEOUT_S,
                         markup=False)  # fmt: skip
        if self.notify_command:
            environment = watch_environment(fired, system_name)
            self.host.run_worker(self._run_notify_command(self.notify_command, environment),
                                 group="notify-command", exit_on_error=False)  # fmt: skip

    async def _run_notify_command(self, command: str, environment: dict[str, str]) -> None:
        problem = await run_notify_command(command, environment)
        if problem is not None:
            self.host.notify(
                say(problem), title=_("Watch"), severity="warning", timeout=10, markup=False
            )

    def show_store_notices(self) -> None:
        for notice in self.watches.favourites.take_notices():
            self.host.notify(say(notice), title=_("Favourites"), severity="warning", timeout=12,
                             markup=False)  # fmt: skip
