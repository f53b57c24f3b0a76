"""``bikefinder --completion bash|zsh|fish``: shell completion generated from the parser.

Written here rather than with shtab (which has no fish) or argcomplete (which runs Python
on every Tab): the scripts are static, so completing costs nothing, and every flag, its
help and its choices come from :func:`bikefinder.cli.main.build_parser`, so they cannot drift.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

SHELLS = ("bash", "zsh", "fish")
PROG = "bikefinder"


@dataclass(frozen=True, slots=True)
class Flag:
    """One option as the completion scripts need it."""

    long: str
    short: str | None
    help: str
    takes_value: bool
    choices: tuple[str, ...] = ()


def flags(parser: argparse.ArgumentParser) -> list[Flag]:
    """The parser's options (``--list-systems [QUERY]`` counts as a plain flag)."""
    found = []
    for action in parser._actions:
        longs = [name for name in action.option_strings if name.startswith("--")]
        if not longs or action.help == argparse.SUPPRESS:
            continue
        shorts = [name for name in action.option_strings if not name.startswith("--")]
        takes_value = action.nargs not in (0, "?")
        found.append(
            Flag(
                long=longs[0],
                short=shorts[0] if shorts else None,
                help=_plain(action.help or ""),
                takes_value=takes_value,
                choices=tuple(str(choice) for choice in action.choices or ()),
            )
        )
    return found


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`)."""
    writers = {"bash": _bash, "zsh": _zsh, "fish": _fish}
    return writers[shell](flags(parser))


def _plain(text: str, limit: int = 70) -> str:
    """Help text safe inside any shell's quotes: no quotes, brackets, colons or ``$``."""
    text = text.replace("%%", "%")
    text = re.sub(r"[\"'`$\\\[\]:;]", "", text.split(";")[0])
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _bash(options: list[Flag]) -> str:
    words = " ".join(
        name for flag in options for name in (flag.short, flag.long) if name is not None
    )
    cases = [
        f'        {flag.long}) COMPREPLY=($(compgen -W "{" ".join(flag.choices)}" -- "$cur")); '
        "return ;;"
        for flag in options
        if flag.choices
    ]
    free = "|".join(flag.long for flag in options if flag.takes_value and not flag.choices)
    if free:
        cases.append(f"        {free}) COMPREPLY=(); return ;;")
    body = "\n".join(cases)
    return f"""# bash completion for {PROG}: eval "$({PROG} --completion bash)" in ~/.bashrc
_{PROG}() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    case "$prev" in
{body}
    esac
    COMPREPLY=($(compgen -W "{words}" -- "$cur"))
}}
complete -F _{PROG} {PROG}
"""


def _zsh(options: list[Flag]) -> str:
    specs = []
    for flag in options:
        names = f"{{{flag.short},{flag.long}}}" if flag.short else flag.long
        exclusive = f"'({flag.short} {flag.long})'" if flag.short else ""
        value = ""
        if flag.choices:
            value = f":{flag.long[2:]}:({' '.join(flag.choices)})"
        elif flag.takes_value:
            value = f":{flag.long[2:]}: "
        equals = "=" if flag.takes_value else ""
        specs.append(f"    {exclusive}{names}'{equals}[{flag.help}]{value}'")
    lines = " \\\n".join(specs)
    return f"""#compdef {PROG}
# zsh completion for {PROG}: {PROG} --completion zsh > "${{fpath[1]}}/_{PROG}"
_arguments -s \\
{lines}
"""


def _fish(options: list[Flag]) -> str:
    lines = [
        f"# fish completion for {PROG}: "
        f"{PROG} --completion fish > ~/.config/fish/completions/{PROG}.fish",
        f"complete -c {PROG} -f",
    ]
    for flag in options:
        parts = [f"complete -c {PROG}"]
        if flag.short:
            parts.append(f"-s {flag.short[1:]}")
        parts.append(f"-l {flag.long[2:]}")
        if flag.choices:
            parts.append(f"-x -a '{' '.join(flag.choices)}'")
        elif flag.takes_value:
            parts.append("-x")
        parts.append(f"-d '{flag.help}'")
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"
