"""--once over several systems and free-floating vehicles, end to end over a
real 127.0.0.1 server with real_more feeds: one ranked list with a system per row."""

from __future__ import annotations

import csv
import io
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bikefinder.systems.coverage import remember_coverage
from tests.test_loader_optional_feeds import REAL, serve_real

LINZ = (48.3055, 14.2860)  # by Alter Markt, nextbike's first station
SEATTLE = (47.6097, -122.3331)
OCEAN = (10.0, -30.0)  # no real system covers it: only what a test teaches the catalog


def operator(
    centre: tuple[float, float],
    vehicles: list[dict[str, Any]] | None = None,
    *,
    count: int = 0,
    seed: int = 1,
    name: str = "Synthetic Float",
) -> dict[str, Any]:
    """A small free-floating operator (2.3): e-bikes and scooters around ``centre``."""
    rng = random.Random(seed)
    bikes = list(vehicles or [])
    for i in range(count):
        bikes.append(
            {
                "bike_id": f"{name[:3]}-{i}",
                "lat": centre[0] + rng.uniform(-0.01, 0.01),
                "lon": centre[1] + rng.uniform(-0.01, 0.01),
                "is_reserved": False,
                "is_disabled": False,
                "vehicle_type_id": "ebike" if i % 2 else "scooter",
                "current_range_meters": 5000 + i,
            }
        )
    stamp = int(time.time())
    return {
        "system_information": {
            "last_updated": stamp, "ttl": 60, "version": "2.3",
            "data": {"system_id": name.lower().replace(" ", "-"), "name": name,
                     "language": "en", "timezone": "Europe/Vienna"},
        },
        "vehicle_types": {
            "last_updated": stamp, "ttl": 60, "version": "2.3",
            "data": {"vehicle_types": [
                {"vehicle_type_id": "ebike", "form_factor": "bicycle",
                 "propulsion_type": "electric_assist", "max_range_meters": 60000},
                {"vehicle_type_id": "scooter", "form_factor": "scooter",
                 "propulsion_type": "electric", "max_range_meters": 30000},
            ]},
        },
        "free_bike_status": {
            "last_updated": stamp, "ttl": 0, "version": "2.3", "data": {"bikes": bikes},
        },
    }  # fmt: skip


def bike(bike_id: str, metres_east: float, **fields: Any) -> dict[str, Any]:
    """An e-bike ``metres_east`` of LINZ."""
    record = {
        "bike_id": bike_id,
        "lat": LINZ[0],
        "lon": LINZ[1] + metres_east / 74_000,  # ~74 km per degree of longitude here
        "is_reserved": False,
        "is_disabled": False,
        "vehicle_type_id": "ebike",
        "current_range_meters": 12_000,
    }
    record.update(fields)
    return record


def once(run: Any, *args: str, home: str = "home") -> Any:
    return run("--once", *args, home=home)


def test_two_systems_one_list_with_stations_and_vehicles(feed_server, run_main) -> None:
    linz = serve_real(feed_server, "nextbike-linz_2.3_2025")
    floating = feed_server.serve_system(
        "float",
        operator(
            LINZ,
            [
                bike("near", 20),
                bike("reserved", 5, is_reserved=True),
                bike("disabled", 8, is_disabled=True),
                bike("low", 60, current_range_meters=900),
            ],
        ),
    )
    near = f"{LINZ[0]},{LINZ[1]}"
    result = once(run_main, "--system", linz, "--system", floating, "--near", near,
                  "--format", "json", "--limit", "400")  # fmt: skip
    assert result.code == 0, result.stderr
    doc = result.json()
    ids = [system["id"] for system in doc["systems"]]
    assert ids == ["nextbike_al", "synthetic-float"]  # from system_information
    assert all(system["ok"] for system in doc["systems"]) and doc["errors"] == []
    assert doc["system"]["gbfs_url"] == linz  # the first system, for existing scripts
    rows = doc["stations"]
    assert [r["distance_m"] for r in rows] == sorted(r["distance_m"] for r in rows)
    assert {r["kind"] for r in rows} == {"station", "vehicle"}
    assert {r["system_id"] for r in rows} == set(ids)
    first = rows[0]
    assert (first["kind"], first["vehicle_id"], first["form_factor"]) == (
        "vehicle",
        "near",
        "bicycle",
    )
    assert (
        first["electric"] is True
        and first["range_text"] == "~12 km"
        and first["station_id"] is None
    )
    assert first["walk_s"] == round(first["distance_m"] / (4.8 / 3.6))
    vehicle_ids = {r["vehicle_id"] for r in rows if r["kind"] == "vehicle"}
    assert "reserved" not in vehicle_ids and "disabled" not in vehicle_ids  # never offered
    low = next(r for r in rows if r["vehicle_id"] == "low")
    assert low["low_range"] is True and low["range_m"] == 900
    # nextbike: 373 of its 380 bikes are parked at stations and count there, never as rows.
    real_bikes = json.loads((REAL / "nextbike-linz_2.3_2025/free_bike_status.json").read_bytes())
    docked = {b["bike_id"] for b in real_bikes["data"]["bikes"] if b.get("station_id")}
    free = {b["bike_id"] for b in real_bikes["data"]["bikes"] if not b.get("station_id")}
    assert not vehicle_ids & docked
    # the 7 parked elsewhere are listed, those at one spot as one row with their count
    listed_free = [r for r in rows if r["vehicle_id"] in free]
    assert sum(r["count"] for r in listed_free) == len(free) == 7
    assert len(listed_free) < len(free) and max(r["count"] for r in listed_free) > 1
    stations = [r for r in rows if r["kind"] == "station"]
    assert len(stations) == 50 and all(r["vehicle_id"] is None for r in stations)
    # nextbike has two plans: a station says the cheaper, and that there are more.
    assert stations[0]["price"] == "from €1 to start, then €1 per 15 min, 2 plans"
    nextbike = next(r for r in rows if r["vehicle_id"] in free)
    assert nextbike["price"] is not None and "€" in nextbike["price"]  # its own plan


def test_table_has_a_system_column_and_csv_every_field(feed_server, run_main) -> None:
    linz = serve_real(feed_server, "nextbike-linz_2.3_2025")
    floating = feed_server.serve_system("float", operator(LINZ, [bike("near", 20)]))
    near = f"{LINZ[0]},{LINZ[1]}"
    table = once(run_main, "--system", linz, "--system", floating, "--near", near, "--limit", "3")
    assert table.code == 0, table.stderr
    lines = table.stdout.splitlines()
    header = next(line for line in lines if line.startswith("#"))
    assert "System" in header and "Walk" in header
    assert any("Synthetic Float" in line and "e-bike" in line for line in lines)
    assert lines[0].startswith("city bike Linz: 50 stations, 7 vehicles; data ")
    assert lines[1].startswith("Synthetic Float: 0 stations, 1 vehicle; data ")
    result = once(run_main, "--system", linz, "--system", floating, "--near", near,
                  "--limit", "3", "--format", "csv")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 and rows[0]["kind"] == "vehicle" and rows[0]["system_id"]
    assert {"kind", "system_id", "walk_s", "vehicle_id", "form_factor", "range_m", "price"} <= set(
        rows[0]
    )


def test_one_system_failing_keeps_the_others(feed_server, run_main) -> None:
    linz = serve_real(feed_server, "nextbike-linz_2.3_2025")
    broken = feed_server.add("/broken/gbfs.json", b"{}", status=503)
    near = f"{LINZ[0]},{LINZ[1]}"
    result = once(run_main, "--system", linz, "--system", broken, "--near", near,
                  "--format", "json", "--limit", "5")  # fmt: skip
    assert result.code == 0
    assert "Traceback" not in result.stderr
    failed = [line for line in result.stderr.splitlines() if "HTTP 503" in line]
    assert len(failed) == 1 and "gbfs.json" in failed[0]
    doc = result.json()
    assert [s["ok"] for s in doc["systems"]] == [True, False]
    assert "HTTP 503" in doc["systems"][1]["error"]
    assert len(doc["errors"]) == 1 and "HTTP 503" in doc["errors"][0]["error"]
    assert len(doc["stations"]) == 5
    assert {r["system_id"] for r in doc["stations"]} == {doc["systems"][0]["id"]}
    # None answering: exit 1, each said once.
    other = feed_server.add("/broken2/gbfs.json", b"<html>", status=500)
    nothing = once(run_main, "--system", broken, "--system", other, "--near", near, home="cold")
    assert nothing.code == 1 and nothing.stdout == ""
    assert len(nothing.stderr.splitlines()) == 2 and "Traceback" not in nothing.stderr


def linz_with_alerts(feed_server, alerts: Callable[[str, int], list[Any]]) -> tuple[str, str]:
    """nextbike Linz served with a ``system_alerts`` feed: ``alerts(first station id, now)``
    gives its records. Returns the gbfs.json URL and that station's id (Alter Markt)."""
    folder = "nextbike-linz_2.3_2025"
    info = json.loads((REAL / folder / "station_information.json").read_bytes())
    station_id = info["data"]["stations"][0]["station_id"]
    now = int(time.time())
    feed = {"last_updated": now, "ttl": 60, "version": "2.3",
            "data": {"alerts": alerts(station_id, now)}}  # fmt: skip
    return serve_real(feed_server, folder, overrides={"system_alerts": feed}), station_id


def test_alerts_on_a_station_and_system_wide(feed_server, run_main) -> None:
    linz, station_id = linz_with_alerts(feed_server, lambda station_id, now: [
        {"alert_id": "works", "type": "station_closure", "summary": "Works at Alter Markt",
         "station_ids": [station_id], "times": [{"start": now - 3600, "end": now + 3600}]},
        {"alert_id": "old", "type": "station_closure", "summary": "Over",
         "station_ids": [station_id], "times": [{"start": now - 7200, "end": now - 3600}]},
        {"alert_id": "strike", "type": "other", "summary": "Strike today"},
    ])  # fmt: skip
    renningen = serve_real(feed_server, "oekostadt-renningen-mobidatabw_2.3_2025")
    near = f"{LINZ[0]},{LINZ[1]}"
    result = once(run_main, "--system", linz, "--system", renningen, "--near", near,
                  "--format", "json", "--limit", "2")  # fmt: skip
    assert result.code == 0, result.stderr
    doc = result.json()
    station = next(r for r in doc["stations"] if r["station_id"] == station_id)
    assert station["alert_ids"] == ["works"]
    assert {(a["alert_id"], tuple(a["station_ids"])) for a in doc["alerts"]} == {
        ("works", (station_id,)),
        ("strike", ()),
        ("ORE:Alert:mobidatabw_1", ()),  # the real MobiData BW notice
    }
    # Most important first, the header's rule: system-wide before a station's.
    assert doc["alerts"][-1]["alert_id"] == "works"
    table = once(run_main, "--system", linz, "--system", renningen, "--near", near, "--limit", "2")
    assert "alert: Works at Alter Markt" in table.stdout
    assert "Alert (" in table.stdout and "Strike today" in table.stdout


def test_one_system_json_has_the_same_alerts_contract(feed_server, run_main) -> None:
    """One system, stations only (the single-system --once path): ``alerts`` and each
    station's ``alert_ids`` as with several systems; an expired alert is not listed."""
    linz, station_id = linz_with_alerts(feed_server, lambda station_id, now: [
        {"alert_id": "works", "type": "station_closure", "summary": "Works",
         "station_ids": [station_id], "times": [{"start": now - 3600, "end": now + 3600}]},
        {"alert_id": "old", "type": "other", "summary": "Over",
         "times": [{"start": now - 7200, "end": now - 3600}]},
    ])  # fmt: skip
    result = once(run_main, "--system", linz, "--near", f"{LINZ[0]},{LINZ[1]}",
                  "--format", "json", "--limit", "3")  # fmt: skip
    assert result.code == 0, result.stderr
    doc = result.json()
    assert [a["alert_id"] for a in doc["alerts"]] == ["works"]
    assert doc["alerts"][0]["system_id"] == doc["systems"][0]["id"]
    ids = {r["station_id"]: r["alert_ids"] for r in doc["stations"]}
    assert ids[station_id] == ["works"]
    assert all(v == [] for k, v in ids.items() if k != station_id)


def test_vehicles_all_adds_scooters_with_their_price(feed_server, run_main) -> None:
    bird = serve_real(feed_server, "bird-seattle_2.3_2025")
    near = f"{SEATTLE[0]},{SEATTLE[1]}"
    bikes = once(run_main, "--system", bird, "--near", near, "--vehicles", "bikes",
                 "--format", "json", "--limit", "15")  # fmt: skip
    assert bikes.code == 0, bikes.stderr
    assert {r["form_factor"] for r in bikes.json()["stations"]} == {"bicycle"}
    everything = once(run_main, "--system", bird, "--near", near, "--vehicles", "all",
                      "--format", "json", "--limit", "15")  # fmt: skip
    rows = everything.json()["stations"]
    assert {r["form_factor"] for r in rows} == {"bicycle", "scooter"}
    assert {r["price"] for r in rows} == {"$1 to start, then $0.39/min"}
    none = once(run_main, "--system", bird, "--near", near, "--vehicles", "none",
                "--format", "json")  # fmt: skip
    assert none.code == 0 and none.json()["stations"] == []
    bad = once(run_main, "--system", bird, "--near", near, "--vehicles", "boats")
    assert bad.code == 2 and "--vehicles" in bad.error_line


def test_near_alone_loads_covering_systems_up_to_max_systems(
    feed_server, run_main, tmp_path: Path
) -> None:
    """Free-floating operators learned from their vehicles are chosen by location."""
    cache = tmp_path / "home" / ".cache" / "bikefinder"
    cache.mkdir(parents=True)
    urls = []
    for number, distance in enumerate((0.002, 0.004, 0.006)):
        centre = (OCEAN[0] + distance, OCEAN[1])
        name = f"Ocean Float {number}"
        feeds = operator(centre, count=20, seed=number, name=name)
        urls.append(feed_server.serve_system(f"ocean{number}", feeds))
        points = [(b["lat"], b["lon"]) for b in feeds["free_bike_status"]["data"]["bikes"]]
        remember_coverage(cache, urls[-1], name, points)
    near = f"{OCEAN[0]},{OCEAN[1]}"
    result = once(run_main, "--near", near, "--max-systems", "2", "--vehicles", "all",
                  "--format", "json")  # fmt: skip
    assert result.code == 0, result.stderr
    doc = result.json()
    assert len(doc["systems"]) == 2
    assert {s["gbfs_url"] for s in doc["systems"]} < set(urls)
    assert all(s["chosen_by"].startswith("chosen from --near") for s in doc["systems"])
    assert "1 more system" in result.stderr and "--max-systems" in result.stderr
    assert doc["notes"] and "--max-systems" in doc["notes"][0]
    everything = once(run_main, "--near", near, "--vehicles", "all", "--format", "json")
    assert {s["gbfs_url"] for s in everything.json()["systems"]} == set(urls)
    assert len({r["system_id"] for r in everything.json()["stations"]}) == 3
    bad = once(run_main, "--near", near, "--max-systems", "0")
    assert bad.code == 2 and "--max-systems" in bad.error_line


def test_two_feeds_of_one_name_have_distinct_short_names_in_the_table(
    feed_server, run_main
) -> None:
    """Two feeds both named "Lime Seattle": each row names its own, as the app does."""
    first = feed_server.serve_system("gbfs", operator(LINZ, [bike("a", 20)], name="Lime Seattle"))
    second = feed_server.serve_system(
        "gbfs_transit", operator(LINZ, [bike("b", 40)], name="Lime Seattle", seed=2)
    )
    near = f"{LINZ[0]},{LINZ[1]}"
    table = once(run_main, "--system", first, "--system", second, "--near", near)
    assert table.code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert any("Lime Seattle (gbfs)" in line and "e-bike" in line for line in lines)
    assert any("Lime Sea… (gbfs_transit)" in line and "e-bike" in line for line in lines)
