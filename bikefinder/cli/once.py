"""``--once`` (and ``--watch``, ``--favorites --once``): load, list, print, exit.

One command for one system or several, stations and vehicles, all stations or the
favourites: the fleet loads every chosen system at once (live, else its cached copy),
the scene answers the query, and :mod:`bikefinder.rider.output` prints the one
document. A system that fails is one stderr line (and ``systems[].error``) and keeps no
other system's rows from being printed; the exit status is 0 when any system has data,
1 when none has (a single system that fails: its one-line error, exit 1).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from bikefinder.cli.terminal import terminal_width
from bikefinder.common.phrases import Phrase
from bikefinder.common.text import clean
from bikefinder.feeds.runtime import ASYNCIO, BLOCKING, run_blocking
from bikefinder.fleet.choice import Choice, choose, fleet_for
from bikefinder.fleet.fleet import Fleet, utc_now
from bikefinder.fleet.view import FleetView, names
from bikefinder.rider.alerts_view import ranked_alerts
from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.mode_rows import DEFAULT_LIMIT, DEFAULT_TRIP_LIMIT
from bikefinder.rider.modes import Mode
from bikefinder.rider.output import Answer, SystemReport, mode_named, render
from bikefinder.rider.ranking import FAR_FROM_POINT_M
from bikefinder.rider.rows import Row
from bikefinder.rider.scene import Query

if TYPE_CHECKING:
    from datetime import datetime

    from bikefinder.feeds.system_alerts import SystemAlert
    from bikefinder.options import Options
    from bikefinder.rider.rows import SceneSystem

EXIT_OK, EXIT_FAILURE = 0, 1


def query_for(options: Options, view: FleetView) -> Query:
    """The rider's question, from the command line: ``--mode`` (any bike by default),
    ``--min``, ``--limit``; a favourites view lists every chosen favourite."""
    return view.query(
        mode_named(options.mode) or Mode.ANY_BIKE,
        favourites_only=view.chosen is not None,
        limit=options.limit or DEFAULT_LIMIT,
        minimum=options.min_count,
    )


def _reports(fleet: Fleet) -> list[SystemReport]:
    return [
        SystemReport(
            system.scene_system,
            system.snapshot,
            system.error,
            system.source.demo_label,
            system.source.chosen_by,
            dict(system.feeds.degraded),
        )
        for system in fleet.enabled
    ]


def answer_for(view: FleetView, query: Query, choice: Choice) -> Answer:
    """What the fleet says now, and the rows answering ``query``."""
    fleet = view.fleet
    now = fleet.clock()
    rows = view.rows(query)
    return Answer(
        systems=_reports(fleet),
        query=query,
        rows=rows,
        now=now,
        vehicles=fleet.selection.value,
        near_note=choice.near_note,
        near_label=view.near_label if choice.near_note is None else None,
        notes=_notes(view, choice),
        warning=far_note(rows, fleet) if not query.favourites_only else None,
        alerts=_alerts(view, now),
    )


def trip_answer(view: FleetView, options: Options, choice: Choice) -> Answer:
    """What the fleet says now, and the best trips from the point to ``--to``: a query
    on the scene already loaded."""
    fleet = view.fleet
    now = fleet.clock()
    assert options.to is not None and view.near is not None
    mode = mode_named(options.mode) or Mode.ANY_BIKE
    from bikefinder.rider.trips import Speeds  # here: the trip planner only for --to

    limit = options.limit or DEFAULT_TRIP_LIMIT
    speeds = Speeds(options.walking_speed_kmh, options.riding_speed_kmh, options.ebike_speed_kmh)
    plan = view.trips(options.to, mode, limit=limit, speeds=speeds)
    return Answer(
        systems=_reports(fleet),
        query=Query(view.near, mode, None, limit, units=view.units),
        rows=[],
        now=now,
        vehicles=fleet.selection.value,
        near_note=choice.near_note,
        near_label=view.near_label if choice.near_note is None else None,
        notes=[*_notes(view, choice), *plan.notes],
        alerts=_alerts(view, now),
        plan=plan,
    )


def _alerts(view: FleetView, now: datetime) -> list[tuple[SceneSystem, SystemAlert]]:
    """Every active alert, most important first (the rule the app's header uses)."""
    if view.scene is None:
        return []
    return list(ranked_alerts(view.scene.active_alerts(now)))


def _notes(view: FleetView, choice: Choice) -> list[str | Phrase]:
    """Systems left out when choosing and loading, and what the lists leave out."""
    left_out = view.scene.left_out() if view.scene is not None else []
    return [*choice.notes, *view.fleet.notes, *left_out]


def far_note(rows: list[Row], fleet: Fleet) -> str | None:
    """A warning when even the nearest row is far from the point (> 50 km)."""
    measured = [row for row in rows if row.distance_m is not None]
    nearest = min(measured, key=lambda row: row.distance_m or 0.0, default=None)
    if nearest is None or (nearest.distance_m or 0.0) <= FAR_FROM_POINT_M:
        return None
    shown = names(fleet.enabled)
    return f"the nearest of {shown} is {nearest.distance_text} away; is this the right system?"


def _say(text: str) -> None:
    """One inert stderr line: whatever ``text`` quotes (a feed's name, a file's path) is
    cleaned, so no control character reaches the terminal and no newline forges a line."""
    print(f"bikefinder: {clean(text, 1000)}", file=sys.stderr)


def _emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def run_once(options: Options) -> int:
    """Print the answer in the chosen format (one line per refresh with ``--watch``).

    When every chosen system's cached feeds are within their ttl, the answer is made
    here from the cache: no request, and neither asyncio nor the HTTP stack is imported.
    Otherwise the fleet loads with httpx's synchronous client on threads (still no event
    loop), or, for ``--watch``'s refreshes and a demo's transport, on an event loop."""
    store = FavouritesStore()
    saved = store.load()
    for notice in store.take_notices():
        _say(notice)
    choice = choose(options, saved)
    for note in choice.notes:
        _say(f"note: {clean(str(note), 300)}")
    if choice.favourites is not None and not choice.sources:
        empty = "No favourite stations yet: press f on a station in the app to add one."
        _emit(empty if options.output_format == "table" else _nothing(options, choice))
        return EXIT_OK
    blocking = options.watch_s is None and all(s.transport is None for s in choice.sources)
    fleet = fleet_for(options, choice, runtime=BLOCKING if blocking else ASYNCIO)
    if fleet.load_within_ttl() and options.watch_s is None:
        printed = _Printed.first(options, choice, fleet, store)
        if isinstance(printed, int):
            return printed
        printed.emit()
        return printed.status()
    if blocking:  # one answer from the network: threads, no event loop
        return run_blocking(_run_live(options, choice, fleet, store))
    import asyncio  # --watch, a demo's transport: an event loop

    return asyncio.run(_run_live(options, choice, fleet, store))


async def _run_live(options: Options, choice: Choice, fleet: Fleet, store: FavouritesStore) -> int:
    """Load what the cache could not answer, print, and with ``--watch`` refresh and print
    again until interrupted."""
    async with fleet:
        await fleet.load()
        printed = _Printed.first(options, choice, fleet, store)
        if isinstance(printed, int):
            return printed
        while printed.emit() and options.watch_s is not None:
            import asyncio  # --watch runs on an event loop

            await asyncio.sleep(options.watch_s)
            await fleet.refresh()
            printed.view.scene = fleet.scene(printed.view.scene)
            printed.answer = printed.answer_now()
    return printed.status()


class _Printed:
    """The printed command's question on the loaded fleet, and its latest answer."""

    __slots__ = ("answer", "choice", "options", "query", "view", "with_data")

    def __init__(
        self, options: Options, choice: Choice, view: FleetView, query: Query, with_data: bool
    ) -> None:
        self.options = options
        self.choice = choice
        self.view = view
        self.query = query
        self.with_data = with_data
        self.answer: Answer = self.answer_now()

    @classmethod
    def first(
        cls, options: Options, choice: Choice, fleet: Fleet, store: FavouritesStore
    ) -> _Printed | int:
        """Say each system's problem on stderr, then the first answer; the exit status
        instead when there is nothing to print."""
        systems = fleet.enabled
        with_data = [system for system in systems if system.snapshot is not None]
        if len(systems) == 1 and not with_data and choice.favourites is None:
            _say(clean(systems[0].error or "no data", 600))
            return EXIT_FAILURE
        for system in systems:
            if system.cache_note is not None:
                _say(clean(system.cache_note, 600))
            elif system.error is not None:
                _say(clean(system.error, 600))
            for feed, problem in system.feeds.degraded.items():
                _say(f"note: {clean(system.name, 60)}: {feed}: {clean(problem, 200)}")
        if not with_data and choice.favourites is None:
            return EXIT_FAILURE
        view = FleetView(fleet, choice.near, store, choice.near_note, options.walking_speed_kmh,
                         chosen=choice.favourites, units_choice=options.units,
                         near_label=options.near_label)  # fmt: skip
        view.scene = fleet.scene()
        printed = cls(options, choice, view, query_for(options, view), bool(with_data))
        if printed.answer.warning:
            _say(f"note: {printed.answer.warning}")
        if printed.answer.plan is not None:
            for note in printed.answer.plan.notes:
                _say(f"note: {clean(note, 300)}")
        return printed

    def answer_now(self) -> Answer:
        if self.options.to is not None:
            return trip_answer(self.view, self.options, self.choice)
        return answer_for(self.view, self.query, self.choice)

    def emit(self) -> bool:
        """Print the answer; False when the reader went away (``| head``, a closed
        status bar: not an error, and nothing more is printed)."""
        options = self.options
        try:
            _emit(render(self.answer, options.output_format, one_line=options.watch_s is not None,
                         walking_speed_kmh=options.walking_speed_kmh,
                         width=terminal_width()))  # fmt: skip
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return False
        return True

    def status(self) -> int:
        plan = self.answer.plan
        if plan is not None and not plan.trips:
            _say(f"no trip: {plan.why_none}")
            return EXIT_FAILURE
        return EXIT_OK if self.with_data else EXIT_FAILURE


def end_process(code: int) -> None:
    """End a printed command's process now, without the interpreter's teardown (every
    module and object freed, a last garbage collection: time spent after the answer is
    out). Only when that loses nothing: stdout and stderr flush, the log handlers are
    flushed and closed, no other thread runs (every cache, favourites and coverage write
    is synchronous, so none is pending), and no coverage tool waits for its exit hook.
    Otherwise it returns, and the interpreter ends as usual."""
    import threading

    if "coverage" in sys.modules or threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a reader gone, a closed stream: the usual exit copes
        return
    if "logging" in sys.modules:
        import logging

        logging.shutdown()
    os._exit(code)


def _nothing(options: Options, choice: Choice) -> str:
    """The answer with no system at all (no favourites yet), in the asked format."""
    mode = mode_named(options.mode) or Mode.ANY_BIKE
    query = Query(choice.near, mode, options.min_count, favourites_only=True)
    answer = Answer(systems=[], query=query, rows=[], now=utc_now())
    return render(answer, options.output_format, one_line=options.watch_s is not None,
                  walking_speed_kmh=options.walking_speed_kmh)  # fmt: skip
