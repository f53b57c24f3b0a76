"""Finding catalog systems by what the rider types: ids, names, aliases and towns,
ignoring case and accents (:func:`bikefinder.common.text.fold`).

Pure and in memory. :class:`SystemIndex` folds every entry's keys once, then resolves a
``--system`` name to one entry, lists the entries a search matches (best match level
first) and suggests close names for a typo. Where systems are is the catalog's business.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import msgspec

from bikefinder.common.errors import UsageError
from bikefinder.common.text import fold
from bikefinder.systems.citybikes import citybikes_entry
from bikefinder.systems.entries import CITYBIKES, CatalogEntry

#: Candidates an ambiguity message names before "and N more".
SHOWN_CANDIDATES = 8
#: Close names offered for a name that matches nothing.
SUGGESTIONS = 5


class AmbiguousSystemError(UsageError):
    """A ``--system`` name that fits several systems; lists them."""

    def __init__(self, query: str, candidates: Sequence[CatalogEntry]) -> None:
        shown = "; ".join(entry.describe() for entry in candidates[:SHOWN_CANDIDATES])
        more = len(candidates) - SHOWN_CANDIDATES
        extra = f"; and {more} more (see --list-systems {query!r})" if more > 0 else ""
        super().__init__(
            f"--system {query!r} matches {len(candidates)} systems: {shown}{extra}. "
            "Pass one of these ids to --system"
        )
        self.candidates = tuple(candidates)


class UnknownSystemError(UsageError):
    """A ``--system`` name that fits nothing; suggests the closest names."""

    def __init__(self, query: str, suggestions: Sequence[CatalogEntry]) -> None:
        hint = ""
        if suggestions:
            hint = "; did you mean: " + "; ".join(entry.describe() for entry in suggestions)
        super().__init__(
            f"no system in the catalog matches {query!r}{hint} "
            "(see --list-systems, or pass a gbfs.json URL)"
        )
        self.suggestions = tuple(suggestions)


class _Keys(msgspec.Struct, frozen=True):
    """An entry's folded id, names (with aliases), locations and their words."""

    entry: CatalogEntry
    system_id: str
    names: frozenset[str]
    locations: frozenset[str]
    tokens: frozenset[str]
    country: str


class SystemIndex:
    """Entries searchable by folded id, name, alias, location and country code."""

    def __init__(self, entries: Iterable[CatalogEntry]) -> None:
        self.entries: tuple[CatalogEntry, ...] = tuple(entries)
        self._keys = tuple(_entry_keys(entry) for entry in self.entries)

    def get(self, system_id: str) -> CatalogEntry | None:
        """The entry with exactly this id (ignoring case and accents)."""
        wanted = fold(system_id)
        for keys in self._keys:
            if keys.system_id == wanted:
                return keys.entry
        return None

    def resolve(self, query: str) -> CatalogEntry:
        """The one system ``query`` names.

        An id typed exactly always wins (so every id listed by ``--list-systems`` or in an
        ambiguity message works). Otherwise, ignoring case and accents: ids, names,
        aliases and locations together (a city's flagship system wins over scooters
        there: "Barcelona" is Bicing, though a scooter system's id is "barcelona"), then
        word prefixes; then any ``citybikes:<network>``. Raises
        :class:`AmbiguousSystemError` or :class:`UnknownSystemError`.
        """
        text = query.strip()
        wanted = fold(text)
        if not wanted:
            raise UsageError("--system needs a system name, id or gbfs.json URL")
        for entry in self.entries:
            if entry.system_id == text:
                return entry
        for level in _LEVELS:
            candidates = [keys.entry for keys in self._keys if level(keys, wanted)]
            if candidates:
                chosen = _narrow(candidates)
                if chosen is None:
                    raise AmbiguousSystemError(text, _preferred_first(candidates))
                return chosen
        unlisted = citybikes_entry(text)
        if unlisted is not None:
            return unlisted
        raise UnknownSystemError(text, self.suggest(text))

    def search(self, query: str = "") -> list[CatalogEntry]:
        """Entries whose id, name, aliases or location contain every word of ``query``
        (a word may also be a two-letter country code: "no", "FR")."""
        matches = sorted(self.matches(query), key=lambda m: (m[0], *list_order(m[1])))
        return [entry for _, entry in matches]

    def matches(self, query: str) -> list[tuple[int, CatalogEntry]]:
        """(match level, entry) for every entry matching ``query``, unordered; level 0 is
        an exact id, name or location; all are at level 0 if ``query`` is empty."""
        wanted = fold(query)
        if not wanted:
            return [(0, entry) for entry in self.entries]
        found: dict[int, tuple[int, CatalogEntry]] = {}
        for rank, level in enumerate(_SEARCH_LEVELS):
            for keys in self._keys:
                if id(keys.entry) not in found and level(keys, wanted):
                    found[id(keys.entry)] = (rank, keys.entry)
        return list(found.values())

    def suggest(self, query: str, count: int = SUGGESTIONS) -> list[CatalogEntry]:
        """The closest names, for an unknown ``--system``."""
        by_key: dict[str, list[CatalogEntry]] = {}
        for keys in self._keys:
            for key in (keys.system_id, *keys.names, *keys.locations):
                by_key.setdefault(key, []).append(keys.entry)
        close = difflib.get_close_matches(fold(query), list(by_key), n=count * 2, cutoff=0.6)
        suggestions: list[CatalogEntry] = []
        for key in close:
            for entry in _preferred_first(by_key[key]):
                if entry not in suggestions:
                    suggestions.append(entry)
        return suggestions[:count]


def list_order(entry: CatalogEntry) -> tuple[str, str, str]:
    """The order of listed systems: by country, then folded name, then id."""
    return (entry.country, fold(entry.name), entry.system_id)


def _entry_keys(entry: CatalogEntry) -> _Keys:
    names = {fold(entry.name), *(fold(alias) for alias in entry.aliases)}
    locations = {fold(entry.location), fold(entry.location.split(",")[0])} - {""}
    tokens = set(fold(entry.system_id).split())
    for text in (*names, *locations):
        tokens.update(text.split())
    return _Keys(
        entry=entry,
        system_id=fold(entry.system_id),
        names=frozenset(names - {""}),
        locations=frozenset(locations),
        tokens=frozenset(tokens),
        country=fold(entry.country),
    )


def _by_exact_key(keys: _Keys, wanted: str) -> bool:
    return keys.system_id == wanted or wanted in keys.names or wanted in keys.locations


def _by_prefixes(keys: _Keys, wanted: str) -> bool:
    return all(any(token.startswith(word) for token in keys.tokens) for word in wanted.split())


def _by_prefixes_or_country(keys: _Keys, wanted: str) -> bool:
    return all(
        word == keys.country or any(token.startswith(word) for token in keys.tokens)
        for word in wanted.split()
    )


_LEVELS = (_by_exact_key, _by_prefixes)
#: Listing and picking also match country codes; resolving a --system name does not.
_SEARCH_LEVELS = (_by_exact_key, _by_prefixes_or_country)


def _narrow(candidates: Sequence[CatalogEntry]) -> CatalogEntry | None:
    """One candidate, the one flagship among them, or the one official (non-Citybikes) feed."""
    if len(candidates) == 1:
        return candidates[0]
    curated = [entry for entry in candidates if entry.curated]
    if len(curated) == 1:
        return curated[0]
    official = [entry for entry in candidates if entry.source != CITYBIKES]
    if len(official) == 1:
        return official[0]
    return None


def _preferred_first(entries: Sequence[CatalogEntry]) -> list[CatalogEntry]:
    return sorted(entries, key=lambda e: (not e.curated, e.source == CITYBIKES, *list_order(e)))
