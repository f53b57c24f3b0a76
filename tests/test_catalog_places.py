"""Choosing a system by position offline: the gazetteer places every catalog system on
its town; curated centres and learned coverage stay the better answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bikefinder.common.geo import haversine_m
from bikefinder.common.text import fold
from bikefinder.systems.catalog import (
    Catalog,
    NoSystemNearbyError,
    build_catalog,
    load_catalog,
)
from bikefinder.systems.citybikes import (
    citybikes_from_json,
    citybikes_to_json,
    parse_citybikes_networks,
)
from bikefinder.systems.coverage import Coverage, coverage_from_points
from bikefinder.systems.entries import LEARNED, MOBILITYDATA, CatalogEntry
from bikefinder.systems.places import (
    CITIES_FILE,
    PLACES_FILE,
    Gazetteer,
    Place,
    bundled_table,
    location_keys,
)
from bikefinder.systems.source import resolve_source, start_point

SAME_PLACE_M = 5_000
#: The issue's share of systems.csv systems that must be choosable by position offline.
REQUIRED_SHARE = 0.95


def choosable_share(catalog: Catalog) -> tuple[float, float]:
    """(placed, sensible): the share of systems.csv systems with a known position from
    which ``--near`` picks a system, and the share for which it picks one placed within
    5 km ("Gent" and "Ghent" are one town) or a curated flagship whose area covers it
    (Vélib' in Drancy). Several systems
    share most towns, so only one of them can be *the* answer at a given point."""
    systems = [entry for entry in catalog.entries if entry.source == MOBILITYDATA]
    placed = sensible = 0
    for entry in systems:
        centre = catalog.centre_of(entry)
        if centre is None:
            continue
        try:
            chosen = catalog.nearest(*centre).entry
        except NoSystemNearbyError:
            continue
        placed += 1
        there = catalog.centre_of(chosen)
        sensible += chosen.curated or (
            there is not None and haversine_m(*there, *centre) <= SAME_PLACE_M
        )
    return placed / len(systems), sensible / len(systems)


def test_most_systems_can_be_chosen_by_position_offline(catalog: Catalog) -> None:
    placed, sensible = choosable_share(catalog)
    print(
        f"\nsystems.csv systems choosable by position offline: {placed:.1%} "
        f"(the same town's or a flagship covering it: {sensible:.1%})"
    )
    assert placed >= REQUIRED_SHARE, f"only {placed:.1%} can be chosen by position"
    assert sensible >= REQUIRED_SHARE


@pytest.mark.parametrize(
    ("point", "town"),
    [
        ((40.0150, -105.2705), "Boulder, CO"),
        ((25.2048, 55.2708), "Dubai"),
        ((49.4432, 1.0999), "Rouen"),
        ((59.9560, 11.0500), "Lillestrøm"),
    ],
)
def test_the_issues_towns_are_covered(
    catalog: Catalog, point: tuple[float, float], town: str
) -> None:
    chosen = catalog.nearest(*point).entry
    assert fold(chosen.location) == fold(town)
    assert chosen.centre is not None and chosen.approximate


def test_near_alone_picks_a_gazetteer_placed_system(catalog: Catalog) -> None:
    source = resolve_source(None, (49.4432, 1.0999), catalog=catalog)
    assert source.chosen_by is not None and source.centre is not None
    # Named without --near, it starts at its town's centre.
    named = resolve_source(source.system_id, None, catalog=catalog)
    assert start_point(named, None, (0.0, 0.0)) == (source.centre, "system centre")


def test_curated_centres_win_over_the_gazetteer(catalog: Catalog) -> None:
    velib = catalog.get("Paris")
    assert velib is not None and velib.centre == (48.8566, 2.3522) and not velib.approximate
    assert catalog.located(velib) is velib
    # Inside Vélib's own area, a car-sharing system placed on a nearby town does not win.
    assert catalog.nearest(48.80, 2.45).entry.system_id == "Paris"


def test_a_country_wide_system_loses_to_the_towns_own(catalog: Catalog) -> None:
    chosen = catalog.nearest(47.3769, 8.5417).entry  # Zürich: many Swiss-wide systems too
    assert fold(chosen.location) == "zurich"
    # Far from any town's system, the country-wide one still covers the point.
    assert catalog.nearest(46.62, 8.03).entry.location == "Switzerland"  # Grindelwald


def test_an_ad_hoc_url_does_not_win_over_the_catalog(tmp_path: Path) -> None:
    """A local test server's Vélib' copy was loaded once: Paris is still Vélib'."""
    local = "http://127.0.0.1:8765/velib/gbfs.json"
    grid = [(48.80 + i / 100, 2.25 + j / 50) for i in range(11) for j in range(11)]
    coverage = coverage_from_points(local, "Vélib' (local copy)", grid)
    assert coverage is not None and coverage.centre == pytest.approx((48.85, 2.35))
    (tmp_path / "coverage.json").write_text(json.dumps({"systems": [coverage.to_json()]}))
    catalog = load_catalog(tmp_path)
    # Its stations' centre is nearer than Vélib's, and it covers the point: still Vélib'.
    assert catalog.nearest(48.85, 2.35).entry.system_id == "Paris"
    assert catalog.nearest(48.82, 2.27).entry.source != LEARNED  # Issy: catalog systems
    # Where nothing else covers the point, the learned system is chosen.
    lonely = coverage_from_points(local, "Tiny", [(-15.90, -5.75), (-16.00, -5.65)])
    assert lonely is not None
    (tmp_path / "coverage.json").write_text(json.dumps({"systems": [lonely.to_json()]}))
    assert load_catalog(tmp_path).nearest(-15.95, -5.7).entry.gbfs_url == local


def test_a_learned_area_beats_the_towns_guess(tmp_path: Path) -> None:
    """A catalog system loaded before is placed by its stations, not its town's name."""
    catalog = load_catalog(None)
    rouen = catalog.nearest(49.4432, 1.0999).entry
    stations = [(49.30 + i / 1000, 1.20 + i / 1000) for i in range(30)]
    coverage = coverage_from_points(rouen.gbfs_url, rouen.name, stations)
    assert coverage is not None
    (tmp_path / "coverage.json").write_text(json.dumps({"systems": [coverage.to_json()]}))
    learned = load_catalog(tmp_path)
    original = learned.get(rouen.system_id)
    assert original is not None and learned.centre_of(original) == coverage.centre


def test_location_keys() -> None:
    assert location_keys("Bilbao (bk 4.0)", "ES") == ["bilbao bk 4 0", "bilbao"]
    assert location_keys("Olbramovice, CZ", "CZ") == ["olbramovice cz", "olbramovice"]
    assert location_keys("Rotterdam/Den Haag", "NL") == [
        "rotterdam den haag",
        "rotterdam",
        "den haag",
    ]
    assert location_keys("", "NL") == []


def test_gazetteer_reads_the_cities_table_only_for_unknown_locations() -> None:
    calls: list[str] = []

    def cities() -> dict[tuple[str, str], Place | None]:
        calls.append("cities")
        return {("SE", "kiruna"): Place(67.85, 20.23, 10.0)}

    places = {("NO", "bergen"): Place(60.39, 5.32, 12.0), ("NO", "bildeling"): None}
    gazetteer = Gazetteer(lambda: places, cities)
    assert gazetteer.locate("Bergen", "no") == Place(60.39, 5.32, 12.0)
    assert gazetteer.locate("Bildeling", "NO") is None  # known not to be placeable
    assert calls == []
    assert gazetteer.locate("Kiruna, SE", "SE") == Place(67.85, 20.23, 10.0)
    assert gazetteer.locate("Atlantis", "SE") is None
    assert calls == ["cities", "cities"]


def test_an_updated_catalogs_new_towns_are_placed_from_the_cities_table(
    tmp_path: Path,
) -> None:
    assert ("SE", "kiruna") not in bundled_table(PLACES_FILE)
    assert bundled_table(CITIES_FILE)[("SE", "kiruna")] is not None
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "systems.csv").write_text(
        "Country Code,Name,Location,System ID,URL,Auto-Discovery URL\n"
        "SE,Kiruna Cykel,Kiruna,kiruna_cykel,,https://k.example/gbfs.json\n"
    )
    catalog = load_catalog(tmp_path)
    assert catalog.nearest(67.855, 20.225).entry.system_id == "kiruna_cykel"


def test_without_a_gazetteer_nothing_is_guessed() -> None:
    entry = CatalogEntry("x", "X Bikes", "https://x.example/gbfs.json", "Rouen", "FR")
    catalog = build_catalog([entry], {})
    assert catalog.centre_of(entry) is None and catalog.located(entry) is entry
    with pytest.raises(NoSystemNearbyError):
        catalog.nearest(49.4432, 1.0999)


def test_feed_names_are_stored_cleaned() -> None:
    """system_information.name reaches coverage.json and citybikes.json only cleaned."""
    hostile = "Evil\x1b]0;pwned\x07 Bikes\u202e"
    coverage = coverage_from_points("https://e.example/gbfs.json", hostile, [(1.0, 1.0)])
    assert coverage is not None and coverage.name == "Evil ]0;pwned Bikes"
    stored = coverage.to_json() | {"name": hostile}
    read = Coverage.from_json(stored)
    assert read is not None and read.name == "Evil ]0;pwned Bikes"
    networks = parse_citybikes_networks(
        {"networks": [{"id": "evil", "name": hostile, "location": {"city": hostile}}]}
    )
    assert networks["evil"].name == "Evil ]0;pwned Bikes"
    assert networks["evil"].city == "Evil ]0;pwned Bikes"
    document = citybikes_to_json(networks.values())
    document["networks"][0]["name"] = hostile
    assert citybikes_from_json(document)[0].name == "Evil ]0;pwned Bikes"
