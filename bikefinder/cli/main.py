"""The command line: parse flags, load a system, then print (``--once``) or open the TUI.

Exit status: 0 success, 1 a feed or system problem, 2 a usage error. Every error is
one line on stderr, never a traceback. ``--help``, ``--version`` and ``--completion``
import neither asyncio nor httpx (they answer before anything is loaded).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bikefinder.common.errors import BikefinderError, UsageError
from bikefinder.common.phrases import Phrase
from bikefinder.common.units import UNITS_CHOICES, units_named
from bikefinder.options import Options
from bikefinder.rider.mode_rows import DEFAULT_LIMIT, DEFAULT_TRIP_LIMIT, FORMATS, MODES

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
#: The shells ``--completion`` writes a script for (defined here: the parser needs the
#: names on every run, the generator in bikefinder.cli.completion only for --completion).
SHELLS = ("bash", "zsh", "fish")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and raises instead of exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "--near -33.45,-70.66" is a value, not an unknown option (Python 3.13's rule;
        # 3.11 only accepts plain negative numbers like "-33.45").
        self._negative_number_matcher = re.compile(r"-\.?\d")

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


class _SystemsAction(argparse.Action):
    """``--system`` may be given several times: the first is also ``system``, all
    of them are ``systems``."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, values: Any,
                 option_string: str | None = None) -> None:  # fmt: skip
        given = [*(getattr(namespace, "systems", None) or []), values]
        namespace.systems = given
        if len(given) == 1:
            namespace.system = values


class _VersionAction(argparse.Action):
    """``--version``: bikefinder, Python, textual, httpx and the platform, then exit 0."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from bikefinder.common.about import version_report

        print(version_report())
        parser.exit()


class _CompletionAction(argparse.Action):
    """``--completion SHELL``: print the completion script generated from this parser."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: Any, values: Any, *args: Any
    ) -> None:
        from bikefinder.cli.completion import script

        sys.stdout.write(script(parser, str(values)))
        parser.exit()


HELP_EXAMPLES = """\
examples:
  bikefinder --demo                            the app on a bundled Vélib' snapshot (offline)
  bikefinder --near 48.85,2.35                 the app, system chosen from where you are
  bikefinder --near "Gare de Lyon, Paris"      a place, looked up with Nominatim
  bikefinder --system velib --near 48.85,2.35 --once --format json
  bikefinder --favorites --once                your favourites with live status
  bikefinder --near home --once --mode dock --format line   a status bar: [places] in config
  bikefinder --list-systems bergen             find a system's id
  bikefinder --config-check                    what config.toml sets, checked
  bikefinder --near 48.85,2.35 --debug         log requests to {log}
"""

HELP_FILES = """\
files:
  config      {config}
              (system = "velib", near = "home", [places] home = "48.85,2.35",
              max_feed_mb = 64, [headers."<system-id>"] ...; see README)
  favourites  {favourites}
  cache       {cache}
  debug log   {log}

environment:
  BIKEFINDER_CONFIG        another config file
  BIKEFINDER_DEBUG=1       same as --debug
  BIKEFINDER_HTTP_TIMEOUT  network timeout in seconds (default 10)
  XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME, XDG_STATE_HOME  move the files above
  --notify-command gets BIKEFINDER_STATION_ID, _NAME, _BIKES, _MECHANICAL, _ELECTRIC,
  _DOCKS, _KIND, _THRESHOLD, BIKEFINDER_SYSTEM and BIKEFINDER_MESSAGE

exit status:
  0 success; 1 a feed or system could not be fetched or understood; 2 a usage error
  (bad flag, bad value, bad config file). Problems are one line on stderr.

Reporting a problem: run the same command with --debug and attach the log.
"""


def help_epilog() -> str:
    """Examples, this machine's file locations, environment and exit codes for ``--help``."""
    from bikefinder.common import paths
    from bikefinder.systems.config import config_path

    log = paths.debug_log_path()
    where = {
        "config": config_path(),
        "favourites": paths.favourites_path(),
        "cache": paths.cache_dir(),
        "log": log,
    }
    return HELP_EXAMPLES.format(log=log) + "\n" + HELP_FILES.format(**where)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bikefinder",
        description="The nearest bike or free dock in any GBFS bike-share system.",
        epilog=help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--near",
        metavar="LAT,LON|PLACE",
        help='where you are: 48.85,2.35 or a place ("Gare de Lyon, Paris")',
    )
    parser.add_argument(
        "--to",
        metavar="LAT,LON|PLACE",
        help="the best trips from --near to here (walk, ride, walk): the app opens on them, "
        "as --near accepts it: 48.86,2.36, a [places] name or a place",
    )
    parser.add_argument(
        "--system",
        metavar="NAME|URL",
        action=_SystemsAction,
        help="a system id, name or city (velib, Bergen, citybikes:bicing; see --list-systems) "
        "or a gbfs.json URL; default: the system covering --near",
    )
    parser.add_argument(
        "--limit",
        metavar="N",
        type=str,
        default=None,
        help=f"how many stations to list (default: as many as fit the screen; {DEFAULT_LIMIT} "
        f"with --once; {DEFAULT_TRIP_LIMIT} trips with --once --to)",
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
        default=None,  # "table", but one given without --once is refused
        help="output format with --once (default table; line: one line for status bars)",
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        help="what you look for (any bike, an e-bike, a free dock; the app starts in it, m "
        "switches); rows that cannot serve it are unranked, with the reason",
    )
    parser.add_argument(
        "--min",
        dest="min_count",
        metavar="N",
        type=str,
        help="a row with fewer than N bikes (e-bikes, free docks in that --mode) is no "
        "option: listed unranked, with the reason",
    )
    parser.add_argument(
        "--max-systems",
        metavar="N",
        type=str,
        help="with --once and --near but no --system: load every system covering the point "
        "(stations and free-floating operators), the N nearest (default 6)",
    )
    parser.add_argument(
        "--vehicles",
        choices=("none", "bikes", "all"),
        help="with --once: free-floating vehicles listed with the stations, of several "
        "systems at once: none, bikes (bikes and cargo bikes) or all (scooters, mopeds, cars)",
    )
    parser.add_argument(
        "--units",
        choices=UNITS_CHOICES,
        help="distances in metric (m, km) or imperial (ft, mi) units; default auto: the "
        "system's country's (imperial in the US and UK); JSON and CSV stay in metres",
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
        help="with --once --format json or line: print one line every SECONDS until interrupted",
    )
    parser.add_argument(
        "--notify-command",
        metavar="CMD",
        help="in the app, run CMD (split like a shell, never run by one) when a watch (a) fires; "
        "the station is in BIKEFINDER_* environment variables",
    )
    parser.add_argument(
        "--serve",
        metavar="[HOST:]PORT",
        help="serve the app to a web browser (the web extra): 127.0.0.1 unless HOST says "
        "otherwise; open the printed URL, which holds a secret token",
    )
    from bikefinder.cli.catalog import add_catalog_arguments

    add_catalog_arguments(parser)
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log requests, decisions and errors to the debug log (see files below; "
        "also BIKEFINDER_DEBUG=1)",
    )
    parser.add_argument(
        "--config-check",
        action="store_true",
        help="check config.toml and print the effective settings (secrets hidden); "
        "exit 0 if it is fine, 2 if not",
    )
    parser.add_argument(
        "--completion",
        action=_CompletionAction,
        choices=SHELLS,
        metavar="SHELL",
        help="print a completion script for bash, zsh or fish (see README)",
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        nargs=0,
        help="show the versions of bikefinder, Python, textual, httpx and the platform",
    )
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
    """The validated command line, with config.toml's defaults applied."""
    return options_from_args(build_parser().parse_args(argv))


def options_from_args(args: argparse.Namespace) -> Options:
    """Check the parsed flags and fill in config.toml's defaults."""
    from bikefinder.cli.catalog import apply_config_defaults, parse_near

    apply_config_defaults(args)
    explicit_format, args.output_format = args.output_format, args.output_format or "table"
    _check_client_id(args.client_id)  # before any UI starts: a header value must be ASCII
    refresh_s = _seconds("--refresh", args.refresh) if args.refresh is not None else None
    watch_s = _seconds("--watch", args.watch) if args.watch is not None else None
    if watch_s is not None and not (args.once and args.output_format in ("json", "line")):
        raise UsageError("--watch needs --once --format json or --format line")
    if watch_s is not None and args.favorites:
        raise UsageError("--watch works with --once, not with --favorites")
    min_count = _positive_int("--min", args.min_count) if args.min_count is not None else None
    if args.output_format == "line" and not args.once:
        raise UsageError("--format line goes with --once")
    _check_app_flags(args, explicit_format)
    if args.notify_command is not None:
        _check_notify_command(args.notify_command, args.once)
    place_notes: list[str | Phrase] = []
    return Options(
        near=_near(args, parse_near, place_notes),
        system=args.system,
        limit=_positive_int("--limit", args.limit) if args.limit is not None else None,
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
        debug=bool(getattr(args, "debug", False)),
        systems=tuple(getattr(args, "systems", None) or ()),
        max_systems=(
            _positive_int("--max-systems", args.max_systems)
            if getattr(args, "max_systems", None) is not None
            else None
        ),
        vehicles=getattr(args, "vehicles", None),
        mode=args.mode,
        min_count=min_count,
        max_feed_bytes=_max_feed_bytes(),
        walking_speed_kmh=_speed_kmh("walking_speed_kmh"),
        riding_speed_kmh=_speed_kmh("riding_speed_kmh"),
        ebike_speed_kmh=_speed_kmh("ebike_speed_kmh"),
        to=_to(args, parse_near, place_notes),
        to_label=" ".join(args.to.split()) if getattr(args, "to", None) else None,
        near_label=_near_label(args.near),
        units=units_named(args.units) if getattr(args, "units", None) else None,
        place_notes=tuple(place_notes),
    )


def _near_label(near: str | None) -> str | None:
    """``--near`` as given when it names a place (coordinates say nothing more)."""
    from bikefinder.systems.geocode import is_place_name

    return " ".join(near.split()) if near and is_place_name(near) else None


def _near(
    args: argparse.Namespace,
    parse_near: Callable[..., tuple[float, float]],
    notes: list[str | Phrase],
) -> tuple[float, float] | None:
    """``--near`` (or config.toml's ``near``) as a point; a bad configured one says so;
    how a name was resolved goes to ``notes``."""
    if args.near is None:
        return None
    try:
        return parse_near(args.near, system=args.system, demo=args.demo, notes=notes)
    except UsageError as exc:
        if not getattr(args, "near_from_config", False):
            raise
        from bikefinder.systems.config import config_path

        raise UsageError(f"{exc} (from near = {args.near!r} in {config_path()})") from None


def _to(
    args: argparse.Namespace,
    parse_near: Callable[..., tuple[float, float]],
    notes: list[str | Phrase],
) -> tuple[float, float] | None:
    """``--to``, resolved exactly as ``--near`` is: the app opens on the trip list,
    ``--once`` prints the trips."""
    to = getattr(args, "to", None)
    if to is None:
        return None
    if args.favorites:
        raise UsageError("--to plans trips from --near; it does not go with --favorites")
    if args.mode == "dock":
        raise UsageError("--to plans a ride: --mode bike or ebike, not dock")
    if args.min_count is not None:
        raise UsageError("--min goes with a list of stations, not with --to")
    try:
        return parse_near(to, system=args.system, demo=args.demo, notes=notes, flag="--to")
    except UsageError as exc:
        raise UsageError(str(exc).replace("--near", "--to")) from None


def _max_feed_bytes() -> int:
    from bikefinder.systems.config import configured_max_feed_bytes

    return configured_max_feed_bytes()


def _speed_kmh(key: str) -> float:
    from bikefinder.systems.config import configured_speed_kmh

    return configured_speed_kmh(key)


def _check_client_id(client_id: str | None) -> None:
    """--client-id is sent as a header: printable ASCII only; the bad value is not echoed."""
    if client_id is not None and not (client_id and all(" " <= c <= "~" for c in client_id)):
        raise UsageError("--client-id must be printable ASCII text (value not shown)")


def _check_app_flags(args: argparse.Namespace, explicit_format: str | None) -> None:
    """Refuse flags the app would silently ignore (--format) or must not honour when served."""
    printing = args.once or args.list_systems is not None or args.update_catalog
    if explicit_format is not None and not printing:
        raise UsageError(f"--format {explicit_format} goes with --once or --list-systems")
    serving = getattr(args, "serve", None) is not None
    if serving and args.once:
        raise UsageError("--serve opens the app in a browser; --once prints instead")
    if args.notify_command is not None:
        from bikefinder.cli.serve import served  # here: only --notify-command asks (subprocess)

        if serving or served():
            raise UsageError("--notify-command is never run from a served app")


def _check_notify_command(command: str, once: bool) -> None:
    from bikefinder.rider.watches import parse_command

    if once:
        raise UsageError("--notify-command is for the app (watches), not --once")
    try:
        parse_command(command)
    except ValueError as exc:
        raise UsageError(f"--notify-command: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bikefinder`` console script."""
    options: Options | None = None
    log_path: Path | None = None
    code = EXIT_FAILURE
    _escape_unencodable_output()
    try:
        args = build_parser().parse_args(argv)
        log_path = _start_debug_log(args, argv)
        if args.config_check:
            from bikefinder.cli.config_check import run_config_check

            code = run_config_check(args)
            return code
        options = options_from_args(args)
        _warn_about_config()
        if args.serve is not None:
            from bikefinder.cli.serve import run_serve

            code = run_serve(args.serve, sys.argv[1:] if argv is None else argv)
            return code
        code = _run(options)
    except UsageError as exc:
        _log_failure(log_path, exc)
        print(f"bikefinder: error: {exc}", file=sys.stderr)
        code = EXIT_USAGE
    except BikefinderError as exc:
        _log_failure(log_path, exc)
        print(f"bikefinder: {exc}", file=sys.stderr)
        code = EXIT_FAILURE
    except KeyboardInterrupt:
        # Ctrl-C is how --watch is meant to end; anywhere else it is an interruption.
        code = EXIT_OK if options is not None and options.watch_s is not None else 130
    except BaseException as exc:
        if not isinstance(exc, SystemExit):
            _log_failure(log_path, exc)
        raise
    finally:
        if log_path is not None:
            from bikefinder.common import debuglog

            failure = debuglog.stop()
            if failure is not None:
                print(
                    f"bikefinder: warning: the debug log stopped early ({failure}); "
                    "the run went on without it",
                    file=sys.stderr,
                )
            if code != EXIT_OK or (options is not None and _opens_app(options)):
                print(f"bikefinder: debug log: {log_path}", file=sys.stderr)
    if argv is None and options is not None and options.once and options.watch_s is None:
        from bikefinder.cli.once import end_process

        end_process(code)  # this process is the command: it may end without teardown
    return code


def _escape_unencodable_output() -> None:
    """Where stdout or stderr cannot encode every character (``PYTHONIOENCODING=ascii``, a
    legacy code page), write the others as ``\\uXXXX`` instead of failing with a
    ``UnicodeEncodeError`` traceback: readable in a table, still valid (and exact) JSON."""
    from bikefinder.common.text import ESCAPE_ERRORS, register_escape_errors

    register_escape_errors()
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if encoding.startswith("utf") or not hasattr(stream, "reconfigure"):
            continue  # UTF-8/16/32 encode everything (lone surrogates are cleaned earlier)
        stream.reconfigure(errors=ESCAPE_ERRORS)


def _run(options: Options) -> int:
    """Dispatch a validated command line to the catalog, ``--once`` or the app."""
    if options.update_catalog or options.list_systems is not None:
        from bikefinder.cli.catalog import run_catalog_command

        return run_catalog_command(options)
    if options.once:
        from bikefinder.cli.once import run_once

        return run_once(options)
    _choose_ui_language()
    from bikefinder.ui.start import build_app

    app = build_app(options)  # its usage errors (no --near ...) come first
    _check_terminal()
    app.run()
    return app.return_code or 0


def _choose_ui_language() -> None:
    """The app's language (config.toml's ``ui_language``, else the locale), set before the
    UI's modules are imported: their footer keys are translated as they are defined."""
    from bikefinder.common import i18n
    from bikefinder.systems.config import load_config

    try:
        configured = load_config().ui_language
    except UsageError:
        configured = None  # reported on its own
    i18n.use_language(i18n.choose_language(configured, os.environ))


def _check_terminal() -> None:
    """The app draws on stderr and is read on stdout's terminal: with either redirected it
    would write escape codes into a file and wait, so it does not start (served apps draw
    through textual-serve's pipes instead)."""
    from bikefinder.cli.serve import served

    streams = (sys.__stdout__, sys.__stderr__)
    if not served() and not all(stream is not None and stream.isatty() for stream in streams):
        raise UsageError(
            "the app needs a terminal (stdout or stderr is redirected); "
            "use --once to print the list instead"
        )


def _opens_app(options: Options) -> bool:
    return not (options.once or options.update_catalog or options.list_systems is not None)


def _warn_about_config() -> None:
    """One stderr line per ignored key or value in config.toml (read once more: cheap)."""
    from bikefinder.systems.config import load_config

    for warning in load_config().warnings:
        print(f"bikefinder: warning: {warning}", file=sys.stderr)


def _start_debug_log(args: argparse.Namespace, argv: Sequence[str] | None) -> Path | None:
    """Open the debug log if ``--debug`` or ``BIKEFINDER_DEBUG`` asks; its path or None.

    Either way, records of ``bikefinder.*`` loggers never reach stderr (the TUI owns it):
    :mod:`bikefinder.common.logs` drops them, or gives their logger a handler that does.
    """
    # debuglog (with logging.handlers, socket, pickle) only when a log may be asked for.
    if not (args.debug or os.environ.get("BIKEFINDER_DEBUG", "").strip()):
        return None
    from bikefinder.common import debuglog

    if not (args.debug or debuglog.requested()):
        return None
    args.debug = True
    from bikefinder.common.paths import debug_log_path

    path = debug_log_path()
    try:
        return debuglog.start(path, _config_secrets(), argv, _client_ids(args))
    except OSError as exc:
        print(f"bikefinder: warning: cannot write the debug log {path}: {exc}", file=sys.stderr)
        return None


def _config_secrets() -> list[str]:
    """The header values config.toml holds: the debug log replaces them with ***."""
    from bikefinder.systems.config import load_config

    try:
        config = load_config()
    except UsageError:
        return []  # the run stops on the same error before any request is made
    return [value for headers in config.headers.values() for value in headers.values()]


def _client_ids(args: argparse.Namespace) -> list[str]:
    """The Client-Identifier values the rider chose (flag, config.toml): the debug log
    shows each by its first characters only."""
    from bikefinder.systems.config import load_config

    chosen = [args.client_id] if args.client_id else []
    try:
        configured = load_config().client_id
    except UsageError:
        configured = None
    return chosen + ([configured] if configured else [])


def _log_failure(log_path: Path | None, exc: BaseException) -> None:
    """The failure and its traceback, into the debug log (if there is one)."""
    if log_path is not None:
        import logging

        logging.getLogger("bikefinder.cli").error("failed: %s", exc, exc_info=exc)
