"""The typed (msgspec) decoding of station feeds gives exactly what the lenient parser gives.

``station_feeds.decode_station_information`` / ``StatusParser.parse_body`` read raw bodies; the
lenient ``parse_*`` functions read ``json.loads`` output. Every quirk the lenient rules
pin must come out the same through the fast path: on every recorded fixture, on the
hostile documents of the fuzz suite, and on records that do not fit the wire shapes
(those fall back record by record).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from bikefinder.common.errors import FeedFormatError
from bikefinder.feeds import gbfs, station_feeds, typed_decoding, wire
from tests.test_fuzz_parsing import info_doc, languages, scaled, status_doc, vehicle_types_doc

FIXTURES = Path(__file__).parent / "fixtures"
STATION_FOLDERS = sorted(
    p.name for p in FIXTURES.iterdir() if (p / "station_status.json").is_file()
)


def both(fast: Any, lenient: Any) -> tuple[Any, Any]:
    """Each path's result, or the FeedFormatError it raised (compared by feed and reason)."""
    results = []
    for parse in (fast, lenient):
        try:
            results.append(parse())
        except FeedFormatError as error:
            results.append(("error", error.feed))
    return results[0], results[1]


def kinds_for(folder: str) -> dict[str, Any]:
    path = FIXTURES / folder / "vehicle_types.json"
    return gbfs.parse_vehicle_types(json.loads(path.read_bytes())) if path.is_file() else {}


@pytest.mark.parametrize("folder", STATION_FOLDERS)
def test_every_fixture_decodes_the_same_both_ways(folder: str) -> None:
    status_body = (FIXTURES / folder / "station_status.json").read_bytes()
    kinds = kinds_for(folder)
    fast = station_feeds.StatusParser(kinds).parse_body(status_body, "u")
    assert fast == station_feeds.parse_station_status(json.loads(status_body), "u", kinds)
    info_path = FIXTURES / folder / "station_information.json"
    if info_path.is_file():
        for language in (None, "fr", "en"):
            body = info_path.read_bytes()
            fast_info = station_feeds.decode_station_information(body, "u", language)
            assert fast_info == station_feeds.parse_station_information(
                json.loads(body), "u", language
            )


@pytest.mark.parametrize("folder", ["velib_v1_2025", "citibike_v1.1_2024", "oslo_v2.3_2025"])
def test_real_feeds_fit_the_typed_shapes_whole(folder: str) -> None:
    """The big real feeds take the fast path for the whole document, not record by record."""
    wire.STATUS_DOCUMENT.decode((FIXTURES / folder / "station_status.json").read_bytes())
    info = FIXTURES / folder / "station_information.json"
    if info.is_file():
        wire.INFO_DOCUMENT.decode(info.read_bytes())


def test_a_misfit_record_falls_back_alone_and_keeps_its_quirks() -> None:
    records = [
        {"station_id": 1, "num_bikes_available": 3, "is_renting": 1},
        {"station_id": "2", "num_bikes_available": "4", "is_renting": "true"},  # strings
        {"station_id": 3.0, "num_bikes_available": True},  # float id; a bool is no count
        {"station_id": 12345678901234567890123, "num_docks_available": 2},
        {"num_bikes_available": 1},  # no id: rejected
    ]
    body = json.dumps({"last_updated": 1760776294, "data": {"stations": records}}).encode()
    with pytest.raises(wire.MISFIT):
        wire.STATUS_DOCUMENT.decode(body)
    feed = station_feeds.StatusParser().parse_body(body, "u")
    assert feed == station_feeds.parse_station_status(json.loads(body), "u")
    ids = [status.station_id for status in feed.statuses]
    assert ids == ["1", "2", "3", "12345678901234567890123"]
    assert [s.bikes for s in feed.statuses] == [3, 4, None, None]
    assert feed.statuses[1].is_renting is True and feed.rejected == 1


def test_one_then_true_is_a_count_then_unknown() -> None:
    """A refresh in which a count turns into ``true`` shows unknown, not the old 1."""
    parser = station_feeds.StatusParser()

    def parse(value: Any) -> int | None:
        body = json.dumps(
            {"data": {"stations": [{"station_id": "a", "num_bikes_available": value}]}}
        )
        return parser.parse_body(body.encode(), "u").statuses[0].bikes

    assert parse(1) == 1
    assert parse(True) is None


def test_type_split_sums_obey_the_count_rule() -> None:
    """Parts of up to 1,000,000 each may not add up to more than a count may be."""
    record = {
        "station_id": "a",
        "num_bikes_available_types": [{"mechanical": 1_000_000}, {"mechanical": 1_000_000}],
    }
    body = json.dumps({"data": {"stations": [record]}}).encode()
    status = station_feeds.StatusParser().parse_body(body, "u").statuses[0]
    assert (status.bikes, status.mechanical, status.electric) == (None, None, None)


def test_bcycle_classic_and_smart_bikes_are_mechanical() -> None:
    types = [{"classic": 2}, {"smart": 3}, {"electric": 4}, {"cargo": 9}]
    record = {"station_id": "a", "num_bikes_available": 9, "num_bikes_available_types": types}
    body = json.dumps({"data": {"stations": [record]}}).encode()
    status = station_feeds.StatusParser().parse_body(body, "u").statuses[0]
    assert (status.mechanical, status.electric) == (5, 4)


def test_garbage_bodies_get_the_precise_lenient_errors() -> None:
    for body, reason in [
        (b"", "empty response"),
        (b"<html>", "HTML"),
        (b'{"data": {"stations": [', "truncated JSON"),
        (b'{"data": {"stations": "nope"}}', "not a list"),
    ]:
        with pytest.raises(FeedFormatError) as raised:
            station_feeds.StatusParser().parse_body(body, "u")
        assert reason in raised.value.reason
        with pytest.raises(FeedFormatError):
            station_feeds.decode_station_information(body, "u")


@scaled(1)
@given(info_doc, languages)
def test_hostile_information_documents_decode_the_same(doc: Any, language: Any) -> None:
    body = json.dumps(doc).encode()
    fast, lenient = both(
        lambda: station_feeds.decode_station_information(body, "u", language),
        lambda: station_feeds.parse_station_information(json.loads(body), "u", language),
    )
    assert fast == lenient


@scaled(1)
@given(status_doc, vehicle_types_doc)
def test_hostile_status_documents_decode_the_same(doc: Any, types: Any) -> None:
    try:
        kinds = gbfs.parse_vehicle_types(types)
    except FeedFormatError:
        kinds = {}
    body = json.dumps(doc).encode()
    parser = station_feeds.StatusParser(kinds)
    fast, lenient = both(
        lambda: parser.parse_body(body, "u"), lambda: parser.parse(json.loads(body), "u")
    )
    assert fast == lenient


def test_lone_surrogates_become_replacement_characters_on_the_fast_path_too() -> None:
    info = {"station_id": "a", "name": "Gare\udc80", "lat": 1, "lon": 2}
    body = json.dumps({"data": {"stations": [info]}}).encode()
    station = station_feeds.decode_station_information(body, "u").stations[0]
    assert station.name == "Gare\ufffd"
    assert station == station_feeds.parse_station_information(json.loads(body), "u").stations[0]


@pytest.mark.parametrize("folder", STATION_FOLDERS)
def test_large_bodies_decode_the_same_in_batches(folder: str, monkeypatch) -> None:
    """Bodies past WHOLE_DECODE_MAX_BYTES are decoded a batch of records at a time (no
    long GIL hold); the result is the same, a misfit batch falling back record by record."""
    monkeypatch.setattr(typed_decoding, "WHOLE_DECODE_MAX_BYTES", 0)
    monkeypatch.setattr(typed_decoding, "BATCH_RECORDS", 7)
    status_body = (FIXTURES / folder / "station_status.json").read_bytes()
    kinds = kinds_for(folder)
    assert station_feeds.StatusParser(kinds).parse_body(
        status_body, "u"
    ) == station_feeds.parse_station_status(json.loads(status_body), "u", kinds)
    info_path = FIXTURES / folder / "station_information.json"
    if info_path.is_file():
        body = info_path.read_bytes()
        assert station_feeds.decode_station_information(
            body, "u"
        ) == station_feeds.parse_station_information(json.loads(body), "u")


def test_a_misfit_record_in_a_batch_keeps_the_rest_typed(monkeypatch) -> None:
    monkeypatch.setattr(typed_decoding, "WHOLE_DECODE_MAX_BYTES", 0)
    monkeypatch.setattr(typed_decoding, "BATCH_RECORDS", 3)
    records = [{"station_id": str(i), "num_bikes_available": i} for i in range(10)]
    records[4]["num_bikes_available"] = "4"  # a string: that batch goes record by record
    body = json.dumps({"data": {"stations": records}}).encode()
    feed = station_feeds.StatusParser().parse_body(body, "u")
    assert [s.bikes for s in feed.statuses] == list(range(10))
    assert feed == station_feeds.parse_station_status(json.loads(body), "u")
