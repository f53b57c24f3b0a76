"""The system catalog: parsing its sources, resolving names, choosing by location."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bikefinder.common.errors import BikefinderError, UsageError
from bikefinder.common.text import fold
from bikefinder.feeds import gbfs
from bikefinder.systems.catalog import (
    Catalog,
    NoSystemNearbyError,
    build_catalog,
    bundled_text,
    load_catalog,
    parse_system_locations,
)
from bikefinder.systems.citybikes import (
    CitybikesNetwork,
    citybikes_from_json,
    citybikes_gbfs_url,
    citybikes_to_json,
    merge_citybikes,
    parse_citybikes_manifest,
    parse_citybikes_networks,
)
from bikefinder.systems.coverage import Coverage, coverage_from_points, load_coverages
from bikefinder.systems.entries import CITYBIKES, LEARNED, CatalogEntry, CatalogFormatError
from bikefinder.systems.search import AmbiguousSystemError, UnknownSystemError
from bikefinder.systems.systems_csv import parse_systems_csv

# --- examples from the Citybikes GBFS documentation (../shared/seeds/citybikes-gbfs-api.md)

CITYBIKES_MANIFEST = {
    "last_updated": "2025-03-05T14:55:42.206176",
    "ttl": 0,
    "version": "3.0",
    "data": {
        "datasets": [
            {
                "system_id": "bicing",
                "versions": [
                    {"version": "2.3", "url": "https://api.citybik.es/gbfs/2/bicing/gbfs.json"},
                    {"version": "3.0", "url": "https://api.citybik.es/gbfs/3/bicing/gbfs.json"},
                ],
            }
        ]
    },
}
CITYBIKES_V2_GBFS = {
    "last_updated": 1741185208,
    "ttl": 0,
    "version": "2.3",
    "data": {
        "en": {
            "feeds": [
                {"name": "gbfs", "url": "https://api.citybik.es/gbfs/2/bicing/gbfs.json"},
                {
                    "name": "gbfs_versions",
                    "url": "https://api.citybik.es/gbfs/2/bicing/gbfs_versions.json",
                },
                {
                    "name": "system_information",
                    "url": "https://api.citybik.es/gbfs/2/bicing/system_information.json",
                },
                {
                    "name": "vehicle_types",
                    "url": "https://api.citybik.es/gbfs/2/bicing/vehicle_types.json",
                },
                {
                    "name": "station_information",
                    "url": "https://api.citybik.es/gbfs/2/bicing/station_information.json",
                },
                {
                    "name": "station_status",
                    "url": "https://api.citybik.es/gbfs/2/bicing/station_status.json",
                },
            ]
        }
    },
}
CITYBIKES_V3_GBFS = {
    "last_updated": "2025-03-05T15:09:27",
    "ttl": 0,
    "version": "3.0",
    "data": {
        "feeds": [
            {"name": "gbfs", "url": "https://api.citybik.es/gbfs/3/bicing/gbfs.json"},
            {
                "name": "system_information",
                "url": "https://api.citybik.es/gbfs/3/bicing/system_information.json",
            },
            {
                "name": "vehicle_types",
                "url": "https://api.citybik.es/gbfs/3/bicing/vehicle_types.json",
            },
            {
                "name": "station_information",
                "url": "https://api.citybik.es/gbfs/3/bicing/station_information.json",
            },
            {
                "name": "station_status",
                "url": "https://api.citybik.es/gbfs/3/bicing/station_status.json",
            },
        ]
    },
}
#: The shape of ``/v2/networks`` (Citybikes API v2), trimmed to three networks.
CITYBIKES_NETWORKS = {
    "networks": [
        {
            "company": ["Barcelona de Serveis Municipals, S.A. (BSM)", "CESPA", "PBSC"],
            "href": "/v2/networks/bicing",
            "id": "bicing",
            "location": {
                "city": "Barcelona",
                "country": "ES",
                "latitude": 41.3850639,
                "longitude": 2.1734035,
            },
            "name": "Bicing",
        },
        {
            "href": "/v2/networks/lonely-bikes",
            "id": "lonely-bikes",
            "location": {
                "city": "Reykjavík",
                "country": "is",
                "latitude": 64.1466,
                "longitude": -21.9426,
            },
            "name": "Lonely Bikes",
        },
        {"id": "no-place", "name": "Nowhere", "location": {"latitude": "x"}},
        {"id": "../../etc", "name": "hostile id"},
        "not an object",
    ]
}


# --- systems.csv ----------------------------------------------------------------------------


def test_bundled_catalog_has_every_systems_csv_row(catalog: Catalog) -> None:
    official = [entry for entry in catalog.entries if entry.source != CITYBIKES]
    assert len(official) == 1520
    velib = catalog.get("Paris")
    assert velib is not None
    assert velib.name == "Vélib' Metropole"
    assert velib.gbfs_url.endswith("/Velib_Metropole/gbfs.json")
    assert velib.versions == ("1.0",)
    assert velib.curated and velib.centre is not None


def test_versions_split_on_semicolons_with_or_without_spaces(catalog: Catalog) -> None:
    unspaced = [
        entry
        for entry in catalog.entries
        if entry.source != CITYBIKES and entry.versions == ("1.1", "2.3")
    ]
    assert len(unspaced) >= 3 + 84  # "1.1; 2.3" (3 rows) and "1.1 ; 2.3" (84 rows)
    assert all(all(" " not in v and ";" not in v for v in e.versions) for e in catalog.entries)


def test_versions_are_sorted_and_duplicate_ids_stay_addressable() -> None:
    text = (
        "Country Code,Name,Location,System ID,URL,Auto-Discovery URL,Supported Versions\n"
        "FR,One,Lyon,dup,https://a.example,https://a.example/gbfs.json,2.2 ; 1.0\n"
        "FR,Two,Lyon,dup,https://b.example,https://b.example/gbfs.json,3.0\n"
        "FR,No URL,Lyon,nourl,https://c.example,,3.0\n"
        "FR,File URL,Lyon,file,https://c.example,file:///etc/passwd,3.0\n"
    )
    entries = parse_systems_csv("\ufeff" + text)
    assert [entry.system_id for entry in entries] == ["dup", "dup-2"]
    assert entries[0].versions == ("1.0", "2.2")


def test_systems_csv_without_its_columns_is_refused() -> None:
    with pytest.raises(CatalogFormatError, match="missing column"):
        parse_systems_csv("<html><body>Not Found</body></html>")
    with pytest.raises(CatalogFormatError, match="no usable systems"):
        parse_systems_csv("System ID,Name,Auto-Discovery URL\n")


def test_authentication_columns_become_required_headers(catalog: Catalog) -> None:
    hamburg = catalog.get("stadtrad_hamburg")
    assert hamburg is not None and hamburg.needs_key
    assert hamburg.auth_headers == ("DB-Client-Id", "DB-Api-Key")
    bergen = catalog.resolve("bergen")
    assert bergen.needs_client_identifier and not bergen.needs_key
    assert bergen.required_headers == ("Client-Identifier",)
    oslo = catalog.resolve("oslo")
    assert oslo.required_headers == ("ET-Client-Name",)


def test_curated_locations_all_name_real_systems(catalog: Catalog) -> None:
    curated = parse_system_locations(json.loads(bundled_text("system_locations.json")))
    assert len(curated) >= 40
    for system_id in curated:
        entry = catalog.get(system_id)
        assert entry is not None and entry.curated, system_id


# --- names ----------------------------------------------------------------------------------


def test_fold_ignores_case_accents_and_punctuation() -> None:
    assert fold("Vélib' Métropole") == "velib metropole"
    assert fold("Lillestrøm") == "lillestrom"
    assert fold("  Bergen-City_Bike ") == "bergen city bike"
    assert fold("citybikes:bicing") == "citybikes bicing"


@pytest.mark.parametrize(
    ("query", "system_id"),
    [
        ("velib", "Paris"),
        ("Vélib' Métropole", "Paris"),
        ("VELIB METROPOLE", "Paris"),
        ("Paris", "Paris"),
        ("Bergen", "bergen-city-bike"),
        ("bergen-city-bike", "bergen-city-bike"),
        ("Bergen Bysykkel", "bergen-city-bike"),
        ("Oslo", "oslobysykkel"),
        ("Oslo Bysykkel", "oslobysykkel"),
        ("citibike", "lyft_nyc"),
        ("Citi Bike", "lyft_nyc"),
        ("New York", "lyft_nyc"),
        ("bicing", "bike_barcelona"),
        ("Barcelona", "bike_barcelona"),
        ("barcelona", "barcelona"),  # typed exactly, an id wins (Cooltra's scooters)
        ("citybikes:bicing", "citybikes:bicing"),
        ("CITYBIKES:BICING", "citybikes:bicing"),
        ("ecobici mexico", "MEX"),
        ("Yélo", "citiz_la_rochelle-2"),
        ("Lillestrøm bysykkel", "lillestrom"),
    ],
)
def test_resolve_names(catalog: Catalog, query: str, system_id: str) -> None:
    assert catalog.resolve(query).system_id == system_id


def test_every_listed_id_resolves_to_its_own_system(catalog: Catalog) -> None:
    for entry in catalog.entries:
        assert catalog.resolve(entry.system_id) is entry


def test_citybikes_networks_are_addressable_even_when_unlisted(catalog: Catalog) -> None:
    entry = catalog.resolve("citybikes:bicing")
    assert entry.gbfs_url == "https://api.citybik.es/gbfs/3/bicing/gbfs.json"
    unlisted = catalog.resolve("citybikes:some-network")
    assert unlisted.source == CITYBIKES
    assert unlisted.gbfs_url == "https://api.citybik.es/gbfs/3/some-network/gbfs.json"
    with pytest.raises(UnknownSystemError):
        catalog.resolve("citybikes:../../etc/passwd")


def test_ambiguous_name_lists_every_candidate(catalog: Catalog) -> None:
    with pytest.raises(AmbiguousSystemError) as caught:
        catalog.resolve("ecobici")
    assert {entry.system_id for entry in caught.value.candidates} == {"MEX", "bike_buenosaires"}
    assert isinstance(caught.value, UsageError)  # exit status 2
    message = str(caught.value)
    assert "MEX (Ecobici, Mexico City, MX)" in message
    assert "bike_buenosaires" in message
    assert "\n" not in message


def test_ambiguous_location_without_a_flagship(catalog: Catalog) -> None:
    with pytest.raises(AmbiguousSystemError) as caught:
        catalog.resolve("Lillehammer")
    assert {"boltlillehammer", "getaround_lillehammer"} <= {
        entry.system_id for entry in caught.value.candidates
    }


def test_long_candidate_lists_are_cut_short(catalog: Catalog) -> None:
    with pytest.raises(AmbiguousSystemError) as caught:
        catalog.resolve("lime")
    assert len(caught.value.candidates) > 8
    assert "more (see --list-systems 'lime')" in str(caught.value)


def test_unknown_name_suggests_the_closest(catalog: Catalog) -> None:
    with pytest.raises(UnknownSystemError) as caught:
        catalog.resolve("bergn")
    assert isinstance(caught.value, UsageError)
    assert caught.value.suggestions[0].system_id == "bergen-city-bike"
    assert "did you mean: bergen-city-bike" in str(caught.value)
    with pytest.raises(UnknownSystemError) as nothing_close:
        catalog.resolve("qqqqzzzzxxxx")
    assert nothing_close.value.suggestions == ()


def test_empty_name_is_a_usage_error(catalog: Catalog) -> None:
    with pytest.raises(UsageError):
        catalog.resolve("  '  ")


def test_search_for_list_systems(catalog: Catalog) -> None:
    found = catalog.search("bergen")
    assert found[0].system_id == "bergen-city-bike"  # flagship and exact matches first
    assert {entry.system_id for entry in found} >= {"boltbergen", "voibergen"}
    assert len(catalog.search("")) == len(catalog)
    assert catalog.search("qqqqzzzz") == []


# --- location ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "system_id"),
    [
        ((48.85, 2.35), "Paris"),
        ((60.39, 5.32), "bergen-city-bike"),
        ((40.75, -73.98), "lyft_nyc"),
        ((59.91, 10.75), "oslobysykkel"),
        ((41.39, 2.17), "bike_barcelona"),
        ((48.80, 2.45), "Paris"),  # Créteil: the suburbs are Vélib' too
    ],
)
def test_nearest_system(catalog: Catalog, point: tuple[float, float], system_id: str) -> None:
    assert catalog.nearest(*point).entry.system_id == system_id


def test_a_point_far_from_every_system_says_so(catalog: Catalog) -> None:
    with pytest.raises(NoSystemNearbyError) as caught:
        catalog.nearest(10.0, -30.0)  # mid-Atlantic
    assert isinstance(caught.value, UsageError)  # exit status 2, like an unknown --system
    message = str(caught.value)
    assert "--system" in message and "10.00000,-30.00000" in message
    assert "km away" in message


def test_official_feeds_win_over_citybikes_in_the_same_place() -> None:
    networks = merge_citybikes(
        parse_citybikes_manifest(CITYBIKES_MANIFEST), parse_citybikes_networks(CITYBIKES_NETWORKS)
    )
    official = CatalogEntry(
        "bike_barcelona", "Bicing", "https://b.example/gbfs.json", centre=(41.3874, 2.1686)
    )
    catalog = build_catalog([official], {}, networks)
    assert catalog.nearest(41.385, 2.173).entry.system_id == "bike_barcelona"
    # Only Citybikes knows Reykjavík: it is chosen there.
    assert catalog.nearest(64.14, -21.94).entry.system_id == "citybikes:lonely-bikes"


# --- Citybikes ------------------------------------------------------------------------------


def test_citybikes_manifest_from_the_docs() -> None:
    manifest = parse_citybikes_manifest(CITYBIKES_MANIFEST)
    assert manifest == {
        "bicing": {
            "2.3": "https://api.citybik.es/gbfs/2/bicing/gbfs.json",
            "3.0": "https://api.citybik.es/gbfs/3/bicing/gbfs.json",
        }
    }


@pytest.mark.parametrize("broken", [[], {"data": {}}, {"data": {"datasets": "x"}}, "text"])
def test_broken_manifest_is_refused(broken: object) -> None:
    with pytest.raises(CatalogFormatError):
        parse_citybikes_manifest(broken)


def test_citybikes_networks_list() -> None:
    networks = parse_citybikes_networks(CITYBIKES_NETWORKS)
    assert set(networks) == {"bicing", "lonely-bikes", "no-place"}
    assert networks["bicing"].centre == (41.3850639, 2.1734035)
    assert networks["bicing"].city == "Barcelona"
    assert networks["lonely-bikes"].country == "IS"
    assert networks["no-place"].centre is None
    with pytest.raises(CatalogFormatError):
        parse_citybikes_networks({"network": []})


@pytest.mark.parametrize(
    ("major", "document", "version"),
    [("2", CITYBIKES_V2_GBFS, "2.3"), ("3", CITYBIKES_V3_GBFS, "3.0")],
)
def test_citybikes_endpoint_layouts_from_the_docs(major: str, document: dict, version: str) -> None:
    url = citybikes_gbfs_url("bicing", major)
    assert url == f"https://api.citybik.es/gbfs/{major}/bicing/gbfs.json"
    discovery = gbfs.parse_discovery(document, url)
    assert discovery.version == version
    assert discovery.feeds["gbfs"] == url
    for feed in ("system_information", "station_information", "station_status"):
        assert discovery.feeds[feed] == url.replace("gbfs.json", f"{feed}.json")


def test_merged_citybikes_prefers_gbfs_3_and_round_trips() -> None:
    merged = merge_citybikes(
        parse_citybikes_manifest(CITYBIKES_MANIFEST), parse_citybikes_networks(CITYBIKES_NETWORKS)
    )
    bicing = next(network for network in merged if network.network_id == "bicing")
    assert bicing.gbfs_url() == "https://api.citybik.es/gbfs/3/bicing/gbfs.json"
    only_v2 = CitybikesNetwork("x", feeds={"2.3": "https://api.citybik.es/gbfs/2/x/gbfs.json"})
    assert only_v2.gbfs_url().endswith("/gbfs/2/x/gbfs.json")
    assert citybikes_from_json(json.loads(json.dumps(citybikes_to_json(merged)))) == merged
    entry = bicing.to_entry()
    assert (entry.system_id, entry.name, entry.location) == (
        "citybikes:bicing",
        "Bicing",
        "Barcelona",
    )
    assert entry.versions == ("2.3", "3.0")


# --- learned coverage and the cache --------------------------------------------------------


def test_coverage_ignores_a_stray_station() -> None:
    points = [(60.39 + i / 1000, 5.32 + i / 1000) for i in range(100)] + [(0.0, 0.0)]
    coverage = coverage_from_points("https://x.example/gbfs.json", "X", points)
    assert coverage is not None
    assert coverage.min_lat > 60 and coverage.contains(60.43, 5.36)
    assert not coverage.contains(0.0, 0.0)
    assert coverage.contains(60.39 - 0.015, 5.32)  # within the 2 km margin
    assert Coverage.from_json(json.loads(json.dumps(coverage.to_json()))) == coverage
    assert coverage_from_points("u", "n", []) is None


def test_learned_coverage_makes_a_url_system_choosable(tmp_path: Path) -> None:
    url = "https://feeds.example/tiny/gbfs.json"
    # Saint Helena: no catalog system is there.
    coverage = coverage_from_points(url, "Tiny Bikes", [(-15.9, -5.75), (-16.0, -5.65)])
    assert coverage is not None
    (tmp_path / "coverage.json").write_text(json.dumps({"systems": [coverage.to_json()]}))
    catalog = load_catalog(tmp_path)
    chosen = catalog.nearest(-15.95, -5.7).entry
    assert (chosen.gbfs_url, chosen.name, chosen.source) == (url, "Tiny Bikes", LEARNED)


def test_damaged_coverage_store_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "coverage.json"
    path.write_text("{not json")
    assert load_coverages(path) == []
    path.write_text(json.dumps({"systems": [{"bbox": "x"}, 3]}))
    assert load_coverages(path) == []


def test_cached_copy_is_used_and_a_damaged_one_reported(tmp_path: Path) -> None:
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "systems.csv").write_text(
        "Country Code,Name,Location,System ID,URL,Auto-Discovery URL,Supported Versions\n"
        "IS,Reykjavik Bikes,Reykjavík,rvk,https://r.example,https://r.example/gbfs.json,3.0\n"
    )
    updated = load_catalog(tmp_path)
    assert updated.resolve("reykjavik").system_id == "rvk"
    assert updated.get("Paris") is None
    assert "updated copy" in updated.origin and updated.warnings == ()

    (folder / "systems.csv").write_bytes(b"\xff\xfe garbage")
    (folder / "citybikes.json").write_text("[]")
    fallback = load_catalog(tmp_path)
    assert fallback.get("Paris") is not None
    assert len(fallback.warnings) == 2
    assert "systems.csv" in fallback.warnings[0] and "built-in" in fallback.warnings[0]


# --- resolve_source ---------------------------------------------------------------------------


def test_resolve_source_by_name_near_and_url(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bikefinder.systems import source as source_module
    from bikefinder.systems.config import Config

    bergen = source_module.resolve_source("Bergen", None, catalog=catalog, config=Config())
    assert bergen.label == "Bergen City Bike" and bergen.system_id == "bergen-city-bike"
    assert bergen.gbfs_url == "https://gbfs.urbansharing.com/bergenbysykkel.no/gbfs.json"
    assert bergen.chosen_by is None

    paris = source_module.resolve_source(None, (48.85, 2.35), catalog=catalog)
    assert paris.system_id == "Paris"
    assert paris.chosen_by == "chosen from --near 48.85000,2.35000"

    oslo = source_module.resolve_source("oslo", None, catalog=catalog, client_id="me-app")
    assert oslo.headers == {"ET-Client-Name": "me-app"}

    def no_catalog() -> Catalog:
        raise AssertionError("a URL must not load the catalog")

    monkeypatch.setattr(source_module, "user_catalog", no_catalog)
    url = source_module.resolve_source(" https://x.example/gbfs.json ", (1.0, 2.0))
    assert url.gbfs_url == "https://x.example/gbfs.json" and url.system_id is None
    with pytest.raises(UsageError, match="--system NAME or URL"):
        source_module.resolve_source(None, None)


def test_systems_that_need_a_key_say_where_to_put_it(catalog: Catalog, tmp_path: Path) -> None:
    from bikefinder.systems.config import Config
    from bikefinder.systems.source import resolve_source

    config = Config(path=tmp_path / "config.toml")
    with pytest.raises(BikefinderError) as caught:
        resolve_source("stadtrad_hamburg", None, catalog=catalog, config=config)
    message = str(caught.value)
    assert not isinstance(caught.value, UsageError)
    assert "DB-Client-Id, DB-Api-Key" in message
    assert '[headers."stadtrad_hamburg"]' in message and str(tmp_path) in message
    keyed = Config(headers={"StadtRad_Hamburg": {"DB-Client-Id": "a", "DB-Api-Key": "b"}})
    source = resolve_source("stadtrad_hamburg", None, catalog=catalog, config=keyed)
    assert source.headers == {"DB-Client-Id": "a", "DB-Api-Key": "b"}


def test_loaded_systems_are_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bikefinder.feeds.models import Station, StationInfo
    from bikefinder.systems.source import SystemSource, remember_loaded_system, user_catalog

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    stations = tuple(
        Station(StationInfo(str(i), f"S{i}", -15.9 - i / 100, -5.75 + i / 100), None)
        for i in range(30)
    )

    class FakeSnapshot:
        def __init__(self) -> None:
            self.stations = stations
            self.vehicle_types: dict[str, object] = {}

    source = SystemSource("https://feeds.example/recife/gbfs.json", label="Recife Bikes")
    remember_loaded_system(source, FakeSnapshot())  # type: ignore[arg-type]
    chosen = user_catalog().nearest(-15.95, -5.7).entry  # Saint Helena: no catalog system
    assert (chosen.name, chosen.gbfs_url) == ("Recife Bikes", source.gbfs_url)


def test_hostile_names_are_cleaned_in_messages() -> None:
    hostile = "Evil\x1b]0;pwned\x07 Bikes\u202e"
    catalog = build_catalog(
        [
            CatalogEntry("a", hostile, "https://a.example/gbfs.json", centre=(1.0, 1.0)),
            CatalogEntry("b", hostile, "https://b.example/gbfs.json"),
        ],
        {},
    )
    with pytest.raises(AmbiguousSystemError) as ambiguous:
        catalog.resolve("evil")
    with pytest.raises(NoSystemNearbyError) as far:
        catalog.nearest(50.0, 50.0)
    for message in (str(ambiguous.value), str(far.value)):
        assert "\x1b" not in message and "\x07" not in message and "\u202e" not in message
        assert "Evil" in message
