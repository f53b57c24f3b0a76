"""The app's side of watches: the ``a`` dialog's outcome, and what happens when one fires.

Kept out of ``app.py`` so the app only wires keys and messages: deciding *whether* a
watch fires is :class:`bikefinder.rider.alerts.AlertTracker`'s job; this module rings
the bell, shows the notification and starts the rider's ``--notify-command``
(in a worker: the UI never waits for it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bikefinder.common.text import clean
from bikefinder.feeds.models import Snapshot, Station
from bikefinder.rider.alerts import (
    Alert,
    AlertTracker,
    WatchKind,
    alert_environment,
    alert_message,
    condition_met,
    run_notify_command,
)
from bikefinder.rider.listing import favourites_url
from bikefinder.rider.modes import Mode
from bikefinder.ui.screens.watch_dialog import WatchChoice, WatchDialog

if TYPE_CHECKING:
    from bikefinder.ui.app import BikefinderApp

#: How many fired alerts the keeper remembers.
FIRED_KEPT = 50
#: Notifications about a fired watch stay up long enough to be seen from across the room.
ALERT_TIMEOUT_S = 30


class WatchKeeper:
    """Checks the favourites' watches against each new snapshot and edits them."""

    def __init__(self, app: BikefinderApp, notify_command: str | None = None) -> None:
        self.app = app
        self.notify_command = notify_command
        self.tracker = AlertTracker()
        self._system: str | None = None  # station ids are only unique within a system
        #: The trackers of the other systems shown (several at once: issue 11).
        self._trackers: dict[str, AlertTracker] = {}
        #: The last alerts fired (oldest first, at most FIRED_KEPT): bounded, however long
        #: the app runs.
        self.fired: list[Alert] = []

    def check(self, snapshot: Snapshot, stations_by_id: Mapping[str, Station]) -> list[Alert]:
        """Fire the watches of this system whose condition just became true."""
        self._use(snapshot.gbfs_url)
        watches = [
            (favourite.station_id, favourite.watch)
            for favourite in self.app.favourites.for_system(favourites_url(snapshot.gbfs_url))
            if favourite.watch is not None
        ]
        alerts = self.tracker.check(stations_by_id, watches)
        for alert in alerts:
            self._fire(alert, snapshot.system.name or snapshot.system.system_id)
        return alerts

    def _use(self, gbfs_url: str) -> AlertTracker:
        """The tracker of ``gbfs_url``'s watches (one per system shown: station ids are
        only unique within a system; systems no longer shown are dropped)."""
        if gbfs_url != self._system:
            shown = self.app.shown_system_urls()
            self._trackers = {url: t for url, t in self._trackers.items() if url in shown}
            if self._system is not None and self._system in shown:
                self._trackers[self._system] = self.tracker
            self._system = gbfs_url
            self.tracker = self._trackers.pop(gbfs_url, None) or AlertTracker()
        return self.tracker

    def _fire(self, alert: Alert, system_name: str) -> None:
        self.fired.append(alert)
        del self.fired[:-FIRED_KEPT]
        self.app.bell()
        self.app.notify(alert_message(alert), title="Watch", timeout=ALERT_TIMEOUT_S,
                        markup=False)  # fmt: skip
        if self.notify_command:
            self.app.run_worker(
                self._run_command(self.notify_command, alert_environment(alert, system_name)),
                group="notify-command",
                exit_on_error=False,
            )

    async def _run_command(self, command: str, environment: dict[str, str]) -> None:
        problem = await run_notify_command(command, environment)
        if problem is not None:
            self.app.notify(problem, title="Watch", severity="warning", timeout=10, markup=False)

    # -- the dialog -----------------------------------------------------------------

    def edit(self, snapshot: Snapshot, station: Station, mode: Mode) -> None:
        """Open the dialog for ``station``; saving makes it a favourite if it was not."""
        saved = self.app.favourites.get(favourites_url(snapshot.gbfs_url), station.station_id)
        current = saved.watch if saved is not None else None

        def chosen(choice: WatchChoice | None) -> None:
            if choice is None:
                return
            self.app.favourites.set_watch(self.app.favourite_for(station, snapshot), choice.watch)
            self._use(snapshot.gbfs_url)
            self.tracker.forget(station.station_id)
            # Start from what is known now: a watch already met fires only after a dip.
            if choice.watch is not None:
                self.tracker.check({station.station_id: station},
                                   [(station.station_id, choice.watch)])  # fmt: skip
            self.app.notify(self._confirmation(station, choice), title="Watch", timeout=6,
                            markup=False)  # fmt: skip
            for notice in self.app.favourites.take_notices():  # e.g. the file is read-only
                self.app.notify(notice, title="Favourites", severity="warning", timeout=12,
                                markup=False)  # fmt: skip
            self.app.render_rows()

        self.app.push_screen(WatchDialog(station, WatchKind.for_mode(mode), current), chosen)

    @staticmethod
    def _confirmation(station: Station, choice: WatchChoice) -> str:
        name = clean(station.info.name, 60) or station.station_id
        watch = choice.watch
        if watch is None:
            return f"No longer watching {name}"
        text = f"★ Watching {name}: notify when it has {watch.describe()}"
        if condition_met(station.status, watch):
            text += " (met right now; you will be told when it comes back after a dip)"
        return text
