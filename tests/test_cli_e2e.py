"""``bikefinder --once`` end to end: a subprocess against real fixtures over local HTTP.

Expected values are computed here from the raw fixture JSON, independently of the
parser: distances with geopy's ``great_circle``, counts straight from the records.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import age_feed_cache
from geopy.distance import great_circle

from bikefinder.rider.output import ROW_FIELDS

FIXTURES = Path(__file__).parent / "fixtures"
ALL = "100000"  # a --limit that lists every station

Split = tuple[int | None, int | None]


def velib_split(record: dict[str, Any]) -> Split:
    types = record["num_bikes_available_types"]
    mechanical = sum(part.get("mechanical", 0) for part in types)
    return mechanical, sum(part.get("ebike", 0) for part in types)


def ebikes_split(record: dict[str, Any]) -> Split:
    return record["num_bikes_available"] - record["num_ebikes_available"], record[
        "num_ebikes_available"
    ]


def unknown_split(record: dict[str, Any]) -> Split:
    return None, None


def typed_split(kinds: dict[str, str]) -> Callable[[dict[str, Any]], Split]:
    """vehicle_types_available counted by kind ('m' mechanical, 'e' electric, '-' other)."""

    def split(record: dict[str, Any]) -> Split:
        counts = {"m": 0, "e": 0, "-": 0}
        for item in record["vehicle_types_available"]:
            counts[kinds[item["vehicle_type_id"]]] += item["count"]
        return counts["m"], counts["e"]

    return split


@dataclass(frozen=True)
class Case:
    """One fixture snapshot and what the test knows about it."""

    fixture: str
    near: tuple[float, float]
    system_name: str | None
    split: Callable[[dict[str, Any]], Split]
    borrow: dict[str, str] | None = None
    info_only: int = 0
    status_only: int = 0
    null_times: int = 0  # last_reported placeholders (1970) that must come out as null
    big_ids: int = 0  # numeric ids above 2^31
    zones: int = 0  # virtual stations that hold nothing: parking zones, not listed
    #: (station_id, name, bearing, bikes, mechanical, electric) of the nearest station
    first: tuple[Any, ...] | None = None

    @property
    def id(self) -> str:
        return self.fixture


CASES = [
    Case("velib_v1_2022", (48.8566, 2.3522), "Paris", velib_split, big_ids=81),
    Case(
        "velib_v1_2025",
        (48.8566, 2.3522),
        None,
        velib_split,
        big_ids=218,
        first=("98187918", "Lobau - Hôtel de Ville", "SE", 40, 31, 9),
    ),
    Case("oslo_v2.2_2022", (59.9139, 10.7522), None, unknown_split),
    # 2.3 status only: paired with the 2022 information; 241 of 256 ids match. Its
    # vehicle_types_available cannot be split without a vehicle_types feed: unknown.
    Case(
        "oslo_v2.3_2025",
        (59.9139, 10.7522),
        None,
        unknown_split,
        borrow={"station_information": "oslo_v2.2_2022"},
        info_only=260 - 241,
        status_only=256 - 241,
    ),
    Case("citibike_v1.0_2019", (40.7580, -73.9855), None, ebikes_split, null_times=15),
    Case(
        "citibike_v1.1_2024",
        (40.7580, -73.9855),
        None,
        ebikes_split,
        null_times=1,
        big_ids=394,
    ),
    Case(
        "mobilitydata_fixtures_v2.3",
        (12.3, 45.6),
        "Test",
        typed_split({"TST:VehicleType:CityBike": "m", "TST:VehicleType:Scooter": "-"}),
    ),
    Case(
        "mobilitydata_fixtures_v3.0",
        (48.8456, 2.3846),
        "Check Technologies",
        typed_split({"ebicycle_paris": "e", "escooter_paris": "-"}),
        info_only=22,
        zones=19,
    ),
]


def load_raw(case: Case, feed: str) -> list[dict[str, Any]]:
    folder = (case.borrow or {}).get(feed, case.fixture)
    return json.loads((FIXTURES / folder / f"{feed}.json").read_text())["data"]["stations"]


def raw_text(value: Any) -> str:
    """A raw (possibly v3 localized) name as the feed says it."""
    if isinstance(value, list):
        return value[0]["text"]
    return value


def expected_timestamp(raw: Any) -> str | None:
    """ISO-8601 for a real time; None for placeholders before 2000 (1970 sentinels)."""
    moment = (
        datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if isinstance(raw, str)
        else datetime.fromtimestamp(raw, UTC)
    )
    return moment if moment.year >= 2000 else None


def check_json(case: Case, output: dict[str, Any], gbfs_url: str) -> None:
    """Every station, with values checked against the raw fixture and geopy."""
    assert output["system"]["gbfs_url"] == gbfs_url
    if case.system_name:
        assert output["system"]["name"] == case.system_name
    assert output["near"] == {"lat": case.near[0], "lon": case.near[1]}
    # One stale rule with the app: the fixtures' own times are long past their ttl.
    assert output["stale"] is True and output["from_cache"] is False
    assert output["data_age_s"] > 300
    assert output["skipped"]["info_only"] == case.info_only
    assert output["skipped"]["status_only"] == case.status_only
    assert output["skipped"]["duplicate_ids"] == 0

    info = {str(record["station_id"]): record for record in load_raw(case, "station_information")}
    status = {str(record["station_id"]): record for record in load_raw(case, "station_status")}
    stations = output["stations"]
    # One row shape: every key of ROW_FIELDS, stations only here.
    assert all(list(station) == list(ROW_FIELDS) for station in stations)
    assert {station["kind"] for station in stations} == {"station"}
    assert {station["system_id"] for station in stations} == {output["systems"][0]["id"]}
    # Options ranked 1..N nearest first; every other row unranked, saying why.
    options = [station for station in stations if station["useful"]]
    assert [station["rank"] for station in options] == list(range(1, len(options) + 1))
    assert all(station["reason"] is None for station in options)
    assert all(
        station["rank"] is None and station["reason"]
        for station in stations
        if not station["useful"]
    )
    # Every id exactly, as a string: Vélib' ints > 2^31, Citi Bike 19-digit numeric strings.
    assert [type(station["station_id"]) for station in stations] == [str] * len(stations)
    listed = sorted(station["station_id"] for station in stations)
    assert set(listed) <= set(info) and len(listed) == len(info) - case.zones
    if case.zones:
        assert f"{case.zones} parking zones not listed as stations" in " ".join(output["notes"])
    for station in stations:  # a station holding only scooters offers scooters, not bikes
        if station["what"] != "bike":
            assert station["what"] == "scooter" and station["bikes"] == 0 and station["count"] > 0
        else:
            assert station["count"] is None

    # Distances: geopy great_circle within 0.1 %, ranked nearest first.
    geodesic = {
        station_id: great_circle(case.near, (record["lat"], record["lon"])).meters
        for station_id, record in info.items()
    }
    for station in stations:
        expected_m = geodesic[station["station_id"]]
        assert station["distance_m"] == pytest.approx(expected_m, rel=1e-3, abs=0.1)
    distances = [station["distance_m"] for station in stations]
    assert distances == sorted(distances)
    nearest_by_geopy = sorted(listed, key=geodesic.__getitem__)[:5]
    assert [station["station_id"] for station in stations[:5]] == nearest_by_geopy

    for station in stations:
        raw_info = info[station["station_id"]]
        assert station["name"] == raw_text(raw_info["name"]).strip()
        assert station["lat"] == raw_info["lat"] and station["lon"] == raw_info["lon"]
        assert station["capacity"] == raw_info.get("capacity")
        raw_status = status.get(station["station_id"])
        if raw_status is None:
            unknown = {station[key] for key in ("bikes", "mechanical", "electric", "docks")}
            assert unknown == {None}
            continue
        bikes = raw_status.get("num_bikes_available", raw_status.get("num_vehicles_available"))
        split = case.split(raw_status)
        if "vehicle_types_available" in raw_status and None not in split:
            bikes = split[0] + split[1]  # counted by type: bicycles only, never scooters
        assert station["bikes"] == bikes
        assert station["docks"] == raw_status.get("num_docks_available")
        assert (station["mechanical"], station["electric"]) == case.split(raw_status)
        for flag in ("is_installed", "is_renting", "is_returning"):
            assert station[flag] is bool(raw_status[flag])
        expected_time = expected_timestamp(raw_status["last_reported"])
        if expected_time is None:
            assert station["last_reported"] is None
        else:
            reported = datetime.fromisoformat(station["last_reported"].replace("Z", "+00:00"))
            assert reported == expected_time
    with_status = [station for station in stations if station["station_id"] in status]
    assert sum(station["last_reported"] is None for station in with_status) == case.null_times
    big_ids = [s for s in stations if s["station_id"].isdigit() and int(s["station_id"]) > 2**31]
    assert len(big_ids) == case.big_ids
    if case.first is not None:
        first = stations[0]
        picked = tuple(first[key] for key in ("station_id", "name", "bearing"))
        picked += tuple(first[key] for key in ("bikes", "mechanical", "electric"))
        assert picked == case.first


def limited(stations: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The one --limit rule, applied to the full list: the ``limit`` nearest rows and
    the ``limit`` nearest options, nearest first."""
    nearest = {id(station) for station in stations[:limit]}
    options = {id(station) for station in [s for s in stations if s["useful"]][:limit]}
    return [station for station in stations if id(station) in nearest | options]


def csv_value(key: str, value: Any) -> str:
    """How CSV spells a JSON value: null empty, booleans true/false, lists joined with
    ``;``, changes as ``bikes:+1;docks:-1``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "changes":
        return ";".join(f"{name}:{change:+d}" for name, change in value.items())
    if isinstance(value, list):
        return ";".join(map(str, value))
    return str(value)


def check_csv(text: str, nearest: list[dict[str, Any]]) -> None:
    """Same columns (every row field) and values as JSON."""
    assert text.splitlines()[0] == ",".join(ROW_FIELDS)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(nearest)
    for row, station in zip(rows, nearest, strict=True):
        for key in ROW_FIELDS:
            assert row[key] == csv_value(key, station[key]), key


def check_table(case: Case, text: str, nearest: list[dict[str, Any]]) -> None:
    """A heading naming the count and freshness, the point and the mode, then aligned
    columns (always the same), one row per listed row."""
    lines = text.splitlines()
    blank = lines.index("")
    heading, (columns, rule, *rows) = lines[:blank], lines[blank + 1 :]
    info_count = len(load_raw(case, "station_information"))
    assert f": {info_count} stations; data " in heading[0]
    assert " old" in heading[0] and "; STALE: " in heading[0]
    assert heading[1] == f"Nearest to {case.near[0]:.5f},{case.near[1]:.5f}"
    assert heading[2].startswith("Mode: any bike; nearest first")
    assert columns.split() == [
        "#", "System", "Name", "What", "Distance", "Walk", "Dir", "Bikes", "(mech/elec)",
        "Docks", "State", "Price",
    ]  # fmt: skip
    assert set(rule.replace(" ", "")) == {"-"}
    assert len(rows) == len(nearest)
    distance_end = columns.index("Distance") + len("Distance")
    for row, station in zip(rows, nearest, strict=True):
        rank = "-" if station["rank"] is None else str(station["rank"])
        assert row.split()[0] == rank
        assert (station["name"][:39] or "(unnamed)") in row
        # Right-aligned distance column ends exactly under its header, in the units of
        # the stations' country (New York's Citi Bike: feet and miles).
        imperial = case.fixture.startswith("citibike")
        assert row[:distance_end].endswith((" ft", " mi") if imperial else (" m", " km"))
        bikes = "?" if station["bikes"] is None else str(station["bikes"])
        assert f"  {bikes}" in row[distance_end:]
        if station["reason"]:
            assert station["reason"] in row


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_once_in_every_format(feed_server, run_cli, case: Case) -> None:
    gbfs_url = feed_server.serve_fixture(case.fixture, borrow=case.borrow)
    args = ("--once", "--near", f"{case.near[0]},{case.near[1]}", "--system", gbfs_url)

    as_json = run_cli(*args, "--format", "json", "--limit", ALL)
    assert as_json.code == 0, as_json.stderr
    assert as_json.stderr == ""
    check_json(case, as_json.json(), gbfs_url)
    everything = as_json.json()["stations"]
    nearest = limited(everything, 5)
    assert min(5, len(everything)) <= len(nearest) <= 10
    five = run_cli(*args, "--format", "json", "--limit", "5")
    assert five.code == 0 and five.stderr == ""
    assert five.json()["stations"] == nearest  # the one --limit rule

    as_csv = run_cli(*args, "--format", "csv", "--limit", "5")
    assert as_csv.code == 0 and as_csv.stderr == ""
    check_csv(as_csv.stdout, nearest)

    table = run_cli(*args, "--limit", "5")
    assert table.code == 0 and table.stderr == ""
    check_table(case, table.stdout, nearest)


def test_client_identifier_is_sent_and_overridable(feed_server, run_cli, tmp_path: Path) -> None:
    """Like urbansharing (Oslo, Bergen): 403 without a Client-Identifier header."""
    folder = FIXTURES / "oslo_v2.2_2022"
    feeds = {
        name: feed_server.requires_header(
            "Client-Identifier", (folder / f"{name}.json").read_bytes()
        )
        for name in ("station_information", "station_status")
    }
    gbfs_url = feed_server.serve_system("oslo", feeds)
    feed_server.routes["/oslo/gbfs.json"] = feed_server.requires_header(
        "Client-Identifier", feed_server.routes["/oslo/gbfs.json"]
    )
    args = ("--once", "--format", "json", "--near", "59.91,10.75", "--system", gbfs_url)

    default = run_cli(*args)
    assert default.code == 0, default.stderr
    sent = {request.headers.get("client-identifier") for request in feed_server.requests}
    assert len(sent) == 1 and next(iter(sent)).startswith("bikefinder")
    assert len(feed_server.requests) == 3

    feed_server.requests.clear()
    age_feed_cache(tmp_path / "home" / ".cache")  # past the ttl: the server is asked
    custom = run_cli(*args, "--client-id", "acme-bikes-42")
    assert custom.code == 0, custom.stderr
    assert {r.headers.get("client-identifier") for r in feed_server.requests} == {"acme-bikes-42"}

    # And the check itself can fail: a server wanting a specific id refuses ours.
    feed_server.routes["/oslo/station_status.json"] = feed_server.requires_header(
        "Client-Identifier", b"{}", value="only-this-id"
    )
    refused = run_cli(*args, home="cold")
    assert refused.code == 1
    assert "station_status" in refused.error_line and "403" in refused.error_line
    assert "--client-id" in refused.error_line
    # With data cached by the runs above (past its ttl), it is shown, marked stale, with
    # the cause.
    age_feed_cache(tmp_path / "home" / ".cache")
    stale = run_cli(*args)
    assert stale.code == 0
    assert "403" in stale.error_line and "cached" in stale.error_line
    assert stale.json()["stale"] is True


USAGE_ERRORS = [
    ("--near", "91,0"),
    ("--near", "0,181"),
    ("--near", "1,2,3"),  # letters now mean a place name to geocode (see test_geocode.py)
    ("--near", "nan,0"),
    ("--near", "48.85"),
    ("--limit", "0"),
    ("--limit", "-3"),
    ("--limit", "ten"),
    ("--format", "xml"),
    ("--no-such-flag",),
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=" ".join)
def test_usage_errors_exit_2_with_one_line(run_cli, args: tuple[str, ...]) -> None:
    defaults = {"--near": "48.85,2.35", "--limit": "5", "--format": "json"}
    for flag in args[::2]:
        defaults.pop(flag, None)
    rest = [item for pair in defaults.items() for item in pair]
    result = run_cli("--once", "--system", "http://127.0.0.1:9/gbfs.json", *rest, *args)
    assert result.code == 2
    line = result.error_line
    assert line.startswith("bikefinder: error:")
    assert result.stdout == ""
