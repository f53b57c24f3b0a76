"""``bikefinder --list-systems [QUERY]`` and ``bikefinder --update-catalog``.

``--list-systems`` prints the catalog entries matching QUERY (every word must prefix a
word of the id, name, alias or location, or be its country code; no QUERY lists all)
as a table, JSON or CSV; exit 2 when nothing matches (a usage-level answer, like an
unknown ``--system``). ``--update-catalog`` refreshes the catalog in the user cache with
progress on stderr; on failure the previous catalog stays as it was.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from bikefinder.cli.terminal import terminal_width
from bikefinder.common.errors import BikefinderError
from bikefinder.common.text import clean
from bikefinder.rider.text_formats import csv_text, dumps_terminal_safe, text_table

if TYPE_CHECKING:
    from bikefinder.common.phrases import Phrase
    from bikefinder.options import Options
    from bikefinder.systems.config import Config
    from bikefinder.systems.entries import CatalogEntry

#: Carriage return plus "erase line": the progress line is rewritten in place.
CLEAR_LINE = "\r\x1b[2K"
LIST_COLUMNS = ("id", "name", "location", "country", "versions", "gbfs_url")


def add_catalog_arguments(parser: argparse.ArgumentParser) -> None:
    """The catalog flags, for :func:`bikefinder.cli.main.build_parser`."""
    parser.add_argument(
        "--list-systems",
        nargs="?",
        const="",
        metavar="QUERY",
        help="list the known systems (matching QUERY) with their ids and feed URLs; "
        "--format table|json|csv",
    )
    parser.add_argument(
        "--update-catalog",
        action="store_true",
        help="refresh the system catalog from MobilityData and Citybikes (needs network)",
    )


def apply_config_defaults(args: argparse.Namespace) -> None:
    """Fill ``--system``, ``--client-id``, ``--units`` and ``--near`` from config.toml
    where the flags are absent (``near`` only for what ranks stations: not the demo or
    the catalog)."""
    from bikefinder.systems.config import load_config

    config = load_config()
    # The demo has its own system, and --favorites spans every system.
    spans_systems = getattr(args, "demo", False) or getattr(args, "favorites", False)
    if args.system is None and not spans_systems:
        args.system = config.system
    if args.client_id is None:
        args.client_id = config.client_id
    if getattr(args, "units", None) is None:
        args.units = config.units
    catalog_only = getattr(args, "list_systems", None) is not None or getattr(
        args, "update_catalog", False
    )
    args.near_from_config = False
    if args.near is None and config.near and not getattr(args, "demo", False) and not catalog_only:
        args.near = config.near
        args.near_from_config = True


def parse_near(
    text: str,
    config: Config | None = None,
    *,
    system: str | None = None,
    demo: bool = False,
    notes: list[str | Phrase] | None = None,
    flag: str = "--near",
) -> tuple[float, float]:
    """``--near``: ``LAT,LON``; a name from config.toml's ``[places]``; or a place,
    looked up with Nominatim (cached). A place that cannot be looked up (offline, not
    found) may still be a station's name in cached or demo data ("Gare de Lyon" -> the
    station "Gare de Lyon - Chalon"): that station's point, with a note for the rider
    (added to ``notes``, which the app and the printed commands show; on stderr if
    ``None``). ``flag``: the option the note names."""
    from bikefinder.systems.geocode import is_place_name

    if not is_place_name(text):
        from bikefinder.systems.points import parse_point

        return parse_point(text)
    if config is None:
        from bikefinder.systems.config import load_config

        config = load_config()
    named = config.place(text)
    if named is not None:
        _, value = named
        if not is_place_name(value):
            from bikefinder.systems.points import parse_point

            return parse_point(value)  # checked when the file was read
        text = value
    point, note = _look_up_place(text, system=system, demo=demo, flag=flag)
    if note is not None:
        if notes is None:
            print(f"bikefinder: note: {note}", file=sys.stderr)
        else:
            notes.append(note)
    return point


def _look_up_place(
    text: str, *, system: str | None, demo: bool, flag: str
) -> tuple[tuple[float, float], Phrase | None]:
    """Nominatim (cached), else a station of that name in data on this machine (with
    the note saying so)."""
    from bikefinder.common.errors import UsageError
    from bikefinder.systems.geocode import (
        all_cached_stations,
        default_cache_path,
        demo_stations,
        geocode_place,
        station_place,
    )

    try:
        return geocode_place(text, cache_path=default_cache_path()).point, None
    except UsageError as exc:
        failure = exc
    demo_source = demo_stations()
    sources = [demo_source] if demo else []
    sources += all_cached_stations(None if demo else _system_url(system))
    if not demo:
        sources.append(demo_source)
    found = station_place(text, sources)
    if found is None:
        raise UsageError(
            f"{failure} (and no station in cached or demo data is named like it; "
            "names for places go under [places] in config.toml)"
        ) from None
    from bikefinder.common.phrases import phrase

    values = {
        "flag": flag,
        "place": repr(clean(text, 80)),
        "station": repr(clean(found.station, 80)),
        "system": clean(found.system, 80),
    }
    if found.matches > 1:
        note = phrase("{flag} {place} could not be looked up; using the station {station} "
                      "({system}, the one nearest the middle of {matches})",
                      matches=found.matches, **values)  # fmt: skip
    else:
        note = phrase("{flag} {place} could not be looked up; using the station {station} "
                      "({system})", **values)  # fmt: skip
    return found.point, note


def _system_url(system: str | None) -> str | None:
    """The gbfs.json URL ``--system`` names, if the catalog resolves it offline."""
    if system is None:
        return None
    from bikefinder.systems.source import is_url, user_catalog

    if is_url(system):
        return system.strip()
    try:
        return user_catalog().resolve(system).gbfs_url
    except (BikefinderError, OSError, ValueError):
        return None


def run_catalog_command(options: Options) -> int:
    """``--update-catalog`` (then ``--list-systems`` too, if also given)."""
    if options.update_catalog:
        code = run_update_catalog(options.client_id)
        if options.list_systems is None:
            return code
    return run_list_systems(options.list_systems or "", options.output_format)


def entry_record(entry: CatalogEntry) -> dict[str, Any]:
    """One entry as ``--list-systems --format json`` spells it."""
    return {
        "id": entry.system_id,
        "name": entry.name,
        "location": entry.location,
        "country": entry.country,
        "versions": list(entry.versions),
        "gbfs_url": entry.gbfs_url,
        "source": entry.source,
        "required_headers": list(entry.required_headers),
        "centre": list(entry.centre) if entry.centre else None,
    }


def format_entries(entries: Sequence[CatalogEntry], output_format: str) -> str:
    if output_format == "json":
        return dumps_terminal_safe([entry_record(entry) for entry in entries])
    if output_format == "csv":
        records = (
            dict(zip(LIST_COLUMNS, (clean(cell, 500) for cell in _cells(entry, " ")), strict=True))
            for entry in entries
        )
        return csv_text(LIST_COLUMNS, records)  # formula cells neutralised, as in --once
    return _table(entries)


def _cells(entry: CatalogEntry, version_separator: str = ",") -> tuple[str, ...]:
    return (
        entry.system_id,
        entry.name,
        entry.location,
        entry.country,
        version_separator.join(entry.versions),
        entry.gbfs_url,
    )


def _table(entries: Sequence[CatalogEntry]) -> str:
    """The systems, one per line; cut to the terminal's width when printed on one."""
    headings = ("ID", "Name", "Location", "CC", "GBFS", "Auto-discovery URL")
    limits = (32, 36, 28, 2, 16, 300)
    rows = [
        tuple(clean(cell, limit) for cell, limit in zip(_cells(entry), limits, strict=True))
        for entry in entries
    ]
    # To fit a terminal, the URL goes first (--format csv or a pipe has it), then GBFS.
    lines = text_table([headings, *rows], [False] * len(headings), terminal_width(), (5, 4))
    lines.append(f"({len(rows):,} system{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


#: ``--list-systems QUERY`` matching nothing: the same status as an unknown ``--system``.
NOTHING_MATCHES_STATUS = 2


def run_list_systems(query: str, output_format: str = "table", out: TextIO | None = None) -> int:
    """Print the matching entries; 0, or 2 when nothing matches (JSON still prints ``[]``)."""
    from bikefinder.systems.source import user_catalog

    out = out or sys.stdout
    catalog = user_catalog()
    for warning in catalog.warnings:
        print(f"bikefinder: warning: {warning}", file=sys.stderr)
    entries = catalog.search(query)
    if output_format == "json":  # the only format that shows centres: the town's if need be
        entries = [catalog.located(entry) for entry in entries]
    if not entries and output_format != "json":
        print(f"bikefinder: no system in the catalog matches {query!r}", file=sys.stderr)
        return NOTHING_MATCHES_STATUS
    text = format_entries(entries, output_format)
    out.write(text if text.endswith("\n") else text + "\n")
    return 0 if entries else NOTHING_MATCHES_STATUS


def run_update_catalog(client_id: str | None = None) -> int:
    """Refresh the catalog into the user cache; raises a one-line error on failure."""
    from bikefinder.common.paths import cache_dir
    from bikefinder.feeds.http import make_http_client
    from bikefinder.systems.catalog_update import CatalogUpdateError, update_catalog

    interactive = sys.stderr.isatty()

    def progress(message: str) -> None:
        """One status line rewritten in place; nothing when stderr is not a terminal."""
        if interactive:
            sys.stderr.write(f"{CLEAR_LINE}Updating the catalog {message}")
            sys.stderr.flush()

    async def update() -> Any:
        async with make_http_client(client_id) as http:
            return await update_catalog(http, cache_dir(), progress=progress)

    try:
        import asyncio  # only here: --help and the other commands need no asyncio

        result = asyncio.run(update())
    except CatalogUpdateError as exc:
        if interactive:
            sys.stderr.write(CLEAR_LINE)
        raise BikefinderError(
            f"cannot update the catalog: {exc}; the current catalog is unchanged"
        ) from None
    if interactive:
        sys.stderr.write(CLEAR_LINE)
    print(
        f"Catalog updated: {result.systems:,} systems from systems.csv, "
        f"{result.citybikes_networks:,} Citybikes networks "
        f"({result.with_coordinates:,} with coordinates), in {result.folder}"
    )
    return 0
