"""What the rider is looking for (any bike, an e-bike, a free dock) and what follows from it.

Pure logic, no UI: whether a station is an option in a mode, how to rank and list per
mode, name filtering, staleness thresholds and what changed between two refreshes (the
refresh cadence lives in :mod:`bikefinder.rider.refresh`). The Textual app only renders
what these functions return.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from bikefinder.common.text import fold  # the one folding rule (re-exported)
from bikefinder.feeds.models import RankedStation, Snapshot, Station, StationStatus
from bikefinder.rider.ranking import StationIndex

#: How many stations a printed list shows when --limit is not given (the app fills the
#: screen instead).
DEFAULT_LIMIT = 20
#: Data whose feed timestamp is older than this (or 3 of the feed's ttl) is stale.
DATA_STALE_AFTER_S = 300.0
#: The ttl assumed when a feed does not give one (GBFS publishers mostly use 60 s).
DEFAULT_TTL_S = 60
#: A station that has not reported for this long is flagged (Vélib' reports every ~30 min).
STATION_REPORT_STALE_AFTER_S = 3600.0


class Mode(Enum):
    """What the rider needs right now."""

    ANY_BIKE = "any bike"
    EBIKE = "e-bike"
    DOCK = "free dock"

    @property
    def label(self) -> str:
        return self.value

    @property
    def wanted(self) -> str:
        """What a useful station has, as a plural noun: "bikes", "e-bikes", "free docks"."""
        return {Mode.ANY_BIKE: "bikes", Mode.EBIKE: "e-bikes", Mode.DOCK: "free docks"}[self]

    def next(self) -> Mode:
        """The mode after this one, cycling: any bike -> e-bike -> free dock -> any bike."""
        members = list(Mode)
        return members[(members.index(self) + 1) % len(members)]


def counted(count: int | None, plural: str) -> str:
    """``count`` with its noun, singular for one: "1 bike", "1 free dock", "3 e-bikes",
    "? bikes" when unknown. ``plural`` is one of :attr:`Mode.wanted`'s nouns."""
    if count is None:
        return f"? {plural}"
    noun = plural.replace("bikes", "bike").replace("docks", "dock") if count == 1 else plural
    return f"{count} {noun}"


class StationState(Enum):
    """A station's operating state from its status flags, worst first."""

    NO_STATUS = "no status"
    NOT_INSTALLED = "not installed"
    CLOSED = "closed"
    NOT_RENTING = "not renting"
    NOT_RETURNING = "not returning"
    OK = "ok"


def station_state(status: StationStatus | None) -> StationState:
    """The state the flags describe; an unknown flag counts as normal operation."""
    if status is None:
        return StationState.NO_STATUS
    if status.is_installed is False:
        return StationState.NOT_INSTALLED
    if status.is_renting is False and status.is_returning is False:
        return StationState.CLOSED
    if status.is_renting is False:
        return StationState.NOT_RENTING
    if status.is_returning is False:
        return StationState.NOT_RETURNING
    return StationState.OK


def wanted_count(status: StationStatus | None, mode: Mode) -> int | None:
    """How many of what the rider wants the station has (``None`` when the feed does not say)."""
    if status is None:
        return None
    if mode is Mode.DOCK:
        return status.docks
    if mode is Mode.EBIKE:
        return status.electric
    return status.bikes


#: States in which a station serves nothing at all.
_OUT_OF_SERVICE = frozenset(
    {StationState.NO_STATUS, StationState.NOT_INSTALLED, StationState.CLOSED}
)


def blocks(state: StationState, mode: Mode) -> bool:
    """Whether a station in ``state`` cannot serve ``mode`` whatever its counts say: out of
    service, not renting (a bike mode) or not returning (dock mode). Listing and watches
    share this rule."""
    if state in _OUT_OF_SERVICE:
        return True
    return state is (StationState.NOT_RETURNING if mode is Mode.DOCK else StationState.NOT_RENTING)


def useless_reason(station: Station, mode: Mode) -> str | None:
    """Why ``station`` is no option in ``mode``, or ``None`` when it is one."""
    status = station.status
    state = station_state(status)
    if blocks(state, mode):
        return state.value
    count = wanted_count(status, mode)
    if count is None:
        return {Mode.ANY_BIKE: "bikes unknown", Mode.EBIKE: "e-bikes unknown"}.get(
            mode, "docks unknown"
        )
    if count == 0:
        return {Mode.ANY_BIKE: "no bikes", Mode.EBIKE: "no e-bikes"}.get(mode, "full")
    return None


@dataclass(frozen=True, slots=True)
class ModeRow:
    """One station to list: ``rank`` counts only useful stations; ``useless`` says why not."""

    ranked: RankedStation
    rank: int | None
    useless: str | None

    @property
    def station(self) -> Station:
        return self.ranked.station


def rank_for_mode(
    index: StationIndex,
    near: tuple[float, float],
    mode: Mode,
    limit: int,
    keep: Sequence[bool] | None = None,
) -> list[ModeRow]:
    """The ``limit`` nearest useful stations, ranked 1..n, in distance order.

    Useless stations among the ``limit`` nearest overall are listed too (unranked,
    with their reason), so a rider sees that the station across the street is full
    instead of wondering why it is missing. ``keep`` restricts which stations count
    at all (a name filter, the favourites). At most ``2 * limit`` rows.
    """
    if limit < 1 or not len(index):
        return []
    order, distances = index.order(*near)
    reasons = mode_reasons(index.stations, mode)
    picks = pick_rows(order, reasons, limit, None if keep is None else keep.__getitem__)
    return [
        ModeRow(ranked=index.ranked(i, distances[i], *near), rank=rank, useless=reasons[i])
        for i, rank in picks
    ]


def mode_reasons(stations: Sequence[Station], mode: Mode) -> list[str | None]:
    """Per station, why it is no option in ``mode`` (``None`` when it is one)."""
    return [useless_reason(station, mode) for station in stations]


class ListLimit:
    """The listing rule of :func:`rank_for_mode`, one candidate at a time, nearest first:
    a candidate is listed if it is among the ``limit`` nearest, or among the ``limit``
    nearest useful ones; the useful are ranked 1..n. Shared by the station list, the
    mixed list of several systems and :class:`~bikefinder.rider.nearby.Scene`."""

    __slots__ = ("limit", "nearby", "useful")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.nearby = self.useful = 0

    def take(self, is_useful: bool) -> tuple[bool, int | None]:
        """(listed, rank) for the next candidate."""
        listed = False
        if self.nearby < self.limit:
            self.nearby += 1
            listed = True
        if is_useful and self.useful < self.limit:
            self.useful += 1
            listed = True
        return listed, self.useful if listed and is_useful else None

    @property
    def full(self) -> bool:
        """Both lists found: no later candidate can be listed."""
        return self.nearby >= self.limit and self.useful >= self.limit


def pick_rows(
    order: Iterable[int],
    reasons: Sequence[str | None],
    limit: int,
    keep: Callable[[int], bool] | None = None,
) -> list[tuple[int, int | None]]:
    """The rows of :func:`rank_for_mode` from stations already in distance order, as
    (position, rank among the useful or ``None``); stops as soon as the rule is full,
    so its cost follows the rows listed."""
    picks: list[tuple[int, int | None]] = []
    if limit < 1:
        return picks
    rule = ListLimit(limit)
    for position in order:
        if keep is not None and not keep(position):
            continue
        listed, rank = rule.take(reasons[position] is None)
        if listed:
            picks.append((position, rank))
        if rule.full:
            break
    return picks


def has_at_least(station: Station, mode: Mode, minimum: int | None) -> bool:
    """Whether ``station`` has ``minimum`` or more of what ``mode`` wants (``--min``);
    an unknown count is not enough. Always true without a minimum."""
    if minimum is None:
        return True
    count = wanted_count(station.status, mode)
    return count is not None and count >= minimum


def useful_first(rows: Iterable[ModeRow]) -> list[ModeRow]:
    """The useful rows (in their order), then the useless ones with their reasons: how
    scripts list a mode, so the first row is always the best option."""
    listed = list(rows)
    return [row for row in listed if row.useless is None] + [
        row for row in listed if row.useless is not None
    ]


def mode_rows(
    ranked: Iterable[RankedStation], mode: Mode, minimum: int | None = None
) -> list[ModeRow]:
    """Already ordered stations (favourites) in ``mode``: those with fewer than
    ``minimum`` hidden, the useful ones ranked 1..n and first, then the others."""
    rows: list[ModeRow] = []
    useful = 0
    for item in ranked:
        if not has_at_least(item.station, mode, minimum):
            continue
        reason = useless_reason(item.station, mode)
        useful += reason is None
        rows.append(ModeRow(ranked=item, rank=useful if reason is None else None, useless=reason))
    return useful_first(rows)


def name_mask(stations: Iterable[Station], query: str) -> list[bool]:
    """Which stations' names contain every word of ``query`` (accent and case blind)."""
    words = fold(query).split()
    return [all(word in fold(station.info.name) for word in words) for station in stations]


def id_mask(stations: Iterable[Station], station_ids: Iterable[str]) -> list[bool]:
    """Which stations have one of ``station_ids``."""
    wanted = set(station_ids)
    return [station.station_id in wanted for station in stations]


def data_age_s(snapshot: Snapshot, now: datetime) -> float | None:
    """How old the shown availability is, in seconds (never negative)."""
    moment = snapshot.data_time
    return None if moment is None else max(0.0, (now - moment).total_seconds())


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
    return age_s is not None and age_s > STATION_REPORT_STALE_AFTER_S


#: The counts whose changes between refreshes are marked.
COUNT_FIELDS = ("bikes", "mechanical", "electric", "docks")


def count_changes(before: StationStatus | None, after: StationStatus | None) -> dict[str, int]:
    """Per count field, how much it went up (+) or down (-) since ``before``; known counts only."""
    if before is None or after is None:
        return {}
    changes: dict[str, int] = {}
    for name in COUNT_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old is not None and new is not None and old != new:
            changes[name] = new - old
    return changes


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
