"""``country_at`` reads only the towns in the point's band of latitude: it must answer
exactly as a scan of every town of both tables does."""

from __future__ import annotations

import math
import random

from bikefinder.systems import places
from bikefinder.systems.places import CITIES_FILE, COUNTRY_REACH_KM, PLACES_FILE, bundled_table


def every_town() -> list[tuple[float, float, str]]:
    towns = {}
    for name in (CITIES_FILE, PLACES_FILE):
        for (country, key), place in bundled_table(name).items():
            if place is not None:
                towns[(country, key)] = (place.lat, place.lon, country)
    return list(towns.values())


def scanned_country(towns: list[tuple[float, float, str]], lat: float, lon: float) -> str | None:
    lat, lon = round(lat, 2), round(lon, 2)
    scale = math.cos(math.radians(lat)) ** 2
    best, country = math.inf, None
    for town_lat, town_lon, town_country in towns:
        d_lon = (town_lon - lon + 180.0) % 360.0 - 180.0
        distance = (town_lat - lat) ** 2 + scale * d_lon**2
        if distance < best:
            best, country = distance, town_country
    return country if best <= (COUNTRY_REACH_KM / 111.2) ** 2 else None


def test_the_band_answers_as_every_town_does() -> None:
    towns = every_town()
    rng = random.Random(7)
    points = [(rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(300)]
    # Near towns (borders, the band's edges, both hemispheres), and just past the reach.
    for lat, lon, _ in rng.sample(towns, 300):
        points.append((lat + rng.uniform(-1.5, 1.5), lon + rng.uniform(-1.5, 1.5)))
        points.append((lat + rng.choice((-1.36, 1.36)), lon))
    points += [(-0.4, 36.8), (0.3, 32.6), (-1.2, 36.9), (89.9, 0.0), (-89.9, 0.0)]
    for lat, lon in points:
        assert places.country_at(lat, lon) == scanned_country(towns, lat, lon), (lat, lon)


def test_known_countries() -> None:
    assert places.country_at(40.75, -73.98) == "US"
    assert places.country_at(-33.87, 151.21) == "AU"
    assert places.country_at(-0.18, -78.47) == "EC"  # Quito: a band across the equator
    assert places.country_at(0.0, -30.0) is None


def test_the_shipped_latitude_table_is_built_from_the_shipped_tables() -> None:
    """``towns_by_latitude.tsv`` cannot drift from the two tables it is derived from."""
    from importlib import resources

    shipped = resources.files("bikefinder.data").joinpath(places.LATITUDE_FILE).read_text()
    built = places.latitude_table(bundled_table(CITIES_FILE), bundled_table(PLACES_FILE))
    assert shipped == built
    rows = [line for line in built.splitlines(keepends=True) if not line.startswith("#")]
    assert {len(row.encode()) for row in rows} == {places.LATITUDE_ROW_BYTES}
    latitudes = [float(row[:9]) for row in rows]
    assert latitudes == sorted(latitudes) and len(rows) > 30_000
