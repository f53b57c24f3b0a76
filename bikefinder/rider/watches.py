"""Watches on stations: "tell me when this station has at least N bikes / e-bikes / docks".

Pure trigger logic plus the one side effect it leads to (running the rider's
``--notify-command``, with the station in ``BIKEFINDER_*`` environment variables, see
:func:`watch_environment`). A watch fires once when its condition *becomes* true, and
re-arms only after the condition was seen false again, so a station that stays full
of bikes rings once, not on every refresh. An unknown count (no status, a count the
feed does not give) neither fires nor re-arms.
"""

from __future__ import annotations

import contextlib
import os
import shlex
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

import msgspec

from bikefinder.common.phrases import Phrase, phrase
from bikefinder.common.text import clean
from bikefinder.feeds.models import Station, StationStatus
from bikefinder.rider.modes import Mode, blocks, counted, station_state, wanted_count

#: A watch asks for at least 1 and at most this many (no station holds more).
MAX_THRESHOLD = 999
#: A notify command still running after this long is killed (it must not pile up).
COMMAND_TIMEOUT_S = 60.0


class WatchKind(Enum):
    """What a watch counts; the value is the name stored in the favourites file."""

    BIKES = "bikes"
    EBIKES = "ebikes"
    DOCKS = "docks"

    @property
    def mode(self) -> Mode:
        """The mode whose usefulness rules apply (a closed station has no usable bike)."""
        return {WatchKind.BIKES: Mode.ANY_BIKE, WatchKind.EBIKES: Mode.EBIKE}.get(self, Mode.DOCK)

    @property
    def noun(self) -> str:
        """Plural noun for messages: "bikes", "e-bikes", "free docks"."""
        return self.mode.wanted

    @classmethod
    def for_mode(cls, mode: Mode) -> WatchKind:
        """The kind a rider in ``mode`` most likely wants to watch."""
        return {Mode.ANY_BIKE: cls.BIKES, Mode.EBIKE: cls.EBIKES}.get(mode, cls.DOCKS)


class Watch(msgspec.Struct, frozen=True):
    """Notify when a station has at least ``threshold`` of ``kind``."""

    kind: WatchKind
    threshold: int

    def describe(self) -> str:
        """E.g. "at least 2 e-bikes", "at least 1 bike"."""
        return f"at least {counted(self.threshold, self.kind.noun)}"

    def to_record(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "at_least": self.threshold}

    @classmethod
    def from_record(cls, record: Any) -> Watch | None:
        """A watch from its JSON object, or ``None`` if it is not a valid one."""
        if not isinstance(record, dict):
            return None
        kind, threshold = record.get("kind"), record.get("at_least")
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            return None
        if not 1 <= threshold <= MAX_THRESHOLD:
            return None
        try:
            return cls(WatchKind(kind), threshold)
        except ValueError:
            return None


def watched_count(status: StationStatus | None, kind: WatchKind) -> int | None:
    """The count a watch of ``kind`` looks at (``None`` when unknown)."""
    return wanted_count(status, kind.mode)


def condition_met(status: StationStatus | None, watch: Watch) -> bool | None:
    """Whether the station satisfies ``watch`` now; ``None`` when that is unknown.

    A station that cannot serve the kind (closed, not installed, not renting for
    bikes, not returning for docks) does not satisfy it, whatever its counts say.
    """
    if status is None:
        return None
    if blocks(station_state(status), watch.kind.mode):
        return False
    count = watched_count(status, watch.kind)
    return None if count is None else count >= watch.threshold


class FiredWatch(msgspec.Struct, frozen=True):
    """A watch that just fired, with the station as seen at that moment."""

    station: Station
    watch: Watch
    count: int


class WatchTracker:
    """Remembers, per watched station, the last *known* state of its condition.

    :meth:`check` is fed every new snapshot's stations; seeing the same data twice
    (an HTTP 304) never fires twice, because nothing changed state. A watch that is
    new (or changed) starts from what it sees first, so setting a watch on a station
    that already meets it does not fire until it has been unmet in between.
    """

    def __init__(self) -> None:
        self._last_known: dict[tuple[str, Watch], bool] = {}

    def forget(self, station_id: str) -> None:
        """Drop what is known about ``station_id`` (its watch was removed or replaced)."""
        for key in [key for key in self._last_known if key[0] == station_id]:
            del self._last_known[key]

    def check(
        self, stations_by_id: Mapping[str, Station], watches: Iterable[tuple[str, Watch]]
    ) -> list[FiredWatch]:
        """The watches among ``(station_id, watch)`` that fire on this observation."""
        fired: list[FiredWatch] = []
        for station_id, watch in watches:
            station = stations_by_id.get(station_id)
            met = condition_met(station.status if station else None, watch)
            if met is None or station is None:
                continue  # unknown: neither fires nor re-arms
            key = (station_id, watch)
            before = self._last_known.get(key)
            self._last_known[key] = met
            if met and before is False:
                count = watched_count(station.status, watch.kind)
                assert count is not None
                fired.append(FiredWatch(station=station, watch=watch, count=count))
        return fired


def _count_text(value: int | None) -> str:
    return "" if value is None else str(value)


def fired_message(fired: FiredWatch) -> str:
    """One line for the rider: "Alpha: 3 bikes now (watching for at least 2 bikes)"."""
    name = clean(fired.station.info.name, 60) or fired.station.station_id
    return (
        f"{name}: {counted(fired.count, fired.watch.kind.noun)} now "
        f"(watching for {fired.watch.describe()})"
    )


def watch_environment(fired: FiredWatch, system_name: str) -> dict[str, str]:
    """The variables a notify command gets; feed text is cleaned, unknown counts are ""."""
    station, status = fired.station, fired.station.status
    return {
        "BIKEFINDER_STATION_ID": clean(station.station_id, 200),
        "BIKEFINDER_STATION_NAME": clean(station.info.name, 200),
        "BIKEFINDER_BIKES": _count_text(status.bikes if status else None),
        "BIKEFINDER_MECHANICAL": _count_text(status.mechanical if status else None),
        "BIKEFINDER_ELECTRIC": _count_text(status.electric if status else None),
        "BIKEFINDER_DOCKS": _count_text(status.docks if status else None),
        "BIKEFINDER_KIND": fired.watch.kind.value,
        "BIKEFINDER_THRESHOLD": str(fired.watch.threshold),
        "BIKEFINDER_SYSTEM": clean(system_name, 200),
        "BIKEFINDER_MESSAGE": fired_message(fired),
    }


def parse_command(command: str) -> list[str]:
    """``--notify-command`` split like a shell would (no shell runs it); ValueError if the
    quoting is broken or nothing is left."""
    argv = shlex.split(command)
    if not argv:
        raise ValueError("the command is empty")
    return argv


async def run_notify_command(
    command: str, environment: Mapping[str, str], timeout_s: float = COMMAND_TIMEOUT_S
) -> Phrase | None:
    """Run ``command`` (never through a shell) with ``environment`` added; returns a
    one-line problem, or ``None`` when it ran and exited 0. Output is discarded: it
    must not scribble over the terminal app."""
    import asyncio  # here: a printed answer from the cache imports this module, not asyncio

    try:
        argv = parse_command(command)
    except ValueError as exc:
        return phrase("notify command not run: {reason}", reason=str(exc))
    program = repr(clean(argv[0], 80))
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            env={**os.environ, **environment},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        return phrase("notify command {command} could not start: {reason}", command=program,
                      reason=reason)  # fmt: skip
    try:
        code = await asyncio.wait_for(process.wait(), timeout_s)
    except (TimeoutError, asyncio.CancelledError) as exc:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        if isinstance(exc, asyncio.CancelledError):
            raise
        return phrase("notify command {command} killed after {seconds} s", command=program,
                      seconds=round(timeout_s))  # fmt: skip
    if code != 0:
        return phrase("notify command {command} exited with status {code}", command=program,
                      code=code)  # fmt: skip
    return None
