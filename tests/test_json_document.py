"""The one printed document: every ``--once`` command (one system, several, ``--vehicles``,
``--favorites --once``) prints the same JSON keys, the same row keys and the same CSV
columns, and ``--min``, ``--limit`` and the demo label mean the same on every path."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from bikefinder.feeds.demo import DEMO_LIVE_GBFS_URL
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.output import ROW_FIELDS

PARIS = "48.8566,2.3522"
DEMO_LABEL = "demo data from 2025-10-18"


def save_demo_favourites(tmp_path: Path) -> None:
    """Two live Vélib' favourites: ``--demo`` shows them on the bundled snapshot."""
    store = FavouritesStore(tmp_path / "home/.local/share/bikefinder/favourites.json")
    for station_id, name in (("98187918", "Lobau"), ("48800374", "Place")):
        store.add(Favourite(DEMO_LIVE_GBFS_URL, "velib", "Vélib'", station_id, name, "t"))
    assert store.notices == []


@pytest.fixture
def two_systems(feed_server, other_feed_server) -> tuple[str, str]:
    """Vélib' and Oslo, each on a 127.0.0.1 server of its own."""
    return (
        feed_server.serve_fixture("velib_v1_2022"),
        other_feed_server.serve_fixture("oslo_v2.2_2022"),
    )


def test_min_ranks_the_same_rows_with_and_without_vehicles(run_main) -> None:
    plain = run_main("--demo", "--once", "--min", "30", "--format", "json")
    bikes = run_main("--demo", "--once", "--min", "30", "--vehicles", "bikes", "--format", "json")
    assert plain.code == bikes.code == 0, bikes.stderr
    rows, with_vehicles = plain.json()["stations"], bikes.json()["stations"]
    assert with_vehicles == rows  # --vehicles bikes is the default: the same answer
    ranked = [row for row in rows if row["rank"] is not None]
    assert [row["rank"] for row in ranked] == list(range(1, 21))
    assert all(row["bikes"] >= 30 for row in ranked)
    assert all(row["bikes"] < 30 and row["reason"] for row in rows if row["rank"] is None)


def test_the_demo_label_is_the_same_with_and_without_vehicles(run_main) -> None:
    for vehicles in ((), ("--vehicles", "bikes")):
        document = run_main("--demo", "--once", *vehicles, "--format", "json").json()
        assert document["demo"] == DEMO_LABEL
        assert document["systems"][0]["demo"] == DEMO_LABEL
        table = run_main("--demo", "--once", *vehicles, "--limit", "2").stdout
        assert table.splitlines()[0] == (
            f"Vélib' Métropole: 1495 stations; {DEMO_LABEL}, bundled with bikefinder, "
            "never refreshed"
        )


def test_every_command_prints_the_same_top_level_keys(
    run_main, two_systems: tuple[str, str], tmp_path: Path
) -> None:
    velib, oslo = two_systems
    save_demo_favourites(tmp_path)
    commands = {
        "one system": ("--once", "--system", velib, "--near", PARIS),
        "several systems": ("--once", "--system", velib, "--system", oslo, "--near", PARIS),
        "vehicles": ("--once", "--system", velib, "--near", PARIS, "--vehicles", "bikes"),
        "favourites": ("--favorites", "--once", "--demo"),
    }
    keys = {}
    for name, args in commands.items():
        result = run_main(*args, "--format", "json")
        assert result.code == 0, (name, result.stderr)
        document = result.json()
        keys[name] = list(document)
        assert document["stations"], name
    assert all(listed == keys["one system"] for listed in keys.values()), keys
    assert keys["one system"][0] == "schema_version"


def test_every_row_has_exactly_the_row_fields(run_main, two_systems: tuple[str, str]) -> None:
    velib, oslo = two_systems
    for args in (
        ("--demo", "--limit", "5"),
        ("--system", velib, "--system", oslo, "--near", "59.9139,10.7522", "--limit", "300"),
        ("--demo", "--mode", "dock", "--min", "20"),
    ):
        rows = run_main("--once", *args, "--format", "json").json()["stations"]
        assert rows and all(list(row) == list(ROW_FIELDS) for row in rows), args
        assert {row["system_id"] for row in rows} != {None}


def limited(rows: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The one --limit rule on the whole list: the ``limit`` nearest rows and the
    ``limit`` nearest options, nearest first."""
    options = [row for row in rows if row["rank"] is not None][:limit]
    chosen = {id(row) for row in rows[:limit]} | {id(row) for row in options}
    return [row for row in rows if id(row) in chosen]


def test_limit_lists_as_many_rows_with_vehicles_when_there_are_none(run_main, feed_server) -> None:
    velib = feed_server.serve_fixture("velib_v1_2022")  # stations only, no vehicle feed
    args = ("--once", "--system", velib, "--near", PARIS, "--min", "15", "--format", "json")
    every = run_main(*args, "--limit", "100000").json()["stations"]
    expected = limited(every, 20)
    assert 20 < len(expected) <= 40  # stations with fewer than 15 bikes are listed too
    for vehicles in ((), ("--vehicles", "bikes")):
        rows = run_main(*args, "--limit", "20", *vehicles).json()["stations"]
        assert [row["station_id"] for row in rows] == [row["station_id"] for row in expected]
        assert [row["rank"] for row in rows if row["rank"]] == list(range(1, 21))


def test_csv_header_is_the_row_fields_for_every_command(
    run_main, two_systems: tuple[str, str], tmp_path: Path
) -> None:
    velib, oslo = two_systems
    save_demo_favourites(tmp_path)
    for args in (
        ("--once", "--demo"),
        ("--once", "--demo", "--mode", "dock", "--min", "5"),
        ("--once", "--system", velib, "--near", PARIS),
        ("--once", "--system", velib, "--system", oslo, "--near", PARIS),
        ("--once", "--system", velib, "--near", PARIS, "--vehicles", "bikes"),
        ("--favorites", "--once", "--demo"),
    ):
        result = run_main(*args, "--format", "csv")
        assert result.code == 0, (args, result.stderr)
        reader = csv.reader(io.StringIO(result.stdout))
        assert next(reader) == list(ROW_FIELDS), args
        assert all(len(line) == len(ROW_FIELDS) for line in reader), args
