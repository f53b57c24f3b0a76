"""Which systems a command line asks for, where from, and the fleet that loads them.

One rule for the app and every printed command: ``--demo`` is the bundled snapshot;
``--favorites`` (without ``--system``) the systems the favourites were saved in;
``--system`` (repeatable) those systems; ``--near`` alone the best system there, or
with ``--vehicles`` / ``--max-systems`` every system covering the point (stations and
free-floating operators), nearest first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from bikefinder.common.errors import BikefinderError, UsageError
from bikefinder.common.phrases import Phrase
from bikefinder.feeds.demo import DEMO_GBFS_URL, DEMO_LIVE_GBFS_URL, DEMO_NEAR
from bikefinder.feeds.loader import Offload, run_inline
from bikefinder.feeds.runtime import ASYNCIO, Runtime
from bikefinder.feeds.vehicles import VehicleSelection, parse_vehicle_selection
from bikefinder.fleet.fleet import Fleet, utc_now
from bikefinder.rider.favourites import Favourite, favourites_url
from bikefinder.systems.source import (
    DEFAULT_MAX_SYSTEMS,
    SystemSource,
    demo_source,
    resolve_source,
    resolve_sources,
    source_for_entry,
    start_point,
    user_catalog,
)

if TYPE_CHECKING:
    from bikefinder.options import Options


class Choice(msgspec.Struct, frozen=True):
    """The systems to load, the point to measure from and notes for the rider."""

    sources: list[SystemSource]
    #: ``None`` only for favourites printed without ``--near``.
    near: tuple[float, float] | None
    #: The point is not the rider's ("system centre").
    near_note: str | None = None
    #: Systems left out, and why (one stderr line each).
    notes: list[str | Phrase] = msgspec.field(default_factory=list)
    #: Systems that cannot be asked at all (a key nobody configured): URL -> why.
    refused: dict[str, str] = msgspec.field(default_factory=dict)
    #: The favourites a favourites view lists (``None``: not a favourites view).
    favourites: list[Favourite] | None = None


def selection_of(options: Options) -> VehicleSelection:
    """Which free-floating vehicles are listed (``--vehicles``; bikes by default)."""
    return parse_vehicle_selection(options.vehicles or VehicleSelection.BIKES.value)


def without_bicycles(selection: VehicleSelection) -> frozenset[str]:
    """The systems (gbfs.json URLs) a bike view does not load when choosing by
    location: those learned to have no bicycle (``coverage.json``). None for ``all``."""
    if selection is VehicleSelection.ALL:
        return frozenset()
    from bikefinder.common.paths import cache_dir
    from bikefinder.systems.coverage import COVERAGE_FILE, load_coverages

    known = load_coverages(cache_dir() / COVERAGE_FILE)
    return frozenset(coverage.gbfs_url for coverage in known if coverage.bicycles is False)


def choose(options: Options, saved: Sequence[Favourite] = ()) -> Choice:
    """The systems ``options`` ask for (``saved``: every favourite, for a favourites
    view), with how a named place was resolved first among the notes. Raises
    :class:`UsageError` for a command line that names no system."""
    choice = _choose(options, saved)
    if not options.place_notes:
        return choice
    return msgspec.structs.replace(choice, notes=[*options.place_notes, *choice.notes])


def _choose(options: Options, saved: Sequence[Favourite]) -> Choice:
    if options.favorites and options.once:
        return _favourites_choice(options, saved)
    if options.demo:
        if options.systems:
            raise UsageError("--demo uses the bundled Vélib' snapshot; drop --system")
        return Choice([demo_source()], options.near or DEMO_NEAR)
    if options.favorites and not options.systems and options.near is None and saved:
        choice = _favourites_choice(options, saved)
        first = choice.sources[0] if choice.sources else demo_source()
        near, note = start_point(first, None, DEMO_NEAR)
        return Choice(choice.sources, near, note, choice.notes, choice.refused, choice.favourites)
    several = len(options.systems) > 1 or options.vehicles or options.max_systems
    notes: list[str | Phrase] = []
    if several:
        sources, notes = resolve_sources(
            options.systems,
            options.near,
            max_systems=options.max_systems or DEFAULT_MAX_SYSTEMS,
            client_id=options.client_id,
            passed_over=() if options.systems else without_bicycles(selection_of(options)),
        )
    else:
        sources = [resolve_source(options.system, options.near, client_id=options.client_id)]
    if options.near is None and len(sources) > 1:
        raise UsageError("several systems need --near LAT,LON (where you are, e.g. 48.85,2.35)")
    near, note = start_point(sources[0], options.near, DEMO_NEAR)
    return Choice(sources, near, note, notes)


def _favourites_choice(options: Options, saved: Sequence[Favourite]) -> Choice:
    """The systems of the chosen favourites, in the order of their first favourite; a
    favourite saved in the demo counts for the live system it is a snapshot of."""
    if options.vehicles not in (None, "none"):
        raise UsageError(
            "--favorites lists saved stations, not free-floating vehicles; for the nearest "
            "vehicles use --once --near LAT,LON --vehicles " + options.vehicles
        )
    if options.max_systems is not None:
        raise UsageError(
            "--max-systems chooses systems around --near, but favourites come from the "
            "systems they were saved in; use --system (repeatable) to print only some"
        )
    favourites = _chosen_favourites(saved, options)
    near = options.near or (DEMO_NEAR if options.demo else None)
    if options.demo:
        sources = [demo_source()] if favourites else []
        return Choice(sources, near, favourites=favourites)
    labels: dict[str, str | None] = {}
    for favourite in favourites:
        labels.setdefault(favourites_url(favourite.gbfs_url), favourite.system_name or None)
    sources, refused = _sources_for_urls(labels, options.client_id)
    return Choice(sources, near, refused=refused, favourites=favourites)


def _chosen_favourites(saved: Sequence[Favourite], options: Options) -> list[Favourite]:
    """All favourites, or only those of the ``--system`` flags (URLs or catalog names)
    or of ``--demo``."""
    if not (options.demo or options.system is not None):
        return list(saved)
    names: tuple[str | None, ...] = (options.system,)
    if not options.demo and options.systems:
        names = tuple(options.systems)
    chosen: list[Favourite] = []
    for name in names:
        source = resolve_source(name, None, demo=options.demo, client_id=options.client_id)
        url = favourites_url(source.gbfs_url)
        wanted = {url, DEMO_GBFS_URL} if url == DEMO_LIVE_GBFS_URL else {url}
        chosen += [f for f in saved if f.gbfs_url in wanted and f not in chosen]
    return chosen


def _sources_for_urls(
    labels: dict[str, str | None], client_id: str | None
) -> tuple[list[SystemSource], dict[str, str]]:
    """A source per gbfs.json URL (named as its favourites saved it, until its feed
    says), with the headers its catalog entry needs (Entur's client name, configured
    API keys); a system that needs a key nobody configured is refused, with why."""
    urls = list(labels)
    sources = [SystemSource(gbfs_url=url, label=labels[url]) for url in urls]
    refused: dict[str, str] = {}
    try:
        entries = {entry.gbfs_url: entry for entry in user_catalog().entries}
    except (BikefinderError, OSError, ValueError):
        return sources, refused  # no catalog: plain requests still work for most systems
    for position, url in enumerate(urls):
        entry = entries.get(url)
        if entry is None:
            continue
        try:
            source = source_for_entry(entry, client_id=client_id)
        except BikefinderError as exc:
            refused[url] = str(exc)
            continue
        sources[position] = SystemSource(
            gbfs_url=url,
            label=source.label or labels[url],
            headers=source.headers,
            system_id=source.system_id,
            country=source.country,
        )
    return sources, refused


def fleet_for(
    options: Options,
    choice: Choice,
    *,
    clock: Callable[[], datetime] = utc_now,
    offload: Offload = run_inline,
    runtime: Runtime = ASYNCIO,
) -> Fleet:
    """The fleet of ``choice``, wired from the command line's settings (language, client
    id, feed size cap, refresh period, vehicles); ``clock`` and ``offload`` are the app's
    (its clock, its data thread); ``runtime``: how loads wait."""
    fleet = Fleet(
        choice.sources,
        language=options.language,
        client_id=options.client_id,
        max_bytes=options.max_feed_bytes,
        refresh_s=options.refresh_s,
        selection=selection_of(options),
        clock=clock,
        offload=offload,
        runtime=runtime,
    )
    for url, why in choice.refused.items():
        system = fleet.system(url)
        if system is not None:
            system.refused = why
    return fleet
