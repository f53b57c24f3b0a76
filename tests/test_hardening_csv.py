"""CSV formula injection.

Feed names and ids that start like a spreadsheet formula (``=``, ``+``, ``-``, ``@``,
tab, CR) get a leading ``'`` in ``--once --format csv`` and ``--favorites --once
--format csv`` (OWASP's rule); numbers stay numbers, and JSON keeps the exact strings.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.text_formats import csv_safe_text, csv_text

NEAR = "48.0,-0.1"
HOSTILE = {
    "eq": "=cmd|' /C calc'!A0",
    "plus": "+41 SUM(A1)",
    "minus": "-2+3",
    "at": "@SUM(1+1)",
    "ok": "Gare du Nord",
}


def test_csv_safe_text_follows_owasp() -> None:
    for text in ("=1+1", "+1", "-1", "@x", "\tx", "\rx"):
        assert csv_safe_text(text) == "'" + text
    for text in ("Gare", "", "1=1", " =x", "'=x"):
        assert csv_safe_text(text) == text
    out = csv_text(("a", "b", "c"), [{"a": "=x", "b": -0.5, "c": -3}])
    assert out.splitlines()[1] == "'=x,-0.5,-3"  # numbers are never prefixed


def _serve(feed_server: Any) -> str:
    stations = [
        {"station_id": key if key != "eq" else "=HYPERLINK(1)", "name": name,
         "lat": 48.0 + i * 0.001, "lon": -0.1}
        for i, (key, name) in enumerate(HOSTILE.items())
    ]  # fmt: skip
    statuses = [
        {"station_id": s["station_id"], "num_bikes_available": 1, "num_docks_available": 2}
        for s in stations
    ]

    def envelope(data: dict[str, Any]) -> dict[str, Any]:
        return {"last_updated": 1_700_000_000, "ttl": 10, "version": "2.3", "data": data}

    return feed_server.serve_system(
        "csvsys",
        {
            "system_information": envelope({"system_id": "csvsys", "name": "-Minus Bikes"}),
            "station_information": envelope({"stations": stations}),
            "station_status": envelope({"stations": statuses}),
        },
    )


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_once_csv_neutralises_formulas_and_json_stays_exact(feed_server, run_main) -> None:
    gbfs_url = _serve(feed_server)
    args = ("--once", "--near", NEAR, "--system", gbfs_url, "--format")
    result = run_main(*args, "csv")
    assert result.code == 0, result.stderr
    rows = {row["name"].lstrip("'"): row for row in _rows(result.stdout)}
    assert rows[HOSTILE["eq"]]["name"] == "'" + HOSTILE["eq"]
    assert rows[HOSTILE["eq"]]["station_id"] == "'=HYPERLINK(1)"
    assert rows[HOSTILE["plus"]]["name"] == "'+41 SUM(A1)"
    assert rows[HOSTILE["minus"]]["name"] == "'-2+3"
    assert rows[HOSTILE["at"]]["name"] == "'@SUM(1+1)"
    assert rows["Gare du Nord"]["name"] == "Gare du Nord"
    assert all(row["lon"] == "-0.1" for row in rows.values())  # a number, not text
    for line in result.stdout.splitlines()[1:]:
        assert not line.startswith(("=", "+", "-", "@")), line
        assert ",=" not in line and ",+" not in line and ",-M" not in line and ",@" not in line
    exact = run_main(*args, "json").json()
    assert {s["name"] for s in exact["stations"]} == set(HOSTILE.values())
    assert "=HYPERLINK(1)" in {s["station_id"] for s in exact["stations"]}


def test_favorites_once_csv_neutralises_formulas(feed_server, run_main, tmp_path: Path) -> None:
    gbfs_url = _serve(feed_server)
    path = tmp_path / "home/.local/share/bikefinder/favourites.json"
    store = FavouritesStore(path)
    for station_id, name in (("=HYPERLINK(1)", HOSTILE["eq"]), ("at", HOSTILE["at"]),
                             ("gone", "-not in the feed")):  # fmt: skip
        store.add(Favourite(gbfs_url, "csvsys", "-Minus Bikes", station_id, name, "2026-01-01"))
    result = run_main("--favorites", "--once", "--near", NEAR, "--format", "csv")
    assert result.code == 0, result.stderr
    rows = _rows(result.stdout)
    assert {row["name"] for row in rows} == {
        "'" + HOSTILE["eq"],
        "'@SUM(1+1)",
        "'-not in the feed",
    }
    assert {row["system_name"] for row in rows} == {"'-Minus Bikes"}
    assert "'=HYPERLINK(1)" in {row["station_id"] for row in rows}
    exact = run_main("--favorites", "--once", "--near", NEAR, "--format", "json").json()
    assert HOSTILE["eq"] in {s["name"] for s in exact["stations"]}


@pytest.mark.parametrize("name", ["=1+1", "\t=1", "\r=1"])
def test_control_prefixed_formulas_cannot_slip_through(name: str) -> None:
    """Tab and CR are folded away by clean(); what is left is still neutralised."""
    from bikefinder.common.text import clean

    assert csv_safe_text(clean(name, 500)).startswith("'")
