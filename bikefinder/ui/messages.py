"""Messages to the app: what the refresh worker fetched, what the rider asked of a
station, and a fired watch; the app's ``@on`` handlers own the data they change."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.alerts import Alert
from bikefinder.rider.listing import ListingData, MixedData


@dataclass
class SnapshotLoaded(Message):
    """A load or refresh succeeded; ``data`` is what the list derives from new numbers,
    prepared off the event loop (``None`` when nothing changed)."""

    snapshot: Snapshot
    data: ListingData | None = None
    #: A descriptive feed failed to refresh (feed and cause); the availability is new.
    partial_error: str | None = None


@dataclass
class RefreshFailed(Message):
    """A load or refresh failed: ``error`` names the system, feed, cause and URL in one
    line; ``brief`` is just the feed and cause, for the header."""

    error: str
    brief: str
    first_load: bool
    #: The system it is about, so a failure posted before a system switch is ignored.
    gbfs_url: str | None = None


@dataclass
class MixedPrepared(Message):
    """The mixed list (several systems, vehicles) was prepared off the event loop."""

    data: MixedData


@dataclass
class ToggleFavourite(Message):
    """The rider asked (``f``) to favourite a row's station, or no longer.

    ``key`` is the row key (``None``: no row)."""

    key: str | None


@dataclass
class EditWatch(Message):
    """The rider asked (``a``) to set, change or remove a watch on a row's station."""

    key: str | None


@dataclass
class WatchFired(Message):
    """A watch's condition just became true (the bell, a notification, the command)."""

    alert: Alert
    system_name: str
