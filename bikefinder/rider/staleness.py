"""How old data is, and when it counts as stale: the shown availability (against its
feed's ttl) and each station's last report (against the feed's own time). One rule for
the app, ``--once`` and ``--favorites --once``; the refresh cadence lives in
:mod:`bikefinder.rider.refresh`.
"""

from __future__ import annotations

import math
from datetime import datetime

from bikefinder.feeds.models import Station
from bikefinder.feeds.snapshot import Snapshot

#: Data whose feed timestamp is older than this (or 3 of the feed's ttl) is stale.
DATA_STALE_AFTER_S = 300.0
#: The ttl assumed when a feed does not give one (GBFS publishers mostly use 60 s).
DEFAULT_TTL_S = 60
#: A station that has not reported for this long is flagged (Vélib' reports every ~30 min).
STATION_REPORT_STALE_AFTER_S = 3600.0


def data_age_s(snapshot: Snapshot, now: datetime) -> float | None:
    """How old the shown availability is, in seconds (never negative)."""
    moment = snapshot.data_time
    return None if moment is None else max(0.0, (now - moment).total_seconds())


def ttl_cached_s(snapshot: Snapshot, now: datetime) -> float | None:
    """How long ago data answered from the cache without asking the server (every feed
    was younger than its ttl) was fetched, else ``None``."""
    if not snapshot.within_ttl or snapshot.fetched_at is None:
        return None
    return max(0.0, (now - snapshot.fetched_at).total_seconds())


def within_ttl_note(snapshot: Snapshot, now: datetime) -> str | None:
    """The words "cached 12 s ago, within the feed's ttl" for data answered from the
    cache without asking the server, else ``None``."""
    fetched_s = ttl_cached_s(snapshot, now)
    return (
        None if fetched_s is None else f"cached {format_age(fetched_s)} ago, within the feed's ttl"
    )


def stale_after_s(ttl_s: float | None) -> float:
    """Data older than this is stale: the feed's ttl with a margin (3 ttls), never less
    than 5 minutes; an unknown ttl counts as :data:`DEFAULT_TTL_S`."""
    return max(DATA_STALE_AFTER_S, 3 * (DEFAULT_TTL_S if ttl_s is None else ttl_s))


def is_data_stale(snapshot: Snapshot, now: datetime) -> bool:
    """The one stale rule (app, ``--once``, ``--favorites --once``): the availability's
    own time is older than its ttl allows, with a margin, whether cached or live."""
    age = data_age_s(snapshot, now)
    return age is not None and age > stale_after_s(snapshot.status_meta.ttl)


def report_age_s(station: Station, snapshot: Snapshot) -> float | None:
    """How long before the snapshot's own time the station last reported.

    Measured against the feed time, not the clock, so an old snapshot (the demo)
    does not flag every station; the data's own age is shown separately.
    """
    status = station.status
    reference = snapshot.data_time
    if status is None or status.last_reported is None or reference is None:
        return None
    return max(0.0, (reference - status.last_reported).total_seconds())


def is_report_stale(age_s: float | None) -> bool:
    """Whether a station's last report (see :func:`report_age_s`) is old enough to flag."""
    return age_s is not None and age_s > STATION_REPORT_STALE_AFTER_S


def format_age(seconds: float) -> str:
    """A short human age: "8 s", "4 min", "3 h", "2 d"."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 86400 * 2:
        return f"{seconds // 3600:.0f} h"
    return f"{seconds // 86400:.0f} d"
