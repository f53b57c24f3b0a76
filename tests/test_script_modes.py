"""``--mode bike|ebike|dock`` and ``--min N`` for ``--once``,
``--watch`` and ``--favorites --once`` with the app's usefulness rules, and
``--format line`` (one line for status bars), on the bundled demo snapshot (offline)."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bikefinder.feeds.demo import DEMO_LIVE_GBFS_URL
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.output import ROW_FIELDS as STATION_FIELDS

#: A full Vélib' station (0 free docks, renting): the nearest to its own point.
AUSTERLITZ = "48.84369030864,2.3657163977623"
AUSTERLITZ_NAME = "Gare d'Austerlitz - Quai Saint-Bernard"
#: Line of the nearest demo station to the demo's point (Hôtel de Ville), as the issue says.
LOBAU_LINE = "Lobau - Hôtel de Ville · 88 m SE · 40 bikes (9 e) · demo data from 2025-10-18"


def test_dock_mode_lists_the_full_station_unranked_with_its_reason(run_cli) -> None:
    plain = run_cli("--once", "--demo", "--near", AUSTERLITZ, "--limit", "3", "--format", "json")
    assert plain.code == 0, plain.stderr
    document = plain.json()
    # There is always a mode (any bike by default), so useful/reason are always there.
    assert document["mode"] == "bike" and document["min"] is None
    assert document["stations"][0]["name"] == AUSTERLITZ_NAME  # nearest first, as ever
    assert document["stations"][0]["rank"] == 1  # 24 bikes: an option for a bike
    assert set(document["stations"][0]) == set(STATION_FIELDS)  # one row shape

    docks = run_cli(
        "--once", "--demo", "--near", AUSTERLITZ, "--limit", "3", "--mode", "dock",
        "--format", "json",
    )  # fmt: skip
    assert docks.code == 0, docks.stderr
    document = docks.json()
    assert document["mode"] == "dock"
    stations = document["stations"]
    # Nearest first: the full station (0 m) comes first, unranked, saying why.
    assert [s["useful"] for s in stations] == [False, True, True, True]
    assert [s["rank"] for s in stations] == [None, 1, 2, 3]
    assert stations[0]["name"] == AUSTERLITZ_NAME and stations[0]["reason"] == "full"
    assert all(s["docks"] > 0 and s["reason"] is None for s in stations[1:])
    distances = [s["distance_m"] for s in stations]
    assert distances == sorted(distances)
    assert all(set(s) == set(STATION_FIELDS) for s in stations)


def test_min_lists_stations_with_fewer_than_n_unranked_with_why(run_cli) -> None:
    result = run_cli(
        "--once", "--demo", "--near", AUSTERLITZ, "--limit", "5", "--mode", "dock",
        "--min", "20", "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["min"] == 20
    stations = document["stations"]
    options = [s for s in stations if s["useful"]]
    others = [s for s in stations if not s["useful"]]
    # --limit 5: the 5 nearest rows (none is an option here) and the 5 nearest options.
    assert len(stations) == 10 and [s["rank"] for s in options] == [1, 2, 3, 4, 5]
    assert all(s["docks"] >= 20 and s["reason"] is None for s in options)
    assert all(s["docks"] < 20 and s["rank"] is None for s in others)
    assert {s["reason"] for s in others} == {
        "full", "only 1 free dock", "only 3 free docks", "only 6 free docks",
    }  # fmt: skip
    assert [s["distance_m"] for s in stations] == sorted(s["distance_m"] for s in stations)
    # --min alone means any bike
    bikes = run_cli("--once", "--demo", "--min", "30", "--limit", "3", "--format", "json").json()
    assert bikes["mode"] == "bike"
    assert all(s["bikes"] >= 30 for s in bikes["stations"] if s["useful"])
    place = next(s for s in bikes["stations"] if s["name"] == "Place de l'Hôtel de Ville")
    assert (place["rank"], place["useful"], place["reason"]) == (None, False, "only 10 bikes")


def test_mode_in_csv_and_table(run_cli) -> None:
    args = ("--once", "--demo", "--near", AUSTERLITZ, "--limit", "2", "--mode", "dock")
    table = run_cli(*args)
    assert table.code == 0, table.stderr
    assert "Mode: free dock" in table.stdout
    lines = table.stdout.strip().splitlines()
    first = lines[lines.index(next(line for line in lines if line.startswith("-  --"))) + 1]
    assert first.startswith("-  Vélib' Métropole  " + AUSTERLITZ_NAME) and first.endswith("full")
    assert lines[-1].startswith("2  ")  # the options ranked 1..N after it
    rows = list(csv.DictReader(io.StringIO(run_cli(*args, "--format", "csv").stdout)))
    assert list(rows[0]) == list(STATION_FIELDS)
    assert (rows[0]["name"], rows[0]["rank"], rows[0]["useful"], rows[0]["reason"]) == (
        AUSTERLITZ_NAME, "", "false", "full",
    )  # fmt: skip
    plain = run_cli("--once", "--demo", "--limit", "2", "--format", "csv").stdout
    assert plain.splitlines()[0] == ",".join(STATION_FIELDS)  # the same without --mode


def test_format_line_is_one_line_for_status_bars(run_cli) -> None:
    result = run_cli("--once", "--demo", "--format", "line")
    assert result.code == 0, result.stderr
    assert result.stdout == LOBAU_LINE + "\n"
    ebike = run_cli("--once", "--demo", "--format", "line", "--mode", "ebike", "--min", "10")
    assert ebike.stdout == (
        "Archives - Rivoli · 154 m NE · 11 e-bikes · demo data from 2025-10-18\n"
    )
    dock = run_cli("--once", "--demo", "--near", AUSTERLITZ, "--format", "line", "--mode", "dock")
    assert dock.stdout.count("\n") == 1 and AUSTERLITZ_NAME not in dock.stdout
    assert dock.stdout.startswith("Place Valhubert · 135 m NW · 1 free dock · ")
    nothing = run_cli("--once", "--demo", "--format", "line", "--mode", "dock", "--min", "999")
    assert nothing.stdout == "nothing with at least 999 free docks · demo data from 2025-10-18\n"


def test_watch_prints_one_line_per_refresh(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    foreground = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
        "os.execv(sys.executable, [sys.executable, '-m', 'bikefinder', *sys.argv[1:]])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", foreground, "--demo", "--once", "--format", "line",
         "--watch", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        lines = [process.stdout.readline().decode() for _ in range(2)]
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    assert lines == [LOBAU_LINE + "\n"] * 2
    assert process.returncode == 0 and b"Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--demo", "--once", "--mode", "docks"), "argument --mode: invalid choice: 'docks'"),
        (("--demo", "--once", "--min", "0"), "--min must be at least 1, got 0"),
        (("--demo", "--once", "--min", "x"), "--min expects a whole number, got 'x'"),
        (("--demo", "--format", "line"), "--format line goes with --once"),
        (
            ("--demo", "--once", "--watch", "5"),
            "--watch needs --once --format json or --format line",
        ),
        (("--favorites", "--once", "--format", "line", "--watch", "5"), "not with --favorites"),
    ],
)
def test_bad_script_flags_are_one_line_usage_errors(
    run_main, args: tuple[str, ...], message: str
) -> None:
    result = run_main(*args)
    assert result.code == 2
    assert message in result.error_line


@pytest.fixture
def demo_favourites(tmp_path: Path) -> None:
    """Three live Vélib' favourites (so ``--demo`` shows them on the snapshot): a full
    station, one with 10 bikes and 1 free dock, one with 40 bikes and 20 free docks."""
    store = FavouritesStore(tmp_path / "home" / ".local/share" / "bikefinder" / "favourites.json")
    for station_id, name in (
        ("35196898", AUSTERLITZ_NAME),
        ("48800374", "Place de l'Hôtel de Ville"),
        ("98187918", "Lobau - Hôtel de Ville"),
    ):
        store.add(Favourite(DEMO_LIVE_GBFS_URL, "velib", "Vélib'", station_id, name, "t"))
    assert store.notices == []


def test_favourites_once_in_a_mode(run_cli, demo_favourites) -> None:
    args = ("--favorites", "--once", "--demo")
    plain = run_cli(*args, "--format", "json")
    assert plain.code == 0, plain.stderr
    document = plain.json()
    assert document["mode"] == "bike" and document["limit"] is None
    assert document["favourites_only"] is True
    assert all(set(s) == set(STATION_FIELDS) and s["favourite"] for s in document["stations"])
    names = {s["name"] for s in document["stations"]}
    assert AUSTERLITZ_NAME in names and len(names) == 3

    docks = run_cli(*args, "--format", "json", "--mode", "dock")
    stations = docks.json()["stations"]
    assert [(s["useful"], s["reason"]) for s in stations][-1] == (False, "full")
    assert stations[-1]["name"] == AUSTERLITZ_NAME and all(s["useful"] for s in stations[:2])

    # --min no longer hides a favourite: every favourite is listed, ranked or why not.
    enough = run_cli(*args, "--format", "json", "--mode", "dock", "--min", "2").json()
    assert [(s["name"], s["rank"], s["reason"]) for s in enough["stations"]] == [
        ("Lobau - Hôtel de Ville", 1, None),
        ("Place de l'Hôtel de Ville", None, "only 1 free dock"),
        (AUSTERLITZ_NAME, None, "full"),
    ]

    line = run_cli(*args, "--format", "line", "--mode", "ebike", "--min", "5")
    assert line.stdout == LOBAU_LINE.replace("40 bikes (9 e)", "9 e-bikes") + "\n"

    rows = list(
        csv.DictReader(io.StringIO(run_cli(*args, "--format", "csv", "--min", "25").stdout))
    )
    assert list(rows[0]) == list(STATION_FIELDS)
    assert [(row["name"], row["rank"], row["reason"]) for row in rows] == [
        ("Lobau - Hôtel de Ville", "1", ""),
        ("Place de l'Hôtel de Ville", "", "only 10 bikes"),
        (AUSTERLITZ_NAME, "", "only 24 bikes"),
    ]
    table = run_cli(*args, "--mode", "dock")
    assert "Mode: free dock" in table.stdout
    assert table.stdout.rstrip().endswith("full")


async def test_the_app_starts_in_the_mode_and_minimum_asked_for(tmp_path) -> None:
    """``bikefinder --demo --mode dock --min 3``: the list starts in free-dock mode, and a
    station with fewer than 3 free docks is listed dimmed and unranked, saying why."""
    from bikefinder.cli.main import parse_options
    from bikefinder.rider.modes import Mode
    from bikefinder.ui.start import build_app

    app = build_app(parse_options(["--demo", "--mode", "dock", "--min", "3", "--limit", "10"]))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.stations.displayed:
                break
        rows = app.stations.displayed
        assert app.stations.mode is Mode.DOCK
        few = [row for row in rows if row.station and (row.station.status.docks or 0) < 3]
        assert few and all(row.rank is None for row in few)
        assert any(row.reason == "only 1 free dock" for row in few)
        ranked = [row for row in rows if row.rank is not None]
        assert ranked and all(row.station.status.docks >= 3 for row in ranked)
        assert "at least 3 free docks" in app.header_state().detail
