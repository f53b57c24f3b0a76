"""Vehicles are not the garbage collector's business: a city's free-floating fleets are
tens of thousands of records per refresh, and every tracked object among them makes
the collector's full passes (which stop the app's event loop too) more frequent and
longer. Decoding a vehicle feed and gathering its vehicles by spot must track next to
nothing."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import msgspec

from bikefinder.feeds import vehicle_wire
from bikefinder.feeds.vehicle_feeds import decode_vehicle_status
from bikefinder.feeds.vehicles import Vehicle, VehicleForm, group_at_spots

COUNT = 10_000


def fleet_body(count: int = COUNT) -> bytes:
    """A v2.3 ``free_bike_status`` of ``count`` bikes spread over Paris, two per spot."""
    bikes = [
        {
            "bike_id": f"bike-{n}",
            "lat": 48.80 + (n // 2) * 1e-5,
            "lon": 2.30 + (n // 2 % 97) * 1e-3,
            "is_reserved": False,
            "is_disabled": False,
            "vehicle_type_id": "ebike" if n // 2 % 3 else "bike",
            "current_range_meters": 12_000.0,
            "rental_uris": {"web": f"https://example.test/bike/{n}"},
        }
        for n in range(count)
    ]
    doc = {"last_updated": 1_700_000_000, "ttl": 60, "version": "2.3", "data": {"bikes": bikes}}
    return json.dumps(doc).encode()


@contextmanager
def collections_counted() -> Iterator[Callable[[], int]]:
    """How many collections (of any generation) run inside the block, at the default
    thresholds: each young one means 700 more tracked objects were alive."""
    seen = [0]

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen[0] += 1

    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    gc.collect()
    gc.callbacks.append(count)
    try:
        yield lambda: seen[0]
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*thresholds)


def test_vehicles_and_their_wire_records_are_untracked() -> None:
    feed = decode_vehicle_status(fleet_body(10), "https://example.test/free_bike_status.json")
    assert feed.vehicles and not any(gc.is_tracked(v) for v in feed.vehicles)
    record = vehicle_wire.VEHICLE_RECORD.decode(b'{"bike_id": "b", "lat": 1.0, "lon": 2.0}')
    assert not gc.is_tracked(record)


def test_a_big_fleet_leaves_nothing_for_the_collector_to_walk() -> None:
    body = fleet_body()
    gc.collect()
    before = len(gc.get_objects())
    feed = decode_vehicle_status(body, "https://example.test/free_bike_status.json")
    firsts, several = group_at_spots(feed.vehicles)
    gc.collect()  # untracks the tuples that hold only untracked things
    tracked = len(gc.get_objects()) - before
    assert len(feed.vehicles) == COUNT and len(firsts) == COUNT // 2 and several
    assert tracked < 50


def test_gathering_vehicles_by_spot_tracks_nothing_per_vehicle() -> None:
    apart = [
        Vehicle(f"v{n}", 48.80 + n * 1e-4, 2.35, "bike", VehicleForm.BICYCLE, None, None)
        for n in range(COUNT)
    ]
    with collections_counted() as collections:
        firsts, several = group_at_spots(apart)
        seen = collections()
    assert len(firsts) == COUNT and not several
    # A tuple key and a list per spot would be some 28 collections here.
    assert seen <= 1


def test_a_vehicle_is_copied_with_msgspec_and_keeps_its_api() -> None:
    bike = Vehicle("v1", 48.85, 2.35, "ebike", VehicleForm.BICYCLE, "electric_assist", True)
    moved = msgspec.structs.replace(bike, lat=None)
    assert (bike.placeable, moved.placeable) == (True, False)
    assert moved == Vehicle("v1", None, 2.35, "ebike", VehicleForm.BICYCLE, "electric_assist", True)
    assert hash(bike) == hash(msgspec.structs.replace(bike))


def test_spots_keep_feed_order_across_types_and_list_each_group_first_first() -> None:
    def bike(vehicle_id: str, lat: float, type_id: str) -> Vehicle:
        return Vehicle(vehicle_id, lat, 2.35, type_id, VehicleForm.BICYCLE, None, None)

    vehicles = [
        bike("a1", 48.85, "a"),
        bike("b1", 48.85, "b"),
        bike("a2", 48.85, "a"),
        bike("far", 48.86, "a"),
        bike("b2", 48.85, "b"),
        bike("a3", 48.85, "a"),
        Vehicle("nowhere", None, None, "a", VehicleForm.BICYCLE, None, None),
    ]
    firsts, several = group_at_spots(vehicles)
    assert [v.vehicle_id for v in firsts] == ["a1", "b1", "far"]
    assert list(several) == ["a1", "b1"]
    assert [v.vehicle_id for v in several["a1"]] == ["a1", "a2", "a3"]
    assert [v.vehicle_id for v in several["b1"]] == ["b1", "b2"]
