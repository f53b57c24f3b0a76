"""Short names that tell the systems of one list apart, for its System column.

The app's table and the printed tables both name a row's system with
:func:`short_names`, so "Lime Seattle" and "Lime Seattle" become "Lime Seattle
(gbfs)" and "Lime Seattle (gbfs_transit)" in both, and a system known only by its URL
is named by its host and last folder rather than a long path cut short.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from bikefinder.common.text import clean, system_label_for
from bikefinder.rider.rows import SceneSystem

#: The widest a short name gets (the System column never needs more).
SHORT_NAME_MAX = 28


def _url_parts(url: str) -> list[str]:
    """The host, then each folder of a gbfs.json URL's path (the file name dropped)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    folders = [part for part in parts.path.split("/")[:-1] if part]
    return [host, *folders] if host else folders


def url_short_name(url: str, width: int = SHORT_NAME_MAX) -> str:
    """A URL-named system as its host and folders ("127.0.0.1:8771/velib"); narrower,
    its host and last folder with "…" for those between, else its last folder."""
    parts = _url_parts(url)
    if not parts:
        return clean(url, width)
    whole = "/".join(parts)
    if len(whole) <= width or len(parts) < 2:
        return clean(whole, width)
    host = parts[0].split(":")[0]
    shortened = f"{host}/…/{parts[-1]}" if len(parts) > 2 else f"{host}/{parts[-1]}"
    if len(shortened) <= width:
        return shortened
    return clean(parts[-1], width)  # the folder names the system better than the host


def _distinct_parts(urls: list[str]) -> list[str]:
    """Per URL, its host and folders less those every URL of the group shares."""
    split = [_url_parts(url) for url in urls]
    shared = set.intersection(*(set(parts) for parts in split)) if split else set()
    return ["/".join(part for part in parts if part not in shared) for parts in split]


def short_names(systems: Iterable[SceneSystem], width: int = SHORT_NAME_MAX) -> dict[str, str]:
    """Each system's key -> a name at most ``width`` wide, unique among ``systems``:
    the feed's name; a system named only by its URL as :func:`url_short_name`; names
    that collide with what tells their URLs apart ("Lime Seattle (gbfs_transit)"),
    else with their keys."""
    listed = list({system.key: system for system in systems}.values())
    base: dict[str, str] = {}
    for system in listed:
        name = clean(system.name, 200)
        if not name or name == system_label_for(system.gbfs_url):
            name = url_short_name(system.gbfs_url, width)
        base[system.key] = name
    groups: dict[str, list[SceneSystem]] = {}
    for system in listed:
        groups.setdefault(base[system.key].casefold(), []).append(system)
    names: dict[str, str] = {}
    for group in groups.values():
        if len(group) == 1:
            names[group[0].key] = cut_name(base[group[0].key], width)
            continue
        tails = _distinct_parts([system.gbfs_url for system in group])
        if len(set(tails)) < len(group) or not all(tails):
            tails = [system.key for system in group]
        for system, tail in zip(group, tails, strict=True):
            names[system.key] = _with_tail(base[system.key], tail, width)
    seen = Counter(name.casefold() for name in names.values())
    for key, name in names.items():  # still alike once cut: their keys tell them apart
        if seen[name.casefold()] > 1:
            names[key] = _with_tail(base[key], key, width)
    return names


def cut_name(name: str, width: int) -> str:
    """``name`` in ``width`` cells; a long one keeps its last short word, which often
    tells operators apart ("Synthetic Free-floatin… 2"), else is cut at its end."""
    name = clean(name, 200)
    if len(name) <= width:
        return name
    head, _, last = name.rpartition(" ")
    if head and len(last) <= max(1, width // 4):
        return f"{clean(head, width - len(last) - 1)} {last}"
    return clean(name, width)


def _with_tail(name: str, tail: str, width: int) -> str:
    """``name (tail)`` in ``width``: the name is cut first, so the tail (what tells
    the systems apart) stays whole while it can."""
    tail = clean(tail, max(4, width // 2))
    room = width - len(tail) - 3
    return f"{clean(name, max(1, room))} ({tail})"


def short_name(system: SceneSystem, names: Mapping[str, str]) -> str:
    """The short name of ``system`` among ``names`` (its own name when not there)."""
    return names.get(system.key) or clean(system.name, SHORT_NAME_MAX) or system.key
