"""``bikefinder --favorites --once`` end to end: a subprocess against real fixture feeds
served over HTTP on 127.0.0.1, with the favourites file in a temporary XDG_DATA_HOME.

Expected numbers come straight from the raw fixture records, distances from geopy.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import age_feed_cache, check_answer
from geopy.distance import great_circle

from bikefinder.cli.main import parse_options
from bikefinder.feeds.demo import DEMO_GBFS_URL, DEMO_LIVE_GBFS_URL
from bikefinder.fleet import choice as fleet_choice
from bikefinder.fleet.choice import choose, fleet_for
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.output import ROW_FIELDS
from bikefinder.systems.catalog import Catalog
from bikefinder.systems.entries import CatalogEntry

FIXTURES = Path(__file__).parent / "fixtures"
NEAR = (48.8566, 2.3522)
VELIB_IDS = ("213688169", "653222953")  # station_id of Velib records 0 and 1 (ints in the feed)
OSLO_IDS = ("2351", "2350")


# -- a small fixture server -------------------------------------------------------


@dataclass
class Route:
    body: bytes
    status: int = 200
    delay_s: float = 0.0


@dataclass
class FixtureServer:
    """Threaded ``http.server`` on 127.0.0.1 answering from a route table."""

    base_url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # path, headers
    delayed_in_flight: int = 0  # delayed requests being answered now
    most_delayed_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, content: Any, status: int = 200, delay_s: float = 0.0) -> str:
        body = content if isinstance(content, bytes) else json.dumps(content).encode()
        self.routes[path] = Route(body, status, delay_s)
        return self.base_url + path

    def add_system(
        self, folder: str, fixture: str, *, system_info: bool = True, delay_s: float = 0.0
    ) -> str:
        """Serve a fixture folder as a v2-style system; returns its gbfs.json URL."""
        feeds = []
        names = ["station_information", "station_status"]
        if system_info and (FIXTURES / fixture / "system_information.json").exists():
            names.append("system_information")
        for name in names:
            url = self.add(
                f"/{folder}/{name}.json", (FIXTURES / fixture / f"{name}.json").read_bytes()
            )
            feeds.append({"name": name, "url": url})
        document = {
            "last_updated": 1666548064,
            "ttl": 0,
            "version": "2.2",
            "data": {"en": {"feeds": feeds}},
        }
        return self.add(f"/{folder}/gbfs.json", document, delay_s=delay_s)


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    fixture = FixtureServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fixture.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = fixture.routes.get(self.path) or Route(b'{"error": "not found"}', 404)
            if route.delay_s:
                with fixture.lock:
                    fixture.delayed_in_flight += 1
                    fixture.most_delayed_in_flight = max(
                        fixture.most_delayed_in_flight, fixture.delayed_in_flight
                    )
                time.sleep(route.delay_s)
                with fixture.lock:
                    fixture.delayed_in_flight -= 1
            self.send_response(route.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    fixture.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield fixture
    httpd.shutdown()
    httpd.server_close()


# -- running the CLI --------------------------------------------------------------


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        document = json.loads(self.stdout)
        check_answer(document)  # the one printed document, as every --once prints
        return document


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def favourites_file(home: Path) -> Path:
    return home / "data" / "bikefinder" / "favourites.json"


@pytest.fixture
def run(home: Path) -> Callable[..., Result]:
    environment = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "NO_PROXY": "*",
    }

    def run(*args: str) -> Result:
        completed = subprocess.run(
            [sys.executable, "-m", "bikefinder", "--favorites", "--once", *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    return run


def add_favourites(path: Path, gbfs_url: str, station_ids: tuple[str, ...], system: str) -> None:
    store = FavouritesStore(path)
    for station_id in station_ids:
        store.add(
            Favourite(gbfs_url, system, system.title(), station_id, f"saved {station_id}", "t")
        )
    assert store.notices == []


def fixture_records(fixture: str, feed: str) -> dict[str, dict[str, Any]]:
    document = json.loads((FIXTURES / fixture / f"{feed}.json").read_text("utf-8"))
    return {str(record["station_id"]): record for record in document["data"]["stations"]}


def assert_one_line(stderr: str) -> None:
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr


# -- tests ------------------------------------------------------------------------


@pytest.fixture
def three_systems(server: FixtureServer, favourites_file: Path) -> tuple[str, str, str]:
    """Velib and Oslo that load, and a third system whose gbfs.json answers HTTP 500."""
    velib = server.add_system("velib", "velib_v1_2022")
    oslo = server.add_system("oslo", "oslo_v2.2_2022")
    broken = server.add("/broken/gbfs.json", b"oops", status=500)
    add_favourites(favourites_file, velib, VELIB_IDS, "velib")
    add_favourites(favourites_file, broken, ("b1",), "broken")
    add_favourites(favourites_file, oslo, OSLO_IDS, "oslo")
    return velib, oslo, broken


def test_json_lists_every_favourite_with_live_status(
    run: Callable[..., Result], three_systems: tuple[str, str, str]
) -> None:
    velib, oslo, broken = three_systems
    result = run("--format", "json", "--near", f"{NEAR[0]},{NEAR[1]}")
    # One exit rule for every printed command: 0 when any system has data.
    assert result.code == 0
    assert_one_line(result.stderr)  # the failed system's own error line
    assert "Broken: gbfs.json: HTTP 500" in result.stderr
    document = result.json()
    assert document["favourites_only"] is True and document["limit"] is None
    assert [e["error"] for e in document["errors"]] == [document["systems"][1]["error"]]
    assert document["near"] == {"lat": NEAR[0], "lon": NEAR[1]}
    assert [s["gbfs_url"] for s in document["systems"]] == [velib, broken, oslo]
    assert [s["error"] is None for s in document["systems"]] == [True, False, True]
    assert document["systems"][0]["name"] == "Paris"
    assert document["systems"][0]["data_updated_at"] is not None
    stations = document["stations"]
    assert [tuple(s) for s in stations] == [ROW_FIELDS] * 5  # one row shape
    # Nearest first across systems; a favourite with no data (no distance) last.
    assert [s["gbfs_url"] for s in stations] == [velib, velib, oslo, oslo, broken]
    assert [s["rank"] for s in stations] == [1, 2, 3, 4, None]
    assert all(s["favourite"] and s["kind"] == "station" for s in stations)

    for fixture, ids in (("velib_v1_2022", VELIB_IDS), ("oslo_v2.2_2022", OSLO_IDS)):
        info, status = (
            fixture_records(fixture, "station_information"),
            fixture_records(fixture, "station_status"),
        )
        listed = {s["station_id"]: s for s in stations if s["station_id"] in ids}
        assert set(listed) == set(ids)
        for station_id, station in listed.items():
            expected_m = great_circle(NEAR, (info[station_id]["lat"], info[station_id]["lon"])).m
            assert station["distance_m"] == pytest.approx(expected_m, abs=0.5)
            assert station["name"] == info[station_id]["name"]  # the live name
            assert station["bikes"] == status[station_id]["num_bikes_available"]
            assert station["docks"] == status[station_id]["num_docks_available"]
            assert station["bearing"] in ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
            assert station["error"] is None
    distances = [s["distance_m"] for s in stations[:4]]
    assert distances == sorted(distances)  # nearest first

    [failed] = [s for s in stations if s["gbfs_url"] == broken]
    assert failed["station_id"] == "b1" and failed["name"] == "saved b1"
    assert "HTTP 500" in failed["error"]
    assert (failed["rank"], failed["useful"], failed["reason"]) == (None, False, "no status")
    assert failed["system_id"] == document["systems"][1]["id"]
    known = {"kind", "system_id", "station_id", "name", "useful", "reason", "alert_ids"}
    known |= {"changes", "favourite", "watched", "error", "system_name", "gbfs_url"}
    assert all(failed[name] is None for name in ROW_FIELDS if name not in known)


def test_a_failed_system_is_named_as_its_favourites_saved_it(
    run: Callable[..., Result], three_systems: tuple[str, str, str]
) -> None:
    broken = three_systems[2]
    document = run("--format", "json").json()
    [failed] = [s for s in document["stations"] if s["gbfs_url"] == broken]
    assert failed["system_name"] == "Broken"
    assert document["systems"][1]["name"] == "Broken"
    assert "\nBroken: FAILED: " in "\n" + run().stdout


def test_without_near_distances_are_null_and_order_is_kept(
    run: Callable[..., Result], server: FixtureServer, favourites_file: Path
) -> None:
    velib = server.add_system("velib", "velib_v1_2022")
    add_favourites(favourites_file, velib, (VELIB_IDS[1], VELIB_IDS[0]), "velib")
    result = run("--format", "json")
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    document = result.json()
    assert document["near"] is None
    assert [s["station_id"] for s in document["stations"]] == [VELIB_IDS[1], VELIB_IDS[0]]
    assert all(s["distance_m"] is None and s["bearing"] is None for s in document["stations"])
    assert all(s["bikes"] is not None for s in document["stations"])


def test_table_names_the_failed_system_and_keeps_the_rest(
    run: Callable[..., Result], three_systems: tuple[str, str, str]
) -> None:
    result = run("--near", f"{NEAR[0]},{NEAR[1]}")
    assert result.code == 0
    assert_one_line(result.stderr)
    lines = result.stdout.splitlines()
    # One heading line per system, in the favourites' order; the failed one says why.
    assert lines[0].startswith("Paris: 1439 stations; data ")
    assert lines[1].startswith("Broken: FAILED: Broken: gbfs.json") and "HTTP 500" in lines[1]
    assert lines[2].startswith("Oslo: 260 stations; data ")
    assert "Mode: any bike; nearest first, favourites ranked" in result.stdout
    assert "Benjamin Godard - Victor Hugo" in result.stdout and "Sogn Studentby" in result.stdout
    last = lines[-1]
    assert last.startswith("-  Broken  saved b1") and last.endswith("no status")
    assert "Distance" in result.stdout


def test_csv_has_every_row_field(
    run: Callable[..., Result], three_systems: tuple[str, str, str]
) -> None:
    velib, oslo, broken = three_systems
    result = run("--format", "csv")
    assert result.code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(ROW_FIELDS)
    # Without --near: the favourites' own order.
    assert [row["gbfs_url"] for row in rows] == [velib, velib, broken, oslo, oslo]
    assert rows[2]["bikes"] == "" and "HTTP 500" in rows[2]["error"]
    assert rows[0]["is_renting"] in ("true", "false") and rows[0]["distance_m"] == ""


def test_systems_are_loaded_concurrently(
    run: Callable[..., Result], server: FixtureServer, favourites_file: Path
) -> None:
    for n in range(4):
        url = server.add_system(f"slow{n}", "oslo_v2.2_2022", delay_s=1.0)
        add_favourites(favourites_file, url, (OSLO_IDS[0],), f"slow{n}")
    result = run("--format", "json")
    assert result.code == 0, result.stderr
    assert len(result.json()["stations"]) == 4
    # Measured by the server, not a wall clock: all four slow answers overlapped.
    assert server.most_delayed_in_flight == 4


def test_a_station_gone_from_the_feed_is_listed_not_dropped(
    run: Callable[..., Result], server: FixtureServer, favourites_file: Path
) -> None:
    velib = server.add_system("velib", "velib_v1_2022")
    add_favourites(favourites_file, velib, ("no-such-station", VELIB_IDS[0]), "velib")
    result = run("--format", "json", "--near", "48.85,2.35")
    assert result.code == 0, result.stderr
    stations = result.json()["stations"]
    assert [s["station_id"] for s in stations] == [VELIB_IDS[0], "no-such-station"]
    assert stations[1]["name"] == "saved no-such-station" and stations[1]["bikes"] is None
    assert "no longer" in stations[1]["error"]
    assert "not in feed" in run("--near", "48.85,2.35").stdout


def test_no_favourites(run: Callable[..., Result]) -> None:
    result = run()
    assert result.code == 0 and result.stderr == ""
    assert "No favourite stations yet" in result.stdout
    document = run("--format", "json").json()
    assert document["systems"] == [] and document["stations"] == []


def test_corrupt_favourites_file_is_reported_and_moved_aside(
    run: Callable[..., Result], favourites_file: Path
) -> None:
    favourites_file.parent.mkdir(parents=True)
    favourites_file.write_bytes(b'{"version": 1, "favourites": [')
    result = run("--format", "json")
    assert result.code == 0
    assert_one_line(result.stderr)
    assert "truncated JSON" in result.stderr and "moved aside" in result.stderr
    assert result.json()["stations"] == []
    [aside] = favourites_file.parent.glob("favourites.json.corrupt-*")
    assert aside.read_bytes() == b'{"version": 1, "favourites": ['


def test_system_flag_limits_to_one_system(
    run: Callable[..., Result], three_systems: tuple[str, str, str]
) -> None:
    oslo = three_systems[1]
    result = run("--format", "json", "--system", oslo)
    assert result.code == 0, result.stderr  # the broken system is not even asked
    assert {s["gbfs_url"] for s in result.json()["stations"]} == {oslo}


def test_feed_strings_are_shown_literally(
    run: Callable[..., Result], server: FixtureServer, favourites_file: Path
) -> None:
    hostile = "[bold red]X[/] \x1b[2J\x1b]8;;http://evil\x07link\u202e"
    info = json.loads((FIXTURES / "oslo_v2.2_2022" / "station_information.json").read_text())
    info["data"]["stations"][0]["name"] = hostile
    url = server.add_system("oslo", "oslo_v2.2_2022")
    server.add("/oslo/station_information.json", info)
    add_favourites(favourites_file, url, (OSLO_IDS[0],), "oslo")
    assert run("--format", "json").json()["stations"][0]["name"] == hostile  # data stays data
    table = run().stdout
    assert "[bold red]X[/]" in table
    assert "\x1b" not in table and "\x07" not in table and "\u202e" not in table


def test_near_is_still_required_without_favorites(home: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bikefinder", "--once", "--system", "http://127.0.0.1:9/gbfs.json"],
        env={"XDG_DATA_HOME": str(home), "XDG_CACHE_HOME": str(home), "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2 and "--near" in completed.stderr


def test_bad_near_is_a_usage_error(run: Callable[..., Result]) -> None:
    result = run("--near", "95,2")
    assert result.code == 2 and "latitude" in result.stderr
    assert_one_line(result.stderr)


def test_catalog_headers_are_sent_and_a_missing_key_fails_only_its_system(
    server: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyed = server.add_system("keyed", "oslo_v2.2_2022")
    unkeyed = server.add_system("unkeyed", "oslo_v2.2_2022")
    plain = server.add_system("plain", "oslo_v2.2_2022")
    catalog = Catalog(
        [
            CatalogEntry("keyed_bikes", "Keyed", keyed, auth_type="2", auth_headers=("X-Key",)),
            CatalogEntry("no_key_yet", "NoKey", unkeyed, auth_type="2", auth_headers=("X-Key",)),
        ]
    )
    monkeypatch.setattr(fleet_choice, "user_catalog", lambda: catalog)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "config" / "bikefinder").mkdir(parents=True)
    (tmp_path / "config" / "bikefinder" / "config.toml").write_text(
        '[headers.keyed_bikes]\n"X-Key" = "secret"\n'
    )
    saved = [Favourite(url, "s", "S", OSLO_IDS[0], "n", "t") for url in (keyed, unkeyed, plain)]
    options = parse_options(["--favorites", "--once"])
    chosen = choose(options, saved)
    assert [source.gbfs_url for source in chosen.sources] == [keyed, unkeyed, plain]

    async def load() -> list[str | None]:
        async with fleet_for(options, chosen) as fleet:
            await fleet.load()
            return [system.error for system in fleet.systems]

    errors = asyncio.run(load())
    assert [error is None for error in errors] == [True, False, True]
    assert "needs an API key" in (errors[1] or "")
    sent = {path: headers for path, headers in server.requests}
    assert sent["/keyed/gbfs.json"]["x-key"] == "secret"
    assert sent["/keyed/station_status.json"]["x-key"] == "secret"
    assert "x-key" not in sent["/plain/gbfs.json"]
    assert not any(path.startswith("/unkeyed/") for path in sent)  # never asked without a key


def test_unknown_system_name_is_a_usage_error(
    run: Callable[..., Result], three_systems: tuple[str, str, str]
) -> None:
    result = run("--system", "no such bike system anywhere")
    assert result.code == 2
    assert_one_line(result.stderr)


# -- honest freshness ---------------------------------------------------


def test_favorites_once_uses_the_cache_when_the_server_is_down(
    server: FixtureServer, favourites_file: Path, run, home: Path
) -> None:
    velib = server.add_system("velib", "velib_v1_2022")
    add_favourites(favourites_file, velib, VELIB_IDS, "velib")
    live: Result = run("--format", "json")
    assert live.code == 0, live.stderr
    system = live.json()["systems"][0]
    assert system["from_cache"] is False and system["data_age_s"] > 0
    assert system["stale"] is True  # the fixture's own time is years past its ttl
    for path in list(server.routes):
        server.routes[path] = Route(b"down", 503)
    age_feed_cache(home / "cache")  # past the ttl: the server is asked, and fails
    cached = run("--format", "json")
    assert cached.code == 0, cached.stderr
    assert "cached" in cached.stderr
    system = cached.json()["systems"][0]
    # One shape with every command: the cached copy is shown, the live error is said.
    assert system["from_cache"] is True and system["stale"] is True
    assert system["ok"] is False and "HTTP 503" in system["error"]
    assert cached.json()["stations"][0]["bikes"] is not None
    table = run()
    assert table.code == 0
    assert "(CACHED)" in table.stdout and "FAILED" not in table.stdout


def test_demo_favourites_count_for_live_velib_and_print_as_demo(favourites_file: Path, run) -> None:
    old = Favourite(DEMO_GBFS_URL, "velib", "Vélib' Métropole", "98187918", "Lobau", "t")
    new = Favourite(DEMO_LIVE_GBFS_URL, "velib", "Vélib' Métropole", "213688169", "x", "t")
    chosen = choose(parse_options(["--favorites", "--once"]), [old, new])
    assert [source.gbfs_url for source in chosen.sources] == [DEMO_LIVE_GBFS_URL]
    assert chosen.favourites == [old, new]
    add_favourites(favourites_file, DEMO_GBFS_URL, ("98187918",), "velib")
    shown = run("--demo")
    assert shown.code == 0, shown.stderr
    assert "demo data from 2025-10-18, bundled with bikefinder, never refreshed" in shown.stdout
    as_json = run("--demo", "--format", "json")
    assert as_json.json()["systems"][0]["demo"] == "demo data from 2025-10-18"
