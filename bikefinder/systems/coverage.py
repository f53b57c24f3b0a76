"""Where each loaded system's stations are, so ``--near`` alone finds it next time.

The store is ``coverage.json`` in the user cache dir, keyed by discovery URL; this module
reads and writes it (the catalog consults it). A learned area is city-sized: the box of
the stations within :data:`MAX_REACH_KM` of the middle one, so a system with a few
stations at the ends of the earth never "covers" the oceans between them. Writing is
best effort: a read-only or full disk never breaks a station lookup. Light on imports:
``--once`` with a URL remembers its system without loading the catalog.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import msgspec

from bikefinder.common.files import read_json, write_atomic
from bikefinder.common.text import clean
from bikefinder.feeds.models import Station

_LAT, _LON = attrgetter("info.lat"), attrgetter("info.lon")

#: Keep the store small: the most recently loaded systems win.
MAX_REMEMBERED = 200
COVERAGE_FILE = "coverage.json"
#: Slack around a learned bounding box: a rider just outside the last station still counts.
COVERAGE_MARGIN_KM = 2.0
#: Learned bounding boxes ignore this fraction of stations at each edge (test stations at 0,0).
COVERAGE_TRIM = 0.02
_KM_PER_DEGREE = 111.195
#: How far a learned area reaches from its centre, north-south and east-west: a city's
#: system and its suburbs (stations beyond are left out of the box, not the count).
MAX_REACH_KM = 50.0
#: 200 systems take ~60 kB; a file far larger is not one this module wrote.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Names from feeds and catalog files are stored cleaned and at most this long.
MAX_NAME_CHARS = 200


class Coverage(msgspec.Struct, frozen=True):
    """Where a loaded system's stations are: a trimmed bounding box and their centre."""

    gbfs_url: str
    name: str
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float
    centre: tuple[float, float]
    stations: int
    #: Whether its vehicle types describe a bicycle (``None``: not known). A system
    #: without is not chosen by location for a bike view.
    bicycles: bool | None = None
    #: The country code at its centre, from the bundled gazetteer (``None``: not known):
    #: a warm start reads its units here instead of searching the gazetteer again.
    country: str | None = None
    #: A hash of the points it was learned from (``None``: not recorded): the same points
    #: again leave the record as it is, without sorting them or writing the file.
    fingerprint: int | None = None

    def contains(self, lat: float, lon: float, margin_km: float = COVERAGE_MARGIN_KM) -> bool:
        lat_margin = margin_km / _KM_PER_DEGREE
        lon_margin = margin_km / (_KM_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
        return (
            self.min_lat - lat_margin <= lat <= self.max_lat + lat_margin
            and self.min_lon - lon_margin <= lon <= self.max_lon + lon_margin
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "gbfs_url": self.gbfs_url,
            "name": self.name,
            "bbox": [self.min_lat, self.min_lon, self.max_lat, self.max_lon],
            "centre": list(self.centre),
            "stations": self.stations,
            **({} if self.bicycles is None else {"bicycles": self.bicycles}),
            **({} if self.country is None else {"country": self.country}),
            **({} if self.fingerprint is None else {"fingerprint": self.fingerprint}),
        }

    @classmethod
    def from_json(cls, record: Any) -> Coverage | None:
        """A stored coverage, or ``None`` if the record is damaged."""
        try:
            bbox = [float(value) for value in record["bbox"]]
            lat, lon = (float(value) for value in record["centre"])
            url, name = record["gbfs_url"], record.get("name") or record["gbfs_url"]
            if len(bbox) != 4 or not isinstance(url, str) or not all(map(math.isfinite, bbox)):
                return None
            if not (math.isfinite(lat) and math.isfinite(lon)):
                return None
            name = clean(str(name), MAX_NAME_CHARS)
            # A box wider than a city (written by hand, or before the reach applied) is
            # clipped around its centre; one that does not reach its centre is damaged.
            lat_reach, lon_reach = _reach_degrees(lat)
            min_lat, max_lat = max(bbox[0], lat - lat_reach), min(bbox[2], lat + lat_reach)
            min_lon, max_lon = max(bbox[1], lon - lon_reach), min(bbox[3], lon + lon_reach)
            if min_lat > max_lat or min_lon > max_lon:
                return None
            return cls(
                url,
                name,
                min_lat,
                min_lon,
                max_lat,
                max_lon,
                centre=(lat, lon),
                stations=int(record["stations"]),
                bicycles=bicycles if isinstance(bicycles := record.get("bicycles"), bool) else None,
                country=_country_code(record.get("country")),
                fingerprint=_fingerprint(record.get("fingerprint")),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _country_code(value: object) -> str | None:
    """A stored ISO 3166 alpha-2 code ("US"), else ``None`` (missing or not a code)."""
    if isinstance(value, str) and len(value) == 2 and value.isascii() and value.isalpha():
        return value.upper()
    return None


def _fingerprint(value: object) -> int | None:
    """A stored fingerprint (an integer; a bool is none), else ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _reach_degrees(lat: float) -> tuple[float, float]:
    """:data:`MAX_REACH_KM` as degrees of latitude and of longitude at ``lat``."""
    lon_km = _KM_PER_DEGREE * max(0.01, math.cos(math.radians(lat)))
    return MAX_REACH_KM / _KM_PER_DEGREE, MAX_REACH_KM / lon_km


def coverage_from_points(
    gbfs_url: str, name: str, points: Sequence[tuple[float, float]]
) -> Coverage | None:
    """The area a system's stations cover: centred on their median, the box of those
    within :data:`MAX_REACH_KM` of it, ignoring a few outliers at each edge; ``name``
    (a feed's) is stored cleaned."""
    if not points:
        return None
    return _coverage(
        gbfs_url, name, list(map(itemgetter(0), points)), list(map(itemgetter(1), points))
    )


def _coverage(gbfs_url: str, name: str, lats: list[float], lons: list[float]) -> Coverage:
    """:func:`coverage_from_points` of the points ``zip(lats, lons)`` (not empty)."""
    count = len(lats)
    lats, lons = sorted(lats), sorted(lons)
    trim = int(count * COVERAGE_TRIM) if count >= 20 else 0
    kept = slice(trim, count - trim)
    lats, lons = lats[kept], lons[kept]
    middle = len(lats) // 2
    centre = (lats[middle], lons[middle])
    lat_reach, lon_reach = _reach_degrees(centre[0])
    min_lat, max_lat = _within(lats, centre[0], lat_reach)
    min_lon, max_lon = _within(lons, centre[1], lon_reach)
    return Coverage(
        gbfs_url=gbfs_url,
        name=clean(name, MAX_NAME_CHARS),
        min_lat=min_lat,
        min_lon=min_lon,
        max_lat=max_lat,
        max_lon=max_lon,
        centre=centre,
        stations=count,
    )


def _within(ordered: list[float], centre: float, reach: float) -> tuple[float, float]:
    """The least and greatest of the sorted ``ordered`` values within ``reach`` of
    ``centre`` (one of them): found by bisection, then settled by the exact test
    ``abs(value - centre) <= reach`` (true for one contiguous run of sorted values)."""

    def near(value: float) -> bool:
        return abs(value - centre) <= reach

    low = bisect_left(ordered, centre - reach)
    while low > 0 and near(ordered[low - 1]):
        low -= 1
    while not near(ordered[low]):
        low += 1
    high = bisect_right(ordered, centre + reach) - 1
    while high + 1 < len(ordered) and near(ordered[high + 1]):
        high += 1
    while not near(ordered[high]):
        high -= 1
    return ordered[low], ordered[high]


def load_coverages(path: Path) -> list[Coverage]:
    """Learned coverage; a missing or damaged file just means nothing learned yet."""
    try:
        doc = read_json(path, MAX_FILE_BYTES)
    except (OSError, ValueError):  # missing, not a file, too large, not JSON, too deep
        return []
    records = doc.get("systems") if isinstance(doc, Mapping) else None
    if not isinstance(records, list):
        return []
    return [c for c in (Coverage.from_json(record) for record in records) if c is not None]


def learned_coverage(cache_dir: Path, gbfs_url: str) -> Coverage | None:
    """What an earlier load learned of ``gbfs_url``, if anything."""
    return next(
        (c for c in load_coverages(cache_dir / COVERAGE_FILE) if c.gbfs_url == gbfs_url), None
    )


def remember_coverage(
    cache_dir: Path,
    gbfs_url: str,
    name: str,
    stations: Iterable[Station | tuple[float, float]],
    bicycles: bool | None = None,
) -> Coverage | None:
    """Record (or refresh) the area of ``gbfs_url``'s stations, or of any points (a
    free-floating operator's vehicles), and whether it has ``bicycles``; ``None`` if
    nothing to store.

    ``name`` comes from a feed: it is cleaned before it is stored, so a later start that
    replays it (``Loading …``) never gets an escape sequence from this file."""
    name = clean(name, 120)
    items = stations if isinstance(stations, tuple | list) else list(stations)
    if not items:
        return None
    if all(isinstance(item, Station) for item in items):  # read in C, no pair per station
        lats, lons = list(map(_LAT, items)), list(map(_LON, items))
    else:
        points = [
            (item.info.lat, item.info.lon) if isinstance(item, Station) else (item[0], item[1])
            for item in items
        ]
        lats, lons = list(map(itemgetter(0), points)), list(map(itemgetter(1), points))
    # Numbers hash alike in every process: the same points give the same fingerprint.
    fingerprint = hash((tuple(lats), tuple(lons)))
    path = cache_dir / COVERAGE_FILE
    known = load_coverages(path)
    before = next((c for c in known if c.gbfs_url == gbfs_url), None)
    # A record with this fingerprint was written by this code, which found its country
    # (``None`` there: in no known country).
    if before is not None and (before.fingerprint, before.name, before.bicycles) == (
        fingerprint,
        name,
        bicycles,
    ):
        if known[0] is before:
            return before  # nothing changed and it is the most recent: nothing to write
        coverage = before
    else:
        coverage = _coverage(gbfs_url, name, lats, lons)
        if before is not None and before.country is not None and before.centre == coverage.centre:
            country: str | None = before.country  # the same centre: the same answer
        else:
            from bikefinder.systems.places import country_at

            country = country_at(*coverage.centre)
        coverage = msgspec.structs.replace(
            coverage, bicycles=bicycles, country=country, fingerprint=fingerprint
        )
    others = [c for c in known if c.gbfs_url != gbfs_url]
    kept = [coverage, *others][:MAX_REMEMBERED]
    try:
        write_atomic(
            path, json.dumps({"systems": [c.to_json() for c in kept]}).encode(), durable=False
        )
    except OSError:
        return None
    return coverage
