"""The command line: parse flags, load a system, then print (``--once``) or open the TUI.

Exit status: 0 success, 1 a feed or system problem, 2 a usage error. Every error is
one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bikefinder import __version__
from bikefinder.core.errors import BikefinderError, UsageError
from bikefinder.core.output import FORMATS

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
DEFAULT_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Options:
    """The validated command line."""

    near: tuple[float, float] | None
    system: str | None
    limit: int
    language: str | None
    client_id: str | None
    once: bool
    output_format: str
    refresh_s: float | None
    demo: bool
    favorites: bool = False
    watch_s: float | None = None
    list_systems: str | None = None
    update_catalog: bool = False
    notify_command: str | None = None


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and raises instead of exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "--near -33.45,-70.66" is a value, not an unknown option (Python 3.13's rule;
        # 3.11 only accepts plain negative numbers like "-33.45").
        self._negative_number_matcher = re.compile(r"-\.?\d")

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def parse_point(text: str) -> tuple[float, float]:
    """``"48.85,2.35"`` -> (48.85, 2.35), checking both ranges."""
    parts = text.replace(";", ",").split(",")
    if len(parts) != 2:
        raise UsageError(f"--near expects LAT,LON (e.g. 48.85,2.35), got {text!r}")
    try:
        lat, lon = (float(part.strip()) for part in parts)
    except ValueError:
        raise UsageError(f"--near expects two numbers LAT,LON, got {text!r}") from None
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise UsageError(f"--near latitude must be between -90 and 90, got {parts[0].strip()}")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise UsageError(f"--near longitude must be between -180 and 180, got {parts[1].strip()}")
    return lat, lon


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bikefinder",
        description="The nearest bike or free dock in any GBFS bike-share system.",
    )
    parser.add_argument(
        "--near",
        metavar="LAT,LON|PLACE",
        help='where you are: 48.85,2.35 or a place ("Gare de Lyon, Paris")',
    )
    parser.add_argument(
        "--system",
        metavar="NAME|URL",
        help="a system id, name or city (velib, Bergen, citybikes:bicing; see --list-systems) "
        "or a gbfs.json URL; default: the system covering --near",
    )
    parser.add_argument(
        "--limit",
        metavar="N",
        type=str,
        default=str(DEFAULT_LIMIT),
        help=f"how many stations to list (default {DEFAULT_LIMIT})",
    )
    parser.add_argument("--lang", metavar="L", help="feed language to prefer, e.g. en, fr, nb")
    parser.add_argument(
        "--client-id",
        metavar="ID",
        help="Client-Identifier header to send (default identifies bikefinder)",
    )
    parser.add_argument("--once", action="store_true", help="print the list and exit")
    parser.add_argument(
        "--format",
        dest="output_format",
        choices=FORMATS,
        default="table",
        help="output format with --once (default table)",
    )
    parser.add_argument(
        "--refresh",
        metavar="SECONDS",
        type=str,
        help="refresh interval in the app (default: the feed's ttl, within 5..60 s)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the bundled Vélib' snapshot instead of the network",
    )
    parser.add_argument(
        "--favorites",
        action="store_true",
        dest="favorites",
        help="your favourite stations (with --once: print them with live status; --near optional)",
    )
    parser.add_argument(
        "--watch",
        metavar="SECONDS",
        type=str,
        help="with --once --format json: print one JSON line every SECONDS until interrupted",
    )
    parser.add_argument(
        "--notify-command",
        metavar="CMD",
        help="in the app, run CMD (split like a shell, never run by one) when a watch (a) fires; "
        "the station is in BIKEFINDER_* environment variables",
    )
    parser.add_argument("--version", action="version", version=f"bikefinder {__version__}")
    from bikefinder.catalog_cli import add_catalog_arguments

    add_catalog_arguments(parser)
    return parser


def _positive_int(flag: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{flag} expects a whole number, got {text!r}") from None
    if value < 1:
        raise UsageError(f"{flag} must be at least 1, got {value}")
    return value


def _seconds(flag: str, text: str) -> float:
    """An interval flag: a number of seconds from 1 to 3600."""
    try:
        seconds = float(text)
    except ValueError:
        raise UsageError(f"{flag} expects seconds, got {text!r}") from None
    if not (math.isfinite(seconds) and 1 <= seconds <= 3600):
        raise UsageError(f"{flag} must be between 1 and 3600 seconds, got {text}")
    return seconds


def parse_options(argv: Sequence[str] | None) -> Options:
    args = build_parser().parse_args(argv)
    from bikefinder.catalog_cli import apply_config_defaults, parse_near
    from bikefinder.core.http import check_client_id

    apply_config_defaults(args)
    check_client_id(args.client_id)  # before any UI starts: a header value must be ASCII
    refresh_s = _seconds("--refresh", args.refresh) if args.refresh is not None else None
    watch_s = _seconds("--watch", args.watch) if args.watch is not None else None
    if watch_s is not None and not (args.once and args.output_format == "json"):
        raise UsageError("--watch needs --once --format json")
    if args.notify_command is not None:
        _check_notify_command(args.notify_command, args.once)
    return Options(
        near=parse_near(args.near) if args.near is not None else None,
        system=args.system,
        limit=_positive_int("--limit", args.limit),
        language=args.lang,
        client_id=args.client_id,
        once=args.once,
        output_format=args.output_format,
        refresh_s=refresh_s,
        demo=args.demo,
        favorites=args.favorites,
        watch_s=watch_s,
        list_systems=args.list_systems,
        update_catalog=args.update_catalog,
        notify_command=args.notify_command,
    )


def _check_notify_command(command: str, once: bool) -> None:
    from bikefinder.core.alerts import parse_command

    if once:
        raise UsageError("--notify-command is for the app (watches), not --once")
    try:
        parse_command(command)
    except ValueError as exc:
        raise UsageError(f"--notify-command: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bikefinder`` console script."""
    options: Options | None = None
    try:
        options = parse_options(argv)
        if options.update_catalog or options.list_systems is not None:
            from bikefinder.catalog_cli import run_catalog_command

            return run_catalog_command(options)
        if options.once and options.favorites:
            from bikefinder.favourites_once import run_favourites_once

            return asyncio.run(run_favourites_once(options))
        if options.once:
            from bikefinder.once import run_once

            return asyncio.run(run_once(options))
        from bikefinder.ui.app import run_app

        return run_app(options)
    except UsageError as exc:
        print(f"bikefinder: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BikefinderError as exc:
        print(f"bikefinder: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        # Ctrl-C is how --watch is meant to end; anywhere else it is an interruption.
        return EXIT_OK if options is not None and options.watch_s is not None else 130
