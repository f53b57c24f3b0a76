"""The system catalog: every known GBFS system, found by name or by where you are.

Three sources are merged: MobilityData's ``systems.csv`` (bundled, or refreshed into the
cache by ``--update-catalog``), bikefinder's curated ``system_locations.json`` (city
centres, radii and aliases of well-known systems) and the Citybikes GBFS networks
(``citybikes:<network>``). Every other system is placed on its town by bikefinder's
offline gazetteer (:mod:`bikefinder.systems.places`); coverage learned from loaded stations
(see :mod:`bikefinder.systems.coverage`) refines the choice by location.

Parsing and matching are pure; :func:`load_catalog` only reads local files.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bikefinder.common.errors import BikefinderError, UsageError, first_line
from bikefinder.common.text import clean, fold
from bikefinder.systems.coverage import (  # the reader lives with its writer
    COVERAGE_FILE,
    MAX_NAME_CHARS,
    Coverage,
    load_coverages,
)
from bikefinder.systems.places import Gazetteer, bundled_gazetteer

#: Where an entry came from.
MOBILITYDATA = "systems.csv"
CITYBIKES = "citybikes"
LEARNED = "learned"

CITYBIKES_PREFIX = "citybikes:"
CITYBIKES_GBFS_ROOT = "https://api.citybik.es/gbfs"
#: Major GBFS versions Citybikes serves; the loader reads both, 3 is preferred.
CITYBIKES_MAJORS = ("3", "2")
_CITYBIKES_NETWORK_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$", re.IGNORECASE)
#: Networks named in Citybikes' own GBFS documentation; the full list comes with
#: ``--update-catalog``, and any ``citybikes:<network>`` works without being listed.
SEED_CITYBIKES_NETWORKS: tuple[tuple[str, str, str, str], ...] = (
    ("bicing", "Bicing", "Barcelona", "ES"),
    ("velib", "Vélib' Métropole", "Paris", "FR"),
    ("citi-bike-nyc", "Citi Bike", "New York, NY", "US"),
)

#: Radius assumed around a centre that has no radius of its own (Citybikes networks).
DEFAULT_RADIUS_KM = 15.0
_KM_PER_DEGREE = 111.195
#: Choosing by location among systems placed only on their town: each counts as further
#: by this share of its reach (a country-wide system loses to the town's own).
WIDE_AREA_PENALTY = 0.1

SYSTEMS_CSV_COLUMNS = ("System ID", "Name", "Auto-Discovery URL")
#: Hosts whose systems need an identifying header (the HTTP client sends Client-Identifier).
CLIENT_IDENTIFIER_HOSTS = ("gbfs.urbansharing.com",)
ENTUR_HOSTS = ("api.entur.io",)

SHOWN_CANDIDATES = 8
SUGGESTIONS = 5


class CatalogFormatError(BikefinderError):
    """A catalog file (systems.csv, Citybikes manifest or networks) is not what we expect."""


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


class NoSystemNearbyError(UsageError):
    """No system with known coordinates covers the point: a usage-level answer (exit 2),
    like a --system name that matches nothing."""


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One GBFS system the rider can pick, and how to reach it."""

    system_id: str
    name: str
    gbfs_url: str
    location: str = ""
    country: str = ""
    versions: tuple[str, ...] = ()
    source: str = MOBILITYDATA
    homepage: str | None = None
    auth_type: str | None = None
    auth_headers: tuple[str, ...] = ()
    auth_info_url: str | None = None
    centre: tuple[float, float] | None = None
    radius_km: float | None = None
    aliases: tuple[str, ...] = ()
    #: A flagship system from ``system_locations.json``: preferred when a name is ambiguous.
    curated: bool = False
    #: ``centre`` is the town's (from the gazetteer), not the system's own.
    approximate: bool = False

    @property
    def host(self) -> str:
        return (urlsplit(self.gbfs_url).hostname or "").lower()

    @property
    def needs_client_identifier(self) -> bool:
        """urbansharing (Bergen, Oslo, Trondheim, ...) refuse requests without it."""
        return self.host in CLIENT_IDENTIFIER_HOSTS

    @property
    def needs_entur_client_name(self) -> bool:
        """Entur's mobility API asks every client to name itself in ``ET-Client-Name``."""
        return self.host in ENTUR_HOSTS

    @property
    def required_headers(self) -> tuple[str, ...]:
        """Request headers this system needs beyond the defaults (names only)."""
        names: list[str] = []
        if self.needs_client_identifier:
            names.append("Client-Identifier")
        if self.needs_entur_client_name:
            names.append("ET-Client-Name")
        names.extend(self.auth_headers)
        return tuple(names)

    @property
    def needs_key(self) -> bool:
        """The feed needs credentials the rider must obtain (systems.csv auth columns)."""
        return self.auth_type is not None

    def describe(self) -> str:
        """``id (Name, Location, CC)`` for lists of candidates."""
        where = ", ".join(part for part in (self.location, self.country) if part)
        detail = f"{self.name}, {where}" if where else self.name
        return clean(f"{self.system_id} ({detail})", 160)


@dataclass(frozen=True, slots=True)
class CitybikesNetwork:
    """A Citybikes network: its GBFS discovery URLs by version and where it is."""

    network_id: str
    name: str = ""
    city: str = ""
    country: str = ""
    centre: tuple[float, float] | None = None
    feeds: dict[str, str] = field(default_factory=dict)

    def gbfs_url(self) -> str:
        """The newest major version the app reads (3.0, else 2.x, else a built URL)."""
        for major in CITYBIKES_MAJORS:
            matching = sorted(
                (version for version in self.feeds if version.split(".")[0] == major),
                key=_version_key,
                reverse=True,
            )
            if matching:
                return self.feeds[matching[0]]
        return citybikes_gbfs_url(self.network_id)

    def to_entry(self) -> CatalogEntry:
        return CatalogEntry(
            system_id=CITYBIKES_PREFIX + self.network_id,
            name=self.name or self.network_id,
            gbfs_url=self.gbfs_url(),
            location=self.city,
            country=self.country,
            versions=tuple(sorted(self.feeds, key=_version_key)),
            source=CITYBIKES,
            homepage="https://citybik.es",
            centre=self.centre,
            aliases=(self.network_id,),
        )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


# --- parsing ----------------------------------------------------------------------------


def parse_systems_csv(text: str) -> list[CatalogEntry]:
    """MobilityData's ``systems.csv``; rows without an id or an http(s) URL are skipped.

    ``Supported Versions`` is ``" ; "``-separated (a few rows write ``"1.1; 2.3"``).
    Duplicate ids (one exists upstream) get a ``-2`` suffix so each stays addressable.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in SYSTEMS_CSV_COLUMNS if name not in header]
        if missing:
            raise CatalogFormatError(f"systems.csv: missing column(s) {', '.join(missing)}")
        columns = {name: header.index(name) for name in _ALL_COLUMNS if name in header}
        entries: list[CatalogEntry] = []
        seen: dict[str, int] = {}
        for row in reader:
            entry = _systems_row(row, columns)
            if entry is None:
                continue
            folded_id = entry.system_id.casefold()
            count = seen[folded_id] = seen.get(folded_id, 0) + 1
            if count > 1:
                entry = replace(entry, system_id=f"{entry.system_id}-{count}")
            entries.append(entry)
    except csv.Error as exc:
        raise CatalogFormatError(f"systems.csv: {exc}") from None
    if not entries:
        raise CatalogFormatError("systems.csv: no usable systems")
    return entries


_ALL_COLUMNS = (
    "Country Code",
    "Name",
    "Location",
    "System ID",
    "URL",
    "Auto-Discovery URL",
    "Supported Versions",
    "Authentication Info URL",
    "Authentication Type",
    "Authentication Parameter Name",
)


def _systems_row(row: Sequence[str], columns: Mapping[str, int]) -> CatalogEntry | None:
    def cell(column: str) -> str:
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    system_id = cell("System ID")
    url = cell("Auto-Discovery URL")
    if not system_id or not url.lower().startswith(("https://", "http://")):
        return None
    versions = [part.strip() for part in cell("Supported Versions").split(";")]
    versions = [version for version in versions if version]
    if len(versions) > 1:
        versions.sort(key=_version_key)
    auth_type = cell("Authentication Type") or None
    auth_names = cell("Authentication Parameter Name") if auth_type == "2" else ""
    return CatalogEntry(
        system_id=system_id,
        name=cell("Name") or system_id,
        gbfs_url=url,
        location=cell("Location"),
        country=cell("Country Code").upper(),
        versions=tuple(versions),
        homepage=cell("URL") or None,
        auth_type=auth_type,
        auth_headers=tuple(name.strip() for name in auth_names.split("|") if name.strip()),
        auth_info_url=cell("Authentication Info URL") or None,
    )


def citybikes_gbfs_url(network_id: str, major: str = CITYBIKES_MAJORS[0]) -> str:
    return f"{CITYBIKES_GBFS_ROOT}/{major}/{network_id}/gbfs.json"


def is_citybikes_network_id(network_id: str) -> bool:
    return bool(_CITYBIKES_NETWORK_ID.match(network_id))


def parse_citybikes_manifest(doc: Any) -> dict[str, dict[str, str]]:
    """Citybikes' GBFS v3 ``manifest.json``: network id -> {GBFS version: discovery URL}."""
    data = doc.get("data") if isinstance(doc, Mapping) else None
    datasets = data.get("datasets") if isinstance(data, Mapping) else None
    if not isinstance(datasets, list):
        raise CatalogFormatError("Citybikes manifest.json: no 'data.datasets' list")
    networks: dict[str, dict[str, str]] = {}
    for dataset in datasets:
        if not isinstance(dataset, Mapping):
            continue
        network_id = dataset.get("system_id")
        versions = dataset.get("versions")
        if not isinstance(network_id, str) or not is_citybikes_network_id(network_id.strip()):
            continue
        feeds: dict[str, str] = {}
        for item in versions if isinstance(versions, list) else ():
            if not isinstance(item, Mapping):
                continue
            version, url = item.get("version"), item.get("url")
            if isinstance(version, str) and isinstance(url, str) and url.startswith("https://"):
                feeds[version.strip()] = url.strip()
        networks[network_id.strip()] = feeds
    return networks


def parse_citybikes_networks(doc: Any) -> dict[str, CitybikesNetwork]:
    """Citybikes ``/v2/networks``: names, cities and coordinates of every network."""
    networks_list = doc.get("networks") if isinstance(doc, Mapping) else None
    if not isinstance(networks_list, list):
        raise CatalogFormatError("Citybikes /v2/networks: no 'networks' list")
    networks: dict[str, CitybikesNetwork] = {}
    for record in networks_list:
        if not isinstance(record, Mapping):
            continue
        network_id = record.get("id")
        if not isinstance(network_id, str) or not is_citybikes_network_id(network_id.strip()):
            continue
        location = record.get("location")
        location = location if isinstance(location, Mapping) else {}
        name = record.get("name")
        city, country = location.get("city"), location.get("country")
        networks[network_id.strip()] = CitybikesNetwork(
            network_id=network_id.strip(),
            name=clean(name, MAX_NAME_CHARS) if isinstance(name, str) else "",
            city=clean(city, MAX_NAME_CHARS) if isinstance(city, str) else "",
            country=country.strip().upper() if isinstance(country, str) else "",
            centre=_point(location.get("latitude"), location.get("longitude")),
        )
    return networks


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    try:
        point = (float(lat), float(lon))
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(point[0]) and math.isfinite(point[1])):
        return None
    if -90 <= point[0] <= 90 and -180 <= point[1] <= 180 and point != (0.0, 0.0):
        return point
    return None


def merge_citybikes(
    manifest: Mapping[str, Mapping[str, str]], networks: Mapping[str, CitybikesNetwork]
) -> list[CitybikesNetwork]:
    """One record per network: feeds from the manifest, names and places from /v2/networks."""
    merged: list[CitybikesNetwork] = []
    for network_id in sorted(set(manifest) | set(networks)):
        base = networks.get(network_id) or CitybikesNetwork(network_id=network_id)
        merged.append(replace(base, feeds=dict(manifest.get(network_id, {}))))
    return merged


def citybikes_to_json(networks: Iterable[CitybikesNetwork]) -> dict[str, Any]:
    """The compact form ``--update-catalog`` stores in the cache."""
    return {
        "networks": [
            {
                "id": network.network_id,
                "name": network.name,
                "city": network.city,
                "country": network.country,
                "lat": network.centre[0] if network.centre else None,
                "lon": network.centre[1] if network.centre else None,
                "feeds": network.feeds,
            }
            for network in networks
        ]
    }


def citybikes_from_json(doc: Any) -> list[CitybikesNetwork]:
    records = doc.get("networks") if isinstance(doc, Mapping) else None
    if not isinstance(records, list):
        raise CatalogFormatError("citybikes.json: no 'networks' list")
    networks: list[CitybikesNetwork] = []
    for record in records:
        if not isinstance(record, Mapping):
            continue
        network_id = record.get("id")
        feeds = record.get("feeds")
        if not isinstance(network_id, str) or not is_citybikes_network_id(network_id):
            continue
        networks.append(
            CitybikesNetwork(
                network_id=network_id,
                name=clean(str(record.get("name") or ""), MAX_NAME_CHARS),
                city=clean(str(record.get("city") or ""), MAX_NAME_CHARS),
                country=str(record.get("country") or ""),
                centre=_point(record.get("lat"), record.get("lon")),
                feeds={
                    str(version): url
                    for version, url in (feeds.items() if isinstance(feeds, Mapping) else ())
                    if isinstance(url, str) and url.startswith("https://")
                },
            )
        )
    return networks


def seed_citybikes() -> list[CitybikesNetwork]:
    return [
        CitybikesNetwork(network_id=network_id, name=name, city=city, country=country)
        for network_id, name, city, country in SEED_CITYBIKES_NETWORKS
    ]


@dataclass(frozen=True, slots=True)
class CuratedSystem:
    """A row of ``system_locations.json``."""

    lat: float
    lon: float
    radius_km: float
    aliases: tuple[str, ...] = ()


def parse_system_locations(doc: Any) -> dict[str, CuratedSystem]:
    systems = doc.get("systems") if isinstance(doc, Mapping) else None
    if not isinstance(systems, Mapping):
        raise CatalogFormatError("system_locations.json: no 'systems' object")
    curated: dict[str, CuratedSystem] = {}
    for system_id, record in systems.items():
        point = (
            _point(record.get("lat"), record.get("lon")) if isinstance(record, Mapping) else None
        )
        if point is None:
            continue
        aliases = record.get("aliases")
        curated[system_id] = CuratedSystem(
            lat=point[0],
            lon=point[1],
            radius_km=float(record.get("radius_km") or DEFAULT_RADIUS_KM),
            aliases=tuple(a for a in aliases if isinstance(a, str))
            if isinstance(aliases, list)
            else (),
        )
    return curated


# --- the catalog --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Keys:
    entry: CatalogEntry
    system_id: str
    names: frozenset[str]
    locations: frozenset[str]
    tokens: frozenset[str]
    country: str


class Catalog:
    """All entries plus learned coverage; indexes are built on first use, and entries
    without a centre of their own are placed on their town (``gazetteer``) only when a
    location is needed."""

    def __init__(
        self,
        entries: Iterable[CatalogEntry],
        coverages: Iterable[Coverage] = (),
        warnings: Iterable[str] = (),
        origin: str = "built-in",
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self.entries: tuple[CatalogEntry, ...] = tuple(entries)
        self.coverages: tuple[Coverage, ...] = tuple(coverages)
        self.warnings: tuple[str, ...] = tuple(warnings)
        self.origin = origin
        self.gazetteer = gazetteer

    def _area(self, entry: CatalogEntry) -> tuple[tuple[float, float], float, bool] | None:
        """(centre, radius km, whether the centre is only the town's) or ``None``."""
        if entry.centre is not None:
            return entry.centre, entry.radius_km or DEFAULT_RADIUS_KM, entry.approximate
        if self.gazetteer is None or not entry.location:
            return None
        place = self.gazetteer.locate(entry.location, entry.country)
        return None if place is None else ((place.lat, place.lon), place.radius_km, True)

    def located(self, entry: CatalogEntry) -> CatalogEntry:
        """``entry`` with its town's centre and reach when it has no centre of its own."""
        area = self._area(entry)
        if entry.centre is not None or area is None:
            return entry
        centre, radius_km, _ = area
        return replace(entry, centre=centre, radius_km=radius_km, approximate=True)

    def __len__(self) -> int:
        return len(self.entries)

    @cached_property
    def _keys(self) -> tuple[_Keys, ...]:
        return tuple(_entry_keys(entry) for entry in self.entries)

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
        word prefixes. Raises :class:`AmbiguousSystemError` or :class:`UnknownSystemError`.
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
        if text.casefold().startswith(CITYBIKES_PREFIX):
            network_id = text[len(CITYBIKES_PREFIX) :].strip()
            if is_citybikes_network_id(network_id):
                return CitybikesNetwork(network_id=network_id).to_entry()
        raise UnknownSystemError(text, self.suggest(text))

    def search(self, query: str = "") -> list[CatalogEntry]:
        """Entries whose id, name, aliases or location contain every word of ``query``
        (a word may also be a two-letter country code: "no", "FR")."""
        matches = sorted(self._matches(query), key=lambda m: (m[0], *_list_order(m[1])))
        return [entry for _, entry in matches]

    def search_near(
        self, query: str, lat: float, lon: float
    ) -> list[tuple[CatalogEntry, float | None]]:
        """:meth:`search` for a picker: each match with its distance (km) from the point,
        nearest first within each match level, systems of unknown position last."""
        from bikefinder.common.geo import haversine_m

        rows: list[tuple[int, float | None, CatalogEntry]] = []
        for rank, entry in self._matches(query):
            centre = self.centre_of(entry)
            distance_km = haversine_m(lat, lon, *centre) / 1000 if centre else None
            rows.append((rank, distance_km, entry))
        rows.sort(key=lambda r: (r[0], r[1] is None, r[1] or 0.0, *_list_order(r[2])))
        return [(entry, distance_km) for _, distance_km, entry in rows]

    def _matches(self, query: str) -> list[tuple[int, CatalogEntry]]:
        """(match level, entry) for every entry matching ``query``; all at level 0 if empty."""
        wanted = fold(query)
        if not wanted:
            return [(0, entry) for entry in self.entries]
        found: dict[int, tuple[int, CatalogEntry]] = {}
        for rank, level in enumerate(_SEARCH_LEVELS):
            for keys in self._keys:
                if id(keys.entry) not in found and level(keys, wanted):
                    found[id(keys.entry)] = (rank, keys.entry)
        return list(found.values())

    def centre_of(self, entry: CatalogEntry) -> tuple[float, float] | None:
        """Where the system is: its curated or Citybikes centre, else the centre of its
        stations when it was loaded before, else its town's; ``None`` if unknown."""
        if entry.centre is not None and not entry.approximate:
            return entry.centre
        coverage = self._coverage_by_url.get(entry.gbfs_url)
        if coverage is not None:
            return coverage.centre
        area = self._area(entry)
        return area[0] if area is not None else None

    @cached_property
    def _coverage_by_url(self) -> dict[str, Coverage]:
        return {coverage.gbfs_url: coverage for coverage in self.coverages}

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

    def _placements(
        self, lat: float, lon: float
    ) -> Iterator[tuple[CatalogEntry, float, tuple[int, int, float] | None]]:
        """Every system with a known place, as (entry, distance in km to its centre, its
        :func:`_location_score` if its area covers the point, else ``None``); systems
        known only from an earlier load (an ad-hoc URL) come last. One rule for
        :meth:`nearest` and :meth:`covering`."""
        from bikefinder.common.geo import haversine_m

        learned = {coverage.gbfs_url: coverage for coverage in self.coverages}
        for entry in [*self.entries, *_learned_only(learned, self.entries)]:
            distance_km = math.inf
            covers = own_area = False
            area = self._area(entry)
            if area is not None:
                distance_km = haversine_m(lat, lon, *area[0]) / 1000
                covers = distance_km <= area[1]
                own_area = covers and not area[2]
            coverage = learned.get(entry.gbfs_url)
            if coverage is not None:
                distance_km = min(distance_km, haversine_m(lat, lon, *coverage.centre) / 1000)
                if coverage.contains(lat, lon):
                    covers = own_area = True
            if math.isinf(distance_km):
                continue
            score = _location_score(entry, distance_km, own_area, area) if covers else None
            yield entry, distance_km, score

    def nearest(self, lat: float, lon: float) -> NearestSystem:
        """The system whose area covers the point: catalog feeds before Citybikes, and
        systems known only from an earlier load (an ad-hoc URL) only where nothing else
        covers it; a system's own area (curated, Citybikes' or learned from its stations)
        before one guessed from its town's name; then the closest centre. Raises
        :class:`NoSystemNearbyError` (exit 2) if none covers it."""
        covering: list[tuple[tuple[int, int, float], float, CatalogEntry]] = []
        closest: tuple[float, CatalogEntry] | None = None
        for entry, distance_km, score in self._placements(lat, lon):
            if closest is None or distance_km < closest[0]:
                closest = (distance_km, entry)
            if score is not None:
                covering.append((score, distance_km, entry))
        if covering:
            _, distance_km, entry = min(covering, key=lambda item: item[0])
            return NearestSystem(self.located(entry), distance_km)
        where = f"{lat:.5f},{lon:.5f}"
        nearest_known = ""
        if closest is not None:
            name = clean(closest[1].name, 60)
            nearest_known = f" (the nearest known one, {name}, is {closest[0]:,.0f} km away)"
        raise NoSystemNearbyError(
            f"no known bike-share system covers {where}{nearest_known}; "
            "choose one with --system NAME or URL (see --list-systems)"
        )

    def covering(self, lat: float, lon: float, limit: int | None = None) -> list[NearestSystem]:
        """Every system whose area covers the point, station systems and free-floating
        operators alike, best first by :meth:`nearest`'s rule (so the first is the one
        it picks), at most ``limit``. A Citybikes mirror of a catalog system covering
        the point, and a system known only by URL that a catalog entry already names,
        are left out. Empty when none covers it."""
        found = [
            (score, distance_km, entry)
            for entry, distance_km, score in self._placements(lat, lon)
            if score is not None
        ]
        found.sort(key=lambda item: (item[0], *_list_order(item[2])))
        chosen: list[NearestSystem] = []
        urls: set[str] = set()
        names: set[str] = set()
        for _, distance_km, entry in found:
            name = fold(entry.name)
            if entry.gbfs_url in urls or (entry.source == CITYBIKES and name in names):
                continue
            urls.add(entry.gbfs_url)
            names.add(name)
            chosen.append(NearestSystem(self.located(entry), distance_km))
            if limit is not None and len(chosen) >= limit:
                break
        return chosen


def _location_score(
    entry: CatalogEntry,
    distance_km: float,
    own_area: bool,
    area: tuple[tuple[float, float], float, bool] | None,
) -> tuple[int, int, float]:
    """Lower wins: (source, 0 for the system's own area else 1, adjusted distance)."""
    rank = {CITYBIKES: 1, LEARNED: 2}.get(entry.source, 0)
    if own_area:
        return rank, 0, distance_km
    penalty = WIDE_AREA_PENALTY * area[1] if area is not None else 0.0
    return rank, 1, distance_km + penalty


@dataclass(frozen=True, slots=True)
class NearestSystem:
    entry: CatalogEntry
    distance_km: float


def _learned_only(
    learned: Mapping[str, Coverage], entries: Sequence[CatalogEntry]
) -> list[CatalogEntry]:
    """Systems known only by URL (``--system https://...``) that were loaded before."""
    known = {entry.gbfs_url for entry in entries}
    return [
        CatalogEntry(system_id=url, name=coverage.name, gbfs_url=url, source=LEARNED)
        for url, coverage in learned.items()
        if url not in known
    ]


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
    return sorted(entries, key=lambda e: (not e.curated, e.source == CITYBIKES, *_list_order(e)))


def _list_order(entry: CatalogEntry) -> tuple[str, str, str]:
    return (entry.country, fold(entry.name), entry.system_id)


# --- loading ------------------------------------------------------------------------------

CACHE_SUBDIR = "catalog"
CACHED_SYSTEMS_CSV = "systems.csv"
CACHED_CITYBIKES = "citybikes.json"


def build_catalog(
    systems: Iterable[CatalogEntry],
    curated: Mapping[str, CuratedSystem],
    citybikes: Iterable[CitybikesNetwork] = (),
    coverages: Iterable[Coverage] = (),
    warnings: Iterable[str] = (),
    origin: str = "built-in",
    gazetteer: Gazetteer | None = None,
) -> Catalog:
    """Merge the sources: curated centres and aliases onto systems.csv rows, then
    Citybikes; entries without a centre are placed on their town by ``gazetteer``."""
    entries: list[CatalogEntry] = []
    for entry in systems:
        extra = curated.get(entry.system_id)
        if extra is not None:
            entry = replace(
                entry,
                centre=(extra.lat, extra.lon),
                radius_km=extra.radius_km,
                aliases=(*entry.aliases, *extra.aliases),
                curated=True,
            )
        entries.append(entry)
    entries.extend(network.to_entry() for network in citybikes)
    return Catalog(entries, coverages, warnings, origin, gazetteer)


def bundled_text(name: str) -> str:
    return resources.files("bikefinder.data").joinpath(name).read_text(encoding="utf-8")


def load_catalog(cache_dir: Path | None = None) -> Catalog:
    """The catalog: the refreshed copy in ``cache_dir`` if there is a good one, else the
    bundled one; a damaged cached file is reported in ``warnings``, never used."""
    warnings: list[str] = []
    origin = "built-in"
    systems: list[CatalogEntry] | None = None
    citybikes: list[CitybikesNetwork] | None = None
    coverages: list[Coverage] = []
    if cache_dir is not None:
        folder = cache_dir / CACHE_SUBDIR
        cached_csv = folder / CACHED_SYSTEMS_CSV
        if cached_csv.is_file():
            try:
                systems = parse_systems_csv(cached_csv.read_text(encoding="utf-8"))
                origin = f"updated copy in {folder}"
            except (OSError, UnicodeDecodeError, CatalogFormatError) as exc:
                warnings.append(
                    f"ignoring damaged {cached_csv} ({first_line(exc)}); using built-in"
                )
        cached_citybikes = folder / CACHED_CITYBIKES
        if cached_citybikes.is_file():
            try:
                citybikes = citybikes_from_json(json.loads(cached_citybikes.read_bytes()))
            except (OSError, ValueError, CatalogFormatError) as exc:
                warnings.append(f"ignoring damaged {cached_citybikes} ({first_line(exc)})")
        coverages = load_coverages(cache_dir / COVERAGE_FILE)
    if systems is None:
        systems = parse_systems_csv(bundled_text("systems.csv"))
    curated = parse_system_locations(json.loads(bundled_text("system_locations.json")))
    return build_catalog(
        systems,
        curated,
        citybikes if citybikes is not None else seed_citybikes(),
        coverages,
        warnings,
        origin,
        bundled_gazetteer(),
    )
