"""A lone surrogate in a feed string (``"\\udc80"``, legal in JSON text)
is made encodable once, where feed values are read, so no output can crash on it.

The CLI runs as a real subprocess with a strict UTF-8 stdout (``PYTHONIOENCODING=utf-8``,
see ``tests/conftest.py``): an unencodable string there is a ``UnicodeEncodeError``
traceback, which is what this used to be.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bikefinder.common.text import clean, encodable
from bikefinder.feeds import gbfs, station_feeds
from bikefinder.feeds.values import as_id, as_text
from bikefinder.rider.favourites import FavouritesStore, new_favourite, render_favourites

LONE = "\udc80"
NEAR = "48.0,2.0"


def test_encodable_replaces_lone_surrogates_only() -> None:
    assert encodable(f"Gare{LONE}du Nord") == "Gare\ufffddu Nord"
    assert encodable("\ud800\udfff") == "\ufffd\ufffd"  # two lone halves, not a pair
    assert encodable("Hôtel de Ville 🚲") == "Hôtel de Ville 🚲"  # real astral text stays
    assert encodable("plain") == "plain"
    assert clean(f"a{LONE}b").encode("utf-8") == "a\ufffdb".encode()


def test_feed_values_are_encodable() -> None:
    assert as_text(f"x{LONE}") == "x\ufffd"
    assert as_text([{"language": "fr", "text": f"y{LONE}"}], "fr") == "y\ufffd"
    assert as_id(f" 12{LONE} ") == "12\ufffd"
    station = json.loads('{"station_id": "s\\udc80", "name": "N\\udc80", "lat": 1, "lon": 2}')
    info = station_feeds.parse_station_information(
        {"data": {"stations": [station]}}, "http://127.0.0.1/si.json"
    )
    parsed = info.stations[0]
    parsed.name.encode("utf-8")  # would raise UnicodeEncodeError before the fix
    parsed.station_id.encode("utf-8")


def _system(feed_server: Any) -> str:
    stations = [
        {"station_id": f"A{LONE}", "name": f"Al{LONE}pha", "lat": 48.0, "lon": 2.0},
        {"station_id": "B", "name": "Bravo", "lat": 48.001, "lon": 2.0, "address": LONE},
    ]
    statuses = [
        {
            "station_id": sid,
            "num_bikes_available": 2,
            "num_docks_available": 3,
            "is_installed": True,
            "is_renting": True,
            "is_returning": True,
        }
        for sid in (f"A{LONE}", "B")
    ]

    def envelope(data: dict[str, Any]) -> dict[str, Any]:
        return {"last_updated": 1_700_000_000, "ttl": 10, "version": "2.3", "data": data}

    # json.dumps (as_body) writes the lone surrogate as the JSON escape "\udc80".
    return feed_server.serve_system(
        "sur",
        {
            "system_information": envelope(
                {"system_id": "sur", "name": f"Sur{LONE}ville", "language": "en"}
            ),
            "station_information": envelope({"stations": stations}),
            "station_status": envelope({"stations": statuses}),
        },
    )


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_once_prints_a_lone_surrogate_in_every_format(feed_server, run_cli, fmt: str) -> None:
    gbfs_url = _system(feed_server)
    result = run_cli("--once", "--format", fmt, "--near", NEAR, "--system", gbfs_url)
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "\ufffd" in result.stdout
    if fmt == "json":
        output = result.json()
        assert output["system"]["name"] == "Sur\ufffdville"
        assert [s["station_id"] for s in output["stations"]] == ["A\ufffd", "B"]
        assert output["stations"][0]["name"] == "Al\ufffdpha"
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert rows[0]["name"] == "Al\ufffdpha"
    else:
        assert "Al\ufffdpha" in result.stdout


def test_favourites_store_and_favorites_once_take_a_lone_surrogate(
    feed_server, run_cli, tmp_path: Path
) -> None:
    gbfs_url = _system(feed_server)
    first = run_cli("--once", "--format", "json", "--near", NEAR, "--system", gbfs_url)
    assert first.code == 0, first.stderr
    # The station as the app would favourite it: parsed from the same feed bytes.
    info_doc = json.loads(feed_server.routes["/sur/station_information.json"].body)
    status_doc = json.loads(feed_server.routes["/sur/station_status.json"].body)
    info = station_feeds.parse_station_information(info_doc, "http://127.0.0.1/si")
    status = station_feeds.parse_station_status(status_doc, "http://127.0.0.1/ss")
    stations, _ = station_feeds.join_stations(info, status)
    system_doc = json.loads(feed_server.routes["/sur/system_information.json"].body)
    system = gbfs.parse_system_information(system_doc, "http://127.0.0.1/sys")

    class _Snapshot:  # the two attributes new_favourite reads
        def __init__(self) -> None:
            self.gbfs_url = gbfs_url
            self.system = system

    path = tmp_path / "home/.local/share/bikefinder/favourites.json"
    store = FavouritesStore(path)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    favourite = new_favourite(_Snapshot(), stations[0], now)  # type: ignore[arg-type]
    render_favourites([favourite])  # raised UnicodeEncodeError before the fix
    assert store.toggle(favourite)
    assert store.notices == []
    reloaded = FavouritesStore(path).load()
    assert [(f.station_id, f.name, f.system_name) for f in reloaded] == [
        ("A\ufffd", "Al\ufffdpha", "Sur\ufffdville")
    ]
    for fmt in ("table", "json", "csv"):
        result = run_cli("--favorites", "--once", "--format", fmt, "--near", NEAR)
        assert result.code == 0, (fmt, result.stderr)
        assert "Traceback" not in result.stderr
        assert "Al\ufffdpha" in result.stdout, fmt
