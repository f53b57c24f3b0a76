"""Which stations a mode lists, in what order and with which ranks: the nearest useful
stations ranked 1..n, with the useless ones among the nearest (and why). One rule for
the station list, the mixed list of several systems and the printed lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bikefinder.feeds.models import RankedStation, Station
from bikefinder.rider.modes import Mode, mode_reasons
from bikefinder.rider.ranking import StationIndex

#: How many stations a printed list shows when --limit is not given (the app fills the
#: screen instead).
DEFAULT_LIMIT = 20


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


def useful_first(rows: Iterable[ModeRow]) -> list[ModeRow]:
    """The useful rows (in their order), then the useless ones with their reasons: how
    scripts list a mode, so the first row is always the best option."""
    listed = list(rows)
    return [row for row in listed if row.useless is None] + [
        row for row in listed if row.useless is not None
    ]
