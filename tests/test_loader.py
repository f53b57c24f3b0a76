"""SystemFeeds over httpx.MockTransport: discovery, refresh on ttl, 304s, cache fallback."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from bikefinder.common.errors import FeedError
from bikefinder.feeds.cache import FeedCache
from bikefinder.feeds.http import make_http_client
from bikefinder.feeds.loader import SystemFeeds

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://feeds.test/velib"


class FakeFeeds:
    """A tiny GBFS server: serves documents, counts hits, honours If-None-Match."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents
        self.hits: Counter[str] = Counter()
        self.conditional_hits: Counter[str] = Counter()
        self.failing = False
        self.versions: Counter[str] = Counter()
        self.seen_headers: list[httpx.Headers] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1].removesuffix(".json")
        self.hits[name] += 1
        self.seen_headers.append(request.headers)
        if self.failing:
            return httpx.Response(503)
        if name not in self.documents:
            return httpx.Response(404)
        etag = f'"{name}-{self.versions[name]}"'
        if request.headers.get("if-none-match") == etag:
            self.conditional_hits[name] += 1
            return httpx.Response(304, headers={"etag": etag})
        return httpx.Response(200, json=self.documents[name], headers={"etag": etag})

    def change(self, name: str, document: Any) -> None:
        self.documents[name] = document
        self.versions[name] += 1


def velib_documents() -> dict[str, Any]:
    feeds = ["system_information", "station_information", "station_status"]
    documents: dict[str, Any] = {
        "gbfs": {
            "data": {"fr": {"feeds": [{"name": f, "url": f"{BASE}/{f}.json"} for f in feeds]}}
        },
        "system_information": {"data": {"system_id": "velib", "name": "Vélib'", "language": "fr"}},
    }
    for feed in ("station_information", "station_status"):
        path = FIXTURES / "velib_v1_2025" / f"{feed}.json"
        documents[feed] = json.loads(path.read_text(encoding="utf-8"))
    return documents


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_feeds(server: FakeFeeds, **kwargs: Any) -> tuple[httpx.AsyncClient, SystemFeeds]:
    http = make_http_client(transport=httpx.MockTransport(server.handler))
    return http, SystemFeeds(http, f"{BASE}/gbfs.json", **kwargs)


async def test_load_joins_every_station_and_names_the_system() -> None:
    server = FakeFeeds(velib_documents())
    http, feeds = make_feeds(server)
    async with http:
        snapshot = await feeds.load()
    assert snapshot.system.name == "Vélib'"
    assert len(snapshot.stations) == 1495 and snapshot.report.problems == 0
    assert not snapshot.from_cache
    assert all(h["client-identifier"].startswith("bikefinder-") for h in server.seen_headers)


async def test_refresh_refetches_only_status_until_information_ttl_runs_out() -> None:
    server = FakeFeeds(velib_documents())
    clock = Clock()
    http, feeds = make_feeds(server, clock=clock)
    async with http:
        await feeds.load()
        for _ in range(3):
            clock.now += 30
            await feeds.refresh()
        assert server.hits["station_status"] == 4
        assert server.hits["station_information"] == 1
        clock.now += 3600  # Vélib' says ttl 3600 for station_information
        await feeds.refresh()
        assert server.hits["station_information"] == 2
        assert server.hits["gbfs"] == 1


async def test_unchanged_status_returns_the_same_snapshot_without_parsing() -> None:
    server = FakeFeeds(velib_documents())
    http, feeds = make_feeds(server)
    async with http:
        first = await feeds.load()
        again = await feeds.refresh()
        assert again is first
        assert server.conditional_hits["station_status"] == 1
        status = server.documents["station_status"]
        status["data"]["stations"][0]["num_bikes_available"] = 0
        status["data"]["stations"][0]["num_bikes_available_types"] = [
            {"mechanical": 0},
            {"ebike": 0},
        ]
        server.change("station_status", status)
        changed = await feeds.refresh()
    assert changed is not first
    assert changed.stations[0].status is not None and changed.stations[0].status.bikes == 0


async def test_failed_refresh_raises_and_keeps_last_snapshot() -> None:
    server = FakeFeeds(velib_documents())
    http, feeds = make_feeds(server)
    async with http:
        first = await feeds.load()
        server.failing = True
        with pytest.raises(FeedError, match=r"Vélib': station_status: HTTP 503"):
            await feeds.refresh()
        assert feeds.snapshot is first
        server.failing = False
        assert (await feeds.refresh()) is first


async def test_cache_answers_offline_and_marks_the_data_stale(tmp_path: Path) -> None:
    server = FakeFeeds(velib_documents())
    http, feeds = make_feeds(server, cache=FeedCache(f"{BASE}/gbfs.json", tmp_path))
    async with http:
        live = await feeds.load()
    server.failing = True
    http, offline = make_feeds(server, cache=FeedCache(f"{BASE}/gbfs.json", tmp_path))
    async with http:
        with pytest.raises(FeedError):
            await offline.load()
        cached = offline.load_cached()
    assert cached is not None and cached.from_cache
    assert [s.status for s in cached.stations] == [s.status for s in live.stations]
    assert cached.system.name == "Vélib'"


async def test_first_load_is_conditional_on_the_cache(tmp_path: Path) -> None:
    server = FakeFeeds(velib_documents())
    for _ in range(2):
        http, feeds = make_feeds(server, cache=FeedCache(f"{BASE}/gbfs.json", tmp_path))
        async with http:
            snapshot = await feeds.load()
    assert len(snapshot.stations) == 1495
    assert server.conditional_hits["station_information"] == 1
    assert server.conditional_hits["station_status"] == 1


async def test_corrupt_cache_entries_are_ignored_and_replaced(tmp_path: Path) -> None:
    server = FakeFeeds(velib_documents())
    cache = FeedCache(f"{BASE}/gbfs.json", tmp_path)
    http, feeds = make_feeds(server, cache=cache)
    async with http:
        await feeds.load()
    body = cache.folder / "station_status.json"
    body.write_bytes(body.read_bytes()[:1000])  # truncated by a crash or a full disk
    assert cache.get("station_status") is None
    assert FeedCache(f"{BASE}/gbfs.json", tmp_path).get("station_information") is not None
    (cache.folder / "station_information.meta.json").write_text("{not json")
    http, feeds = make_feeds(server, cache=FeedCache(f"{BASE}/gbfs.json", tmp_path))
    async with http:
        assert feeds.load_cached() is None
        snapshot = await feeds.load()
    assert len(snapshot.stations) == 1495
    assert cache.get("station_status") is not None


async def test_system_language_is_chosen_when_several_are_offered() -> None:
    documents = velib_documents()
    feeds_fr = documents["gbfs"]["data"]["fr"]["feeds"]
    documents["gbfs"]["data"] = {
        "en": {
            "feeds": [
                {"name": "system_information", "url": f"{BASE}/system_information.json"},
                {"name": "station_information", "url": f"{BASE}/missing.json"},
                {"name": "station_status", "url": f"{BASE}/missing.json"},
            ]
        },
        "fr": {"feeds": feeds_fr},
    }
    server = FakeFeeds(documents)
    http, feeds = make_feeds(server)
    async with http:
        snapshot = await feeds.load()
    assert feeds.discovery is not None and feeds.discovery.language == "fr"
    assert len(snapshot.stations) == 1495
    assert server.hits["system_information"] == 1  # fetched to choose, not again


async def test_optional_feeds_may_be_missing() -> None:
    documents = velib_documents()
    del documents["system_information"]
    server = FakeFeeds(documents)
    http, feeds = make_feeds(server, label="Paris bikes")
    async with http:
        snapshot = await feeds.load()
    assert snapshot.system.name == "Paris bikes"


async def test_a_failing_information_refetch_keeps_the_stations_and_refreshes_status() -> None:
    server = FakeFeeds(velib_documents())
    clock = Clock()
    http, feeds = make_feeds(server, clock=clock)
    async with http:
        first = await feeds.load()
        del server.documents["station_information"]  # 404 from now on
        status = server.documents["station_status"]
        status["data"]["stations"][0]["num_docks_available"] = 0
        server.change("station_status", status)
        clock.now += 3600
        fresh = await feeds.refresh()
        assert feeds.descriptive_error is not None
        assert "station_information: HTTP 404" in str(feeds.descriptive_error)
        assert len(fresh.stations) == len(first.stations)
        assert fresh.stations[0].status is not None and fresh.stations[0].status.docks == 0
        hits = server.hits["station_information"]
        clock.now += 30
        await feeds.refresh()  # not retried before its ttl runs out again
        assert server.hits["station_information"] == hits


async def test_new_vehicle_types_reparse_an_unchanged_status() -> None:
    documents = velib_documents()
    feeds_list = documents["gbfs"]["data"]["fr"]["feeds"]
    feeds_list.append({"name": "vehicle_types", "url": f"{BASE}/vehicle_types.json"})
    documents["vehicle_types"] = {
        "ttl": 60,
        "data": {
            "vehicle_types": [
                {"vehicle_type_id": "bike", "form_factor": "bicycle", "propulsion_type": "human"}
            ]
        },
    }
    status = documents["station_status"]
    for record in status["data"]["stations"]:
        del record["num_bikes_available_types"]
    first = status["data"]["stations"][0]
    first["num_bikes_available"] = 3
    first["vehicle_types_available"] = [
        {"vehicle_type_id": "bike", "count": 1},
        {"vehicle_type_id": "ebike", "count": 2},
    ]
    server = FakeFeeds(documents)
    clock = Clock()
    http, feeds = make_feeds(server, clock=clock)
    async with http:
        snapshot = await feeds.load()
        assert snapshot.stations[0].status.electric is None  # "ebike" is not described
        server.change(
            "vehicle_types",
            {
                "ttl": 60,
                "data": {
                    "vehicle_types": [
                        {
                            "vehicle_type_id": "bike",
                            "form_factor": "bicycle",
                            "propulsion_type": "human",
                        },
                        {
                            "vehicle_type_id": "ebike",
                            "form_factor": "bicycle",
                            "propulsion_type": "electric_assist",
                        },
                    ]
                },
            },
        )
        clock.now += 61
        refreshed = await feeds.refresh()  # station_status itself did not change
    assert (refreshed.stations[0].status.mechanical, refreshed.stations[0].status.electric) == (
        1,
        2,
    )
