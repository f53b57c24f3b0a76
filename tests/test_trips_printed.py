"""``--once --to B``: trips printed in every format through the one document, ``--to``
resolved as ``--near`` is, and the riding speeds read from config.toml."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import check_answer

from bikefinder.rider.trip_output import TRIP_FIELDS
from bikefinder.systems.config import parse_config

#: Two kilometres north-east of the demo's Hôtel de Ville.
FAR = "48.87,2.37"
#: Next to the demo's point: walking wins.
CLOSE = "48.8570,2.3530"


def write_config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return {"BIKEFINDER_CONFIG": str(path)}


def test_json_trips_are_ranked_one_per_pickup(run_main: Any) -> None:
    result = run_main("--demo", "--once", "--to", FAR, "--format", "json")
    assert result.code == 0
    document = result.json()
    trips = document["trips"]
    assert document["to"] == {"lat": 48.87, "lon": 2.37}
    assert [trip["rank"] for trip in trips] == [1, 2, 3]  # --limit is 3 for trips
    totals = [trip["total_s"] for trip in trips]
    assert totals == sorted(totals)
    assert len({trip["pickup"]["station_id"] for trip in trips}) == 3
    for trip in trips:
        parts = trip["walk_to_s"] + 60 + trip["ride_s"] + 30 + trip["walk_from_s"]
        assert abs(parts - trip["total_s"]) <= 2  # each part rounded on its own
        assert trip["dropoff"]["kind"] == "station" and trip["dropoff"]["docks"] > 0
        assert trip["pickup"]["bikes"] > 0
    assert document["walk_only_s"] > totals[0]
    assert document["stations"] == []


def test_a_list_answer_has_no_trip(run_main: Any) -> None:
    document = run_main("--demo", "--once", "--format", "json", "--limit", "1").json()
    assert (document["to"], document["trips"], document["walk_only_s"]) == (None, [], None)


def test_table_says_walking_is_faster_first(run_main: Any) -> None:
    result = run_main("--demo", "--once", "--to", CLOSE)
    assert result.code == 0
    lines = result.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Walking is faster: "))
    table = next(i for i, line in enumerate(lines) if line.startswith("#  System"))
    assert first < table
    assert run_main("--demo", "--once", "--to", CLOSE, "--format", "line").stdout.startswith(
        "Walking is faster: 1 min"
    )


def test_table_lists_one_line_per_trip(run_main: Any) -> None:
    result = run_main("--demo", "--once", "--to", FAR, "--limit", "2")
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("#  System"))
    assert [line.split()[0] for line in lines[header + 2 : header + 4]] == ["1", "2"]
    assert "Walking is faster" not in result.stdout
    assert "without streets, hills or lights" in result.stdout


def test_csv_has_one_flat_row_per_trip(run_main: Any) -> None:
    result = run_main("--demo", "--once", "--to", FAR, "--format", "csv", "--limit", "2")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == TRIP_FIELDS
    assert [row["rank"] for row in rows] == ["1", "2"]
    assert all(row["dropoff_kind"] == "station" for row in rows)


def test_to_takes_a_place_name_from_the_config(run_main: Any, tmp_path: Path) -> None:
    env = write_config(tmp_path, '[places]\nwork = "48.87,2.37"\n')
    document = run_main("--demo", "--once", "--to", "work", "--format", "json", env=env).json()
    assert document["to"] == {"lat": 48.87, "lon": 2.37}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--demo", "--to", FAR, "--format", "json"), "--once"),
        (("--demo", "--once", "--to", "91,0"), "--to"),
        (("--demo", "--once", "--to", FAR, "--mode", "dock"), "not dock"),
    ],
)
def test_to_is_refused_where_it_means_nothing(
    run_main: Any, args: tuple[str, ...], says: str
) -> None:
    result = run_main(*args)
    assert result.code == 2 and says in result.error_line


def _doc(data: dict[str, Any]) -> dict[str, Any]:
    return {"last_updated": int(time.time()), "ttl": 60, "version": "2.3", "data": data}


def test_no_trip_is_one_line_and_exit_1(run_main: Any, feed_server: Any) -> None:
    stations = [{"station_id": str(i), "name": f"S{i}", "lat": 48.85 + i / 100, "lon": 2.35}
                for i in range(3)]  # fmt: skip
    statuses = [{"station_id": str(i), "num_bikes_available": 4, "num_docks_available": 0,
                 "is_installed": True, "is_renting": True, "is_returning": True,
                 "last_reported": int(time.time())} for i in range(3)]  # fmt: skip
    url = feed_server.serve_system("full", {
        "system_information": _doc({"system_id": "full", "name": "Full", "language": "en"}),
        "station_information": _doc({"stations": stations}),
        "station_status": _doc({"stations": statuses}),
    })  # fmt: skip
    result = run_main("--system", url, "--near", "48.85,2.35", "--once", "--to", "48.87,2.35",
                      "--format", "json")  # fmt: skip
    assert result.code == 1
    assert result.error_line == "bikefinder: no trip: no free dock in Full"
    assert result.json()["trips"] == []


@pytest.mark.parametrize("key", ["riding_speed_kmh", "ebike_speed_kmh"])
def test_riding_speeds_are_read_checked_and_shown(key: str, run_main: Any, tmp_path: Path) -> None:
    assert getattr(parse_config(tomllib.loads(f"{key} = 20")), key) == 20.0
    bad = parse_config(tomllib.loads(f"{key} = 100"))
    assert getattr(bad, key) is None and f"'{key}' must be a number of km/h" in bad.warnings[0]
    shown = run_main("--config-check", env=write_config(tmp_path, f"{key} = 21\n"))
    assert shown.code == 0 and f"{key}: 21 km/h (config)" in shown.stdout


def test_a_faster_riding_speed_shortens_the_ride(run_main: Any, tmp_path: Path) -> None:
    default = run_main("--demo", "--once", "--to", FAR, "--format", "json").json()
    env = write_config(tmp_path, "riding_speed_kmh = 30\n")
    fast = run_main("--demo", "--once", "--to", FAR, "--format", "json", env=env).json()
    assert fast["trips"][0]["total_s"] < default["trips"][0]["total_s"]
    ride = fast["trips"][0]["ride_distance_m"]
    assert fast["trips"][0]["ride_s"] == pytest.approx(ride / (30 / 3.6), abs=1)


def test_watch_prints_the_trips_per_refresh(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # fmt: skip
    foreground = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
        "os.execv(sys.executable, [sys.executable, '-m', 'bikefinder', *sys.argv[1:]])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", foreground, "--demo", "--once", "--to", FAR, "--format", "json",
         "--watch", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        documents = [json.loads(process.stdout.readline()) for _ in range(2)]
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    for document in documents:
        check_answer(document)
        assert [trip["rank"] for trip in document["trips"]] == [1, 2, 3]
    assert documents[0]["trips"] == documents[1]["trips"]
    assert process.returncode == 0 and b"Traceback" not in stderr
