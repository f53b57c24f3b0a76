"""Watches in the app: checking them against new data, and the ``a`` dialog's outcome.

Deciding *whether* a watch fires is :class:`bikefinder.rider.watches.WatchTracker`'s job;
the keeper posts a :class:`WatchFired` message for each one that does, and the app's
handler rings the bell, shows the notification and starts the rider's ``--notify-command``.
The keeper holds only the favourites store and a way to post messages, never the app.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from textual.message import Message

from bikefinder.common.i18n import _
from bikefinder.common.text import clean
from bikefinder.feeds.models import Station
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.favourites import Favourite, FavouritesStore, favourites_url
from bikefinder.rider.modes import Mode
from bikefinder.rider.watches import FiredWatch, WatchKind, WatchTracker, condition_met
from bikefinder.ui.messages import WatchFired
from bikefinder.ui.words import watch_words

if TYPE_CHECKING:  # the dialog is imported when it first opens (``a``)
    from bikefinder.ui.screens.watch_dialog import WatchChoice, WatchDialog


class WatchKeeper:
    """Checks the favourites' watches against each new snapshot and edits them."""

    def __init__(self, favourites: FavouritesStore, post: Callable[[Message], object]) -> None:
        """``post`` delivers the :class:`WatchFired` messages (the app's ``post_message``)."""
        self.favourites = favourites
        self.post = post
        self.tracker = WatchTracker()
        self._system: str | None = None  # station ids are only unique within a system
        #: The trackers of the other systems shown (station ids are per system).
        self._trackers: dict[str, WatchTracker] = {}

    def check(
        self,
        snapshot: Snapshot,
        station: Callable[[str], Station | None],
        shown: Collection[str],
    ) -> list[FiredWatch]:
        """Fire the watches of this system whose condition just became true (``station``
        finds a station of ``snapshot`` by id; ``shown``: the gbfs.json URLs of every
        system shown)."""
        self._use(snapshot.gbfs_url, shown)
        watches = [
            (favourite.station_id, favourite.watch)
            for favourite in self.favourites.for_system(favourites_url(snapshot.gbfs_url))
            if favourite.watch is not None
        ]
        watched: dict[str, Station] = {}
        for station_id, _watch in watches:
            found = station(station_id)
            if found is not None:
                watched[station_id] = found
        fired = self.tracker.check(watched, watches)
        system_name = snapshot.system.name or snapshot.system.system_id
        for each in fired:
            self.post(WatchFired(each, system_name))
        return fired

    def _use(self, gbfs_url: str, shown: Collection[str]) -> WatchTracker:
        """The tracker of ``gbfs_url``'s watches (one per system shown: station ids are
        only unique within a system; systems no longer shown are dropped)."""
        if gbfs_url != self._system:
            self._trackers = {url: t for url, t in self._trackers.items() if url in shown}
            if self._system is not None and self._system in shown:
                self._trackers[self._system] = self.tracker
            self._system = gbfs_url
            known = self._trackers.pop(gbfs_url, None)
            self.tracker = known if known is not None else WatchTracker()
        return self.tracker

    # -- the dialog -----------------------------------------------------------------

    def dialog(self, snapshot: Snapshot, station: Station, mode: Mode) -> WatchDialog:
        """The dialog for ``station``, with its current watch (if any)."""
        saved = self.favourites.get(favourites_url(snapshot.gbfs_url), station.station_id)
        current = saved.watch if saved is not None else None
        from bikefinder.ui.screens.watch_dialog import WatchDialog

        return WatchDialog(station, WatchKind.for_mode(mode), current)

    def save(
        self,
        snapshot: Snapshot,
        station: Station,
        favourite: Favourite,
        choice: WatchChoice,
        shown: Collection[str],
    ) -> str:
        """Save the dialog's choice for ``station`` of ``snapshot`` (a watch makes it a
        favourite, ``favourite``, if it was not); the confirmation to show."""
        self.favourites.set_watch(favourite, choice.watch)
        self._use(snapshot.gbfs_url, shown)
        self.tracker.forget(station.station_id)
        # Start from what is known now: a watch already met fires only after a dip.
        if choice.watch is not None:
            self.tracker.check({station.station_id: station},
                               [(station.station_id, choice.watch)])  # fmt: skip
        return self._confirmation(station, choice)

    @staticmethod
    def _confirmation(station: Station, choice: WatchChoice) -> str:
        name = clean(station.info.name, 60) or station.station_id
        watch = choice.watch
        if watch is None:
            return _("No longer watching {station}").format(station=name)
        text = _("★ Watching {station}: notify when it has {what}").format(
            station=name, what=watch_words(watch)
        )
        if condition_met(station.status, watch):
            text += " " + _("(met right now; you will be told when it comes back after a dip)")
        return text
