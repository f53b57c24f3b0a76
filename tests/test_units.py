"""Distances in the rider's units: imperial in the US and UK, metric elsewhere, from the
catalog's country, else from where the stations are; ``--units`` and config.toml's
``units`` override it; JSON and CSV stay in metres."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from bikefinder.common.units import (
    Units,
    format_distance,
    format_range,
    format_whole_range,
    units_for_country,
    units_named,
)
from bikefinder.fleet.fleet import Fleet
from bikefinder.fleet.view import FleetView
from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.mapgrid import nice_scale
from bikefinder.systems import places
from bikefinder.systems.config import parse_config
from bikefinder.systems.places import country_at
from bikefinder.systems.source import SystemSource
from tests.test_loader_optional_feeds import serve_real

IMP, MET = Units.IMPERIAL, Units.METRIC
NYC = "40.75,-73.98"
SEATTLE = "47.6097,-122.3331"


@pytest.mark.parametrize(
    ("metres", "text"),
    [
        (0, "0 ft"),
        (106.7, "350 ft"),  # 350.07 ft, to the nearest 10
        (164, "540 ft"),
        (303, "990 ft"),
        (304.8, "0.2 mi"),  # 1,000 ft: miles from here
        (643.7, "0.4 mi"),
        (15_999, "9.9 mi"),
        (16_100, "10 mi"),
        (100_000, "62 mi"),
    ],
)
def test_imperial_distances_are_feet_then_miles(metres: float, text: str) -> None:
    assert format_distance(metres, IMP) == text


def test_metric_distances_are_unchanged() -> None:
    assert [format_distance(m) for m in (0, 88, 999, 1000, 12_345)] == [
        "0 m", "88 m", "999 m", "1.0 km", "12.3 km",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("metres", "imperial", "metric"),
    [
        (-0.0, "~0 ft", "~0 m"),
        (90, "~300 ft", "~100 m"),
        (300, "~0.2 mi", "~300 m"),
        (4_023, "~2.5 mi", "~4.0 km"),
        (18_000, "~11 mi", "~18 km"),
    ],
)
def test_ranges_are_rounder(metres: float, imperial: str, metric: str) -> None:
    assert (format_range(metres, IMP), format_range(metres, MET)) == (imperial, metric)


def test_a_trip_pickup_range_is_whole_miles_or_km() -> None:
    assert (format_whole_range(18_000, IMP), format_whole_range(18_000, MET)) == ("11 mi", "18 km")


def test_which_countries_read_miles() -> None:
    assert {units_for_country(c) for c in ("US", "gb", " GB ", "JE")} == {IMP}
    assert {units_for_country(c) for c in ("FR", "CA", "PR", "", None)} == {MET}
    assert [units_named(name) for name in ("auto", "metric", "imperial")] == [None, MET, IMP]


def test_the_map_scale_is_round_in_either_unit() -> None:
    assert nice_scale(10.0, 30).label == "200 m"
    assert nice_scale(10.0, 30, IMP).label == "500 ft"  # 300 m: 0.2 mi (322 m) does not fit
    assert nice_scale(10.0, 40, IMP).label == "0.2 mi"
    assert nice_scale(2.0, 30, IMP).label == "100 ft"  # 60 m: 100 ft (30 m) fits, 200 ft not
    assert nice_scale(10.0, 40, IMP).cells == round(0.2 * 1609.344 / 10.0)
    assert nice_scale(5_000.0, 30, IMP).label == "50 mi"


def test_the_gazetteer_names_the_country_of_a_point() -> None:
    assert country_at(40.75, -73.98) == "US"
    assert country_at(51.5074, -0.1278) == "GB"
    assert country_at(48.8566, 2.3522) == "FR"
    assert country_at(35.68, 139.77) == "JP"
    assert country_at(0.0, -30.0) is None  # mid-Atlantic: no town within reach
    assert country_at(float("nan"), 0.0) is None


def _view(source: SystemSource, near: tuple[float, float], tmp_path: Path) -> FleetView:
    fleet = Fleet([source])
    return FleetView(fleet, near, FavouritesStore(tmp_path / "favourites.json"))


def test_the_lead_systems_catalog_country_decides(tmp_path: Path) -> None:
    london = SystemSource("https://london.example/gbfs.json", country="GB")
    view = _view(london, (48.8566, 2.3522), tmp_path)  # the point is in Paris
    assert view.units is IMP
    assert view.query().units is IMP
    view.units_choice = MET
    assert view.units is MET and view.query().units is MET


def test_without_a_catalog_country_the_point_decides_until_stations_load(tmp_path: Path) -> None:
    by_url = SystemSource("https://somewhere.example/gbfs.json")
    assert _view(by_url, (40.75, -73.98), tmp_path).units is IMP
    assert _view(by_url, (48.8566, 2.3522), tmp_path).units is MET


def test_the_header_units_look_nothing_up_until_the_scene_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's header asks on its event loop: what is known (the catalog's country,
    or a country looked up before), never the gazetteer, which the scene's preparation
    consults on the data thread."""
    by_url = SystemSource("https://somewhere.example/gbfs.json")
    view = _view(by_url, (40.75, -73.98), tmp_path)
    looked_up: list[tuple[float, float]] = []
    real = places.country_at

    def counted(lat: float, lon: float) -> str | None:
        looked_up.append((lat, lon))
        return real(lat, lon)

    monkeypatch.setattr(places, "country_at", counted)
    assert view.known_units() is MET  # not known yet: the default, no look-up
    assert view.status().units is MET
    assert looked_up == []
    assert view.units is IMP  # looked up (the data thread's part)
    assert view.known_units() is IMP and view.status().units is IMP
    assert view.units is IMP
    assert len(looked_up) == 1  # and remembered for the point
    london = _view(SystemSource("https://london.example/gbfs.json", country="GB"),
                   (48.8566, 2.3522), tmp_path)  # fmt: skip
    assert london.known_units() is IMP  # the catalog's country is known at once


# ----------------------------------------------------------------- the printed commands


def table_rows(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    return lines[lines.index("") + 3 :]


def test_citi_bike_by_url_prints_feet_and_miles(feed_server: Any, run_main: Any) -> None:
    """No catalog entry: the stations are in New York, so the table reads imperial."""
    url = feed_server.serve_fixture("citibike_v1.1_2024")
    args = ("--once", "--near", NYC, "--system", url, "--limit", "5")
    imperial = run_main(*args)
    assert imperial.code == 0, imperial.stderr
    distances = [re.search(r"\s(\d+(\.\d)? (ft|mi))\s", row) for row in table_rows(imperial.stdout)]
    assert all(distances) and distances[0] is not None
    assert distances[0].group(1) == "540 ft"  # E 40 St & Park Ave, 164 m away
    metric = run_main(*args, "--units", "metric")
    assert "  164 m  " in table_rows(metric.stdout)[0]
    line = run_main(*args, "--format", "line").stdout
    assert line.startswith("E 40 St & Park Ave · 540 ft NE · ")
    # Scripts read metres whatever the units: the JSON and CSV are the same either way.
    for output_format in ("json", "csv"):
        as_imperial = run_main(*args, "--format", output_format).stdout
        as_metric = run_main(*args, "--format", output_format, "--units", "metric").stdout
        strip = re.compile(r'"?(generated_at|data_age_s)"?[:,][^,\n]*')
        assert strip.sub("", as_imperial) == strip.sub("", as_metric)
    first = run_main(*args, "--format", "json").json()["stations"][0]
    assert round(first["distance_m"]) == 164


def test_units_flag_and_config(tmp_path: Path, run_main: Any) -> None:
    config = tmp_path / "config.toml"
    env = {"BIKEFINDER_CONFIG": str(config)}
    demo = ("--demo", "--once", "--format", "line")
    assert " · 88 m SE · " in run_main(*demo, env=env).stdout  # Paris: metric
    assert " · 290 ft SE · " in run_main(*demo, "--units", "imperial", env=env).stdout
    config.write_text('units = "imperial"\n', "utf-8")
    assert " · 290 ft SE · " in run_main(*demo, env=env).stdout
    assert " · 88 m SE · " in run_main(*demo, "--units", "auto", env=env).stdout
    assert " · 88 m SE · " in run_main(*demo, "--units", "metric", env=env).stdout
    check = run_main("--config-check", env=env)
    assert check.code == 0 and "units: imperial (config)" in check.stdout.splitlines()
    flagged = run_main("--config-check", "--units", "metric", env=env)
    assert "units: metric (flag)" in flagged.stdout.splitlines()
    bad = run_main(*demo, "--units", "furlongs", env=env)
    assert bad.code == 2 and bad.stderr.count("\n") == 1 and "--units" in bad.stderr


def test_config_units_are_checked() -> None:
    assert parse_config({"units": "Imperial"}).units == "imperial"
    assert parse_config({"units": "auto"}).units == "auto"
    bad = parse_config({"units": "furlongs"})
    assert bad.units is None
    assert bad.warnings == (
        'config: \'units\' must be one of "auto", "metric", "imperial", got \'furlongs\'; '
        "auto applies",
    )
    assert parse_config({"units": 3}).warnings[0].endswith("got an integer; auto applies")


def test_config_check_lists_units_by_default(tmp_path: Path, run_main: Any) -> None:
    env = {"BIKEFINDER_CONFIG": str(tmp_path / "absent.toml")}
    lines = run_main("--config-check", env=env).stdout.splitlines()
    assert any(line.startswith("units: auto: ") and "(default)" in line for line in lines)


def test_completion_offers_the_units(run_main: Any) -> None:
    for shell in ("bash", "zsh", "fish"):
        script = run_main("--completion", shell).stdout
        assert "--units" in script or "-l units" in script
        assert "imperial" in script and "metric" in script


def test_a_vehicle_range_in_miles_and_metres_in_json(feed_server: Any, run_main: Any) -> None:
    bird = serve_real(feed_server, "bird-seattle_2.3_2025")
    args = ("--once", "--system", bird, "--near", SEATTLE, "--limit", "3")
    document = run_main(*args, "--format", "json").json()
    ranged = [row for row in document["stations"] if row["range_m"] is not None]
    assert ranged, "the fixture's bikes report their range"
    for row in ranged:
        assert row["range_text"].endswith((" m", " km"))  # the document stays metric
    table = run_main(*args).stdout
    texts = {format_range(row["range_m"], IMP) for row in ranged}
    assert any(text in table for text in texts)
    assert " km" not in table and re.search(r"\d ft  ", table)
    rows = list(csv.DictReader(io.StringIO(run_main(*args, "--format", "csv").stdout)))
    assert rows[0]["range_text"] == ranged[0]["range_text"]


def test_a_warm_start_reads_the_systems_country_from_what_its_load_learned(
    feed_server: Any, run_main: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first load finds the country where the stations are and coverage.json keeps
    it; the next start reads it there, without searching the gazetteer."""
    url = feed_server.serve_fixture("citibike_v1.1_2024")
    args = ("--once", "--near", NYC, "--system", url, "--limit", "1", "--format", "line")
    assert " ft NE · " in run_main(*args).stdout
    learned = json.loads(next(tmp_path.glob("home/**/coverage.json")).read_text())
    assert [system["country"] for system in learned["systems"]] == ["US"]

    def no_gazetteer(lat: float, lon: float) -> str | None:
        raise AssertionError("the gazetteer was searched again")

    monkeypatch.setattr("bikefinder.systems.places.country_at", no_gazetteer)
    again = run_main(*args)
    assert again.code == 0 and " ft NE · " in again.stdout


def test_coverage_keeps_a_country_code_and_drops_anything_else() -> None:
    from bikefinder.systems.coverage import Coverage

    record = {"gbfs_url": "u", "bbox": [1, 1, 2, 2], "centre": [1.5, 1.5], "stations": 3}
    assert Coverage.from_json({**record, "country": "us"}).country == "US"  # type: ignore[union-attr]
    for damaged in ("USA", "1A", 7, None, "\x1b["):
        assert Coverage.from_json({**record, "country": damaged}).country is None  # type: ignore[union-attr]
    kept = Coverage.from_json({**record, "country": "FR"})
    assert kept is not None and Coverage.from_json(kept.to_json()) == kept
