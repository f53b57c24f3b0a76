"""The cleanest-records path (:mod:`bikefinder.feeds.clean_stations`) gives exactly what
the lenient rules give, and the big real feeds take it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from bikefinder.feeds import clean_stations, station_feeds, typed_decoding

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("folder", ["citibike_v1.1_2024", "velib_v1_2025", "citibike_v1.0_2019"])
def test_real_feeds_fit_the_clean_shapes_whole(folder: str) -> None:
    clean_stations.STATUS_DOCUMENT.decode((FIXTURES / folder / "station_status.json").read_bytes())
    clean_stations.INFO_DOCUMENT.decode(
        (FIXTURES / folder / "station_information.json").read_bytes()
    )


def same_both_ways(info: list[dict[str, Any]], status: list[dict[str, Any]]) -> None:
    for whole in (True, False):  # one decode, and in batches of 2
        with pytest.MonkeyPatch.context() as patch:
            if not whole:
                patch.setattr(typed_decoding, "WHOLE_DECODE_MAX_BYTES", 0)
                patch.setattr(typed_decoding, "BATCH_RECORDS", 2)
            info_doc = {"last_updated": 1760776294, "ttl": 60, "data": {"stations": info}}
            status_doc = {"last_updated": 1760776294, "ttl": 60, "data": {"stations": status}}
            info_body, status_body = json.dumps(info_doc).encode(), json.dumps(status_doc).encode()
            assert station_feeds.decode_station_information(
                info_body, "u"
            ) == station_feeds.parse_station_information(info_doc, "u")
            assert station_feeds.StatusParser().parse_body(
                status_body, "u"
            ) == station_feeds.parse_station_status(status_doc, "u")


def test_ids_are_normalised_as_the_lenient_rules_say() -> None:
    ids: list[Any] = ["a", " b", "c ", "", "   ", "é", "x\ty", "in side", 7, -3, "\x1b[31m", "z"]
    info = [{"station_id": i, "name": f"n{n}", "lat": 1.0, "lon": 2} for n, i in enumerate(ids)]
    status = [{"station_id": i, "num_bikes_available": 1} for i in ids]
    same_both_ways(info, status)
    same_both_ways(info[:1] + info[3:4], status[:1] + status[3:4])  # only an empty id is off


def test_counts_flags_times_and_splits_as_the_lenient_rules_say() -> None:
    status: list[dict[str, Any]] = [
        {"station_id": "1", "num_bikes_available": 5, "num_ebikes_available": 2},
        {"station_id": "2", "num_bikes_available": 1, "num_ebikes_available": 4},
        {"station_id": "3", "num_ebikes_available": 4},
        {"station_id": "4", "num_bikes_available": 3, "num_ebikes_available": None},
        {"station_id": "5", "num_vehicles_available": 3, "num_vehicles_disabled": 1},
        {"station_id": "6", "num_bikes_available": None, "num_vehicles_available": 3},
        {"station_id": "7", "is_installed": 1, "is_renting": 0, "is_returning": True},
        {"station_id": "8", "is_installed": False, "last_reported": 1760776294},
        {"station_id": "9", "last_reported": 86400},  # a 1970 placeholder: unknown
        {"station_id": "10", "last_reported": 1760776294, "num_docks_disabled": 2},
        {
            "station_id": "11",
            "num_bikes_available": 5,
            "num_bikes_available_types": [{"mechanical": 1}, {"ebike": 4}],
        },
        {
            "station_id": "12",
            "num_bikes_available": 2,
            "num_bikes_available_types": {"classic": 1, "electric": 4},
        },
        {"station_id": "13", "num_bikes_available": 2, "num_bikes_available_types": []},
        {
            "station_id": "13",
            "num_bikes_available_types": [{"smart": 600_000}, {"classic": 600_000}],
        },
        {"station_id": "14", "num_bikes_available": 2_000_000},  # beyond any station
        {"station_id": "15", "is_renting": 2},
        {"station_id": "16", "num_bikes_available": -1, "num_docks_available": 4},
        {"num_bikes_available": 1},  # no id: rejected
    ]
    info = [{"station_id": str(n), "lat": 48.0, "lon": 2.0} for n in range(1, 17)]
    for cut in (7, 14, len(status)):  # clean alone, then with misfits
        same_both_ways(info, status[:cut])


def test_information_as_the_lenient_rules_say() -> None:
    info: list[dict[str, Any]] = [
        {"station_id": "1", "name": " Gare ", "short_name": "G", "lat": 48, "lon": 2.5},
        {"station_id": "2", "name": "", "short_name": " short ", "lat": 48.1, "lon": 2.5},
        {"station_id": "3", "lat": 48.1, "lon": 2.5, "address": "  ", "capacity": 12},
        {"station_id": "4", "name": "Gare\udc80", "lat": 1, "lon": 2, "address": " 1 rue "},
        {
            "station_id": "5",
            "lat": 1,
            "lon": 2,
            "is_virtual_station": 1,
            "rental_uris": {"web": " w ", "ios": "w", "android": "a"},
            "rental_url": "a",
        },
        {"station_id": "6", "lat": 1, "lon": 2, "is_virtual_station": True, "rental_url": " "},
        {
            "station_id": "7",
            "lat": 1,
            "lon": 2,
            "station_area": {
                "type": "Polygon",
                "coordinates": [[[2.0, 48.0], [2.1, 48.1], [2.0, 48.1], [2.0, 48.0]]],
            },
        },
        {"station_id": "8", "lat": None, "lon": 2},  # rejected
        {"station_id": "9", "lat": 91.0, "lon": 2},  # rejected
        {"station_id": "10", "lat": 1, "lon": 2, "capacity": -2},
        {"station_id": "11", "lat": 1, "lon": 2, "name": [{"text": "x", "language": "fr"}]},
    ]
    for cut in (8, len(info)):
        same_both_ways(info[:cut], [{"station_id": "1", "num_bikes_available": 1}])


def test_a_constraint_broken_makes_the_record_a_misfit() -> None:
    """What the clean loop does not judge, the decoder refuses (the record then takes the
    typed or lenient way)."""
    for record in (
        {"station_id": "1", "num_bikes_available": -1},
        {"station_id": "1", "is_renting": 2},
        {"station_id": "1", "last_reported": "1760776294"},
        {"station_id": "1", "vehicle_types_available": []},
        {"station_id": 1.5},
    ):
        with pytest.raises(msgspec.ValidationError):
            clean_stations.STATUS_RECORDS.decode(json.dumps([record]).encode())
