"""One record nested 1,500 deep inside an otherwise normal feed (~3 KB): the typed
decoders (msgspec) and ``json`` both give up past ~1,000 levels. The over-deep value is
unknown, the record and every other one are read as usual, never a RecursionError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_feed_faults import STATIONS, STATUSES, assert_succeeds, by_id, once, serve

from bikefinder.feeds import station_feeds, vehicle_feeds
from bikefinder.feeds.typed_decoding import MAX_NESTING, shallow

DEEP = "[" * 1500 + "]" * 1500
DEEP_OBJECT = '{"a":' * 1500 + "1" + "}" * 1500


def with_deep(records: list[dict[str, Any]], key: str, deep: str = DEEP) -> bytes:
    """A v2 document of ``records`` whose last record has a field nested ``deep``."""
    records = [*records[:-1], {**records[-1], "junk": "DEEP"}]
    text = json.dumps({"last_updated": 1_700_000_000, "ttl": 0, "data": {key: records}})
    return text.replace('"DEEP"', deep).encode()


@pytest.mark.parametrize("deep", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
def test_station_status_keeps_every_record(deep: str) -> None:
    feed = station_feeds.decode_station_status(with_deep(STATUSES, "stations", deep), "u")
    assert [s.station_id for s in feed.statuses] == ["A", "B", "C"]
    assert feed.statuses[2].docks == 8


def test_station_information_keeps_every_record() -> None:
    feed = station_feeds.decode_station_information(with_deep(STATIONS, "stations"), "u")
    assert [s.station_id for s in feed.stations] == ["A", "B", "C"]


def test_free_bike_status_keeps_every_record() -> None:
    bikes = [{"bike_id": f"b{n}", "lat": 48.0, "lon": 2.0} for n in range(3)]
    feed = vehicle_feeds.decode_vehicle_status(
        with_deep(bikes, "bikes"), "u", None, "free_bike_status"
    )
    assert len(feed.vehicles) == 3


def test_shallow_replaces_only_what_is_too_deep() -> None:
    body = b'{"a": [1, "[[[", {"b": ' + b"[" * 100 + b"]" * 100 + b'}], "c\\"[": 2}'
    flat = json.loads(shallow(body, 4))
    assert flat == {"a": [1, "[[[", {"b": [None]}], 'c"[': 2}
    assert shallow(b'{"a": 1}', MAX_NESTING) == b'{"a": 1}'


@pytest.mark.parametrize("feed", ["station_information", "station_status"])
def test_once_lists_every_station(feed_server: Any, run_main: Any, feed: str) -> None:
    records = STATIONS if feed == "station_information" else STATUSES
    body = with_deep(records, "stations")
    assert len(body) < 4000
    output = assert_succeeds(once(run_main, serve(feed_server, **{feed: body})))
    assert sorted(by_id(output)) == ["A", "B", "C"]


def test_station_opening_hours_beside_a_deep_record(feed_server: Any, run_main: Any) -> None:
    stations = [{**STATIONS[0], "station_opening_hours": "24/7"}, *STATIONS[1:]]
    body = with_deep(stations, "stations")
    output = assert_succeeds(once(run_main, serve(feed_server, station_information=body)))
    assert sorted(by_id(output)) == ["A", "B", "C"]
