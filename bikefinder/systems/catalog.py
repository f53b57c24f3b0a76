"""The system catalog: every known GBFS system, found by name or by where you are.

Three sources are merged: MobilityData's ``systems.csv`` (bundled, or refreshed into the
cache by ``--update-catalog``; read by :mod:`bikefinder.systems.systems_csv`),
bikefinder's curated ``system_locations.json`` (city centres, radii and aliases of
well-known systems) and the Citybikes GBFS networks (``citybikes:<network>``, read by
:mod:`bikefinder.systems.citybikes`). Every other system is placed on its town by
bikefinder's offline gazetteer (:mod:`bikefinder.systems.places`); coverage learned from
loaded stations (see :mod:`bikefinder.systems.coverage`) refines the choice by location.

This module loads and merges the sources and chooses systems by location; finding them by
name is :mod:`bikefinder.systems.search`, and an entry itself is
:mod:`bikefinder.systems.entries`. :func:`load_catalog` only reads local files.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import msgspec

from bikefinder.common.errors import UsageError, first_line
from bikefinder.common.files import read_json, read_regular
from bikefinder.common.text import clean, fold
from bikefinder.systems.citybikes import CitybikesNetwork, citybikes_from_json, seed_citybikes
from bikefinder.systems.coverage import COVERAGE_FILE, Coverage, load_coverages
from bikefinder.systems.entries import (
    CITYBIKES,
    LEARNED,
    CatalogEntry,
    CatalogFormatError,
    plausible_point,
)
from bikefinder.systems.places import Gazetteer, bundled_bytes, bundled_gazetteer
from bikefinder.systems.search import SystemIndex, list_order
from bikefinder.systems.systems_csv import parse_systems_csv

#: Radius assumed around a centre that has no radius of its own (Citybikes networks).
DEFAULT_RADIUS_KM = 15.0
#: Choosing by location among systems placed only on their town: each counts as further
#: by this share of its reach (a country-wide system loses to the town's own).
WIDE_AREA_PENALTY = 0.1


class NoSystemNearbyError(UsageError):
    """No system with known coordinates covers the point: a usage-level answer (exit 2),
    like a --system name that matches nothing."""


class CuratedSystem(msgspec.Struct, frozen=True):
    """A row of ``system_locations.json``."""

    lat: float
    lon: float
    radius_km: float
    aliases: tuple[str, ...] = ()


def parse_system_locations(doc: Any) -> dict[str, CuratedSystem]:
    """Curated centres, radii and aliases by system id; records without a usable
    point are skipped."""
    systems = doc.get("systems") if isinstance(doc, Mapping) else None
    if not isinstance(systems, Mapping):
        raise CatalogFormatError("system_locations.json: no 'systems' object")
    curated: dict[str, CuratedSystem] = {}
    for system_id, record in systems.items():
        point = (
            plausible_point(record.get("lat"), record.get("lon"))
            if isinstance(record, Mapping)
            else None
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
        return msgspec.structs.replace(entry, centre=centre, radius_km=radius_km, approximate=True)

    def __len__(self) -> int:
        return len(self.entries)

    @cached_property
    def _index(self) -> SystemIndex:
        return SystemIndex(self.entries)

    def get(self, system_id: str) -> CatalogEntry | None:
        """The entry with exactly this id (ignoring case and accents)."""
        return self._index.get(system_id)

    def resolve(self, query: str) -> CatalogEntry:
        """The one system ``query`` names (see :meth:`SystemIndex.resolve`); raises
        :class:`~bikefinder.systems.search.AmbiguousSystemError` or
        :class:`~bikefinder.systems.search.UnknownSystemError`."""
        return self._index.resolve(query)

    def search(self, query: str = "") -> list[CatalogEntry]:
        """Entries whose id, name, aliases or location contain every word of ``query``
        (a word may also be a two-letter country code: "no", "FR")."""
        return self._index.search(query)

    def search_near(
        self, query: str, lat: float, lon: float
    ) -> list[tuple[CatalogEntry, float | None]]:
        """:meth:`search` for a picker: each match with its distance (km) from the point,
        nearest first within each match level, systems of unknown position last."""
        from bikefinder.common.geo import haversine_m

        rows: list[tuple[int, float | None, CatalogEntry]] = []
        for rank, entry in self._index.matches(query):
            centre = self.centre_of(entry)
            distance_km = haversine_m(lat, lon, *centre) / 1000 if centre else None
            rows.append((rank, distance_km, entry))
        rows.sort(key=lambda r: (r[0], r[1] is None, r[1] or 0.0, *list_order(r[2])))
        return [(entry, distance_km) for _, distance_km, entry in rows]

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
        found.sort(key=lambda item: (item[0], *list_order(item[2])))
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


class NearestSystem(msgspec.Struct, frozen=True):
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


# --- loading ------------------------------------------------------------------------------

CACHE_SUBDIR = "catalog"
CACHED_SYSTEMS_CSV = "systems.csv"
CACHED_CITYBIKES = "citybikes.json"
#: What ``--update-catalog`` stores is at most its download cap (32 MB) per file.
MAX_CACHED_BYTES = 32 * 1024 * 1024


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
            entry = msgspec.structs.replace(
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
    """A data file shipped in ``bikefinder/data`` (``systems.csv``, ...)."""
    return bundled_bytes(name).decode("utf-8")


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
                systems = parse_systems_csv(
                    read_regular(cached_csv, MAX_CACHED_BYTES).decode("utf-8")
                )
                origin = f"updated copy in {folder}"
            except (OSError, UnicodeDecodeError, CatalogFormatError) as exc:
                warnings.append(
                    f"ignoring damaged {cached_csv} ({first_line(exc)}); using built-in"
                )
        cached_citybikes = folder / CACHED_CITYBIKES
        if cached_citybikes.is_file():
            try:
                citybikes = citybikes_from_json(read_json(cached_citybikes, MAX_CACHED_BYTES))
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
