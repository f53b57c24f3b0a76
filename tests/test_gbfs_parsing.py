"""Parsing every recorded feed in tests/fixtures into the normalised models."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bikefinder.common.errors import FeedFormatError
from bikefinder.feeds import gbfs, station_feeds
from bikefinder.feeds.models import VehicleKind

FIXTURES = Path(__file__).parent / "fixtures"


def load(folder: str, feed: str) -> Any:
    return json.loads((FIXTURES / folder / f"{feed}.json").read_text(encoding="utf-8"))


def joined(folder: str, info_folder: str | None = None):
    kinds = {}
    if (FIXTURES / folder / "vehicle_types.json").exists():
        kinds = gbfs.parse_vehicle_types(load(folder, "vehicle_types"))
    info = station_feeds.parse_station_information(
        load(info_folder or folder, "station_information"), "u"
    )
    status = station_feeds.parse_station_status(load(folder, "station_status"), "u", kinds)
    stations, report = station_feeds.join_stations(info, status)
    return info, status, {s.station_id: s for s in stations}, report


@pytest.mark.parametrize(
    ("folder", "count"),
    [
        ("velib_v1_2025", 1495),
        ("velib_v1_2022", 1439),
        ("oslo_v2.2_2022", 260),
        ("citibike_v1.1_2024", 2226),
        ("citibike_v1.0_2019", 845),
        ("mobilitydata_fixtures_v2.3", 2),
    ],
)
def test_real_snapshots_join_one_to_one(folder: str, count: int) -> None:
    info, status, stations, report = joined(folder)
    assert len(info.stations) == len(status.statuses) == len(stations) == count
    assert report.problems == 0
    assert all(s.status is not None for s in stations.values())


def test_velib_integer_ids_keep_every_digit_and_split_bikes() -> None:
    _, _, stations, _ = joined("velib_v1_2025")
    big = stations["19179944124"]  # > 2**31 in the feed
    assert big.info.name == "Hôpital Mondor"
    assert big.status is not None
    assert (big.status.bikes, big.status.mechanical, big.status.electric) == (20, 12, 8)
    assert big.status.is_installed is True and big.status.is_renting is True
    assert max(int(i) for i in stations) == 20_702_946_965
    assert all(
        s.status.mechanical + s.status.electric == s.status.bikes
        for s in stations.values()
        if s.status and s.status.bikes is not None
    )


def test_velib_last_updated_other_is_the_feed_time() -> None:
    meta = gbfs.parse_meta(load("velib_v1_2025", "station_status"), "station_status", "u")
    assert meta.last_updated == datetime(2025, 10, 18, 9, 9, 16, tzinfo=UTC)
    assert meta.version is None and meta.ttl == 3600


def test_velib_names_are_stripped() -> None:
    _, _, stations, _ = joined("velib_v1_2025")
    assert all(s.info.name == s.info.name.strip() for s in stations.values())


def test_citibike_2024_mixed_uuid_and_19_digit_ids() -> None:
    _, _, stations, _ = joined("citibike_v1.1_2024")
    numeric = [i for i in stations if i.isdigit()]
    assert len(numeric) == 394
    assert "1859808514684217788" in stations  # beyond 2**53: exact string, no float round-trip
    assert sum(1 for i in stations if len(i) == 36 and i.count("-") == 4) == 1832


def test_citibike_placeholder_timestamps_are_unknown() -> None:
    _, status, _, _ = joined("citibike_v1.0_2019")
    unknown = [s for s in status.statuses if s.last_reported is None]
    assert len(unknown) == 15  # last_reported: 18001 (1970-01-01) means "never"
    _, status_2024, _, _ = joined("citibike_v1.1_2024")
    assert sum(1 for s in status_2024.statuses if s.last_reported is None) == 1  # 86400


def test_citibike_ebikes_give_the_split() -> None:
    _, _, stations, _ = joined("citibike_v1.1_2024")
    station = stations["1862008701134683118"]
    assert station.status is not None
    assert (station.status.bikes, station.status.mechanical, station.status.electric) == (23, 17, 6)
    not_installed = [s for s in stations.values() if s.status and s.status.is_installed is False]
    assert len(not_installed) == 26


def test_oslo_2_2_integer_booleans() -> None:
    _, status, _, _ = joined("oslo_v2.2_2022")
    assert all(s.is_installed is True for s in status.statuses)
    assert all(isinstance(s.is_renting, bool) for s in status.statuses)
    # No vehicle types in 2.2: the split is unknown, never guessed as 0.
    assert all(s.mechanical is None and s.electric is None for s in status.statuses)


def test_oslo_2_3_status_against_2_2_information_reports_the_mismatch() -> None:
    _info, status, stations, report = joined("oslo_v2.3_2025", info_folder="oslo_v2.2_2022")
    assert len(status.statuses) == 256
    assert report.status_only == 256 - 241
    assert report.info_only == 260 - 241
    assert sum(1 for s in stations.values() if s.status) == 241
    assert sum(1 for s in status.statuses if s.is_installed is False) == 9


def test_oslo_2_3_vehicle_types_without_a_vehicle_types_feed_stay_unknown() -> None:
    status = station_feeds.parse_station_status(load("oslo_v2.3_2025", "station_status"), "u")
    assert all(s.electric is None for s in status.statuses)
    kinds = {"bike": VehicleKind.MECHANICAL, "ebike": VehicleKind.ELECTRIC}
    typed = station_feeds.parse_station_status(load("oslo_v2.3_2025", "station_status"), "u", kinds)
    assert all(
        s.mechanical is not None and s.mechanical + s.electric == s.bikes
        for s in typed.statuses
        if s.bikes is not None and s.electric is not None
    )


def test_mobilitydata_v2_3_scooters_at_a_station_are_not_bikes() -> None:
    """num_bikes_available says 6, but 2 of them are scooters: the station has 4 bikes."""
    _, _, stations, _ = joined("mobilitydata_fixtures_v2.3")
    status = stations["TST:Station:2"].status
    assert status is not None
    assert (status.bikes, status.mechanical, status.electric, status.docks) == (4, 4, 0, 8)
    assert status.others == 2


def test_mobilitydata_v3_localized_names_iso_times_and_vehicles() -> None:
    info, status, stations, report = joined("mobilitydata_fixtures_v3.0")
    assert len(info.stations) == 23 and report.info_only == 22
    station = stations["6efbec5a-6b8c-455b-bed2-8d66be6d6a4b"]
    assert station.info.name == "2 ROUES" and station.info.is_virtual
    assert station.status is not None and station.status.bikes == 0
    assert station.status.docks is None
    assert status.meta.last_updated == datetime(2019, 7, 4, 13, 33, 3, 969000, tzinfo=UTC)
    assert station.status.last_reported == status.meta.last_updated


def test_discovery_v1_language_keyed_without_version() -> None:
    discovery = gbfs.parse_discovery(load("velib_v1_2022", "gbfs"), "https://x/gbfs.json")
    assert discovery.version is None and discovery.language == "en"
    assert discovery.feeds["station_status"].endswith("/station_status.json")


def test_discovery_v3_flat_feeds_with_any_names() -> None:
    discovery = gbfs.parse_discovery(load("mobilitydata_fixtures_v3.0", "gbfs"), "https://x/gbfs")
    assert discovery.version == "3.0" and discovery.languages == ()
    assert discovery.feeds["station_information"].endswith("/station-information")


def test_discovery_picks_the_asked_language_else_the_first() -> None:
    doc = {
        "data": {
            "nb": {"feeds": [{"name": "station_status", "url": "https://a/nb/ss"}]},
            "en": {"feeds": [{"name": "station_status", "url": "https://a/en/ss"}]},
        }
    }
    assert gbfs.parse_discovery(doc, "u").language == "nb"
    assert gbfs.parse_discovery(doc, "u", "en").feeds["station_status"] == "https://a/en/ss"
    assert gbfs.parse_discovery(doc, "u", "EN-gb").language == "en"


def test_discovery_relative_urls_resolve_against_gbfs_json() -> None:
    doc = {"data": {"feeds": [{"name": "station_status", "url": "station_status.json"}]}}
    discovery = gbfs.parse_discovery(doc, "https://host/sys/gbfs.json")
    assert discovery.feeds["station_status"] == "https://host/sys/station_status.json"


def test_non_http_feed_urls_are_refused() -> None:
    doc = {"data": {"feeds": [{"name": "station_information", "url": "file:///etc/passwd"}]}}
    discovery = gbfs.parse_discovery(doc, "https://host/gbfs.json")
    with pytest.raises(FeedFormatError, match="non-HTTP"):
        gbfs.require_feed_url(discovery, "station_information")


def test_system_information_v3_localized() -> None:
    system = gbfs.parse_system_information(
        load("mobilitydata_fixtures_v3.0", "system_information"), "u"
    )
    assert system.name == "Check Technologies" and system.language == "en"
    assert system.system_id == "example_london" and system.timezone == "Europe/Amsterdam"


def test_duplicate_ids_first_wins_and_are_counted() -> None:
    info_doc = {
        "data": {
            "stations": [
                {"station_id": 1, "name": "A", "lat": 1, "lon": 1},
                {"station_id": "1", "name": "B", "lat": 2, "lon": 2},
                {"station_id": 2, "name": "C", "lat": 91, "lon": 2},
            ]
        }
    }
    status_doc = {
        "data": {
            "stations": [
                {"station_id": "1", "num_bikes_available": 3},
                {"station_id": "9", "num_bikes_available": 1},
            ]
        }
    }
    info = station_feeds.parse_station_information(info_doc, "u")
    status = station_feeds.parse_station_status(status_doc, "u")
    stations, report = station_feeds.join_stations(info, status)
    assert [s.info.name for s in stations] == ["A"]
    assert (report.duplicate_ids, report.rejected, report.status_only) == (1, 1, 1)


@pytest.mark.parametrize(
    "doc",
    [None, [], "x", {}, {"data": []}, {"data": {"stations": {}}}, {"data": {"stations": "x"}}],
)
def test_broken_documents_raise_the_projects_error(doc: Any) -> None:
    with pytest.raises(FeedFormatError):
        station_feeds.parse_station_information(doc, "u")
    with pytest.raises(FeedFormatError):
        station_feeds.parse_station_status(doc, "u")


def test_status_parser_reparses_changed_records_like_a_fresh_parse() -> None:
    document = load("velib_v1_2025", "station_status")
    parser = station_feeds.StatusParser()
    first = parser.parse(document, "u")
    document = copy.deepcopy(document)  # each refresh decodes a new document
    document["data"]["stations"][3]["num_docks_available"] = 99
    document["data"]["stations"][4]["num_bikes_available_types"] = [{"mechanical": 7}]
    second = parser.parse(document, "u")
    assert second.statuses[0] == first.statuses[0]
    assert second.statuses[3] != first.statuses[3] and second.statuses[3].docks == 99
    assert (second.statuses[4].mechanical, second.statuses[4].electric) == (7, None)
    fresh = station_feeds.parse_station_status(document, "u")
    assert fresh.statuses == second.statuses
