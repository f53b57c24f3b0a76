"""One live system: its feeds, its last data, its refresh schedule and its failures.

The state machine every system of a fleet runs, one or eight alike: data arrives
(:meth:`LiveSystem.loaded`) or a fetch fails (:meth:`LiveSystem.failed`); the schedule
says when the next fetch is due (the status feed's ttl within 5-60 s, or a growing
back-off after failures). No I/O of its own: :class:`~bikefinder.fleet.fleet.Fleet`
fetches and hands the results here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from bikefinder.common.errors import BikefinderError, FeedError
from bikefinder.common.text import system_label_for
from bikefinder.rider.refresh import Freshness, RefreshSchedule, freshness
from bikefinder.rider.rows import SceneSystem

if TYPE_CHECKING:
    from bikefinder.feeds.loader import SystemFeeds
    from bikefinder.feeds.snapshot import Snapshot
    from bikefinder.systems.source import SystemSource


def same_numbers(before: Snapshot | None, after: Snapshot) -> bool:
    """The loader hands back the very same station and vehicle tuples when nothing
    changed (a 304, a cached copy replaced by the same live data)."""
    return (
        before is not None
        and before.stations is after.stations
        and before.vehicles is after.vehicles
    )


def failure_lines(exc: BaseException, label: str) -> tuple[str, str]:
    """A failed fetch as (the full one-line error, the brief one for a header).

    Even a parser bug is only reported (and retried), never allowed to end a run."""
    if isinstance(exc, FeedError):
        return str(exc), f"{exc.feed}: {exc.cause}"
    if isinstance(exc, BikefinderError):
        return str(exc), str(exc)
    brief = f"unexpected error ({type(exc).__name__}: {exc})"
    return f"{label}: {brief}", brief


class Loaded(msgspec.Struct, frozen=True):
    """A fetch (or a cache read) gave data; ``partial_error``: a descriptive feed failed
    to refresh though the availability is new."""

    gbfs_url: str
    snapshot: Snapshot
    partial_error: str | None = None


class Failed(msgspec.Struct, frozen=True):
    """A fetch failed: ``error`` names system, feed, cause and URL in one line."""

    gbfs_url: str
    error: str
    brief: str


class LiveSystem(msgspec.Struct, eq=False):
    """One system of a fleet, known by its gbfs.json URL; :attr:`system_id` (how lists
    and printed output name it) is fixed by the fleet once it is first known."""

    source: SystemSource
    feeds: SystemFeeds
    schedule: RefreshSchedule
    snapshot: Snapshot | None = None
    #: When its fetches started failing (``None`` while they succeed).
    failing_since: datetime | None = None
    #: Shown and refreshed; a system turned off keeps its data but is not listed.
    enabled: bool = True
    #: Why the data shown is the cached copy (the live load's error), if it is.
    cache_note: str | None = None
    #: The id lists and printed output use: the catalog's, else the feed's, else the
    #: URL's host/folder; unique in the fleet (set by the fleet).
    system_id: str = ""
    #: The id is the catalog's or the feed's (not a stand-in until data names it).
    named: bool = False
    #: Why the system cannot be asked at all (a key nobody configured), if so.
    refused: str | None = None
    #: Where the system is was learned from its live data this run.
    remembered: bool = False
    #: The snapshot the fleet's hooks saw last, so each runs once per snapshot.
    hooked: Snapshot | None = msgspec.field(default=None)

    @property
    def error(self) -> str | None:
        """The last failure in one line (``None`` after a success)."""
        return self.schedule.last_error

    @property
    def url(self) -> str:
        return self.source.gbfs_url

    @property
    def name(self) -> str:
        """The feed's name for the system, else the catalog's, else its URL's host/folder."""
        if self.snapshot is not None and self.snapshot.system.name:
            return self.snapshot.system.name
        return self.source.label or system_label_for(self.source.gbfs_url)

    @property
    def scene_system(self) -> SceneSystem:
        return SceneSystem(self.system_id, self.name, self.source.gbfs_url)

    @property
    def is_demo(self) -> bool:
        return self.source.is_demo

    def loaded(self, snapshot: Snapshot, now: datetime, partial_error: str | None = None) -> bool:
        """New data (live or cached); True when it brings new numbers."""
        changed = not same_numbers(self.snapshot, snapshot)
        self.snapshot = snapshot
        if snapshot.from_cache:
            return changed
        # A copy trusted within its ttl is due when that runs out, counted from its fetch.
        since = snapshot.fetched_at if snapshot.within_ttl and snapshot.fetched_at else now
        self.schedule.succeeded(snapshot.status_meta.ttl, min(since, now), partial_error)
        self.failing_since = None
        self.cache_note = None
        return changed

    def failed(self, error: str, brief: str, now: datetime) -> None:
        self.schedule.failed(error, brief, now)
        if self.failing_since is None:
            self.failing_since = now

    def freshness(self, now: datetime) -> Freshness:
        """How fresh its data is, and what went wrong (the header's words)."""
        return freshness(self.snapshot, self.schedule, self.source, now)
