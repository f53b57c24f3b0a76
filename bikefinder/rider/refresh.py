"""When the app fetches next, and how fresh what it shows is.

:class:`RefreshSchedule` is the refresh / failure / back-off state the app's message
handlers update; :func:`freshness` turns it and the shown snapshot into the header's
words (its right-hand label, health and problem line). Pure: no UI, no clock of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

import msgspec

from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.staleness import (
    data_age_s,
    format_age,
    is_data_stale,
    ttl_cached_s,
    within_ttl_note,
)
from bikefinder.systems.source import SystemSource

#: The app refreshes station status on its ttl, but never faster or slower than this.
MIN_REFRESH_S = 5.0
MAX_REFRESH_S = 60.0
#: Retries after a failed refresh wait 5, 10, 20 ... seconds, up to this.
FIRST_RETRY_S = 5.0
MAX_RETRY_S = 120.0


def refresh_interval_s(status_ttl: int | None, override_s: float | None = None) -> float:
    """Seconds between status refreshes: ``--refresh`` if given, else the ttl within 5..60.

    An unknown ttl means the default (60 s); ``ttl: 0`` means, in GBFS, that the data
    changes constantly, so it refreshes at the fastest allowed rate (5 s).
    """
    if override_s is not None:
        return override_s
    ttl = MAX_REFRESH_S if status_ttl is None else float(status_ttl)
    return min(MAX_REFRESH_S, max(MIN_REFRESH_S, ttl))


def retry_delay_s(failures: int) -> float:
    """Back-off before retry number ``failures`` (1-based): 5, 10, 20, ... up to 120 s."""
    doublings = min(max(0, failures - 1), 32)  # capped first: 2.0 ** 1024 overflows
    return min(MAX_RETRY_S, FIRST_RETRY_S * 2.0**doublings)


class RefreshSchedule(msgspec.Struct):
    """The refresh period, whether a fetch is under way, the failures since the last
    success and when the next fetch is due."""

    refresh_s: float
    next_at: datetime
    #: ``--refresh``: wins over the feed's ttl.
    override_s: float | None = None
    failures: int = 0
    #: The last failure in one line (system, feed, cause, URL); ``None`` after a success.
    last_error: str | None = None
    #: Just the feed and cause, for the header.
    last_error_brief: str | None = None
    refreshing: bool = False
    #: The fetch under way was asked for (``r``), not due.
    manual: bool = False
    #: A descriptive feed (station_information) failed to refresh though the
    #: availability did: the feed and cause, shown like a failed refresh.
    partial_error: str | None = None

    @classmethod
    def starting(cls, now: datetime, override_s: float | None = None) -> RefreshSchedule:
        """Due at once, at the default period until a feed's ttl says otherwise."""
        return cls(refresh_interval_s(None, override_s), now, override_s)

    def start(self, manual: bool = False) -> None:
        self.refreshing = True
        self.manual = manual

    def succeeded(
        self, status_ttl: int | None, now: datetime, partial_error: str | None = None
    ) -> None:
        """Fresh data: the period follows the status feed's ttl; failures (and the back-off)
        are forgotten, whether the fetch was due or asked for."""
        self.refresh_s = refresh_interval_s(status_ttl, self.override_s)
        self.forget_failures()
        self.partial_error = partial_error
        self.refreshing = self.manual = False
        self.next_at = now + timedelta(seconds=self.refresh_s)

    def failed(self, error: str, brief: str, now: datetime) -> None:
        """A failed fetch: retry after a back-off that grows with each failure in a row.
        A refresh the rider asked for during an outage does not count: the back-off
        (and the countdown to the next retry) stays as it was."""
        repeat = self.manual and self.failures > 0
        self.last_error = error
        self.last_error_brief = brief
        self.refreshing = self.manual = False
        if not repeat:
            self.failures += 1
            self.next_at = now + timedelta(seconds=retry_delay_s(self.failures))

    def forget_failures(self) -> None:
        self.failures = 0
        self.last_error = None
        self.last_error_brief = None
        self.partial_error = None

    def due(self, now: datetime) -> bool:
        """Time to start a fetch (none is running and the wait is over)."""
        return not self.refreshing and now >= self.next_at

    def wait_s(self, now: datetime) -> float:
        """Seconds until the next fetch (never negative)."""
        return max(0.0, (self.next_at - now).total_seconds())


class FreshState(StrEnum):
    """Which of the header's freshness labels applies."""

    LOADING = "loading"
    NO_DATA = "no data"
    DEMO = "demo"
    CACHED = "cached"
    TIME_UNKNOWN = "time unknown"
    UPDATED = "updated"


class Trouble(StrEnum):
    """What the header's problem line is about."""

    STALE = "stale"
    FAILED = "failed"
    PARTIAL = "partial"


class Freshness(msgspec.Struct, frozen=True):
    """What the header says about the data: ``text`` (right-hand label), ``health``
    (``"ok"``, ``"stale"`` or ``"error"``) and a ``problem`` line, if any, in English;
    and the facts behind them, for the app to say in its own language."""

    text: str
    health: str
    problem: str | None
    state: FreshState = FreshState.UPDATED
    #: How old the shown availability is (``None``: not known).
    age_s: float | None = None
    #: Answered from the cache within the feed's ttl: fetched this long ago.
    cached_s: float | None = None
    #: The shown data came from the cache (an earlier run).
    from_cache: bool = False
    trouble: Trouble | None = None
    #: The failed refresh's error, in brief (the server's or the network's words).
    error: str | None = None
    #: Seconds until the next try after a failure.
    retry_s: float | None = None


def freshness(
    snapshot: Snapshot | None, schedule: RefreshSchedule, source: SystemSource, now: datetime
) -> Freshness:
    """How fresh the shown data is, and what went wrong if the last refresh failed."""
    health, problem, trouble = "ok", None, None
    age = data_age_s(snapshot, now) if snapshot is not None else None
    error = schedule.last_error
    if snapshot is None:
        state = FreshState.NO_DATA if error else FreshState.LOADING
        text = "no data yet" if error else "loading …"
        health = "error" if error else "ok"
    elif source.is_demo:
        state = FreshState.DEMO
        text = source.demo_label or "demo data"
    elif snapshot.from_cache:
        state = FreshState.CACHED
        age_text = f", {format_age(age)} old" if age is not None else ""
        text = f"CACHED data{age_text}"
        health = "stale" if is_data_stale(snapshot, now) else "ok"
    elif age is None:
        state = FreshState.TIME_UNKNOWN
        text = "data time unknown"
    else:
        state = FreshState.UPDATED
        text = f"updated {format_age(age)} ago"
        if (note := within_ttl_note(snapshot, now)) is not None:
            text += f" ({note})"
        if is_data_stale(snapshot, now):
            health, trouble = "stale", Trouble.STALE
            problem = (
                f"Stale: this data is {format_age(age)} old; the system has not "
                "published newer availability."
            )
    if snapshot is not None and error:
        health, trouble = "error", Trouble.FAILED
        if source.is_demo:
            shown = source.demo_label
        elif age is None:
            shown = "older data"
        else:
            cached = "cached " if snapshot.from_cache else ""
            shown = f"{cached}data from {format_age(age)} ago"
        problem = (
            f"Showing {shown}: refresh failed ({schedule.last_error_brief}); "
            f"retrying in {schedule.wait_s(now):.0f} s"
        )
    elif snapshot is not None and schedule.partial_error:
        health, trouble = "error", Trouble.PARTIAL
        problem = (
            f"Refresh failed ({schedule.partial_error}); showing the last station list "
            "(names, places); availability is up to date"
        )
    return Freshness(
        text, health, problem, state, age,
        cached_s=ttl_cached_s(snapshot, now) if snapshot is not None else None,
        from_cache=snapshot is not None and snapshot.from_cache,
        trouble=trouble,
        error={Trouble.PARTIAL: schedule.partial_error,
               Trouble.FAILED: schedule.last_error_brief}.get(trouble) if trouble else None,
        retry_s=schedule.wait_s(now) if trouble is Trouble.FAILED else None,
    )  # fmt: skip


#: :meth:`AskedRefresh.outcome` for the demo's data (it never changes), and for data
#: that cannot be compared with the last.
DEMO_UNCHANGED, ALL_NEW = -1, -2


class AskedRefresh:
    """A refresh the rider asked for (``r``), across every system shown: which have not
    answered yet, and what the answers say, so one short note sums them up."""

    def __init__(self) -> None:
        self.waiting: set[str] = set()
        self._changed: list[int | None] = []
        self._failed = False

    def start(self, systems: Iterable[str]) -> None:
        self.waiting, self._changed, self._failed = set(systems), [], False

    def answered(self, system: str, changed: int | None) -> None:
        """``system`` answered: ``changed`` stations moved (``None``: not known)."""
        if system in self.waiting:
            self.waiting.discard(system)
            self._changed.append(changed)

    def failed(self, system: str) -> None:
        if system in self.waiting:
            self.waiting.discard(system)
            self._failed = True

    def finished(self) -> bool:
        """Every system answered (once: the next call is False until the next start)."""
        return not self.waiting and (bool(self._changed) or self._failed)

    def outcome(self, *, demo: bool, problem: bool) -> int | None:
        """What the refresh did: how many stations changed (:data:`DEMO_UNCHANGED`
        for the demo, :data:`ALL_NEW` for data not comparable with the last);
        ``None`` when a failure or a descriptive feed's problem is the header's to say
        (``problem``). Forgets it."""
        changed, failed = self._changed, self._failed
        self._changed, self._failed = [], False
        if failed or problem:
            return None
        if demo:
            return DEMO_UNCHANGED
        if any(value is None for value in changed):
            return ALL_NEW
        return sum(value or 0 for value in changed)
