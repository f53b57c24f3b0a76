"""``bikefinder --completion bash|zsh|fish``: shell completion generated from the parser.

Written here rather than with shtab (which now has fish too) or argcomplete (which runs
Python on every Tab): the scripts are static, so a Tab costs nothing and needs no new
dependency; each shell gets ``--system`` values with descriptions (zsh and fish show a
system's name beside its id), which shtab's plain choices cannot carry; and every flag,
its help and its choices come from :func:`bikefinder.cli.main.build_parser`, so they
cannot drift. ``--system`` completes the ids and names of the catalog (the one
``--list-systems`` searches) as it is when the script is generated.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence

import msgspec

PROG = "bikefinder"
#: Help longer than this is cut at a word, never inside parentheses (fish and zsh fit it
#: to the terminal anyway).
HELP_LIMIT = 120


class Flag(msgspec.Struct, frozen=True):
    """One option as the completion scripts need it."""

    long: str
    short: str | None
    help: str
    takes_value: bool
    choices: tuple[str, ...] = ()


class Value(msgspec.Struct, frozen=True):
    """A completion for a flag's value, with what zsh and fish show beside it."""

    word: str
    description: str


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
                help=short_help(action.help or ""),
                takes_value=takes_value,
                choices=tuple(str(choice) for choice in action.choices or ()),
            )
        )
    return found


def system_values(entries: Iterable[tuple[str, str, Sequence[str]]]) -> list[Value]:
    """``--system`` completions from (id, name, aliases): every id and alias (the name
    beside it), then every name that is not also an id (its id beside it); sorted, each
    word once."""
    triples = list(entries)
    values = {system_id: Value(system_id, name) for system_id, name, _ in triples}
    for _, name, aliases in triples:
        for alias in aliases:
            values.setdefault(alias, Value(alias, name))
    for system_id, name, _ in triples:
        if name:
            values.setdefault(name, Value(name, system_id))
    return sorted(values.values(), key=lambda value: value.word.casefold())


def catalog_system_values() -> list[Value]:
    """:func:`system_values` of the catalog ``--list-systems`` searches (built-in or updated)."""
    from bikefinder.common.paths import cache_dir
    from bikefinder.systems.catalog import load_catalog

    catalog = load_catalog(cache_dir())
    return system_values((entry.system_id, entry.name, entry.aliases) for entry in catalog.entries)


def script(
    parser: argparse.ArgumentParser, shell: str, systems: Sequence[Value] | None = None
) -> str:
    """The completion script for ``shell`` (one of ``bikefinder.cli.main.SHELLS``);
    ``systems`` are the ``--system`` completions (default: the catalog's)."""
    writers = {"bash": _bash, "zsh": _zsh, "fish": _fish}
    values = catalog_system_values() if systems is None else list(systems)
    return writers[shell](flags(parser), values)


def short_help(text: str, limit: int = HELP_LIMIT) -> str:
    """One line of help: whitespace folded, cut at a word before ``limit`` characters but
    never inside parentheses (an opened one is dropped with what follows it)."""
    text = " ".join(text.replace("%%", "%").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    depth, opened = 0, -1
    for index, char in enumerate(cut):
        if char == "(":
            if depth == 0:
                opened = index
            depth += 1
        elif char == ")" and depth:
            depth -= 1
    if depth:
        cut = cut[:opened]
    return cut.rstrip(" ,;:") + "…"


def _single_quoted(text: str) -> str:
    """``text`` as one single-quoted word for bash or zsh."""
    return "'" + text.replace("'", "'\\''") + "'"


def _fish_quoted(text: str) -> str:
    """``text`` as one single-quoted fish word (fish escapes ``\\`` and ``'`` inside)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _zsh_description(text: str) -> str:
    """Help for inside an ``_arguments`` spec's brackets: ``\\``, ``]`` and ``:`` escaped."""
    return text.replace("\\", "\\\\").replace("]", "\\]").replace(":", "\\:")


def _bash(options: list[Flag], systems: Sequence[Value]) -> str:
    words = " ".join(
        name for flag in options for name in (flag.short, flag.long) if name is not None
    )
    cases = [
        f'        {flag.long}) COMPREPLY=($(compgen -W "{" ".join(flag.choices)}" -- "$cur")); '
        "return ;;"
        for flag in options
        if flag.choices
    ]
    cases.append(
        "        --system)\n"
        "            local word\n"
        "            COMPREPLY=()\n"
        f'            for word in "${{_{PROG}_systems[@]}}"; do\n'
        '                [[ $word == "$cur"* ]] && COMPREPLY+=("$(printf %q "$word")")\n'
        "            done\n"
        "            return ;;"
    )
    free = "|".join(
        flag.long
        for flag in options
        if flag.takes_value and not flag.choices and flag.long != "--system"
    )
    if free:
        cases.append(f"        {free}) COMPREPLY=(); return ;;")
    body = "\n".join(cases)
    system_words = "\n".join(f"    {_single_quoted(_one_line(value.word))}" for value in systems)
    return f"""# bash completion for {PROG}: eval "$({PROG} --completion bash)" in ~/.bashrc
_{PROG}_systems=(
{system_words}
)
_{PROG}() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    # --flag=value: bash splits it into "--flag" "=" "value".
    if [[ $cur == "=" ]]; then
        cur=""
    elif [[ $prev == "=" && $COMP_CWORD -ge 2 ]]; then
        prev="${{COMP_WORDS[COMP_CWORD-2]}}"
    fi
    case "$prev" in
{body}
    esac
    COMPREPLY=($(compgen -W "{words}" -- "$cur"))
}}
complete -F _{PROG} {PROG}
"""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _zsh(options: list[Flag], systems: Sequence[Value]) -> str:
    specs = []
    for flag in options:
        names = f"{{{flag.short},{flag.long}}}" if flag.short else flag.long
        exclusive = f"'({flag.short} {flag.long})'" if flag.short else ""
        value = ""
        if flag.long == "--system":
            value = f":system:_{PROG}_systems"
        elif flag.choices:
            value = f":{flag.long[2:]}:({' '.join(flag.choices)})"
        elif flag.takes_value:
            value = f":{flag.long[2:]}: "
        equals = "=" if flag.takes_value else ""
        spec = f"{equals}[{_zsh_description(flag.help)}]{value}"
        specs.append(f"    {exclusive}{names}{_single_quoted(spec)}")
    lines = " \\\n".join(specs)
    described = "\n".join(
        "    "
        + _single_quoted(
            _one_line(value.word).replace("\\", "\\\\").replace(":", "\\:")
            + ":"
            + _one_line(value.description)
        )
        for value in systems
    )
    return f"""#compdef {PROG}
# zsh completion for {PROG}: {PROG} --completion zsh > "${{fpath[1]}}/_{PROG}"
_{PROG}_systems() {{
    local -a systems
    systems=(
{described}
    )
    _describe -t systems 'system' systems
}}
_arguments -s \\
{lines}
"""


def _fish(options: list[Flag], systems: Sequence[Value]) -> str:
    lines = [
        f"# fish completion for {PROG}: "
        f"{PROG} --completion fish > ~/.config/fish/completions/{PROG}.fish",
        f"function __{PROG}_systems",
        "    printf '%s\\n' \\",
        *(
            f"        {_fish_quoted(_one_line(value.word))}\\t"
            f"{_fish_quoted(_one_line(value.description))} \\"
            for value in systems
        ),
        "",
        "end",
        f"complete -c {PROG} -f",
    ]
    for flag in options:
        parts = [f"complete -c {PROG}"]
        if flag.short:
            parts.append(f"-s {flag.short[1:]}")
        parts.append(f"-l {flag.long[2:]}")
        if flag.long == "--system":
            parts.append(f"-x -a '(__{PROG}_systems)'")
        elif flag.choices:
            parts.append(f"-x -a '{' '.join(flag.choices)}'")
        elif flag.takes_value:
            parts.append("-x")
        parts.append(f"-d {_fish_quoted(flag.help)}")
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"
