"""Vehicles (free_bike_status / vehicle_status + vehicle_types) on real recorded feeds.

Every real_more vehicle feed is parsed both ways (msgspec typed decoding and the lenient
rules) with the same result, and the numbers a rider would see are pinned. Synthetic
documents cover the rules the real ones do not show; hypothesis checks that hostile
documents give the same result both ways and never raise anything but FeedFormatError.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bikefinder.common.errors import FeedFormatError, UsageError
from bikefinder.feeds import station_feeds, typed_decoding, vehicle_wire
from bikefinder.feeds.vehicle_feeds import (
    decode_vehicle_status,
    parse_vehicle_status,
    parse_vehicle_type_details,
)
from bikefinder.feeds.vehicles import (
    LOW_RANGE_M,
    Vehicle,
    VehicleForm,
    VehicleSelection,
    is_low_range,
    is_offered,
    offered,
    parse_vehicle_selection,
    range_text,
    split_docked,
    vehicle_label,
)
from tests.test_fuzz_parsing import (
    HOSTILE_STRINGS,
    document,
    hostile,
    ids,
    json_values,
    localized,
    mostly,
    record,
    scaled,
)

REAL = Path(__file__).parent / "fixtures" / "real_more"


def vehicle_feed_path(folder: str) -> Path:
    for name in ("vehicle_status.json", "free_bike_status.json"):
        if (REAL / folder / name).is_file():
            return REAL / folder / name
    raise FileNotFoundError(folder)


def load_types(folder: str) -> dict[str, Any]:
    return parse_vehicle_type_details(
        json.loads((REAL / folder / "vehicle_types.json").read_bytes())
    )


def station_ids(folder: str) -> set[str] | None:
    path = REAL / folder / "station_information.json"
    if not path.is_file():
        return None
    return {
        s.station_id
        for s in station_feeds.decode_station_information(path.read_bytes(), "u").stations
    }


VEHICLE_FOLDERS = sorted(
    p.name
    for p in REAL.iterdir()
    if (p / "vehicle_status.json").is_file() or (p / "free_bike_status.json").is_file()
)

# folder: (vehicles, forms, electric, reserved, disabled, offered bikes, offered all,
#          free-floating of all offered, docked of all offered, stations with docked)
EXPECTED = {
    "bird-seattle_2.3_2025": (
        1931, {"scooter": 1535, "bicycle": 396}, 1931, 1, 90, 376, 1840, 1840, 0, 0,
    ),
    "bolt-essen_3.0_2025": (1360, {"scooter": 1360}, 1360, 0, 76, 0, 1284, 1284, 0, 0),
    "check-almere_3.0_2025": (6, {"moped": 6}, 6, 1, 1, 0, 4, 4, 0, 0),
    "divvy-chicago-lyft_2.3_2025": (
        1244, {"bicycle": 675, "scooter": 569}, 1244, 0, 0, 675, 1244, 1244, 0, 0,
    ),
    "donkey-barcelona_2.3_2025": (342, {"bicycle": 342}, 0, 0, 3, 339, 339, 0, 339, 202),
    "nextbike-linz_2.3_2025": (
        380, {"bicycle": 379, "cargo_bicycle": 1}, 0, 0, 0, 380, 380, 7, 373, 47,
    ),
    "oekostadt-renningen-mobidatabw_2.3_2025": (40, {"car": 40}, 17, 0, 0, 0, 40, 0, 40, 33),
}  # fmt: skip


def test_every_real_vehicle_feed_is_pinned() -> None:
    assert sorted(EXPECTED) == VEHICLE_FOLDERS


@pytest.mark.parametrize("folder", VEHICLE_FOLDERS)
def test_real_vehicle_feeds_decode_the_same_both_ways(folder: str) -> None:
    path = vehicle_feed_path(folder)
    body, types = path.read_bytes(), load_types(folder)
    fast = decode_vehicle_status(body, "u", types, path.stem)
    assert fast == parse_vehicle_status(json.loads(body), "u", types, path.stem)
    # The real feeds take the typed path for the whole document, not record by record.
    vehicle_wire.VEHICLE_DOCUMENT.decode(body)


@pytest.mark.parametrize("folder", VEHICLE_FOLDERS)
def test_real_vehicle_feeds_give_what_a_rider_sees(folder: str) -> None:
    path = vehicle_feed_path(folder)
    feed = decode_vehicle_status(path.read_bytes(), "u", load_types(folder), path.stem)
    vehicles = feed.vehicles
    total, forms, electric, reserved, disabled, bikes, every, free, docked, stations = EXPECTED[
        folder
    ]
    assert (len(vehicles), feed.rejected) == (total, 0)
    assert dict(Counter(v.form.value for v in vehicles)) == forms
    assert sum(v.electric is True for v in vehicles) == electric
    assert sum(v.is_reserved is True for v in vehicles) == reserved
    assert sum(v.is_disabled is True for v in vehicles) == disabled
    assert len(offered(vehicles)) == bikes
    assert len(offered(vehicles, VehicleSelection.ALL)) == every
    assert offered(vehicles, VehicleSelection.NONE) == ()
    split = split_docked(offered(vehicles, VehicleSelection.ALL), station_ids(folder))
    assert len(split.free_floating) == free
    assert sum(len(parked) for parked in split.docked.values()) == docked
    assert len(split.docked) == stations
    assert split.unplaceable == 0
    assert all(v.vehicle_id == v.vehicle_id.strip() and v.vehicle_id for v in vehicles)
    assert feed.meta.last_updated is not None


def test_lyft_divvy_ints_as_flags_ranges_and_one_link() -> None:
    folder = "divvy-chicago-lyft_2.3_2025"
    feed = decode_vehicle_status(
        vehicle_feed_path(folder).read_bytes(), "u", load_types(folder), "free_bike_status"
    )
    first = feed.vehicles[0]
    assert first.vehicle_id == "f0de09ec3a7e6e3bcc495ec06a5e2ce8"
    assert (first.is_reserved, first.is_disabled) == (False, False)  # sent as 0 / 0
    assert (first.form, first.electric, first.propulsion) == (
        VehicleForm.BICYCLE,
        True,
        "electric_assist",
    )
    assert first.current_range_meters == 54234.89280000001
    assert range_text(first) == "~54 km" and is_low_range(first) is False
    assert vehicle_label(first.form, first.electric) == "e-bike"
    assert first.rental_urls == ("https://chi.lft.to/lastmile_qr_scan",)  # ios = android
    assert first.station_id is None and first.last_reported is None
    assert sum(is_low_range(v) is True for v in feed.vehicles) == 16


def test_bird_fuel_fraction_and_scooters_are_not_bikes() -> None:
    folder = "bird-seattle_2.3_2025"
    feed = decode_vehicle_status(
        vehicle_feed_path(folder).read_bytes(), "u", load_types(folder), "free_bike_status"
    )
    first = feed.vehicles[0]
    assert first.form is VehicleForm.SCOOTER and vehicle_label(first.form, True) == "e-scooter"
    assert first.current_fuel_percent == 0.45454547 and range_text(first) == "~15 km"
    assert first.last_reported is not None and first.last_reported.isoformat() == (
        "2025-10-21T03:48:26+00:00"
    )
    assert first.pricing_plan_id == "5c469505-2249-4383-9f13-8e4fd1430b0d"
    assert all(v.form is not VehicleForm.SCOOTER for v in offered(feed.vehicles))
    assert sum(is_low_range(v) is True for v in feed.vehicles) == 54


def test_bolt_v3_deep_links_missing_fuel_and_localized_type_names() -> None:
    folder = "bolt-essen_3.0_2025"
    types = load_types(folder)
    assert len(types) == 23
    assert {t.form for t in types.values()} == {VehicleForm.SCOOTER, VehicleForm.BICYCLE}
    assert types["a4762863-8d98-5a7b-b2e2-383b557d43f9"].name == "SCOOTER_STANDING"
    feed = decode_vehicle_status(vehicle_feed_path(folder).read_bytes(), "u", types)
    first = feed.vehicles[0]
    assert first.rental_urls == (
        "bolt://action/rentalsSelectVehicleByRotatedUuid?rotated_uuid="
        "41880a14-da30-48d5-8c66-a2cb3e568a70",
    )
    assert (first.current_range_meters, first.current_fuel_percent) == (4680.0, 0.24)
    assert range_text(first) == "~4.7 km"
    assert sum(v.current_fuel_percent is None for v in feed.vehicles) == 11
    assert feed.meta.version == "3.0" and feed.meta.ttl == 300


def test_check_mopeds_with_a_space_in_last_updated() -> None:
    folder = "check-almere_3.0_2025"
    feed = decode_vehicle_status(vehicle_feed_path(folder).read_bytes(), "u", load_types(folder))
    assert feed.meta.last_updated is not None
    assert feed.meta.last_updated.isoformat() == "2025-05-21T07:48:04.229881+00:00"
    assert [vehicle_label(v.form, v.electric) for v in feed.vehicles] == ["moped"] * 6
    assert [v.vehicle_id for v in feed.vehicles if not is_offered(v)] == [
        v.vehicle_id for v in feed.vehicles if v.is_reserved or v.is_disabled
    ]


def test_nextbike_and_donkey_bikes_parked_at_stations_are_counted_there() -> None:
    folder = "nextbike-linz_2.3_2025"
    feed = decode_vehicle_status(
        vehicle_feed_path(folder).read_bytes(), "u", load_types(folder), "free_bike_status"
    )
    split = split_docked(offered(feed.vehicles), station_ids(folder))
    assert split.docked_count("40710391") == len(split.docked["40710391"]) > 0
    assert all(v.station_id is None for v in split.free_floating)
    cargo = [v for v in feed.vehicles if v.form is VehicleForm.CARGO_BICYCLE]
    assert [vehicle_label(v.form, v.electric) for v in cargo] == ["cargo bike"]
    assert feed.vehicles[0].rental_urls == (
        "https://nxtb.it/p/40710391",
        "https://app.nextbike.net/station?id=40710391",
    )
    donkey = "donkey-barcelona_2.3_2025"
    feed = decode_vehicle_status(
        vehicle_feed_path(donkey).read_bytes(), "u", load_types(donkey), "free_bike_status"
    )
    unparked = [v for v in feed.vehicles if v.station_id is None]
    assert len(unparked) == 3 and all(v.is_disabled for v in unparked)
    assert feed.vehicles[0].station_id == "16753" and feed.vehicles[0].placeable


def test_car_sharing_without_positions_is_counted_not_placed() -> None:
    folder = "oekostadt-renningen-mobidatabw_2.3_2025"
    feed = decode_vehicle_status(
        vehicle_feed_path(folder).read_bytes(), "u", load_types(folder), "free_bike_status"
    )
    assert not any(v.placeable for v in feed.vehicles)
    assert feed.unplaceable == 0  # all at stations
    assert split_docked(feed.vehicles, set()).unplaceable == 40  # stations unknown
    first = feed.vehicles[0]
    assert (first.form, first.electric, range_text(first)) == (VehicleForm.CAR, False, "~165 km")
    assert first.rental_urls[0] == "https://ewi3-oekostadt-renningen.cantamen.de/?openBookee=23922"


# --------------------------------------------------------------------------- synthetic rules


def doc(records: list[Any], key: str = "bikes", **header: Any) -> dict[str, Any]:
    return {"last_updated": 1761018719, "ttl": 60, **header, "data": {key: records}}


def parse(records: list[Any], key: str = "bikes", types: Any = None) -> tuple[Vehicle, ...]:
    body = json.dumps(doc(records, key)).encode()
    fast = decode_vehicle_status(body, "u", types)
    assert fast == parse_vehicle_status(json.loads(body), "u", types)
    return fast.vehicles


EBIKE_TYPE = {
    "vehicle_type_id": "e",
    "form_factor": "bicycle",
    "propulsion_type": "electric_assist",
    "max_range_meters": 60000,
    "name": [{"text": "E-Bike", "language": "en"}, {"text": "VAE", "language": "fr"}],
    "default_pricing_plan_id": "p1",
    "pricing_plan_ids": ["p1", "p2", "p1", 7],
}
TYPES = parse_vehicle_type_details(
    {
        "data": {
            "vehicle_types": [
                EBIKE_TYPE,
                {
                    "vehicle_type_id": 7,
                    "form_factor": "SCOOTER_SEATED",
                    "propulsion_type": "electric",
                },
                {"vehicle_type_id": "m", "form_factor": "hovercraft", "propulsion_type": "steam"},
                {"vehicle_type_id": "e", "form_factor": "car"},  # duplicate: first wins
                {"form_factor": "bicycle"},  # no id: skipped
                "junk",
            ]
        }
    },
    language="fr",
)


def test_vehicle_type_details() -> None:
    assert sorted(TYPES) == ["7", "e", "m"]
    ebike = TYPES["e"]
    assert (ebike.form, ebike.electric, ebike.max_range_meters, ebike.name) == (
        VehicleForm.BICYCLE,
        True,
        60000.0,
        "VAE",
    )
    assert (ebike.default_pricing_plan_id, ebike.pricing_plan_ids) == ("p1", ("p1", "p2", "7"))
    assert (TYPES["7"].form, TYPES["7"].form_factor) == (VehicleForm.SCOOTER, "scooter_seated")
    assert (TYPES["m"].form, TYPES["m"].electric) == (VehicleForm.UNKNOWN, None)
    for bad in ({"data": {}}, {"data": {"vehicle_types": {}}}, [], {"data": 3}):
        with pytest.raises(FeedFormatError):
            parse_vehicle_type_details(bad)


def test_v2_without_vehicle_types_lists_bicycles_v3_lists_unknown() -> None:
    record = {"bike_id": "a", "vehicle_id": None, "lat": 48.85, "lon": 2.35}
    (v2,) = parse([record], "bikes", types=None)
    assert (v2.form, v2.electric, v2.propulsion) == (VehicleForm.BICYCLE, False, "human")
    (v3,) = parse([{**record, "vehicle_id": "a"}], "vehicles", types=None)
    assert (v3.form, v3.electric) == (VehicleForm.UNKNOWN, None)
    # vehicle_types published (even unreadable: {}) but this type not in it: unknown.
    (typed,) = parse([{**record, "vehicle_type_id": "zz"}], "bikes", types={})
    assert typed.form is VehicleForm.UNKNOWN
    assert offered([v3, typed]) == () and len(offered([v3, typed], VehicleSelection.ALL)) == 2
    assert vehicle_label(VehicleForm.UNKNOWN, None) == "unknown vehicle"


def test_reserved_and_disabled_are_not_offered() -> None:
    records = [
        {"bike_id": "ok", "lat": 1, "lon": 1, "is_reserved": False, "is_disabled": False},
        {"bike_id": "res", "lat": 1, "lon": 1, "is_reserved": True, "is_disabled": False},
        {"bike_id": "dis", "lat": 1, "lon": 1, "is_reserved": 0, "is_disabled": 1},
        {"bike_id": "str", "lat": 1, "lon": 1, "is_reserved": "true"},
        {"bike_id": "unknown", "lat": 1, "lon": 1, "is_reserved": "maybe"},
    ]
    vehicles = parse(records)
    assert [v.vehicle_id for v in offered(vehicles)] == ["ok", "unknown"]


def test_locations_hidden_or_half_given_are_not_placeable_and_counted() -> None:
    records = [
        {"vehicle_id": "hidden"},
        {"vehicle_id": "half", "lat": 48.85},
        {"vehicle_id": "island", "lat": 0, "lon": 0},
        {"vehicle_id": "bad", "lat": 91, "lon": 2},
        {"vehicle_id": "parked", "station_id": 17},
        {"vehicle_id": "parked-elsewhere", "station_id": "gone", "lat": 48.1, "lon": 2.1},
        {"vehicle_id": "free", "lat": "48.2", "lon": "2.2"},
    ]
    vehicles = parse(records, "vehicles", types={})
    assert [v.placeable for v in vehicles] == [False] * 5 + [True, True]
    split = split_docked(vehicles, {"17"})
    assert [v.vehicle_id for v in split.free_floating] == ["parked-elsewhere", "free"]
    assert {k: [v.vehicle_id for v in vs] for k, vs in split.docked.items()} == {"17": ["parked"]}
    assert split.unplaceable == 4
    everything = split_docked(vehicles)  # without the station list: a station_id is enough
    assert sorted(everything.docked) == ["17", "gone"] and everything.unplaceable == 4


def test_ids_are_exact_strings_and_records_without_one_are_counted() -> None:
    records = [
        {"bike_id": 12345678901234567890123, "lat": 1, "lon": 1},
        {"bike_id": " x1 ", "lat": 1, "lon": 1},
        {"bike_id": 3.0, "lat": 1, "lon": 1},
        {"bike_id": "\x1b[31m", "lat": 1, "lon": 1},
        {"lat": 1, "lon": 1},
        "junk",
    ]
    body = json.dumps(doc(records)).encode()
    feed = decode_vehicle_status(body, "u")
    assert feed == parse_vehicle_status(json.loads(body), "u")
    assert [v.vehicle_id for v in feed.vehicles] == ["12345678901234567890123", "x1", "3"]
    assert feed.rejected == 3


def test_range_and_fuel_rules() -> None:
    records = [
        {"bike_id": "a", "current_range_meters": 18_400},
        {"bike_id": "b", "current_range_meters": 1_500.0},
        {"bike_id": "c", "current_range_meters": 420},
        {"bike_id": "d", "current_fuel_percent": 0.615},
        {"bike_id": "e", "current_fuel_percent": 62},  # not 0-1: not guessed
        {"bike_id": "f", "current_range_meters": -5, "current_fuel_percent": True},
        {"bike_id": "g", "current_range_meters": 1e12},
        {"bike_id": "h", "current_range_meters": "2500"},
        {"bike_id": "i", "current_fuel_percent": 1},
    ]
    vehicles = parse(records)
    assert [range_text(v) for v in vehicles] == [
        "~18 km", "~1.5 km", "~400 m", "62 %", None, None, None, "~2.5 km", "100 %",
    ]  # fmt: skip
    assert [is_low_range(v) for v in vehicles] == [
        False, True, True, None, None, None, None, False, None,
    ]  # fmt: skip
    assert is_low_range(vehicles[0], threshold_m=20_000) is True
    assert LOW_RANGE_M == 2_000


def test_other_fields() -> None:
    record = {
        "vehicle_id": "v",
        "lat": 52.5,
        "lon": 13.4,
        "vehicle_type_id": "e",
        "home_station_id": "h",
        "pricing_plan_id": 42,
        "last_reported": "2025-10-21T04:08:55+02:00",
        "available_until": 1761019010,
        "rental_uris": {"web": " https://x.test/v ", "ios": "https://x.test/v", "android": 5},
    }
    (vehicle,) = parse([record], "vehicles", TYPES)
    assert vehicle.home_station_id == "h" and vehicle.pricing_plan_id == "42"
    assert vehicle.last_reported is not None and vehicle.last_reported.utcoffset() is not None
    assert vehicle.available_until is not None
    assert vehicle.rental_urls == ("https://x.test/v",)
    assert (vehicle.form, vehicle.electric) == (VehicleForm.BICYCLE, True)


def test_whole_documents_that_are_not_vehicle_feeds_raise() -> None:
    for body, reason in [
        (b"", "empty response"),
        (b"<html>", "HTML"),
        (b'{"data": {"bikes": [', "truncated JSON"),
        (b'{"data": {"bikes": {}}}', "neither"),
        (b'{"data": {}}', "neither"),
        (b'{"data": []}', "data"),
        (b"[]", "JSON object"),
        (b'{"data": {"bikes": [{"lat": 1}]}}', "no usable vehicle"),
    ]:
        with pytest.raises(FeedFormatError) as raised:
            decode_vehicle_status(body, "u", feed="free_bike_status")
        assert reason in raised.value.reason and raised.value.feed == "free_bike_status"
    assert decode_vehicle_status(b'{"data": {"vehicles": []}}', "u").vehicles == ()


def test_vehicles_selection_flag() -> None:
    assert parse_vehicle_selection(" Bikes ") is VehicleSelection.BIKES
    assert parse_vehicle_selection("all") is VehicleSelection.ALL
    assert parse_vehicle_selection("none") is VehicleSelection.NONE
    with pytest.raises(UsageError, match="none, bikes, all"):
        parse_vehicle_selection("scooters")
    assert VehicleSelection.BIKES.includes(VehicleForm.CARGO_BICYCLE)
    assert not VehicleSelection.BIKES.includes(VehicleForm.UNKNOWN)
    assert not VehicleSelection.NONE.includes(VehicleForm.BICYCLE)
    assert all(VehicleSelection.ALL.includes(form) for form in VehicleForm)


# --------------------------------------------------------------------------- properties

vehicle_record = record(
    {
        "bike_id": ids,
        "lat": st.floats(min_value=-95, max_value=95),
        "lon": st.floats(min_value=-185, max_value=185),
        "is_reserved": st.sampled_from([True, False, 0, 1, "true", 2]),
        "is_disabled": st.sampled_from([True, False, 0, 1]),
    },
    {
        "vehicle_id": ids,
        "vehicle_type_id": st.sampled_from(["e", "7", 7, "m", "zz"]) | hostile,
        "current_range_meters": st.floats(min_value=-10, max_value=1e8) | hostile,
        "current_fuel_percent": st.floats(min_value=-0.5, max_value=1.5) | hostile,
        "station_id": ids,
        "home_station_id": hostile,
        "pricing_plan_id": ids,
        "last_reported": st.integers(0, 2**40) | st.sampled_from(HOSTILE_STRINGS),
        "available_until": hostile,
        "rental_uris": st.dictionaries(st.sampled_from(["web", "ios", "android"]), hostile),
    },
)
vehicle_doc = document(
    st.fixed_dictionaries(
        {},
        optional={
            "bikes": st.lists(mostly(vehicle_record), max_size=6) | hostile,
            "vehicles": st.lists(mostly(vehicle_record), max_size=6) | hostile,
        },
    )
)
vehicle_type_doc = document(
    record(
        {
            "vehicle_types": st.lists(
                mostly(
                    record(
                        {
                            "vehicle_type_id": st.sampled_from(["e", "7", 7, "m"]) | hostile,
                            "form_factor": st.sampled_from(["bicycle", "moped", "SCOOTER", "x"]),
                            "propulsion_type": st.sampled_from(["human", "electric", "steam"]),
                        },
                        {
                            "name": localized,
                            "max_range_meters": hostile,
                            "default_pricing_plan_id": hostile,
                            "pricing_plan_ids": hostile,
                        },
                    )
                )
            )
        },
        {},
    )
)


def outcome(parse_it: Any) -> Any:
    try:
        return parse_it()
    except FeedFormatError as error:
        assert error.feed and error.reason
        return ("error", error.feed)


def check_vehicle(vehicle: Vehicle) -> None:
    assert isinstance(vehicle.vehicle_id, str) and vehicle.vehicle_id.strip() == vehicle.vehicle_id
    assert (vehicle.lat is None) == (vehicle.lon is None)
    if vehicle.lat is not None:
        assert -90 <= vehicle.lat <= 90 and -180 <= vehicle.lon <= 180
    assert vehicle.current_fuel_percent is None or 0 <= vehicle.current_fuel_percent <= 1
    assert vehicle.current_range_meters is None or vehicle.current_range_meters >= 0
    for flag in (vehicle.is_reserved, vehicle.is_disabled, vehicle.electric):
        assert flag is None or isinstance(flag, bool)
    assert isinstance(vehicle.form, VehicleForm)
    range_text(vehicle)
    vehicle_label(vehicle.form, vehicle.electric)


@scaled(1)
@given(vehicle_doc, vehicle_type_doc, st.booleans())
def test_hostile_vehicle_documents_decode_the_same_both_ways(
    doc_: Any, types_doc: Any, with_types: bool
) -> None:
    types = outcome(lambda: parse_vehicle_type_details(types_doc)) if with_types else None
    if isinstance(types, tuple):
        types = {}
    body = json.dumps(doc_).encode()
    fast = outcome(lambda: decode_vehicle_status(body, "u", types))
    lenient = outcome(lambda: parse_vehicle_status(json.loads(body), "u", types))
    assert fast == lenient
    if not isinstance(fast, tuple):
        for vehicle in fast.vehicles:
            check_vehicle(vehicle)
        split = split_docked(offered(fast.vehicles, VehicleSelection.ALL))
        assert split.unplaceable + len(split.free_floating) + sum(
            len(v) for v in split.docked.values()
        ) == len(offered(fast.vehicles, VehicleSelection.ALL))


@scaled(2)
@given(json_values)
def test_arbitrary_json_raises_only_feed_format_error(value: Any) -> None:
    outcome(lambda: parse_vehicle_type_details(value))
    outcome(lambda: parse_vehicle_status(value, "u"))
    outcome(lambda: decode_vehicle_status(json.dumps(value).encode(), "u", {}))


@scaled(1)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_raise_only_feed_format_error(body: bytes) -> None:
    outcome(lambda: decode_vehicle_status(body, "u"))


@pytest.mark.parametrize("folder", VEHICLE_FOLDERS)
def test_large_vehicle_feeds_decode_the_same_in_batches(folder: str, monkeypatch) -> None:
    """Past typed_decoding.WHOLE_DECODE_MAX_BYTES vehicles are decoded a batch of records at a
    time, as stations are (no long GIL hold on the app's parsing thread): same result."""
    monkeypatch.setattr(typed_decoding, "WHOLE_DECODE_MAX_BYTES", 0)
    monkeypatch.setattr(typed_decoding, "BATCH_RECORDS", 50)
    path = vehicle_feed_path(folder)
    body, types = path.read_bytes(), load_types(folder)
    batched = decode_vehicle_status(body, "u", types, path.stem)
    assert batched == parse_vehicle_status(json.loads(body), "u", types, path.stem)
