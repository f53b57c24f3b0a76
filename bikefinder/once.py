"""``--once``: load a system, rank its stations and print them, then exit.

Live data when the network answers; otherwise the last cached data, marked as such
with its age (on stderr, ``"from_cache": true`` in JSON). Whether data is stale follows
the app's one rule (:func:`bikefinder.core.modes.is_data_stale`); JSON always has
``data_age_s`` and the table prints the age line.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bikefinder.core.cache import FeedCache
from bikefinder.core.demo import DEMO_NEAR
from bikefinder.core.errors import FeedError
from bikefinder.core.http import make_http_client
from bikefinder.core.listing import FAR_FROM_POINT_M
from bikefinder.core.loader import SystemFeeds
from bikefinder.core.models import RankedStation, Snapshot
from bikefinder.core.modes import DEFAULT_LIMIT, data_age_s, format_age, is_data_stale
from bikefinder.core.output import (
    format_distance,
    freshness_line,
    to_csv,
    to_json,
    to_table,
)
from bikefinder.core.ranking import StationIndex
from bikefinder.core.source import (
    SystemSource,
    remember_loaded_system,
    resolve_source,
    start_point,
)
from bikefinder.core.text import clean

if TYPE_CHECKING:
    from bikefinder.cli import Options

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
        )
        snapshot = await load_snapshot(feeds)
        for feed, problem in feeds.degraded.items():
            print(f"bikefinder: note: {feeds.label}: {feed}: {problem}", file=sys.stderr)
        if not snapshot.from_cache:
            remember_loaded_system(source, snapshot)
        ranked = StationIndex(snapshot.stations).nearest(
            near[0], near[1], options.limit or DEFAULT_LIMIT
        )
        far = far_note(snapshot, ranked)
        if far:
            print(f"bikefinder: note: {far}", file=sys.stderr)
        try:
            if options.watch_s is None:
                emit(render(snapshot, ranked, near, source, options, near_note=near_note))
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
        ranked = index.nearest(near[0], near[1], options.limit or DEFAULT_LIMIT)
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


def far_note(snapshot: Snapshot, ranked: list[RankedStation]) -> str | None:
    """A warning when even the nearest station is far from the point (> 50 km)."""
    if not ranked or ranked[0].distance_m <= FAR_AWAY_M:
        return None
    return (
        f"the nearest {clean(snapshot.system.name, 60)} station is "
        f"{format_distance(ranked[0].distance_m)} away; is this the right system?"
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
) -> str:
    """The ranked list as table, JSON (``stale`` and ``data_age_s`` always, ``from_cache``)
    or CSV; ``near_note`` says the point is not the rider's (``"system centre"``)."""
    now = datetime.now(UTC)
    age = data_age_s(snapshot, now)
    stale = is_data_stale(snapshot, now)
    far = far_note(snapshot, ranked)
    if options.output_format == "json":
        extra: dict[str, Any] = {
            "stale": stale or error is not None,
            "data_age_s": None if age is None else round(age, 1),
            "from_cache": snapshot.from_cache,
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
        return to_json(snapshot, ranked, near, extra, indent=None if one_line else 2)
    if options.output_format == "csv":
        return to_csv(ranked)
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
    if far:
        header += f"\nNote: {far}"
    return to_table(snapshot, ranked, header)
