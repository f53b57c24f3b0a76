"""Station feeds count bicycles as bikes, and nothing else: a car-share station has no
bikes (its cars are ``others``), whichever way the feed is decoded; a station's
``station_area`` is measured, so that a city-wide pseudo-station can be left out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bikefinder.feeds import station_feeds
from bikefinder.feeds.models import VehicleKind

KINDS = {
    "car": VehicleKind.OTHER,
    "bike": VehicleKind.MECHANICAL,
    "ebike": VehicleKind.ELECTRIC,
}


def status_doc(*records: dict[str, Any]) -> dict[str, Any]:
    return {"last_updated": "2025-01-01T00:00:00Z", "ttl": 60, "version": "3.0",
            "data": {"stations": list(records)}}  # fmt: skip


def record(station_id: str, *counts: tuple[str, int], total: int) -> dict[str, Any]:
    return {
        "station_id": station_id,
        "num_vehicles_available": total,
        "vehicle_types_available": [{"vehicle_type_id": t, "count": n} for t, n in counts],
        "num_docks_available": 2,
        "is_installed": True,
        "is_renting": True,
        "is_returning": True,
        "last_reported": "2025-01-01T00:00:00Z",
    }


def both_ways(doc: dict[str, Any]) -> list[Any]:
    """The statuses parsed the lenient way and decoded the typed way (must agree)."""
    lenient = station_feeds.parse_station_status(doc, "u", KINDS).statuses
    typed = station_feeds.decode_station_status(json.dumps(doc).encode(), "u", KINDS).statuses
    assert lenient == typed
    return list(typed)


def test_a_station_of_cars_has_no_bikes() -> None:
    (status,) = both_ways(status_doc(record("LIBERTE", ("car", 3), total=3)))
    assert (status.bikes, status.mechanical, status.electric, status.others) == (0, 0, 0, 3)


def test_a_mixed_station_counts_its_bicycles_as_bikes() -> None:
    doc = status_doc(record("MIX", ("car", 2), ("bike", 3), ("ebike", 1), total=6))
    (status,) = both_ways(doc)
    assert (status.bikes, status.mechanical, status.electric, status.others) == (4, 3, 1, 2)


def test_an_undescribed_type_leaves_the_counts_as_the_feed_says() -> None:
    (status,) = both_ways(status_doc(record("X", ("mystery", 2), total=2)))
    assert (status.bikes, status.mechanical, status.electric, status.others) == (
        2,
        None,
        None,
        None,
    )


def test_without_vehicle_types_the_counts_are_the_feeds() -> None:
    doc = status_doc(record("LIBERTE", ("car", 3), total=3))
    lenient = station_feeds.parse_station_status(doc, "u").statuses[0]
    typed = station_feeds.decode_station_status(json.dumps(doc).encode(), "u").statuses[0]
    assert lenient == typed
    assert (typed.bikes, typed.others) == (3, None)


def square(lat: float, lon: float, side_deg: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + side_deg, lat], [lon + side_deg, lat + side_deg],
            [lon, lat + side_deg], [lon, lat]]  # fmt: skip
    return {"type": "MultiPolygon", "coordinates": [[ring]]}


@pytest.mark.parametrize(("side_deg", "low", "high"), [(0.0001, 10, 20), (0.1, 12_000, 14_000)])
def test_station_area_is_measured_both_ways(side_deg: float, low: float, high: float) -> None:
    info = {"station_id": "A", "name": "A", "lat": 48.0, "lon": 2.0, "is_virtual_station": True,
            "station_area": square(48.0, 2.0, side_deg)}  # fmt: skip
    doc = {"last_updated": 1, "ttl": 60, "data": {"stations": [info, {**info, "station_id": "B",
           "station_area": None}]}}  # fmt: skip
    lenient = station_feeds.parse_station_information(doc, "u").stations
    typed = station_feeds.decode_station_information(json.dumps(doc).encode(), "u").stations
    assert lenient == typed
    span = typed[0].area_span_m
    assert span is not None and low < span < high
    assert typed[1].area_span_m is None


@pytest.mark.parametrize("area", [{"coordinates": "x"}, {"coordinates": [[["a", "b"]]]}, [], 7])
def test_a_junk_station_area_is_unknown(area: Any) -> None:
    assert station_feeds.area_span_m(area) is None
