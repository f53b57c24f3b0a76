"""``[places]`` and ``near`` in config.toml, ``--near home``, and a
place that cannot be geocoded found as a station name in cached or demo data (offline:
the geocoder is pointed at a port nobody listens on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bikefinder.systems.config import parse_config
from bikefinder.systems.geocode import demo_stations, station_place

#: The geocoder is unreachable in these tests: connection refused, at once.
OFFLINE = {"BIKEFINDER_NOMINATIM_URL": "http://127.0.0.1:9"}
#: "Gare de Lyon - Chalon": of the four demo stations named "Gare de Lyon - …", the one
#: nearest their middle.
CHALON = (48.845666194202, 2.3741452395916)
CONFIG = """\
near = "home"
[places]
home = "48.8530,2.3499"
work = "Gare de Lyon, Paris"
"""


def write_config(tmp_path: Path, text: str, home: str = "home") -> Path:
    path = tmp_path / home / ".config" / "bikefinder" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def near_of(result) -> tuple[float, float]:
    assert result.code == 0, result.stderr
    near = result.json()["near"]
    return near["lat"], near["lon"]


# -------------------------------------------------------------------------- config


def test_places_and_near_are_read_and_checked() -> None:
    config = parse_config(
        {"near": "Home", "places": {"home": "48.8530, 2.3499", "work": "Gare de Lyon, Paris"}}
    )
    assert config.warnings == ()
    assert config.near == "Home" and config.place("HOME") == ("home", "48.8530, 2.3499")
    assert config.place("office") is None  # accents and case are ignored:
    assert config.place("WÖRK") == ("work", "Gare de Lyon, Paris")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"places": "home"}, "'places' must be a table of names"),
        ({"places": {"home": 48.85}}, "[places] 'home' must be \"LAT,LON\" or a place name"),
        ({"places": {"home": "91,2"}}, "[places] 'home': latitude must be between -90 and 90"),
        ({"near": 3}, "'near' must be a non-empty string, got an integer"),
        ({"near": "0,181"}, "'near': longitude must be between -180 and 180"),
        ({"near": "hme", "places": {"home": "1,2"}}, "'near' = 'hme' is not in [places] (did"),
        ({"naer": "home"}, "unknown key 'naer' (did you mean 'near'?)"),
        ({"place": {}}, "unknown key 'place' (did you mean 'places'?)"),
    ],
)
def test_bad_places_and_near_are_one_line_warnings(doc: dict, message: str) -> None:
    config = parse_config(doc)
    (warning,) = config.warnings
    assert message in warning and "\n" not in warning
    assert config.near is None and config.places in ({}, {"home": "1,2"})


def test_config_check_shows_the_places(tmp_path: Path, run_cli) -> None:
    write_config(tmp_path, CONFIG)
    result = run_cli("--config-check")
    assert result.code == 0, result.stderr
    assert "near: home (config) = 48.8530,2.3499" in result.stdout
    assert "  home = 48.8530,2.3499" in result.stdout
    assert "  work = Gare de Lyon, Paris (a place, looked up when used)" in result.stdout
    write_config(tmp_path, CONFIG + 'bad = "95,0"\n')
    flagged = run_cli("--config-check")
    assert flagged.code == 2 and "[places] 'bad': latitude must be between" in flagged.stderr


# -------------------------------------------------------------------------- --near


def test_near_a_configured_place_and_near_as_the_default(
    tmp_path: Path, run_cli, feed_server
) -> None:
    gbfs_url = feed_server.serve_fixture("velib_v1_2022")
    # (TOML keys after a table belong to it: system goes first)
    write_config(tmp_path, f'system = "{gbfs_url}"\n' + CONFIG)
    assert near_of(run_cli("--once", "--format", "json", "--limit", "1")) == (48.853, 2.3499)
    assert near_of(run_cli("--once", "--demo", "--near", "HOME", "--format", "json")) == (
        48.853,
        2.3499,
    )
    # --near wins over the default; the demo keeps its own point
    assert near_of(run_cli("--once", "--near", "48.86,2.34", "--format", "json"))[0] == 48.86
    assert near_of(run_cli("--once", "--demo", "--format", "json")) == (48.8566, 2.3522)
    # a configured place that is a place name: looked up, here offline -> a station name
    work = run_cli("--once", "--demo", "--near", "work", "--format", "json", env=OFFLINE)
    assert near_of(work) == CHALON
    assert "using the station 'Gare de Lyon - Chalon'" in work.error_line


def test_a_place_that_cannot_be_looked_up_matches_a_demo_station(run_cli) -> None:
    result = run_cli("--once", "--demo", "--near", "gare de LYON", "--format", "json", env=OFFLINE)
    assert near_of(result) == CHALON
    note = result.error_line
    assert note.startswith("bikefinder: note: --near 'gare de LYON' could not be looked up")
    assert "Vélib' Métropole, demo data from 2025-10-18, the one nearest the middle of 4" in note


def test_the_printed_table_names_the_place_asked_for(tmp_path: Path, run_cli) -> None:
    write_config(tmp_path, CONFIG)
    named = run_cli("--once", "--demo", "--near", "home", "--limit", "1")
    assert "Nearest to home (48.85300,2.34990)" in named.stdout.splitlines()
    plain = run_cli("--once", "--demo", "--near", "48.853,2.3499", "--limit", "1")
    assert "Nearest to 48.85300,2.34990" in plain.stdout.splitlines()
    offline = run_cli("--once", "--demo", "--near", "gare de LYON", "--format", "json",
                      env=OFFLINE)  # fmt: skip
    assert offline.json()["notes"][0].startswith("--near 'gare de LYON' could not be looked up")


def test_a_place_that_cannot_be_looked_up_matches_a_cached_station(run_cli, feed_server) -> None:
    gbfs_url = feed_server.serve_fixture("velib_v1_2022")
    warm = run_cli("--once", "--system", gbfs_url, "--near", "48.85,2.35", "--limit", "1")
    assert warm.code == 0, warm.stderr
    # "Invalides - Duroc" is in the cached 2022 feed, not in the demo snapshot
    result = run_cli(
        "--once", "--system", gbfs_url, "--near", "Invalides Duroc", "--format", "json",
        "--limit", "1", env=OFFLINE,
    )  # fmt: skip
    assert near_of(result) == (48.8477924732952, 2.3161920905113225)
    assert result.json()["stations"][0]["name"] == "Invalides - Duroc"
    assert "cached data" in result.error_line


def test_an_unknown_place_is_a_one_line_usage_error(run_cli) -> None:
    result = run_cli("--once", "--demo", "--near", "Zzyzx Nowhere", env=OFFLINE)
    assert result.code == 2
    line = result.error_line
    assert line.startswith("bikefinder: error: --near: cannot look up 'Zzyzx Nowhere'")
    assert "no station in cached or demo data is named like it" in line


def test_a_bad_configured_near_says_where_it_comes_from(tmp_path: Path, run_cli) -> None:
    write_config(tmp_path, 'near = "Zzyzx Nowhere"\nsystem = "velib"\n')
    result = run_cli("--once", env=OFFLINE)
    assert result.code == 2
    assert "(from near = 'Zzyzx Nowhere' in " in result.error_line


def test_station_matching_prefers_the_whole_name_and_the_biggest_group() -> None:
    demo = demo_stations()
    assert station_place("Gare de Lyon - Van Gogh", [demo]).station == "Gare de Lyon - Van Gogh"
    assert station_place("gare de lyon", [demo]).matches == 4
    other = ("Elsewhere", [("Gare de Lyon", 45.76, 4.86)])
    found = station_place("Gare de Lyon", [demo, other])
    assert found is not None and found.system == "Elsewhere"  # the same name beats a prefix
    assert station_place("Москва", [demo]) is None
    assert station_place("", [demo]) is None
