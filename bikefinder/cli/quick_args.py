"""The common command lines read without building argparse's parser.

Building the parser (every flag and its help, argparse's message catalogue looked up
through ``locale`` and ``gettext``) costs milliseconds a printed answer waits for. A
command line made only of the flags below, each given once as ``--flag`` or ``--flag
VALUE`` with a value that does not start with ``-`` and is one of the flag's choices,
reads to exactly the namespace the parser would give; anything else (help, an
abbreviation, ``--flag=VALUE``, a repeated flag, a bad choice, a negative coordinate)
returns ``None`` and goes through the parser, with its messages.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bikefinder.common.units import UNITS_CHOICES

#: Every destination of the parser with its default, as ``parse_args`` leaves it when
#: the flag is absent (``systems`` is set only by ``--system``).
DEFAULTS: dict[str, object] = {
    "near": None,
    "to": None,
    "system": None,
    "limit": None,
    "lang": None,
    "client_id": None,
    "once": False,
    "output_format": None,
    "mode": None,
    "min_count": None,
    "max_systems": None,
    "vehicles": None,
    "units": None,
    "refresh": None,
    "demo": False,
    "favorites": False,
    "watch": None,
    "notify_command": None,
    "serve": None,
    "list_systems": None,
    "update_catalog": False,
    "debug": False,
    "config_check": False,
    "completion": None,
    "version": None,
}

#: Switches the quick reading knows: flag -> destination.
SWITCHES = {"--once": "once", "--demo": "demo", "--favorites": "favorites", "--debug": "debug"}


def valued_flags(
    formats: Sequence[str], modes: Sequence[str]
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Flags with a value the quick reading knows: flag -> (destination, its choices; empty
    for any value)."""
    return {
        "--near": ("near", ()),
        "--to": ("to", ()),
        "--system": ("system", ()),
        "--limit": ("limit", ()),
        "--lang": ("lang", ()),
        "--format": ("output_format", tuple(formats)),
        "--mode": ("mode", tuple(modes)),
        "--min": ("min_count", ()),
        "--units": ("units", tuple(UNITS_CHOICES)),
        "--vehicles": ("vehicles", ("none", "bikes", "all")),
    }


def quick_args(
    argv: Sequence[str], formats: Sequence[str], modes: Sequence[str]
) -> argparse.Namespace | None:
    """The namespace ``build_parser().parse_args(argv)`` gives for a plain command line of
    common flags, else ``None`` (the parser reads it)."""
    valued = valued_flags(formats, modes)
    values = dict(DEFAULTS)
    seen: set[str] = set()
    tokens = iter(argv)
    for token in tokens:
        if token in seen:
            return None
        seen.add(token)
        if token in SWITCHES:
            values[SWITCHES[token]] = True
            continue
        if token not in valued:
            return None
        value = next(tokens, None)
        destination, choices = valued[token]
        if value is None or value.startswith("-") or (choices and value not in choices):
            return None
        values[destination] = value
        if token == "--system":
            values["systems"] = [value]
    return argparse.Namespace(**values)
