"""Is a station filling or emptying? A bounded per-station history of what refreshes showed.

The app feeds every *new* snapshot's stations to :meth:`TrendHistory.record` (a 304
answer is the same snapshot object and is not fed twice). A station's history keeps
its last :data:`HISTORY_LENGTH` *distinct* observations: a refresh in which the station
did not report again adds nothing, so the trend is over real reports, not over polls.
:func:`trend_of` turns a history into a tiny sparkline and an arrow for one mode (in
dock mode the trend is about free docks). No new service, no extra request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from threading import Lock
from typing import Literal

import msgspec

from bikefinder.feeds.models import Station, StationStatus
from bikefinder.rider.modes import Mode

#: Observations kept per station (memory stays bounded whatever the system's size).
HISTORY_LENGTH = 8
#: How many of the newest observations the sparkline and the arrow look at.
TREND_WINDOW = 5
SPARK_LEVELS = "▁▂▃▄▅▆▇█"

#: One observation: bikes, e-bikes, free docks and when the station reported them.
Observation = tuple[int | None, int | None, int | None, datetime | None]


def observation_of(status: StationStatus | None) -> Observation | None:
    """The part of a status a trend needs (``None`` for a station without status)."""
    if status is None:
        return None
    return (status.bikes, status.electric, status.docks, status.last_reported)


class Direction(Enum):
    """Where the wanted count went over the window."""

    UP = "↗"
    DOWN = "↘"
    FLAT = "→"


class Trend(msgspec.Struct, frozen=True):
    """The recent values of the wanted count (oldest first), the net change over them,
    and the direction of the latest move: the arrow says what the row's change mark says
    (both compare the newest value with the one before), never the opposite."""

    values: tuple[int, ...]
    direction: Direction
    change: int
    #: The value a full block stands for: the station's capacity (or the largest value
    #: seen, if larger); ``None``: the window's maximum.
    scale: int | None = None

    @property
    def sparkline(self) -> str:
        """One block per value, scaled from 0 to the capacity ("▂▂▃" for 3 to 5 bikes of
        30), else to the window's maximum ("▁▄█")."""
        top = max(max(self.values), self.scale or 0)
        if top <= 0:
            return SPARK_LEVELS[0] * len(self.values)
        last = len(SPARK_LEVELS) - 1
        return "".join(SPARK_LEVELS[round(value * last / top)] for value in self.values)


class TrendHistory:
    """Per station id, the last few distinct observations, oldest first.

    A system's first observations are kept as the stations they come from and made
    into the history only when it is read or grows: until a second observation, no
    station has a trend, so a printed answer (one load) never builds it (~70 ms for
    100,000 stations)."""

    def __init__(self, length: int = HISTORY_LENGTH) -> None:
        if length < 2:
            raise ValueError("a trend needs at least two observations")
        self.length = length
        self._history: dict[str, tuple[Observation, ...]] = {}
        self._system: str | None = None
        #: The first observations of ``_system``, not yet in ``_history``.
        self._first: Iterable[Station] | None = None
        self._settling = Lock()

    def __len__(self) -> int:
        return len(self._settled())

    def __bool__(self) -> bool:
        """Whether there are observations (pending first ones count, unsettled: a
        list asks this before each row's trend)."""
        first = self._first
        return bool(first) if first is not None else bool(self._history)

    def record(self, system: str, stations: Iterable[Station]) -> None:
        """Add each station's observation unless it equals the station's last one.

        ``system`` (the gbfs.json URL) scopes the station ids: data of another system
        starts a fresh history instead of mixing two systems' station "42". Stations no
        longer in the feed are forgotten, so memory follows the feed, whatever ids come
        and go. The history is replaced whole, so readers on another thread never see
        it half-built.
        """
        history = {} if system != self._system else self._settled()
        if not history:  # first observations: kept as they are until needed
            first = stations if isinstance(stations, tuple | list) else tuple(stations)
            self._system, self._first, self._history = system, first, {}
            return
        length = self.length
        kept: dict[str, tuple[Observation, ...]] = {}
        for station in stations:
            key = station.info.station_id
            past = history.get(key)
            observation = observation_of(station.status)
            if observation is None:
                if past is not None:
                    kept[key] = past
            elif past is None:
                kept[key] = (observation,)
            elif past[-1] != observation:
                kept[key] = (*past[-(length - 1) :], observation)
            else:
                kept[key] = past
        self._system = system
        self._history = kept

    def _settled(self) -> dict[str, tuple[Observation, ...]]:
        """The history, with the first observations made into it if still pending."""
        if self._first is None:
            return self._history
        with self._settling:
            first = self._first
            if first is not None:
                self._history = {
                    station.info.station_id: (observation,)
                    for station in first
                    if (observation := observation_of(station.status)) is not None
                }
                self._first = None
        return self._history

    def observations(self, station_id: str) -> tuple[Observation, ...]:
        return self._settled().get(station_id, ())

    def trend(self, station_id: str, mode: Mode, capacity: int | None = None) -> Trend | None:
        """The station's trend in ``mode`` (``None`` until there are two known values),
        its sparkline scaled to ``capacity`` when known."""
        if self._first is not None:  # one observation at most: no trend yet
            return None
        return trend_of(self._history.get(station_id, ()), mode, capacity=capacity)


#: Where in an :data:`Observation` each mode's count is (literal, so the count is an int).
_COUNT_INDEX: dict[Mode, Literal[0, 1, 2]] = {Mode.ANY_BIKE: 0, Mode.EBIKE: 1, Mode.DOCK: 2}


def trend_of(
    observations: Iterable[Observation],
    mode: Mode,
    window: int = TREND_WINDOW,
    *,
    capacity: int | None = None,
) -> Trend | None:
    """The last ``window`` known values of what ``mode`` wants, the net change from the
    first to the last of them and the direction of the last move; ``None`` with fewer
    than two values."""
    index = _COUNT_INDEX[mode]
    values = [value for obs in observations if (value := obs[index]) is not None][-window:]
    if len(values) < 2:
        return None
    step = values[-1] - values[-2]
    direction = Direction.UP if step > 0 else Direction.DOWN if step < 0 else Direction.FLAT
    scale = capacity if capacity is not None and capacity > 0 else None
    return Trend(tuple(values), direction, values[-1] - values[0], scale)
