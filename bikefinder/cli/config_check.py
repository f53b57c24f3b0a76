"""``bikefinder --config-check``: what config.toml sets, checked, with secrets hidden.

Prints the config file's path, the effective settings and where each comes from (flag,
config or default), the header names per system with their values hidden, the files
bikefinder uses and the ``BIKEFINDER_*`` variables set. Exit 0 when the file is fine
(or absent), 2 when it has a problem: each problem is one line on stderr. Every text
shown is cleaned (no control, escape or bidi character from the file or environment)
and every URL shown has its credentials (``user:password@``) masked.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from bikefinder.common.errors import UsageError
from bikefinder.common.text import clean
from bikefinder.systems.config import (
    CONFIG_ENV,
    DEFAULT_MAX_FEED_MB,
    SPEEDS,
    Config,
    load_config,
    masked,
)

EXIT_OK, EXIT_PROBLEM = 0, 2
#: ``scheme://user:password@`` in any text: the part a report never shows.
_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s]*@")


def shown(text: object, limit: int = 300) -> str:
    """``text`` as the report prints it: cleaned, with URL credentials masked."""
    return _CREDENTIALS.sub(r"\1***@", clean(str(text), limit))


def run_config_check(args: argparse.Namespace) -> int:
    """Print the report on stdout, problems on stderr; the exit status."""
    from bikefinder.common import debuglog, paths
    from bikefinder.systems.config import config_path

    path = config_path()
    state = "" if path.is_file() else " (not found: defaults apply)"
    if path.exists() and not path.is_file():
        state = " (not a regular file)"
    lines = [f"config file: {shown(path)}{state}"]
    try:
        config = load_config(path)
    except UsageError as exc:
        print("\n".join(lines))
        print(f"bikefinder: error: {shown(exc, 500)}", file=sys.stderr)
        return EXIT_PROBLEM
    lines.append(_setting("system", args.system, config.system, "none: chosen from --near"))
    lines.append(_setting("client_id", args.client_id, config.client_id, _default_client_id()))
    lines.append(_near_setting(args.near, config))
    limit = f"{config.max_feed_mb} MB (config)" if config.max_feed_mb else None
    lines.append(f"max_feed_mb: {limit or f'{DEFAULT_MAX_FEED_MB} MB (default)'}")
    for key, (default, _bounds) in SPEEDS.items():
        speed = getattr(config, key)
        pace = f"{speed:g} km/h (config)" if speed else f"{default:g} km/h (default)"
        lines.append(f"{key}: {pace}")
    units_default = "auto: the system's country's (imperial in the US and UK)"
    lines.append(_setting("units", getattr(args, "units", None), config.units, units_default))
    lines.append(_ui_language_setting(config))
    if config.places:
        lines.append("places:")
        lines.extend(
            f"  {shown(name, 80)} = {_place_value(value)}" for name, value in config.places.items()
        )
    else:
        lines.append("places: none")
    if config.headers:
        for system_id, headers in config.headers.items():
            lines.append(f"headers for {shown(system_id, 80)}:")
            lines.extend(
                f"  {shown(name, 80)} = {masked(value)}" for name, value in headers.items()
            )
    else:
        lines.append("headers: none")
    debugging = bool(args.debug) or debuglog.requested()
    lines += [
        f"favourites: {shown(paths.favourites_path())}",
        f"cache: {shown(paths.cache_dir())}",
        f"debug log: {shown(paths.debug_log_path())} ({'on' if debugging else 'off'})",
    ]
    variables = sorted(name for name in os.environ if name.startswith("BIKEFINDER_"))
    lines.append(
        "environment: "
        + (
            ", ".join(f"{shown(name, 80)}={shown(os.environ[name])}" for name in variables)
            or "none"
        )
    )
    if CONFIG_ENV in os.environ:
        lines.append(f"  ({CONFIG_ENV} chooses the config file)")
    print("\n".join(lines))
    for warning in config.warnings:
        print(f"bikefinder: warning: {shown(warning, 500)}", file=sys.stderr)
    if config.warnings:
        print(f"bikefinder: {len(config.warnings)} problem(s) in {path}", file=sys.stderr)
        return EXIT_PROBLEM
    return EXIT_OK


def _setting(key: str, flag: str | None, configured: str | None, default: str) -> str:
    """``system: velib (config)``: the value that wins and where it comes from."""
    if flag is not None:
        return f"{key}: {shown(flag)} (flag)"
    if configured is not None:
        return f"{key}: {shown(configured)} (config)"
    return f"{key}: {shown(default)} (default)"


def _near_setting(flag: str | None, config: Config) -> str:
    """``near: home (config) = 48.8530,2.3499``: the default point and what it names."""
    line = _setting("near", flag, config.near, "none: give --near")
    named = config.place(flag or config.near or "")
    return line + (f" = {_place_value(named[1])}" if named else "")


def _ui_language_setting(config: Config) -> str:
    """``ui_language: fr (LANG=fr_FR.UTF-8)``: the app's language and what chose it."""
    from bikefinder.common.i18n import language_from_environment

    if config.ui_language:
        return f"ui_language: {config.ui_language} (config)"
    chosen = language_from_environment(os.environ)
    if chosen:
        language, variable = chosen
        return f"ui_language: {language} ({variable}={shown(os.environ[variable], 80)})"
    return "ui_language: en (default)"


def _place_value(value: str) -> str:
    from bikefinder.systems.geocode import is_place_name

    return shown(value) + (" (a place, looked up when used)" if is_place_name(value) else "")


def _default_client_id() -> str:
    from bikefinder.feeds.http import DEFAULT_CLIENT_ID

    return DEFAULT_CLIENT_ID
