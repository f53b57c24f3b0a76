"""Where a catalog system's town is, offline: bikefinder's own gazetteer tables.

``places.tsv`` places every location of the bundled ``systems.csv``; ``cities.tsv`` (every
town of 15,000 people or more) places what an updated catalog adds. Both are generated
from GeoNames by ``scripts/build_places.py`` (see ``bikefinder/data/ATTRIBUTION.md``);
the app needs nothing else. ``cities.tsv`` is only read when ``places.tsv`` does not know
a location, so the bundled catalog pays for one small table.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from pathlib import Path

import msgspec

from bikefinder.common.text import fold

PLACES_FILE = "places.tsv"
CITIES_FILE = "cities.tsv"


class Place(msgspec.Struct, frozen=True):
    """A town's centre and how far a bike-share system there plausibly reaches."""

    lat: float
    lon: float
    radius_km: float


#: (country code, folded location) -> where it is; ``None``: known not to be placeable.
PlaceTable = Mapping[tuple[str, str], Place | None]


def radius_for_population(population: int) -> float:
    """A town's reach in km: big cities' systems spread further than small towns'."""
    if population >= 2_000_000:
        return 30.0
    if population >= 500_000:
        return 20.0
    if population >= 100_000:
        return 15.0
    return 10.0


_BRACKETS = re.compile(r"\([^)]*\)")
_SEPARATORS = re.compile(r"[,/;]| & ")
_CODE = re.compile(r"^[A-Z]{2}$")


def location_keys(location: str, country: str = "") -> list[str]:
    """Folded forms of a systems.csv location to look up, most specific first.

    ``"Bilbao (bk 4.0)"`` -> ``bilbao``; ``"Olbramovice, CZ"`` -> ``olbramovice``;
    ``"Rotterdam/Den Haag"`` -> ``rotterdam``, ``den haag``.
    """
    keys = [fold(location)] if fold(location) else []
    bare = _BRACKETS.sub(" ", location)
    for text in (bare, *_SEPARATORS.split(bare)):
        key = fold(text)
        # A lone "CZ" or "MN" after a comma is a country or state code, not a town.
        if key and key not in keys and not _CODE.match(text.strip()):
            keys.append(key)
    return keys


def parse_table(text: str) -> dict[tuple[str, str], Place | None]:
    """A gazetteer table: ``country, key, lat, lon, radius_km`` by tabs; ``#`` comments."""
    table: dict[tuple[str, str], Place | None] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        country, key, lat, lon, radius = line.split("\t")
        table[(country, key)] = Place(float(lat), float(lon), float(radius)) if lat else None
    return table


def bundled_bytes(name: str) -> bytes:
    """A file shipped in ``bikefinder/data``, read from the package's folder (the first
    use of importlib.resources' readers costs ~7 ms, a cold answer's country lookup paid
    it); through importlib.resources where the package is not a folder (a zip)."""
    try:
        return (Path(__file__).resolve().parent.parent / "data" / name).read_bytes()
    except OSError:
        from importlib import resources

        return resources.files("bikefinder.data").joinpath(name).read_bytes()


@cache
def bundled_table(name: str) -> dict[tuple[str, str], Place | None]:
    return parse_table(bundled_bytes(name).decode("utf-8"))


class Gazetteer:
    """Looks locations up in ``places`` first, then in ``cities``; each table is read
    on first need (a catalog that only resolves names reads neither)."""

    def __init__(
        self,
        places: Callable[[], PlaceTable],
        cities: Callable[[], PlaceTable] | None = None,
    ) -> None:
        self._places = places
        self._cities = cities

    def locate(self, location: str, country: str) -> Place | None:
        """Where ``location`` (in ``country``) is, or ``None`` if the tables cannot say."""
        country = country.strip().upper()
        key = (country, fold(location))
        places = self._places()
        if key in places:
            return places[key]
        if not key[1] or self._cities is None:
            return None
        cities = self._cities()
        for candidate in location_keys(location, country):
            place = cities.get((country, candidate))
            if place is not None:
                return place
        return None


def bundled_gazetteer() -> Gazetteer:
    """The tables shipped in ``bikefinder/data``."""
    return Gazetteer(lambda: bundled_table(PLACES_FILE), lambda: bundled_table(CITIES_FILE))


#: A point farther than this from every town in the tables is in no known country (at sea).
COUNTRY_REACH_KM = 150.0


#: Every placed town of both tables as ``lat, lon, country`` sorted by latitude, each row
#: exactly :data:`LATITUDE_ROW_BYTES` long (``+048.8566\t+002.3522\tFR\n``), so the
#: towns near a latitude are found by bisection, not by reading every row. Built from the
#: two tables by :func:`latitude_table` (``scripts/build_places.py``).
LATITUDE_FILE = "towns_by_latitude.tsv"
LATITUDE_ROW_BYTES = 23
_LATITUDE_HEADER = (
    "# Every placed town of places.tsv and cities.tsv (where both name one, places.tsv says\n"
    "# where), sorted by latitude; rows of 23 bytes: lat, lon, country. GeoNames cities\n"
    "# (CC BY 4.0, see ATTRIBUTION.md). Generated by scripts/build_places.py; do not edit.\n"
)


def latitude_table(cities: PlaceTable, places: PlaceTable) -> str:
    """The text of :data:`LATITUDE_FILE` for these two tables."""
    towns: dict[tuple[str, str], tuple[float, float, str]] = {}
    for table in (cities, places):
        for (country, key), place in table.items():
            if place is not None:
                towns[(country, key)] = (place.lat, place.lon, country)
    rows = sorted(towns.values(), key=lambda town: town[0])  # stable: table order in ties
    return _LATITUDE_HEADER + "".join(
        f"{lat:+09.4f}\t{lon:+09.4f}\t{country:2.2}\n" for lat, lon, country in rows
    )


@cache
def _latitude_rows() -> tuple[bytes, int, int]:
    """The bundled :data:`LATITUDE_FILE`: its bytes, where its rows start, how many."""
    data = bundled_bytes(LATITUDE_FILE)
    start = 0
    while data.startswith(b"#", start):
        start = data.index(b"\n", start) + 1
    return data, start, (len(data) - start) // LATITUDE_ROW_BYTES


def _towns_near(lat: float) -> list[tuple[float, float, str]]:
    """Every placed town of both tables within reach of latitude ``lat``, as (lat, lon,
    country), from south to north."""
    reach = COUNTRY_REACH_KM / 111.2 + 0.01
    low, high = lat - reach, lat + reach
    data, start, count = _latitude_rows()
    size = LATITUDE_ROW_BYTES

    def latitude(row: int) -> float:
        at = start + row * size
        return float(data[at : at + 9])

    towns: list[tuple[float, float, str]] = []
    for row in range(bisect_left(range(count), low, key=latitude), count):
        town_lat = latitude(row)
        if town_lat > high:
            break
        at = start + row * size
        towns.append((town_lat, float(data[at + 10 : at + 19]), data[at + 20 : at + 22].decode()))
    return towns


def country_at(lat: float, lon: float) -> str | None:
    """The country code of the town nearest to a point, from the bundled gazetteer
    (``None`` when no town is within :data:`COUNTRY_REACH_KM`). Near a border this is
    the nearer town's country, which is what a rider there most likely reads. Only the
    towns in the point's band of latitude are read (a town beyond it is out of reach):
    a few ms instead of parsing both tables (~130 ms)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return _country_at(round(lat, 2), round(lon, 2))


@lru_cache(maxsize=256)
def _country_at(lat: float, lon: float) -> str | None:
    scale = math.cos(math.radians(lat)) ** 2
    best, country = math.inf, None
    for town_lat, town_lon, town_country in _towns_near(lat):
        d_lon = (town_lon - lon + 180.0) % 360.0 - 180.0
        distance = (town_lat - lat) ** 2 + scale * d_lon**2
        if distance < best:
            best, country = distance, town_country
    reach_degrees = COUNTRY_REACH_KM / 111.2
    return country if best <= reach_degrees**2 else None
