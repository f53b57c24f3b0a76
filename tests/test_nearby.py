"""The mixed list (core.nearby): stations and vehicles of several systems, by distance,
with the mode rules, --vehicles, alerts, hours, range, walking time and prices."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bikefinder.feeds.models import FeedMeta, Station, StationInfo, StationStatus
from bikefinder.feeds.opening_hours import parse_opening_hours
from bikefinder.feeds.pricing import PriceSegment, PricingPlan
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.feeds.system_alerts import AlertWindow, SystemAlert
from bikefinder.feeds.vehicle_feeds import decode_vehicle_status, parse_vehicle_type_details
from bikefinder.feeds.vehicles import (
    Vehicle,
    VehicleForm,
    VehicleSelection,
    VehicleType,
)
from bikefinder.rider import scene as scene_module
from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import Row, SceneSystem
from bikefinder.rider.scene import Query, Scene
from bikefinder.rider.walking import walking_seconds

NOW = datetime(2025, 10, 21, 12, 0, tzinfo=UTC)  # a Tuesday, 14:00 in Paris
NEAR = (48.8500, 2.3500)
META = FeedMeta("station_status", "https://x.test/s.json", "2.3", NOW, 60)
DOCKS = SceneSystem("docks", "Docks", "https://docks.test/gbfs.json")
FLOAT = SceneSystem("float", "Float", "https://float.test/gbfs.json")
# 0.001 degree of latitude is about 111 m.
M = 0.001 / 111.2


def station(sid: str, metres_north: float, bikes: int = 3, electric: int = 1) -> Station:
    info = StationInfo(sid, f"Station {sid}", NEAR[0] + metres_north * M, NEAR[1])
    status = StationStatus(sid, bikes, bikes - electric, electric, 4, is_installed=True,
                           is_renting=True, is_returning=True)  # fmt: skip
    return Station(info, status)


def vehicle(vid: str, metres_north: float, **fields: Any) -> Vehicle:
    values: dict[str, Any] = {
        "vehicle_id": vid,
        "lat": NEAR[0] + metres_north * M,
        "lon": NEAR[1],
        "vehicle_type_id": "bike",
        "form": VehicleForm.BICYCLE,
        "propulsion": "human",
        "electric": False,
    }
    values.update(fields)
    return Vehicle(**values)


def snapshot(**fields: Any) -> Snapshot:
    return Snapshot(
        gbfs_url="https://x.test/gbfs.json",
        system=fields.pop("system", None) or _system(),
        stations=fields.pop("stations", ()),
        info_meta=META,
        status_meta=META,
        **fields,
    )


def _system(timezone: str | None = "Europe/Paris") -> Any:
    from bikefinder.feeds.models import SystemInfo

    return SystemInfo("x", "X", timezone=timezone)


def scene(*systems: tuple[SceneSystem, Snapshot], selection: Any = None) -> Scene:
    return Scene.build(
        [(system, data, None) for system, data in systems], selection or VehicleSelection.BIKES
    )


def nearest(
    listed: Scene, near: tuple[float, float], mode: Mode = Mode.ANY_BIKE, limit: int = 20,
    now: datetime = NOW,
) -> list[Row]:  # fmt: skip
    """The scene's rows around ``near`` (as every list asks for them)."""
    return listed.rows(Query(near, mode, limit=limit), now=now)


def test_stations_and_vehicles_of_two_systems_in_one_list() -> None:
    docks = snapshot(stations=(station("A", 300), station("B", 100), station("C", 500)))
    floating = snapshot(vehicles=(vehicle("v1", 200), vehicle("v2", 50), vehicle("v3", 400)))
    rows = nearest(scene((DOCKS, docks), (FLOAT, floating)), NEAR, limit=10, now=NOW)
    assert [(r.kind.value, r.system.key, r.name) for r in rows] == [
        ("vehicle", "float", "bike"),
        ("station", "docks", "Station B"),
        ("vehicle", "float", "bike"),
        ("station", "docks", "Station A"),
        ("vehicle", "float", "bike"),
        ("station", "docks", "Station C"),
    ]
    assert [r.vehicle.vehicle_id for r in rows if r.vehicle] == ["v2", "v1", "v3"]
    assert [r.rank for r in rows] == [1, 2, 3, 4, 5, 6]
    distances = [r.distance_m for r in rows]
    assert distances == sorted(distances)
    assert rows[0].distance_m == pytest.approx(50, abs=1)
    assert rows[0].walk_s == walking_seconds(rows[0].distance_m) == pytest.approx(38, abs=1)
    assert rows[0].bearing == "N"
    # The limit counts rows: the 2 nearest.
    assert [r.name for r in nearest(scene((DOCKS, docks), (FLOAT, floating)), NEAR, limit=2,
            now=NOW)] == ["bike", "Station B"]  # fmt: skip


def test_modes_ebike_lists_electric_vehicles_only_and_dock_lists_stations_only() -> None:
    floating = snapshot(
        vehicles=(
            vehicle("human", 10),
            vehicle("ebike", 20, propulsion="electric_assist", electric=True),
            vehicle("unknown", 30, form=VehicleForm.BICYCLE, propulsion=None, electric=None),
        )
    )
    docks = snapshot(stations=(station("A", 40, bikes=2, electric=0),))
    both = scene((DOCKS, docks), (FLOAT, floating))
    ebike = nearest(both, NEAR, Mode.EBIKE, limit=5, now=NOW)
    assert [(r.name, r.rank, r.reason) for r in ebike] == [
        ("e-bike", 1, None),
        ("Station A", None, "no e-bikes"),
    ]
    dock = nearest(both, NEAR, Mode.DOCK, limit=5, now=NOW)
    assert [r.kind.value for r in dock] == ["station"]
    anything = nearest(both, NEAR, Mode.ANY_BIKE, limit=5, now=NOW)
    assert [r.name for r in anything] == ["bike", "e-bike", "bike", "Station A"]


def test_reserved_disabled_and_unselected_vehicles_are_never_offered() -> None:
    floating = snapshot(
        vehicles=(
            vehicle("reserved", 10, is_reserved=True),
            vehicle("disabled", 20, is_disabled=True),
            vehicle("scooter", 30, form=VehicleForm.SCOOTER, electric=True),
            vehicle("mystery", 35, form=VehicleForm.UNKNOWN, electric=None),
            vehicle("ok", 40),
        )
    )
    ids = [
        r.vehicle.vehicle_id
        for r in nearest(scene((FLOAT, floating)), NEAR, limit=10, now=NOW)
        if r.vehicle
    ]
    assert ids == ["ok"]
    everything = scene((FLOAT, floating), selection=VehicleSelection.ALL)
    labels = [r.name for r in nearest(everything, NEAR, limit=10, now=NOW)]
    assert labels == ["e-scooter", "unknown vehicle", "bike"]
    none = scene((FLOAT, floating), selection=VehicleSelection.NONE)
    assert nearest(none, NEAR, limit=10, now=NOW) == []


def test_active_alerts_on_the_stations_they_name_and_system_wide_ones() -> None:
    named = SystemAlert("a1", "station_closure", "Works", station_ids=("B",))
    over = SystemAlert(
        "a2", "station_closure", "Old", station_ids=("B",),
        windows=(AlertWindow(NOW - timedelta(days=2), NOW - timedelta(days=1)),),
    )  # fmt: skip
    wide = SystemAlert("a3", "other", "Strike")
    docks = snapshot(stations=(station("A", 10), station("B", 20)), alerts=(named, over, wide))
    both = scene((DOCKS, docks))
    rows = nearest(both, NEAR, limit=5, now=NOW)
    assert [[a.alert_id for a in r.alerts] for r in rows] == [[], ["a1"]]
    assert [(s.key, a.alert_id) for s, a in both.system_alerts(NOW)] == [("docks", "a3")]


def test_a_station_outside_its_hours_is_closed_and_says_when_it_opens() -> None:
    early = parse_opening_hours("Mo-Su 06:00-08:00")
    always = parse_opening_hours("24/7")
    assert early is not None and always is not None
    docks = snapshot(
        stations=(station("A", 10), station("B", 20), station("C", 30)),
        station_hours={"A": early, "B": always},
    )
    rows = nearest(scene((DOCKS, docks)), NEAR, limit=3, now=NOW)
    assert [(r.name, r.rank, r.is_open, r.reason) for r in rows] == [
        ("Station A", None, False, "closed, opens Wed 06:00"),
        ("Station B", 1, True, None),
        ("Station C", 2, None, None),  # no hours known: never "closed"
    ]
    # A free-floating system outside its hours: its vehicles are listed, not offered.
    night = snapshot(vehicles=(vehicle("v", 10),), hours=early)
    row = nearest(scene((FLOAT, night)), NEAR, limit=1, now=NOW)[0]
    assert (row.rank, row.reason) == (None, "closed, opens Wed 06:00")
    # An unknown time zone leaves the hours unknown, not closed.
    unknown = snapshot(
        system=_system(timezone=None), stations=(station("A", 10),), station_hours={"A": early}
    )
    assert nearest(scene((DOCKS, unknown)), NEAR, limit=1, now=NOW)[0].reason is None


def test_vehicle_range_low_flag_and_price_sentence() -> None:
    plan = PricingPlan(
        "p", "E-bike", "EUR", Decimal("1.00"),
        per_min=(PriceSegment(start=0, rate=Decimal("0.05"), interval=1),),
    )  # fmt: skip
    other = PricingPlan("q", "Other", "EUR", Decimal("9"))
    ebike_type = VehicleType("eb", VehicleForm.BICYCLE, "bicycle", "electric_assist", True,
                             default_pricing_plan_id="p")  # fmt: skip
    floating = snapshot(
        vehicles=(
            vehicle("far", 10, vehicle_type_id="eb", electric=True, current_range_meters=18_000),
            vehicle("low", 20, vehicle_type_id="eb", electric=True, current_range_meters=1_500),
            vehicle("pct", 30, vehicle_type_id="zz", electric=True, current_fuel_percent=0.62),
        ),
        vehicle_types={"eb": ebike_type},
        pricing=(plan, other),
    )
    rows = nearest(scene((FLOAT, floating)), NEAR, limit=3, now=NOW)
    assert [(r.range_text, r.low_range) for r in rows] == [
        ("~18 km", False),
        ("~1.5 km", True),
        ("62 %", None),  # a percentage does not say how far
    ]
    assert rows[0].price == "€1 to start, then €0.05/min"
    assert rows[0].vehicle_type is ebike_type
    assert rows[2].price is None  # two plans and none named: not guessed


def test_real_bird_scooters_with_their_own_plan() -> None:
    folder = Path(__file__).parent / "fixtures/real_more/bird-seattle_2.3_2025"
    types = parse_vehicle_type_details(json.loads((folder / "vehicle_types.json").read_bytes()))
    feed = decode_vehicle_status(
        (folder / "free_bike_status.json").read_bytes(), "u", types, "free_bike_status"
    )
    from bikefinder.feeds.pricing import decode_system_pricing_plans

    plans = decode_system_pricing_plans((folder / "system_pricing_plans.json").read_bytes(), "u")
    bird = snapshot(vehicles=feed.vehicles, vehicle_types=types, pricing=plans.plans)
    seattle = (47.6097, -122.3331)
    bikes = nearest(scene((FLOAT, bird)), seattle, limit=20, now=NOW)
    assert len(bikes) == 20 and {r.name for r in bikes} == {"e-bike"}  # no scooter
    rows = nearest(scene((FLOAT, bird), selection=VehicleSelection.ALL), seattle, limit=20, now=NOW)
    assert {r.name for r in rows} == {"e-bike", "e-scooter"}
    assert rows[0].distance_m < bikes[0].distance_m  # a scooter is nearer than any bike
    assert all(r.price and r.price.startswith("$1 to start, then $") for r in rows)
    assert all(not (r.vehicle.is_reserved or r.vehicle.is_disabled) for r in rows)


def test_cost_follows_the_rows_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """30,000 vehicles: a call for 10 rows looks at a few dozen candidates, not all."""
    import random

    rng = random.Random(7)
    fleets = [
        snapshot(vehicles=tuple(vehicle(f"{n}-{i}", rng.uniform(0, 5000)) for i in range(10_000)))
        for n in range(3)
    ]
    systems = [SceneSystem(f"op{n}", f"Op {n}", f"https://op{n}.test/gbfs.json") for n in range(3)]
    big = Scene.build(
        [(system, fleet, None) for system, fleet in zip(systems, fleets, strict=True)]
    )
    built = []
    real = scene_module._vehicle_candidate
    monkeypatch.setattr(
        scene_module, "_vehicle_candidate", lambda *args: built.append(1) or real(*args)
    )
    rows = nearest(big, NEAR, limit=10, now=NOW)
    assert len(rows) == 10
    assert len(built) == 10  # every candidate looked at was a row
    # two vehicles a metre apart are one row: the rows are the nearest spots
    spots = [v for index in big.indexes for v in index.vehicles_for(Mode.ANY_BIKE)]
    assert len(spots) < 30_000
    everything = sorted(v.lat for v in spots)[:10]
    assert [r.lat for r in rows] == everything


def test_a_new_scene_reuses_the_indexes_of_unchanged_snapshots() -> None:
    a = snapshot(stations=(station("A", 10),))
    b = snapshot(vehicles=(vehicle("v", 20),))
    first = scene((DOCKS, a), (FLOAT, b))
    b2 = snapshot(vehicles=(vehicle("w", 5),))
    second = Scene.build([(DOCKS, a, None), (FLOAT, b2, None)], previous=first)
    assert second.indexes[0] is first.indexes[0]
    again = Scene.build([(DOCKS, a, None), (FLOAT, b2, None)], previous=second)
    assert again.indexes[1] is second.indexes[1]
    assert [r.vehicle.vehicle_id for r in nearest(second, NEAR, now=NOW) if r.vehicle] == ["w"]
    without = Scene.build([(DOCKS, a, None), (FLOAT, None, "down")], previous=second)
    assert [r.kind.value for r in nearest(without, NEAR, now=NOW)] == ["station"]
    assert without.failed == ((FLOAT, "down"),)
