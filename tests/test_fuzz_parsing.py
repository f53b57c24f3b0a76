"""Property tests: no JSON document can make parsing raise anything but FeedFormatError.

Three sources of documents: arbitrary JSON; GBFS-shaped documents of every version
(v1/v2 language-keyed discovery, v3 flat discovery and localized strings) whose fields
hold hostile values; and the real fixtures with random fields mutated. Every model that
comes out must satisfy the invariants the rest of the app relies on, and must render
(table, JSON, CSV) without raising and without a raw terminal control character.

Run longer with ``pytest tests/test_fuzz_parsing.py --hypothesis-profile=long``.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conftest import check_answer
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bikefinder.common.errors import FeedFormatError
from bikefinder.feeds import gbfs, station_feeds
from bikefinder.feeds.models import (
    Discovery,
    FeedMeta,
    InfoFeed,
    StationInfo,
    StationStatus,
    StatusFeed,
    SystemInfo,
    VehicleKind,
)
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.feeds.values import MAX_COUNT
from bikefinder.rider.output import Answer, SystemReport, to_csv, to_json, to_line, to_table
from bikefinder.rider.rows import SceneSystem
from bikefinder.rider.scene import Query, Scene

FIXTURES = Path(__file__).parent / "fixtures"
URL = "https://example.test/gbfs/station_status.json"
#: What must never reach a terminal raw (C0 but newline, DEL, C1, bidi, separators).
RAW_UNSAFE = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

# --------------------------------------------------------------------------- strategies

HOSTILE_STRINGS = [
    "",
    " ",
    "0",
    "1",
    "-1",
    "7",
    "2.5",
    "1e400",
    "-1e400",
    "nan",
    "NaN",
    "inf",
    "1_000",
    "48.85",
    " 2.35 ",
    "91",
    "true",
    "false",
    "yes",
    "2019-07-04T13:33:03.969Z",
    "2025-10-18T09:11:00+02:00",
    "2025-10-18T09:11:00",
    "9999-12-31T23:00:00-05:00",
    "0001-01-01T00:00:00+05:00",
    "1970-01-01T00:00:00Z",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;http://evil\x07x\x1b]8;;\x07",
    "\u202eevil",
    "\x9b31m",
    "[bold]markup[/bold]",
    "a\nb",
    "http://[::1",
    "http://127.0.0.1:99999/x",
    "file:///etc/passwd",
    "station_status.json",
    "https://example.test/station_information",
    "x" * 300,
]

hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([10**400, -(10**400), 2**53 + 1]),  # beyond float range / precision
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(HOSTILE_STRINGS),
    st.text(max_size=20),
)
localized = st.lists(
    st.fixed_dictionaries(
        {"language": st.sampled_from(["en", "fr", "nb", "", "EN-gb"]) | hostile_scalars},
        optional={"text": st.text(max_size=20) | hostile_scalars},
    ),
    max_size=3,
)
json_values = st.recursive(
    hostile_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)
hostile = st.one_of(hostile_scalars, localized, json_values)


@st.composite
def mostly(draw: st.DrawFn, strategy: st.SearchStrategy) -> Any:
    """Plausible three times in four, hostile otherwise. (Not ``one_of``: it would
    flatten ``hostile``'s many branches and make plausible values rare.)"""
    return draw(hostile) if draw(st.integers(0, 3)) == 3 else draw(strategy)


@st.composite
def record(
    draw: st.DrawFn,
    required: dict[str, st.SearchStrategy],
    optional: dict[str, st.SearchStrategy],
) -> dict[str, Any]:
    """A dict of mostly plausible values: required keys missing 1 time in 10, optional
    keys present half the time."""
    result: dict[str, Any] = {}
    for key, strategy in required.items():
        if draw(st.integers(0, 9)) != 9:  # (hypothesis favours 0: keep the key then)
            result[key] = draw(mostly(strategy))
    for key, strategy in optional.items():
        if draw(st.booleans()):
            result[key] = draw(mostly(strategy))
    return result


ids = st.one_of(
    st.integers(min_value=0, max_value=2**64),
    st.text(min_size=1, max_size=12),
    st.sampled_from(["A", "B", "C", "1859808514684217788", "20702946965"]),
)
counts = st.integers(min_value=-3, max_value=50)
station_info_record = record(
    {
        "station_id": ids,
        "name": st.text(max_size=30) | localized,
        "lat": st.floats(min_value=-95, max_value=95),
        "lon": st.floats(min_value=-185, max_value=185),
    },
    {
        "short_name": hostile,
        "address": hostile,
        "capacity": counts | hostile,
        "is_virtual_station": hostile,
        "rental_uris": st.dictionaries(st.sampled_from(["web", "ios", "android"]), hostile),
        "rental_url": hostile,
    },
)
vehicle_type_ids = st.sampled_from(["bike", "ebike", "scooter", "cargo"]) | hostile_scalars
station_status_record = record(
    {
        "station_id": ids,
        "num_bikes_available": counts,
        "num_docks_available": counts,
        "is_installed": st.sampled_from([True, False, 0, 1, "true", "0"]),
        "is_renting": st.sampled_from([True, False, 0, 1]),
        "last_reported": st.integers(0, 2**40) | st.sampled_from(HOSTILE_STRINGS),
    },
    {
        "num_vehicles_available": counts | hostile,
        "num_ebikes_available": counts | hostile,
        "num_bikes_disabled": hostile,
        "num_vehicles_disabled": hostile,
        "num_docks_disabled": hostile,
        "is_returning": hostile,
        "num_bikes_available_types": st.tuples(counts, counts).map(
            lambda split: [{"mechanical": split[0]}, {"ebike": split[1]}]
        )
        | st.lists(st.dictionaries(st.sampled_from(["mechanical", "ebike", "other"]), hostile)),
        "vehicle_types_available": st.lists(
            record({"vehicle_type_id": vehicle_type_ids, "count": counts}, {})
        )
        | hostile,
    },
)
vehicle_type_record = record(
    {
        "vehicle_type_id": vehicle_type_ids,
        "form_factor": st.sampled_from(["bicycle", "cargo_bicycle", "scooter", "car"]),
        "propulsion_type": st.sampled_from(["human", "electric_assist", "electric", "combustion"]),
    },
    {"name": localized},
)
header = {
    "last_updated": st.integers(0, 2**40) | st.sampled_from(HOSTILE_STRINGS) | hostile,
    "lastUpdatedOther": st.integers(0, 2**40) | hostile,
    "ttl": counts | hostile,
    "version": st.sampled_from(["1.0", "1.1", "2.2", "2.3", "3.0"]) | hostile,
}


def document(data: st.SearchStrategy) -> st.SearchStrategy:
    """A feed document: header fields (any may be missing) around ``data``."""
    return record({"data": data}, header)


def stations_doc(station: st.SearchStrategy) -> st.SearchStrategy:
    return document(record({"stations": st.lists(mostly(station), max_size=6)}, {}))


feed_entry = record(
    {
        "name": st.sampled_from(
            ["station_information", "station_status", "system_information", "vehicle_types"]
        ),
        "url": st.sampled_from(HOSTILE_STRINGS) | st.just("https://other.test/status"),
    },
    {},
)
feed_list = record({"feeds": st.lists(mostly(feed_entry), max_size=6)}, {})
discovery_v3 = document(feed_list)
discovery_v12 = document(
    st.dictionaries(st.sampled_from(["en", "fr", "nb", "de"]) | st.text(max_size=4), feed_list)
)
system_doc = document(
    record(
        {
            "system_id": ids,
            "name": st.text(max_size=20) | localized,
            "language": st.sampled_from(["en", "fr"]),
            "languages": st.lists(st.sampled_from(["en", "fr", "nb"])),
            "timezone": st.just("Europe/Paris"),
            "operator": st.text(max_size=20) | localized,
            "url": st.just("https://example.test"),
        },
        {},
    )
)
vehicle_types_doc = document(record({"vehicle_types": st.lists(mostly(vehicle_type_record))}, {}))
info_doc = stations_doc(station_info_record)
status_doc = stations_doc(station_status_record)
languages = st.none() | st.sampled_from(["en", "fr", "nb", "EN", "xx"])


# --------------------------------------------------------------------------- invariants


def outcome(parse: Callable[[], Any]) -> Any:
    """The parse result, or None if it raised the project's error (any other escapes)."""
    try:
        return parse()
    except FeedFormatError as error:
        assert error.feed and error.reason
        return None


def check_id(station_id: Any) -> None:
    assert isinstance(station_id, str) and station_id and station_id == station_id.strip()
    assert not RAW_UNSAFE.search(station_id)


def check_count(value: Any) -> None:
    assert value is None or (type(value) is int and 0 <= value <= MAX_COUNT)


def check_time(moment: Any) -> None:
    assert moment is None or (moment.tzinfo is not None and EARLIEST <= moment < LATEST)


def check_meta(meta: FeedMeta) -> None:
    check_count(meta.ttl)
    check_time(meta.last_updated)
    assert meta.version is None or isinstance(meta.version, str)


def check_info(feed: InfoFeed) -> None:
    check_meta(feed.meta)
    assert feed.rejected >= 0
    for station in feed.stations:
        assert isinstance(station, StationInfo)
        check_id(station.station_id)
        assert isinstance(station.name, str)
        assert math.isfinite(station.lat) and -90 <= station.lat <= 90
        assert math.isfinite(station.lon) and -180 <= station.lon <= 180
        check_count(station.capacity)
        assert isinstance(station.is_virtual, bool)
        assert all(isinstance(url, str) and url for url in station.rental_urls)


def check_status(feed: StatusFeed) -> None:
    check_meta(feed.meta)
    assert feed.rejected >= 0
    for status in feed.statuses:
        assert isinstance(status, StationStatus)
        check_id(status.station_id)
        for count in (
            status.bikes,
            status.mechanical,
            status.electric,
            status.docks,
            status.bikes_disabled,
            status.docks_disabled,
        ):
            check_count(count)
        if status.bikes is not None and None not in (status.mechanical, status.electric):
            # A split that adds up to more bikes than the station has is not shown.
            assert status.mechanical + status.electric <= status.bikes
        for flag in (status.is_installed, status.is_renting, status.is_returning):
            assert flag is None or isinstance(flag, bool)
        check_time(status.last_reported)


def check_discovery(discovery: Discovery) -> None:
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in discovery.feeds.items())
    if discovery.languages:
        assert discovery.language in discovery.languages
    for feed in discovery.feeds:
        # Only FeedFormatError, and only an http(s) URL may pass.
        url = outcome(lambda feed=feed: gbfs.require_feed_url(discovery, feed))
        assert url is None or url.lower().startswith(("http://", "https://"))


def check_system(system: SystemInfo) -> None:
    assert isinstance(system.system_id, str) and isinstance(system.name, str)
    assert system.system_id or system.name
    for text in (system.language, system.timezone, system.operator, system.url):
        assert text is None or isinstance(text, str)


def check_rendering(info: InfoFeed, status: StatusFeed) -> None:
    """Join, rank and render in every format: no exception, nothing raw for a terminal."""
    stations, report = station_feeds.join_stations(info, status)
    unique_ids = {station.station_id for station in info.stations}
    assert len(stations) == len(unique_ids)
    assert report.info_only == sum(station.status is None for station in stations)
    assert min(report.info_only, report.status_only, report.duplicate_ids) >= 0
    snapshot = Snapshot(
        gbfs_url=URL,
        system=SystemInfo(system_id="s", name="\x1b[2Jname"),
        stations=stations,
        info_meta=info.meta,
        status_meta=status.meta,
        report=report,
    )
    system = SceneSystem("s", snapshot.system.name, URL)
    scene = Scene.build([(system, snapshot, None)])
    # parking zones and city-wide areas are no station to walk to: never listed
    index = scene.indexes[0]
    distances = index.distances_uncached(0, False, (48.85, 2.35))
    by_distance = sorted(range(len(stations)), key=lambda i: (distances[i], i))
    ranked = [stations[i] for i in by_distance if i not in index.hidden][:5]
    now = datetime.now(UTC)
    query = Query(near=(48.85, 2.35), limit=5)
    rows = scene.rows(query, now=now)
    answer = Answer([SystemReport(system, snapshot)], query, rows, now)
    as_json = to_json(answer)
    decoded = json.loads(as_json)
    check_answer(decoded)
    # The scene's list is the ranking's, nearest first: the 5 nearest rows come first.
    listed = [s["station_id"] for s in decoded["stations"]]
    assert listed[: len(ranked)] == [station.info.station_id for station in ranked]
    assert [s["name"] for s in decoded["stations"]][: len(ranked)] == [
        station.info.name for station in ranked
    ]
    listed_m = [s["distance_m"] for s in decoded["stations"][: len(ranked)]]
    assert listed_m == sorted(listed_m)
    assert len(listed) == len(set(listed)) <= 10
    texts = (as_json, to_csv(answer), to_table(answer, 4.8), to_line(answer))
    for text in texts:
        assert not RAW_UNSAFE.search(text)


# --------------------------------------------------------------------------- properties


def scaled(factor: float) -> settings:
    """The active profile's example count (ci or long) times ``factor``: cheap
    properties run more examples, the costly full pipeline fewer."""
    return settings(max_examples=max(10, int(settings().max_examples * factor)))


@scaled(2)
@given(json_values, st.sampled_from(["gbfs.json", "x"]), languages)
def test_arbitrary_json_raises_only_feed_format_error(doc: Any, name: str, lang: Any) -> None:
    for parse in (
        lambda: gbfs.parse_meta(doc, name, URL),
        lambda: gbfs.parse_discovery(doc, URL, lang),
        lambda: gbfs.parse_system_information(doc, URL, lang),
        lambda: gbfs.parse_vehicle_types(doc),
        lambda: station_feeds.parse_station_information(doc, URL, lang),
        lambda: station_feeds.parse_station_status(doc, URL),
    ):
        outcome(parse)


@given(discovery_v12 | discovery_v3, languages)
@example({"data": {"feeds": [{"name": "", "url": "http://[::1"}]}}, None)  # found in CI
def test_discovery_of_every_version(doc: Any, lang: Any) -> None:
    discovery = outcome(lambda: gbfs.parse_discovery(doc, URL, lang))
    if discovery is not None:
        check_discovery(discovery)


@given(system_doc, vehicle_types_doc, languages)
def test_system_information_and_vehicle_types(system: Any, types: Any, lang: Any) -> None:
    parsed = outcome(lambda: gbfs.parse_system_information(system, URL, lang))
    if parsed is not None:
        check_system(parsed)
    kinds = outcome(lambda: gbfs.parse_vehicle_types(types))
    if kinds is not None:
        assert all(isinstance(k, str) and isinstance(v, VehicleKind) for k, v in kinds.items())


@scaled(0.5)
@given(info_doc, status_doc, vehicle_types_doc, languages)
def test_station_feeds_parse_join_and_render(info: Any, status: Any, types: Any, lang) -> None:
    kinds = outcome(lambda: gbfs.parse_vehicle_types(types)) or {}
    info_feed = outcome(lambda: station_feeds.parse_station_information(info, URL, lang))
    if info_feed is not None:
        check_info(info_feed)
    parser = station_feeds.StatusParser(kinds)
    status_feed = outcome(lambda: parser.parse(status, URL))
    if status_feed is not None:
        check_status(status_feed)
        # A second parse of the same document (the refresh path) gives the same result.
        assert parser.parse(status, URL) == status_feed
    if info_feed is not None and status_feed is not None:
        check_rendering(info_feed, status_feed)


# --------------------------------------------------------------------------- real fixtures


def _sample(folder: str, feed: str, size: int = 12) -> dict[str, Any]:
    doc = json.loads((FIXTURES / folder / f"{feed}.json").read_text())
    doc["data"]["stations"] = doc["data"]["stations"][:size]
    return doc


FIXTURE_PAIRS = [
    (_sample(folder, "station_information"), _sample(status_folder, "station_status"))
    for folder, status_folder in [
        ("velib_v1_2022", "velib_v1_2022"),
        ("velib_v1_2025", "velib_v1_2025"),
        ("oslo_v2.2_2022", "oslo_v2.2_2022"),
        ("oslo_v2.2_2022", "oslo_v2.3_2025"),
        ("citibike_v1.0_2019", "citibike_v1.0_2019"),
        ("citibike_v1.1_2024", "citibike_v1.1_2024"),
        ("mobilitydata_fixtures_v2.3", "mobilitydata_fixtures_v2.3"),
        ("mobilitydata_fixtures_v3.0", "mobilitydata_fixtures_v3.0"),
    ]
]


@st.composite
def mutated_fixture(draw: st.DrawFn) -> tuple[Any, Any]:
    """A real info/status pair with a few fields replaced by hostile values or removed."""
    info, status = copy.deepcopy(draw(st.sampled_from(FIXTURE_PAIRS)))
    for _ in range(draw(st.integers(1, 6))):
        doc = draw(st.sampled_from([info, status]))
        target = draw(st.sampled_from(["header", "station", "station", "station", "data"]))
        if target == "header":
            doc[draw(st.sampled_from(list(header)))] = draw(hostile)
        elif target == "data":
            doc["data"] = {"stations": draw(hostile)} if draw(st.booleans()) else draw(hostile)
            continue
        else:
            stations = doc.get("data", {}).get("stations") if isinstance(doc["data"], dict) else 0
            if not isinstance(stations, list) or not stations:
                continue
            index = draw(st.integers(0, len(stations) - 1))
            station = stations[index]
            if not isinstance(station, dict) or not station:
                stations[index] = draw(hostile)
                continue
            key = draw(st.sampled_from(sorted(station)))
            if draw(st.integers(0, 4)) == 0:
                del station[key]
            else:
                station[key] = draw(hostile)
    return info, status


@scaled(2)
@given(mutated_fixture(), languages)
def test_mutated_real_fixtures(pair: tuple[Any, Any], lang: Any) -> None:
    info, status = pair
    info_feed = outcome(lambda: station_feeds.parse_station_information(info, URL, lang))
    status_feed = outcome(lambda: station_feeds.parse_station_status(status, URL))
    if info_feed is not None:
        check_info(info_feed)
    if status_feed is not None:
        check_status(status_feed)
    if info_feed is not None and status_feed is not None:
        check_rendering(info_feed, status_feed)


def test_unmutated_fixtures_satisfy_the_invariants() -> None:
    """The control case: the checks above accept every real (sampled) fixture."""
    for info, status in FIXTURE_PAIRS:
        info_feed = station_feeds.parse_station_information(info, URL)
        status_feed = station_feeds.parse_station_status(status, URL)
        assert info_feed.stations and status_feed.statuses
        check_info(info_feed)
        check_status(status_feed)
        check_rendering(info_feed, status_feed)
