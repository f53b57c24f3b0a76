"""The man page, generated from the command line's parser, so it never says other than
``--help`` does: every flag with its help, then the examples, files, environment and
exit status of ``--help``'s epilog (with the default paths written generically).

``scripts/build_manpage.py`` writes it to ``docs/bikefinder.1``, which the wheel installs
as ``share/man/man1/bikefinder.1``; a test keeps the file equal to what this makes.
"""

from __future__ import annotations

import argparse
import re

#: Where the files live on a Linux desktop, as the man page names them (``--help`` shows
#: this machine's own paths).
GENERIC_PATHS = {
    "config": "~/.config/bikefinder/config.toml",
    "favourites": "~/.local/share/bikefinder/favourites.json",
    "cache": "~/.cache/bikefinder",
    "log": "~/.local/state/bikefinder/log/bikefinder.log",
}


def roff_text(text: str) -> str:
    """``text`` safe in a roff line: backslashes and hyphens escaped, no line that starts
    with a control character ("." or "'")."""
    escaped = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", escaped, flags=re.MULTILINE)


def _flags(action: argparse.Action) -> str:
    """``\\fB\\-\\-near\\fR \\fILAT,LON|PLACE\\fR`` (every spelling of the flag)."""
    metavar = ""
    if action.nargs != 0:
        shown = action.metavar or (action.dest.upper() if action.option_strings else "")
        if isinstance(shown, tuple):
            shown = " ".join(shown)
        if action.choices and not action.metavar:
            shown = "{" + ",".join(str(choice) for choice in action.choices) + "}"
        metavar = f" \\fI{roff_text(str(shown))}\\fR" if shown else ""
    names = ", ".join(f"\\fB{roff_text(name)}\\fR" for name in action.option_strings)
    return names + metavar


def _sections(epilog: str) -> list[tuple[str, list[str]]]:
    """The epilog's "examples:", "files:" ... blocks as (title, lines)."""
    sections: list[tuple[str, list[str]]] = []
    for line in epilog.splitlines():
        heading = re.fullmatch(r"([a-z][a-z ]+):", line.strip())
        if heading and not line.startswith(" "):
            sections.append((heading.group(1).upper(), []))
        elif sections:
            sections[-1][1].append(line)
        elif line.strip():
            sections.append(("NOTES", [line]))
    return sections


def manpage(parser: argparse.ArgumentParser, epilog: str) -> str:
    """The man page (roff) for ``parser``; ``epilog``: ``--help``'s epilog with generic
    paths."""
    out = [
        '.TH BIKEFINDER 1 "" "bikefinder" "User Commands"',
        ".SH NAME",
        f"bikefinder \\- {roff_text(parser.description or '')}",
        ".SH SYNOPSIS",
        ".B bikefinder",
        "[\\fIOPTION\\fR]...",
        ".SH DESCRIPTION",
        roff_text(
            "Opens a live, keyboard-driven list of the stations (and free-floating bikes) "
            "nearest a point, in any bike-share system that publishes GBFS feeds; with "
            "--once, prints it (table, JSON, CSV or one line) and exits. Without a system "
            "or a point it opens the system picker. Press ? in the app for its keys."
        ),
        ".SH OPTIONS",
    ]
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        out += [".TP", _flags(action), roff_text(" ".join((action.help or "").split()))]
    for title, lines in _sections(epilog):
        out.append(f".SH {roff_text(title)}")
        body = [line for line in lines if line.strip()]
        out += [".nf", *(roff_text(line.rstrip()) for line in body), ".fi"]
    return "\n".join(out) + "\n"


def bikefinder_manpage() -> str:
    """bikefinder's own man page."""
    from bikefinder.cli.main import HELP_EXAMPLES, HELP_FILES, build_parser

    epilog = (HELP_EXAMPLES + "\n" + HELP_FILES).format(**GENERIC_PATHS)
    return manpage(build_parser(), epilog)
