"""What a refresh did to the best trip (rider/trip_changes.py), and where a typed
destination points (fleet/destination.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from copies import replace
from msgspec import structs
from test_trips import A, at, plan, scene, snapshot, station, vehicle

from bikefinder.common.errors import UsageError
from bikefinder.fleet.destination import resolve_destination
from bikefinder.fleet.fleet import Fleet
from bikefinder.fleet.view import FleetView
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.modes import Mode
from bikefinder.rider.trip_changes import lost_best_notice

TO = at(2000, 0)


def two_drops(*, near_docks: int = 5, pickup_bikes: int = 5):
    """A pickup by A and two drop-offs: one at the destination, one 400 m short of it."""
    return snapshot(
        "bk",
        [
            station("p", 50, bikes=pickup_bikes),
            station("d1", 2000, docks=near_docks, bikes=0),
            station("d2", 1600, docks=3, bikes=0),
        ],
    )


def with_status(station_obj, **changes):
    return structs.replace(station_obj, status=structs.replace(station_obj.status, **changes))


def test_a_dropoff_that_fills_up_is_said_once_with_the_next_best() -> None:
    before = plan(scene(two_drops()), TO)
    assert before.trips[0].dropoff.station_id == "d1"
    full = scene(two_drops(near_docks=0))
    after = plan(full, TO)
    notice = lost_best_notice(before, after, full)
    assert notice is not None
    assert notice.startswith("Station d1 is now full: next best Station p → Station d2, ")
    assert lost_best_notice(after, plan(full, TO), full) is None  # said once


def test_a_pickup_that_runs_out_is_said() -> None:
    before = plan(scene(two_drops()), TO)
    empty = scene(two_drops(pickup_bikes=0))
    notice = lost_best_notice(before, plan(empty, TO), empty)
    assert notice is not None and notice.startswith("Station p has no bikes left: ")
    assert "no other trip" in notice


def test_a_trip_overtaken_by_a_better_one_says_nothing() -> None:
    before = plan(scene(two_drops()), TO)
    closer = snapshot("bk", [*two_drops().stations, station("p2", 10, bikes=3)])
    after_scene = scene(closer)
    after = plan(after_scene, TO)
    assert after.trips[0].pickup.item_id == "p2"
    assert lost_best_notice(before, after, after_scene) is None


def test_a_taken_free_floating_bike_is_said() -> None:
    bike = vehicle("v1", 30)
    before_scene = scene(snapshot("ff", vehicles=[bike]))
    before = plan(before_scene, TO)
    assert before.trips[0].pickup.item_id == "v1"
    after_scene = scene(snapshot("ff", vehicles=[vehicle("v2", 400)]))
    notice = lost_best_notice(before, plan(after_scene, TO), after_scene)
    assert notice is not None and notice.startswith(
        "The e-bike was taken: next best an e-bike 400 m away → the destination, "
    )


def test_a_new_mode_or_destination_is_not_a_lost_trip() -> None:
    full = scene(two_drops(near_docks=0))
    before = plan(scene(two_drops()), TO)
    assert lost_best_notice(before, plan(full, at(1900, 0)), full) is None
    assert lost_best_notice(before, plan(full, TO, mode=Mode.EBIKE), full) is None
    assert lost_best_notice(None, plan(full, TO), full) is None


def test_status_flags_lost_are_said() -> None:
    base = two_drops()
    stations = list(base.stations)
    stations[1] = with_status(stations[1], is_returning=False)
    no_returns = scene(replace(base, stations=tuple(stations)))
    notice = lost_best_notice(plan(scene(base), TO), plan(no_returns, TO), no_returns)
    assert notice is not None and notice.startswith("Station d1 no longer takes bikes back")


# ------------------------------------------------------------------------ destinations


def view_on(tmp_path: Path, *favourites: Favourite) -> FleetView:
    store = FavouritesStore(tmp_path / "favourites.json")
    for favourite in favourites:
        store.add(favourite)
    view = FleetView(Fleet(), A, store)
    view.scene = scene(two_drops())
    return view


def test_a_destination_from_a_point_a_place_or_a_station(tmp_path: Path) -> None:
    view = view_on(tmp_path)
    typed = resolve_destination(" 48.86 , 2.36 ", view, {})
    assert typed is not None and typed.point == (48.86, 2.36)
    places = {"Work": "48.87,2.37", "gym": "Gare de Lyon"}
    work = resolve_destination("work", view, places)
    assert work is not None and (work.point, work.label) == ((48.87, 2.37), "Work")
    d2 = resolve_destination("station D2", view, places)
    assert d2 is not None and d2.label == "Station d2" and d2.point == at(1600, 0)
    assert resolve_destination("Nowhere Street", view, places) is None  # for the geocoder


@pytest.mark.parametrize(
    ("typed", "says"),
    [("", "type a place"), ("95,2", "the destination latitude must be between -90 and 90")],
)
def test_a_bad_destination_says_why(tmp_path: Path, typed: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        resolve_destination(typed, view_on(tmp_path), {})


def test_a_favourite_of_a_system_not_shown_says_so(tmp_path: Path) -> None:
    elsewhere = Favourite("https://other.test/gbfs.json", "other", "Other Bikes", "x1", "Office",
                          "2025-10-18T09:00:00+00:00")  # fmt: skip
    with pytest.raises(UsageError, match="Office is a favourite of Other Bikes, which is not"):
        resolve_destination("office", view_on(tmp_path, elsewhere), {})
