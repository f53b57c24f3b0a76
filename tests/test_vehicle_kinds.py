"""Vehicles by what they are: only bicycles serve a bike mode (lists, the header's count,
the trip planner); other vehicles are listed with ``--vehicles all`` under what they are;
vehicles of one type at one spot are one row; parking zones and city-wide areas are not
stations to walk to; a system chosen by location with no bicycle leaves a bike view and
is not chosen for one again."""

from __future__ import annotations

from typing import Any

import pytest

from bikefinder.feeds.models import Station, StationInfo, StationStatus
from bikefinder.feeds.vehicles import VehicleForm, VehicleSelection, VehicleType
from bikefinder.rider.listing import ListStatus
from bikefinder.rider.modes import Mode
from bikefinder.rider.output import TABLE_COLUMNS, Answer, SystemReport, row_record, to_table
from bikefinder.rider.scene import NOT_A_BIKE, Query
from bikefinder.rider.trips import plan_trips
from bikefinder.ui.status_words import detail_words
from tests.test_nearby import DOCKS, FLOAT, NEAR, NOW, M, nearest, scene, snapshot, vehicle

SCOOTER = {"vehicle_type_id": "sc", "form": VehicleForm.SCOOTER, "propulsion": "electric",
           "electric": True}  # fmt: skip
CAR_TYPE = VehicleType("car", VehicleForm.CAR, "car", "combustion", False)
SCOOTER_TYPE = VehicleType("sc", VehicleForm.SCOOTER, "scooter_standing", "electric", True)
BIKE_TYPE = VehicleType("bike", VehicleForm.BICYCLE, "bicycle", "human", False)


def car_station(sid: str, metres_north: float, cars: int = 3) -> Station:
    info = StationInfo(sid, sid, NEAR[0] + metres_north * M, NEAR[1])
    status = StationStatus(sid, 0, 0, 0, 2, is_installed=True, is_renting=True,
                           is_returning=True, others=cars)  # fmt: skip
    return Station(info, status)


def zone(sid: str, metres_north: float, **info_fields: Any) -> Station:
    fields: dict[str, Any] = {"is_virtual": True, **info_fields}
    info = StationInfo(sid, sid, NEAR[0] + metres_north * M, NEAR[1], **fields)
    status = StationStatus(sid, 0, 0, 0, None, is_installed=True, is_renting=True,
                           is_returning=True)  # fmt: skip
    return Station(info, status)


def mixed_fleet() -> Any:
    return snapshot(
        vehicles=(vehicle("scoot", 10, **SCOOTER), vehicle("bike", 50)),
        vehicle_types={"sc": SCOOTER_TYPE, "bike": BIKE_TYPE},
    )


def test_a_scooter_is_listed_with_all_as_a_scooter_never_as_a_bike() -> None:
    rows = nearest(scene((FLOAT, mixed_fleet()), selection=VehicleSelection.ALL), NEAR)
    scooter, bike = rows
    assert (scooter.what, scooter.reason, scooter.rank) == ("scooter", NOT_A_BIKE, None)
    assert (bike.what, bike.reason, bike.rank) == ("bike", None, 1)
    status = ListStatus("Float", NEAR, "now", station_count=0, vehicle_count=2)
    assert "1 of 2 listed have bikes" in detail_words(status, rows, Mode.ANY_BIKE, "", None)
    ebike_rows = nearest(
        scene((FLOAT, mixed_fleet()), selection=VehicleSelection.ALL), NEAR, Mode.EBIKE
    )
    assert [(r.what, r.useful) for r in ebike_rows] == [("scooter", False)]  # never an e-bike
    record = row_record(scooter)
    assert (record["what"], record["count"], record["bikes"]) == ("scooter", 1, None)


def test_the_printed_table_says_what_and_never_counts_a_scooter_as_a_bike() -> None:
    listed = scene((FLOAT, mixed_fleet()), selection=VehicleSelection.ALL)
    rows = nearest(listed, NEAR)
    answer = Answer([SystemReport(FLOAT, mixed_fleet())], Query(NEAR), rows, NOW)
    lines = to_table(answer, 4.8).splitlines()
    header = next(line for line in lines if line.startswith("#"))
    assert [title for title, _ in TABLE_COLUMNS][3] == "What" and "What" in header
    scooter_line = next(line for line in lines if line.startswith("-") and "scooter" in line)
    bikes_at = header.index("Bikes")
    assert scooter_line[bikes_at : bikes_at + 5].strip() == ""  # no 1 in Bikes


def test_without_all_no_scooter_and_no_car_is_listed() -> None:
    rows = nearest(scene((FLOAT, mixed_fleet())), NEAR)
    assert [r.what for r in rows] == ["bike"]


def test_a_car_share_system_lists_nothing_in_a_bike_view_and_says_so() -> None:
    cars = snapshot(stations=(car_station("LIBERTE", 1),), vehicle_types={"car": CAR_TYPE})
    bike_view = scene((DOCKS, cars))
    assert nearest(bike_view, NEAR) == []
    assert bike_view.left_out() == [
        "Docks has no bicycles (cars): not listed (--vehicles all lists it)"
    ]
    (row,) = nearest(scene((DOCKS, cars), selection=VehicleSelection.ALL), NEAR)
    assert (row.what, row.count, row.reason, row.station.status.bikes) == ("car", 3, "no bikes", 0)


def test_a_station_of_scooters_in_a_bike_system_says_scooter() -> None:
    system = snapshot(
        stations=(car_station("S", 10, cars=2),),
        vehicle_types={"sc": SCOOTER_TYPE, "bike": BIKE_TYPE},
    )
    (row,) = nearest(scene((DOCKS, system)), NEAR)
    assert (row.what, row.count, row.useful) == ("scooter", 2, False)


def test_vehicles_of_one_type_at_one_spot_are_one_row() -> None:
    fleet = snapshot(
        vehicles=(
            vehicle("a", 100, electric=True),
            vehicle("b", 101, electric=True),
            vehicle("c", 102, electric=True),
            vehicle("other-type", 100, vehicle_type_id="cargo", form=VehicleForm.CARGO_BICYCLE),
            vehicle("apart", 150),
        )
    )
    listed = scene((FLOAT, fleet))
    rows = nearest(listed, NEAR)
    assert [(r.name, r.count) for r in rows] == [("3 e-bikes", 3), ("cargo bike", 1), ("bike", 1)]
    assert [v.vehicle_id for v in rows[0].group] == ["a", "b", "c"]
    assert listed.vehicle_count == 5
    minimum = listed.rows(Query(NEAR, Mode.ANY_BIKE, minimum=2), now=NOW)
    assert [r.useful for r in minimum] == [True, False, False]  # 3 at the spot is enough


def test_parking_zones_and_wide_areas_are_not_stations_to_walk_to() -> None:
    def listed_ids(*stations: Station) -> tuple[list[str], Any]:
        built = scene((DOCKS, snapshot(stations=stations)))
        return [r.key.item_id for r in nearest(built, NEAR)], built

    ids, built = listed_ids(
        zone("zone-no-room", 10, capacity=0),
        zone("zone-never-held", 20),
        zone("virtual-with-room", 30, capacity=4),
        zone("city", 40, area_span_m=12_000.0),
        zone("block", 50, area_span_m=80.0, capacity=5),
    )
    assert ids == ["virtual-with-room", "block"]
    assert built.left_out() == [
        "Docks: 2 parking zones and 1 area wider than 1 km not listed as stations"
    ]


def test_a_virtual_station_seen_with_a_bike_stays_listed_when_empty() -> None:
    held = Station(zone("z", 10).info, StationStatus("z", 2, 2, 0, None, is_installed=True))
    first = scene((DOCKS, snapshot(stations=(held,))))
    assert [r.key.item_id for r in nearest(first, NEAR)] == ["z"]
    from bikefinder.rider.scene import Scene

    later = Scene.build([(DOCKS, snapshot(stations=(zone("z", 10),)), None)], previous=first)
    assert [r.key.item_id for r in nearest(later, NEAR)] == ["z"]


def test_a_scooter_is_never_a_pickup_for_a_trip() -> None:
    fleet = snapshot(
        vehicles=(vehicle("scoot", 5, **SCOOTER), vehicle("bike", 600)),
        vehicle_types={"sc": SCOOTER_TYPE, "bike": BIKE_TYPE},
    )
    listed = scene((FLOAT, fleet), selection=VehicleSelection.ALL)
    destination = (NEAR[0] + 3000 * M, NEAR[1])
    plan = plan_trips(listed, NEAR, destination, now=NOW, mode=Mode.ANY_BIKE, limit=5)
    assert plan.trips and {t.pickup.item_id for t in plan.trips} == {"bike"}


@pytest.mark.parametrize("chosen_by", ["chosen from --near 1,2", None])
def test_a_car_share_chosen_by_location_leaves_a_bike_view_and_is_remembered(
    chosen_by: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from bikefinder.fleet import fleet as fleet_module
    from bikefinder.fleet.choice import without_bicycles
    from bikefinder.fleet.live import Loaded
    from bikefinder.systems.source import SystemSource

    remembered: list[str] = []
    monkeypatch.setattr(
        fleet_module,
        "remember_loaded_system",
        lambda source, _snap: remembered.append(source.gbfs_url),
    )
    cars_url, bikes_url = "https://cars.test/gbfs.json", "https://bikes.test/gbfs.json"
    fleet = fleet_module.Fleet(
        [SystemSource(cars_url, "Cars", chosen_by=chosen_by), SystemSource(bikes_url, "Bikes")],
        use_cache=False,
    )
    cars = snapshot(stations=(car_station("LIBERTE", 1),), vehicle_types={"car": CAR_TYPE})
    fleet.apply(Loaded(cars_url, cars))
    dropped = chosen_by is not None
    assert [s.url for s in fleet.enabled] == ([bikes_url] if dropped else [cars_url, bikes_url])
    assert remembered == ([cars_url] if dropped else [])
    assert bool(fleet.notes) is dropped
    fleet.systems[0].enabled = True  # the rider turns it on again: it stays on
    fleet.apply(Loaded(cars_url, cars))
    assert fleet.systems[0].enabled and len(fleet.notes) == int(dropped)
    # the memory: coverage.json says so, and a bike view chosen by location passes it over
    from bikefinder.systems.coverage import COVERAGE_FILE, load_coverages, remember_coverage

    monkeypatch.setattr("bikefinder.common.paths.cache_dir", lambda: tmp_path)
    remember_coverage(tmp_path, cars_url, "Cars", [(1.0, 2.0)], bicycles=False)
    remember_coverage(tmp_path, bikes_url, "Bikes", [(1.0, 2.0)], bicycles=True)
    assert [c.bicycles for c in load_coverages(tmp_path / COVERAGE_FILE)] == [True, False]
    assert without_bicycles(VehicleSelection.BIKES) == {cars_url}
    assert without_bicycles(VehicleSelection.ALL) == frozenset()


def test_resolve_sources_passes_over_systems_without_bicycles() -> None:
    from bikefinder.systems.config import Config
    from bikefinder.systems.source import resolve_sources
    from tests.test_systems_choice import PARIS, catalog, entry

    velib, degage = entry("velib", PARIS), entry("degage", PARIS, approximate=True)
    known = catalog(velib, degage)
    sources, notes = resolve_sources(
        [], PARIS, catalog=known, config=Config(), passed_over={degage.gbfs_url}
    )
    assert [s.gbfs_url for s in sources] == [velib.gbfs_url]
    assert [str(note) for note in notes] == ["not loaded, known to have no bicycles: Degage"]
    everyone, _ = resolve_sources(
        [], PARIS, catalog=known, config=Config(), passed_over={velib.gbfs_url, degage.gbfs_url}
    )
    assert len(everyone) == 2  # never all: the rider is shown something, and why


def test_the_apps_table_has_a_what_column_only_for_other_vehicles() -> None:
    from bikefinder.ui.station_cells import row_cells, table_layout

    rows = nearest(scene((FLOAT, mixed_fleet()), selection=VehicleSelection.ALL), NEAR)
    assert "what" not in table_layout(120, Mode.ANY_BIKE).keys
    layout = table_layout(120, Mode.ANY_BIKE, kinds=True)
    assert layout.keys[:3] == ("rank", "name", "what")
    scooter = dict(zip(layout.keys, row_cells(rows[0], Mode.ANY_BIKE, layout), strict=True))
    bike = dict(zip(layout.keys, row_cells(rows[1], Mode.ANY_BIKE, layout), strict=True))
    assert scooter["what"].plain == "scooter" and bike["what"].plain == "bike"
    assert scooter["bikes"].plain.strip() == "" and scooter["electric"].plain.strip() == ""
    assert bike["bikes"].plain.strip() == "1"


def test_the_details_of_a_spot_list_its_vehicles() -> None:
    from rich.console import Console

    from bikefinder.rider.rows import RowDetails
    from bikefinder.ui.screens.details import vehicle_renderable

    fleet = snapshot(vehicles=(vehicle("a", 100, current_range_meters=18_000), vehicle("b", 101)))
    (row,) = nearest(scene((FLOAT, fleet)), NEAR)
    console = Console(width=100, record=True)
    console.print(vehicle_renderable(RowDetails(row.key, row)))
    text = console.export_text()
    assert "2 bikes" in text and "At this spot" in text
    assert "a · ~18 km" in text and "b · range not given" in text
