"""A cache whose every feed is within its ttl answers as the server would, without a
request: the loader's rule (which feeds, which ttl, from when), the fleet's schedule and
words, and the app's first paint. End to end over HTTP: tests/test_warm_once.py."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from test_loader import BASE, FakeFeeds, make_feeds, velib_documents
from ui_support import (
    GBFS_URL,
    SIZE,
    FakeClock,
    FakeSystem,
    fill_cache,
    make_app,
    settle,
)

from bikefinder.feeds.cache import CacheTrust, FeedCache
from bikefinder.fleet.fleet import Fleet, within_ttl
from bikefinder.rider.refresh import refresh_interval_s
from bikefinder.systems.source import SystemSource

VELIB_GBFS = f"{BASE}/gbfs.json"


def trust(age_s: float = 0.0, live_s: float | None = None) -> CacheTrust:
    """The fleet's rule ``age_s`` seconds from now (``live_s``: as ``--refresh`` would)."""
    return CacheTrust(time.time() + age_s, lambda ttl: refresh_interval_s(ttl, live_s))


async def filled(tmp_path: Path) -> FakeFeeds:
    """A server whose feeds were loaded once into the cache at ``tmp_path``."""
    server = FakeFeeds(velib_documents())
    http, feeds = make_feeds(server, cache=FeedCache(VELIB_GBFS, tmp_path))
    async with http:
        await feeds.load()
    server.hits.clear()
    return server


async def test_a_cache_within_its_ttl_answers_as_the_server_would(tmp_path: Path) -> None:
    server = await filled(tmp_path)
    http, feeds = make_feeds(server, cache=FeedCache(VELIB_GBFS, tmp_path))
    async with http:
        assert feeds.may_be_within_ttl(trust())
        snapshot = feeds.load_cached(trust(age_s=5))
        assert snapshot is not None and snapshot.within_ttl and not snapshot.from_cache
        assert sum(server.hits.values()) == 0
        # The next refresh is the incremental one: availability alone, conditional.
        refreshed = await feeds.refresh()
    assert dict(server.hits) == {"station_status": 1}
    assert server.conditional_hits["station_status"] == 1
    assert refreshed.stations is snapshot.stations and not refreshed.within_ttl


async def test_a_cache_past_a_ttl_is_only_the_last_known_data(tmp_path: Path) -> None:
    await filled(tmp_path)
    cases = {
        "availability past the 60 s ceiling": trust(age_s=61),
        "past --refresh's period": trust(age_s=3, live_s=2),
        "written after now (a clock set back)": trust(age_s=-30),
    }
    for why, rule in cases.items():
        feeds = make_feeds(FakeFeeds({}), cache=FeedCache(VELIB_GBFS, tmp_path))[1]
        snapshot = feeds.load_cached(rule)
        assert snapshot is not None and snapshot.from_cache and not snapshot.within_ttl, why
    assert not feeds.may_be_within_ttl(trust(age_s=61))


async def test_every_feed_a_load_fetches_must_be_cached(tmp_path: Path) -> None:
    """system_information is listed but its copy is gone: the server is asked."""
    await filled(tmp_path)
    cache = FeedCache(VELIB_GBFS, tmp_path)
    cache.discard("system_information")
    snapshot = make_feeds(FakeFeeds({}), cache=cache)[1].load_cached(trust())
    assert snapshot is not None and snapshot.from_cache


async def test_a_copy_from_another_url_is_not_trusted(tmp_path: Path) -> None:
    await filled(tmp_path)
    cache = FeedCache(VELIB_GBFS, tmp_path)
    meta_path = cache.folder / "station_status.meta.json"
    meta = json.loads(meta_path.read_bytes())
    meta["url"] = f"{BASE}/elsewhere/station_status.json"
    meta_path.write_text(json.dumps(meta))
    snapshot = make_feeds(FakeFeeds({}), cache=FeedCache(VELIB_GBFS, tmp_path))[1].load_cached(
        trust()
    )
    assert snapshot is not None and snapshot.from_cache


async def test_a_304_in_a_new_process_records_its_time_on_disk(tmp_path: Path) -> None:
    """A printed command confirms each feed once; the next one trusts it from then on."""
    await filled(tmp_path)
    cache = FeedCache(VELIB_GBFS, tmp_path)
    meta = cache.meta("station_status")
    assert meta is not None
    cache.touch("station_status", fetched_at=meta.fetched_at + 10)
    written = json.loads((cache.folder / "station_status.meta.json").read_bytes())
    assert written["fetched_at"] == meta.fetched_at + 10


def velib_fleet(server: FakeFeeds, cache_root: Path) -> Fleet:
    source = SystemSource(gbfs_url=VELIB_GBFS, transport=httpx.MockTransport(server.handler))
    return Fleet([source], cache_for=lambda s: FeedCache(s.gbfs_url, cache_root), remember=False)


async def test_the_fleet_answers_from_the_cache_and_fetches_when_the_ttl_runs_out(
    tmp_path: Path,
) -> None:
    server = await filled(tmp_path)
    fleet = velib_fleet(server, tmp_path)
    assert fleet.load_within_ttl()
    await fleet.load()  # nothing left to load
    system = fleet.systems[0]
    assert within_ttl(system) and sum(server.hits.values()) == 0
    snapshot = system.snapshot
    assert snapshot is not None and snapshot.fetched_at is not None
    assert system.freshness(fleet.clock()).text.endswith("within the feed's ttl)")
    # Due when the status feed's ttl (within 5-60 s) runs out, counted from its fetch.
    assert system.schedule.next_at == snapshot.fetched_at + timedelta(
        seconds=system.schedule.refresh_s
    )
    async with fleet:
        await fleet.refresh()
    assert dict(server.hits) == {"station_status": 1}
    assert not within_ttl(system) and "within" not in system.freshness(fleet.clock()).text


async def test_the_app_paints_from_a_cache_within_its_ttl_without_asking(
    fav_path: Path, tmp_path: Path
) -> None:
    system = FakeSystem()
    cache_root = tmp_path / "cache"
    await fill_cache(system, fav_path, cache_root)
    system.requests.clear()
    clock = FakeClock(datetime.now(UTC))  # the cache's own times are the wall clock's
    app = make_app(system, favourites_path=fav_path, clock=clock,
                   cache=FeedCache(GBFS_URL, cache_root))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert system.requests == []
        assert app.stations.table.row_count > 0
        assert "within the feed's ttl" in app.header_state().freshness
        await pilot.press("r")  # the rider's refresh asks the server, as always
        await settle(app, pilot)
        assert "station_status" in system.requests
        assert "within" not in app.header_state().freshness


async def test_a_copy_that_cannot_be_read_is_left_to_the_server(
    tmp_path: Path, monkeypatch
) -> None:
    """Whatever reading the copy raises (a parser bug, a format this version does not
    know), the printed command asks the server instead: no traceback."""
    from bikefinder.feeds.loader import SystemFeeds

    server = await filled(tmp_path)

    def broken(self: SystemFeeds, trust: CacheTrust | None = None) -> None:
        raise KeyError("stations")

    monkeypatch.setattr(SystemFeeds, "load_cached", broken)
    fleet = velib_fleet(server, tmp_path)
    assert not fleet.load_within_ttl()
    async with fleet:
        await fleet.load()
    assert fleet.systems[0].snapshot is not None and server.hits["station_status"] == 1
