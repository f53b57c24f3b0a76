"""Script and config rules end to end over 127.0.0.1: the walking pace from config.toml,
``--favorites --once`` with several systems / ``--vehicles``, and ``--watch`` over
several systems."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bikefinder.feeds.vehicles import VehicleSelection
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.rows import Kind, RowKey, SceneSystem
from bikefinder.rider.scene import Query, Scene
from bikefinder.rider.walking import walking_text
from bikefinder.systems.config import DEFAULT_WALKING_SPEED_KMH, parse_config
from tests.conftest import check_answer, cli_env
from tests.test_loader_optional_feeds import REAL, serve_real
from tests.test_nearby_once import LINZ, bike, operator

NEAR = f"{LINZ[0]},{LINZ[1]}"


def write_config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return {"BIKEFINDER_CONFIG": str(path)}


# -- the walking pace --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("6.5", 6.5), ("2", 2.0), ("10.0", 10.0)],
)
def test_walking_speed_from_the_config(value: str, expected: float) -> None:
    import tomllib

    config = parse_config(tomllib.loads(f"walking_speed_kmh = {value}"))
    assert config.walking_speed_kmh == expected and config.warnings == ()


@pytest.mark.parametrize(
    ("value", "got"),
    [("1.5", "got 1.5"), ("11", "got 11"), ("nan", "got nan"), ("inf", "got inf"),
     ('"fast"', "got a string"), ("true", "got a boolean"), ("[4]", "got an array")],
)  # fmt: skip
def test_a_wrong_walking_speed_is_one_warning_and_the_default(value: str, got: str) -> None:
    import tomllib

    config = parse_config(tomllib.loads(f"walking_speed_kmh = {value}"))
    assert config.walking_speed_kmh is None
    [warning] = config.warnings
    assert "'walking_speed_kmh' must be a number of km/h from 2 to 10" in warning
    assert got in warning and "the default 4.8 applies" in warning


def test_config_check_shows_the_walking_speed(run_main, tmp_path: Path) -> None:
    default = run_main("--config-check", env=write_config(tmp_path, ""))
    assert default.code == 0 and "walking_speed_kmh: 4.8 km/h (default)" in default.stdout
    chosen = run_main("--config-check", env=write_config(tmp_path, "walking_speed_kmh = 3.6\n"))
    assert chosen.code == 0 and "walking_speed_kmh: 3.6 km/h (config)" in chosen.stdout
    bad = run_main("--config-check", env=write_config(tmp_path, "walking_speed_kmh = 0\n"))
    assert bad.code == 2 and "walking_speed_kmh: 4.8 km/h (default)" in bad.stdout
    assert "'walking_speed_kmh' must be" in bad.stderr and "Traceback" not in bad.stderr


def test_once_walk_s_and_walk_column_follow_the_configured_pace(
    feed_server, run_main, tmp_path: Path
) -> None:
    linz = serve_real(feed_server, "nextbike-linz_2.3_2025")
    floating = feed_server.serve_system("float", operator(LINZ, [bike("near", 400)]))
    args = ("--once", "--system", linz, "--system", floating, "--near", NEAR, "--limit", "60")
    slow = write_config(tmp_path, "walking_speed_kmh = 2.4\n")  # half the default pace
    default = run_main(*args, "--format", "json")
    halved = run_main(*args, "--format", "json", env=slow)
    assert default.code == halved.code == 0, halved.stderr
    assert halved.stderr == ""  # a valid key: no warning
    for normal, slower in zip(default.json()["stations"], halved.json()["stations"], strict=True):
        assert normal["walk_s"] == round(normal["distance_m"] / (4.8 / 3.6))
        assert slower["walk_s"] == round(slower["distance_m"] / (2.4 / 3.6))
    vehicle = next(r for r in halved.json()["stations"] if r["vehicle_id"] == "near")
    minutes = math.ceil(vehicle["walk_s"] / 60)
    table = run_main(*args, env=slow)
    rows = table.stdout.splitlines()
    line = next(line for line in rows if "Synthetic Float" in line and "e-bike" in line)
    default_minutes = math.ceil(round(vehicle["distance_m"] / (4.8 / 3.6)) / 60)
    assert f" {minutes} min " in line and minutes > default_minutes
    bad_pace = write_config(tmp_path, "walking_speed_kmh = 'x'\n")
    wrong = run_main(*args, "--format", "json", env=bad_pace)
    assert wrong.code == 0 and len(wrong.stderr.splitlines()) == 1
    assert "walking_speed_kmh" in wrong.stderr and "Traceback" not in wrong.stderr
    first = wrong.json()["stations"][0]
    assert first["walk_s"] == round(first["distance_m"] / (DEFAULT_WALKING_SPEED_KMH / 3.6))


def test_every_row_and_the_details_use_the_pace(feed_server) -> None:
    """The list's rows and one row's details carry walk_s at the configured pace."""
    from datetime import UTC, datetime

    from tests.test_loader_optional_feeds import load

    url = serve_real(feed_server, "nextbike-linz_2.3_2025")
    _, snapshot = load(url, free_floating=True)
    system = SceneSystem("linz", "Linz", url)
    scene = Scene.build([(system, snapshot, None)], VehicleSelection.BIKES)
    now = datetime.now(UTC)
    query = Query(LINZ, limit=10)
    normal = scene.rows(query, now=now)
    slow = scene.rows(query, now=now, walking_speed_kmh=3.0)
    for fast_row, slow_row in zip(normal, slow, strict=True):
        assert fast_row.distance_m is not None and slow_row.distance_m is not None
        assert fast_row.walk_s == round(fast_row.distance_m / (4.8 / 3.6))
        assert slow_row.walk_s == round(slow_row.distance_m / (3.0 / 3.6))
    station = snapshot.stations[5]
    key = RowKey(Kind.STATION, "linz", station.station_id)
    details = scene.row(key, query, now=now, walking_speed_kmh=3.0)
    assert details is not None and details.distance_m is not None and details.distance_m > 50
    assert details.walk_s == round(details.distance_m / (3.0 / 3.6))


def test_walking_text_takes_the_pace_and_rounds_up() -> None:
    assert walking_text(800) == "10 min"
    assert walking_text(800, 2.4) == "20 min"
    assert walking_text(800, 9.6) == "5 min"
    assert walking_text(0) == "0 min" and walking_text(1) == "1 min"


# -- --favorites --once ------------------------------------------------------------


def save_favourites(home: Path, favourites: list[tuple[str, str, str]]) -> None:
    store = FavouritesStore(home / ".local/share/bikefinder/favourites.json")
    for gbfs_url, system_id, station_id in favourites:
        store.add(Favourite(gbfs_url, system_id, system_id, station_id, station_id, "t"))
    assert store.notices == []


def first_station(folder: str) -> str:
    info = json.loads((REAL / folder / "station_information.json").read_bytes())
    return str(info["data"]["stations"][0]["station_id"])


def test_favorites_once_with_repeated_system_and_refused_flags(
    feed_server, run_cli, tmp_path: Path
) -> None:
    folders = ("nextbike-linz_2.3_2025", "oekostadt-renningen-mobidatabw_2.3_2025",
               "donkey-barcelona_2.3_2025")  # fmt: skip
    urls = [serve_real(feed_server, folder) for folder in folders]
    home = tmp_path / "home"
    pairs = enumerate(zip(urls, folders, strict=True))
    save_favourites(home, [(url, f"s{n}", first_station(folder)) for n, (url, folder) in pairs])
    everything = run_cli("--favorites", "--once", "--format", "json")
    assert everything.code == 0, everything.stderr
    assert [s["gbfs_url"] for s in everything.json()["systems"]] == urls
    two = run_cli("--favorites", "--once", "--format", "json", "--system", urls[2],
                  "--system", urls[0], "--near", NEAR)  # fmt: skip
    assert two.code == 0, two.stderr
    doc = two.json()
    assert {s["gbfs_url"] for s in doc["systems"]} == {urls[0], urls[2]}
    assert {s["station_id"] for s in doc["stations"]} == {
        first_station(folders[0]),
        first_station(folders[2]),
    }
    assert all(s["bikes"] is not None for s in doc["stations"])
    # What favourites cannot honour is refused in one line that says why.
    vehicles = run_cli("--favorites", "--once", "--vehicles", "all", "--near", NEAR)
    assert vehicles.code == 2 and vehicles.stdout == ""
    assert "saved stations, not free-floating vehicles" in vehicles.error_line
    assert "--once --near LAT,LON --vehicles all" in vehicles.error_line
    several = run_cli("--favorites", "--once", "--max-systems", "3", "--near", NEAR)
    assert several.code == 2 and "--max-systems" in several.error_line
    assert "use --system" in several.error_line
    none = run_cli("--favorites", "--once", "--vehicles", "none", "--format", "csv")
    assert none.code == 0 and len(none.stdout.splitlines()) == 1 + 3


# -- --watch over several systems ------------------------------------------------


def test_watch_over_several_systems_prints_one_line_per_refresh(
    feed_server, tmp_path: Path
) -> None:
    linz = serve_real(feed_server, "nextbike-linz_2.3_2025")
    floating = feed_server.serve_system("float", operator(LINZ, [bike("near", 20)]))
    home = tmp_path / "home"
    home.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "bikefinder", "--once", "--format", "json", "--watch", "1",
         "--system", linz, "--system", floating, "--near", NEAR, "--limit", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(home), cwd=tmp_path,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    documents: list[dict[str, Any]] = [json.loads(line) for line in lines]
    assert b"Traceback" not in stderr
    for document in documents:
        check_answer(document)  # each --watch line is a whole answer of the schema
    for document in documents:
        assert len(document["systems"]) == 2 and all(s["ok"] for s in document["systems"])
        assert document["stations"][0]["kind"] == "vehicle"
        assert {r["system_id"] for r in document["stations"]} == {"nextbike_al", "synthetic-float"}
    assert documents[0]["generated_at"] <= documents[1]["generated_at"]
