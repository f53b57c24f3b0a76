"""``--once``: load a system, rank its stations and print them, then exit.

Live data when the network answers; otherwise the last cached data, marked as such
with its age (on stderr, ``"from_cache": true`` in JSON). Whether data is stale follows
the app's one rule (:func:`bikefinder.rider.staleness.is_data_stale`); JSON always has
``data_age_s`` and the table prints the age line.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bikefinder.common.errors import FeedError
from bikefinder.common.text import clean
from bikefinder.feeds.cache import FeedCache
from bikefinder.feeds.demo import DEMO_NEAR
from bikefinder.feeds.http import make_http_client
from bikefinder.feeds.loader import SystemFeeds
from bikefinder.feeds.models import RankedStation
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.mode_rows import DEFAULT_LIMIT, ModeRow, rank_for_mode, useful_first
from bikefinder.rider.modes import Mode, counted, has_at_least
from bikefinder.rider.output import (
    format_distance,
    freshness_line,
    mode_name,
    mode_named,
    station_line,
    to_csv,
    to_json,
    to_table,
)
from bikefinder.rider.ranking import FAR_FROM_POINT_M, StationIndex
from bikefinder.rider.staleness import data_age_s, format_age, is_data_stale
from bikefinder.systems.source import (
    SystemSource,
    remember_loaded_system,
    resolve_source,
    start_point,
)

if TYPE_CHECKING:
    from bikefinder.options import Options

#: Beyond this, the rider has probably picked the wrong system for where they are.
FAR_AWAY_M = FAR_FROM_POINT_M


async def run_once(options: Options) -> int:
    """Print the ranked stations in the chosen format (repeatedly with --watch)."""
    source = resolve_source(
        options.system, options.near, demo=options.demo, client_id=options.client_id
    )
    near, near_note = start_point(source, options.near, DEMO_NEAR)
    cache = None if source.is_demo else FeedCache(source.gbfs_url)
    async with make_http_client(options.client_id, None, source.transport) as http:
        feeds = SystemFeeds(
            http,
            source.gbfs_url,
            language=options.language,
            label=source.label,
            cache=cache,
            headers=source.headers,
            max_bytes=options.max_feed_bytes,
        )
        snapshot = await load_snapshot(feeds)
        for feed, problem in feeds.degraded.items():
            print(f"bikefinder: note: {feeds.label}: {feed}: {problem}", file=sys.stderr)
        if not snapshot.from_cache:
            remember_loaded_system(source, snapshot)
        ranked, rows = listing(StationIndex(snapshot.stations), near, options)
        far = far_note(snapshot, ranked)
        if far:
            print(f"bikefinder: note: {far}", file=sys.stderr)
        try:
            if options.watch_s is None:
                emit(
                    render(snapshot, ranked, near, source, options, near_note=near_note, rows=rows)
                )
            else:
                await watch(feeds, snapshot, near, source, options, near_note)
        except BrokenPipeError:
            # The reader went away (``| head``, a closed status bar): not an error.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


async def load_snapshot(feeds: SystemFeeds) -> Snapshot:
    """Live data, or the cached copy (marked ``from_cache``) when live loading fails."""
    try:
        return await feeds.load()
    except FeedError as error:
        cached = feeds.load_cached()
        if cached is None:
            raise
        age = data_age_s(cached, datetime.now(UTC))
        age_text = f"{format_age(age)} old" if age is not None else "of unknown age"
        print(f"bikefinder: {error}; showing cached data {age_text}", file=sys.stderr)
        return cached


async def watch(
    feeds: SystemFeeds,
    snapshot: Snapshot,
    near: tuple[float, float],
    source: SystemSource,
    options: Options,
    near_note: str | None = None,
) -> None:
    """One JSON line per refresh, for status bars; a failed refresh repeats the last
    data marked stale, with the error."""
    assert options.watch_s is not None
    index = StationIndex(snapshot.stations)
    error: str | None = None
    while True:
        ranked, rows = listing(index, near, options)
        emit(
            render(
                snapshot,
                ranked,
                near,
                source,
                options,
                error=error,
                one_line=True,
                near_note=near_note,
                rows=rows,
            )
        )
        await asyncio.sleep(options.watch_s)
        try:
            fresh = await feeds.refresh()
            error = None
        except FeedError as exc:
            error = str(exc)
            continue
        if fresh.stations is not snapshot.stations:
            index = StationIndex(fresh.stations)
        snapshot = fresh


def script_mode(options: Options) -> Mode | None:
    """The ``--mode`` of a printed list; ``--min`` alone means any bike."""
    mode = mode_named(options.mode)
    return Mode.ANY_BIKE if mode is None and options.min_count is not None else mode


def listing(
    index: StationIndex, near: tuple[float, float], options: Options
) -> tuple[list[RankedStation], list[ModeRow] | None]:
    """The stations to print, and in a ``--mode`` their rows: the ``--limit`` nearest
    useful ones (with ``--min`` or more of what the mode wants) first, then the useless
    ones among the nearest, with their reasons (the app's rules)."""
    limit = options.limit or DEFAULT_LIMIT
    mode = script_mode(options)
    if mode is None:
        return index.nearest(near[0], near[1], limit), None
    keep = None
    if options.min_count is not None:
        keep = [has_at_least(station, mode, options.min_count) for station in index.stations]
    rows = useful_first(rank_for_mode(index, near, mode, limit, keep))
    return [row.ranked for row in rows], rows


def far_note(snapshot: Snapshot, ranked: list[RankedStation]) -> str | None:
    """A warning when even the nearest station is far from the point (> 50 km)."""
    nearest = min((item.distance_m for item in ranked), default=None)
    if nearest is None or nearest <= FAR_AWAY_M:
        return None
    return (
        f"the nearest {clean(snapshot.system.name, 60)} station is "
        f"{format_distance(nearest)} away; is this the right system?"
    )


def emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def render(
    snapshot: Snapshot,
    ranked: list[RankedStation],
    near: tuple[float, float],
    source: SystemSource,
    options: Options,
    *,
    error: str | None = None,
    one_line: bool = False,
    near_note: str | None = None,
    rows: list[ModeRow] | None = None,
) -> str:
    """The ranked list as table, JSON (``stale`` and ``data_age_s`` always, ``from_cache``),
    CSV or one line; ``near_note`` says the point is not the rider's (``"system centre"``);
    ``rows`` are the stations in a ``--mode`` (see :func:`listing`)."""
    now = datetime.now(UTC)
    age = data_age_s(snapshot, now)
    stale = is_data_stale(snapshot, now)
    far = far_note(snapshot, ranked)
    mode = script_mode(options)
    if options.output_format == "line":
        first = rows[0] if rows else (ModeRow(ranked[0], 1, None) if ranked else None)
        return station_line(
            first,
            mode,
            age,
            stale=stale,
            from_cache=snapshot.from_cache,
            demo_label=source.demo_label,
            error=error,
            empty=nothing_text(mode, options.min_count),
        )
    if options.output_format == "json":
        extra: dict[str, Any] = {
            "stale": stale or error is not None,
            "data_age_s": None if age is None else round(age, 1),
            "from_cache": snapshot.from_cache,
            "mode": mode_name(mode),
            "min": options.min_count,
        }
        if error:
            extra["error"] = error
        if source.is_demo:
            extra["demo"] = source.demo_label
        if source.chosen_by:
            extra["chosen_by"] = source.chosen_by
        if near_note:
            extra["near_is"] = near_note
        if far:
            extra["warning"] = far
        return to_json(
            snapshot,
            ranked,
            near,
            extra,
            indent=None if one_line else 2,
            rows=rows,
            walking_speed_kmh=options.walking_speed_kmh,
        )
    if options.output_format == "csv":
        return to_csv(ranked, rows)
    header = f"{clean(snapshot.system.name, 60)}: {len(snapshot.stations)} stations"
    if source.chosen_by:
        header = f"{clean(snapshot.system.name, 60)} ({source.chosen_by}): "
        header += f"{len(snapshot.stations)} stations"
    if source.is_demo:
        header += f" ({source.demo_label})"
    elif snapshot.from_cache:
        header += f" (CACHED, {format_age(age)} old)" if age is not None else " (CACHED)"
    where = f"the {near_note} " if near_note else ""
    header += f"; nearest to {where}{near[0]:.5f},{near[1]:.5f}"
    if ranked:
        header += f" is {format_distance(ranked[0].distance_m)} away"
    header += "\n" + freshness_line(snapshot, now, demo_label=source.demo_label)
    if mode is not None:
        header += f"\nMode: {mode.label}" + (
            f", at least {counted(options.min_count, mode.wanted)}" if options.min_count else ""
        )
    if far:
        header += f"\nNote: {far}"
    return to_table(snapshot, ranked, header, rows)


def nothing_text(mode: Mode | None, minimum: int | None) -> str:
    """``--format line`` when no station is listed."""
    if mode is None:
        return "no stations"
    return f"no station with at least {counted(minimum or 1, mode.wanted)}"
