"""The data path: one decode per change, a cache that never re-reads what it holds, a size
cap that counts decompressed bytes as they stream, and bad bodies that never replace good
ones."""

from __future__ import annotations

import gzip
import json
import math
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from bikefinder.common.errors import FeedError
from bikefinder.feeds import station_feeds
from bikefinder.feeds.cache import FeedCache
from bikefinder.feeds.http import BadEncoding, BodyTooLarge, BoundedDecoder, FeedFetcher
from bikefinder.feeds.loader import SystemFeeds
from tests.test_loader import BASE, FakeFeeds, make_feeds, velib_documents

GBFS_URL = f"{BASE}/gbfs.json"


class Counting:
    """Counts calls to the two station-feed decoders."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.info = self.status = 0
        decode_info, parse_body = (
            station_feeds.decode_station_information,
            station_feeds.StatusParser.parse_body,
        )

        def info(*args: Any, **kwargs: Any) -> Any:
            self.info += 1
            return decode_info(*args, **kwargs)

        def status(parser: Any, *args: Any) -> Any:
            self.status += 1
            return parse_body(parser, *args)

        monkeypatch.setattr(station_feeds, "decode_station_information", info)
        monkeypatch.setattr(station_feeds.StatusParser, "parse_body", status)


async def test_each_body_is_decoded_once_per_change(tmp_path: Path, monkeypatch) -> None:
    server = FakeFeeds(velib_documents())
    counts = Counting(monkeypatch)
    http, feeds = make_feeds(server, cache=FeedCache(GBFS_URL, tmp_path))
    async with http:
        first = await feeds.load()
        assert (counts.info, counts.status) == (1, 1)
        assert await feeds.refresh() is first  # 304: no decode at all
        assert (counts.info, counts.status) == (1, 1)
        document = velib_documents()["station_status"]
        document["data"]["stations"][0]["num_docks_available"] = 99
        server.change("station_status", document)
        changed = await feeds.refresh()
        assert changed is not first and (counts.info, counts.status) == (1, 2)


async def test_a_warm_start_decodes_the_cache_once_and_revalidates(
    tmp_path: Path, monkeypatch
) -> None:
    """From the cache at start-up, then the live load's 304s reuse what was parsed."""
    server = FakeFeeds(velib_documents())
    http, feeds = make_feeds(server, cache=FeedCache(GBFS_URL, tmp_path))
    async with http:
        await feeds.load()
    counts = Counting(monkeypatch)
    http, feeds = make_feeds(server, cache=FeedCache(GBFS_URL, tmp_path))
    async with http:
        cached = feeds.load_cached()
        assert cached is not None and cached.from_cache
        live = await feeds.load()
    assert not live.from_cache and len(live.stations) == len(cached.stations)
    assert (counts.info, counts.status) == (1, 1)
    assert server.conditional_hits["station_status"] == 1


async def test_a_304_touches_the_metadata_only(tmp_path: Path, monkeypatch) -> None:
    import bikefinder.feeds.cache as cache_module

    monkeypatch.setattr(cache_module, "TOUCH_WRITE_INTERVAL_S", 0.0)
    server = FakeFeeds(velib_documents())
    cache = FeedCache(GBFS_URL, tmp_path)
    http, feeds = make_feeds(server, cache=cache)
    async with http:
        await feeds.load()
        body_path = cache.folder / "station_status.json"
        before = body_path.stat().st_mtime_ns, cache.meta("station_status")

        def no_body_reads(*args: Any) -> Any:
            raise AssertionError("the cached body was read again")

        monkeypatch.setattr(FeedCache, "get", no_body_reads)
        await feeds.refresh()
    assert body_path.stat().st_mtime_ns == before[0]
    after = json.loads((cache.folder / "station_status.meta.json").read_bytes())
    assert before[1] is not None and after["fetched_at"] > before[1].fetched_at


@pytest.mark.parametrize("fetched_at", [math.nan, 1e20, -5, "soon", True])
async def test_corrupt_cache_metadata_is_ignored_and_replaced(
    tmp_path: Path, fetched_at: Any
) -> None:
    server = FakeFeeds(velib_documents())
    cache = FeedCache(GBFS_URL, tmp_path)
    http, feeds = make_feeds(server, cache=cache)
    async with http:
        await feeds.load()
    meta_path = cache.folder / "station_status.meta.json"
    meta = json.loads(meta_path.read_bytes())
    meta["fetched_at"] = fetched_at
    meta_path.write_text(json.dumps(meta))  # json writes NaN as NaN, as a corrupt file might
    fresh = FeedCache(GBFS_URL, tmp_path)
    http, feeds = make_feeds(server, cache=fresh)
    async with http:
        assert feeds.load_cached() is None
        snapshot = await feeds.load()
    assert len(snapshot.stations) == 1495
    assert fresh.meta("station_status") is not None  # replaced by the live answer


async def test_a_cached_etag_that_cannot_be_sent_is_dropped(tmp_path: Path) -> None:
    server = FakeFeeds(velib_documents())
    cache = FeedCache(GBFS_URL, tmp_path)
    http, feeds = make_feeds(server, cache=cache)
    async with http:
        await feeds.load()
    meta_path = cache.folder / "station_status.meta.json"
    meta = json.loads(meta_path.read_bytes())
    meta["etag"] = "caf\u00e9\n"
    meta_path.write_text(json.dumps(meta))
    http, feeds = make_feeds(server, cache=FeedCache(GBFS_URL, tmp_path))
    async with http:
        assert len((await feeds.load()).stations) == 1495


async def test_a_bad_status_never_replaces_the_cached_one(tmp_path: Path) -> None:
    server = FakeFeeds(velib_documents())
    cache = FeedCache(GBFS_URL, tmp_path)
    http, feeds = make_feeds(server, cache=cache)
    async with http:
        good = await feeds.load()
        server.change("station_status", {"data": {"stations": "nope"}})
        with pytest.raises(FeedError, match="not a list"):
            await feeds.refresh()
        # The next refresh asks again (the bad body's ETag was not remembered).
        with pytest.raises(FeedError, match="not a list"):
            await feeds.refresh()
    server.failing = True
    http, offline = make_feeds(server, cache=FeedCache(GBFS_URL, tmp_path))
    async with http:
        cached = offline.load_cached()
    assert cached is not None
    assert [s.status for s in cached.stations] == [s.status for s in good.stations]


@pytest.mark.parametrize("failure", [403, 500, b"<html>", b"{junk"])
async def test_a_failing_optional_feed_degrades_and_never_blocks(failure: Any) -> None:
    documents = velib_documents()
    documents["gbfs"]["data"]["fr"]["feeds"].append(
        {"name": "vehicle_types", "url": f"{BASE}/vehicle_types.json"}
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("vehicle_types.json"):
            if isinstance(failure, int):
                return httpx.Response(failure)
            return httpx.Response(200, content=failure)
        return server.handler(request)

    server = FakeFeeds(documents)
    from bikefinder.feeds.http import make_http_client

    async with make_http_client(transport=httpx.MockTransport(handler)) as http:
        feeds = SystemFeeds(http, GBFS_URL)
        snapshot = await feeds.load()
    assert len(snapshot.stations) == 1495
    assert set(feeds.degraded) == {"vehicle_types"}
    assert "e-bike" in feeds.degraded["vehicle_types"]


# ----------------------------------------------------------------- the streaming size cap


def decode_all(encoding: str, body: bytes, limit: int, chunk: int = 4096) -> bytes:
    decoder = BoundedDecoder(encoding, limit)
    parts = [decoder.feed(body[i : i + chunk]) for i in range(0, len(body), chunk)]
    return b"".join([*parts, decoder.finish()])


def test_gzip_inside_gzip_is_stopped_at_the_cap_not_in_memory() -> None:
    bomb = gzip.compress(gzip.compress(b"\0" * (200 * 2**20)))
    assert len(bomb) < 10_000
    with pytest.raises(BodyTooLarge):
        decode_all("gzip, gzip", bomb, 2**20)


def test_layers_decode_in_reverse_order_of_application() -> None:
    payload = json.dumps({"data": list(range(1000))}).encode()
    assert decode_all("gzip, gzip", gzip.compress(gzip.compress(payload)), 2**20) == payload
    assert decode_all("deflate", zlib.compress(payload), 2**20) == payload
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw_deflate = raw.compress(payload) + raw.flush()
    assert decode_all("deflate", raw_deflate, 2**20) == payload  # what some servers send
    assert decode_all("identity", payload, 2**20) == payload
    assert decode_all("", payload, 2**20) == payload


def test_a_plain_body_growing_past_the_cap_is_stopped() -> None:
    with pytest.raises(BodyTooLarge):
        decode_all("", b"x" * 5000, 4096, chunk=1000)
    assert len(decode_all("", b"x" * 4096, 4096, chunk=1000)) == 4096


def test_unknown_or_broken_encodings_are_named() -> None:
    with pytest.raises(BadEncoding, match="unsupported Content-Encoding"):
        decode_all("br", b"anything", 2**20)
    with pytest.raises(BadEncoding, match="corrupt"):
        decode_all("gzip", b"not gzip at all", 2**20)
    with pytest.raises(BadEncoding, match="cut short"):
        decode_all("gzip", gzip.compress(b"x" * 10_000)[:-20], 2**20)


async def test_a_double_gzip_bomb_over_http_is_refused_with_one_line(feed_server) -> None:
    bomb = gzip.compress(gzip.compress(b" " * (300 * 2**20)))
    url = feed_server.add("/bomb.json", bomb, Content_Encoding="gzip, gzip")
    async with httpx.AsyncClient() as http:
        with pytest.raises(FeedError, match="larger than"):
            await FeedFetcher(http, "Bombs").fetch("station_status", url)


async def test_the_cap_is_configurable_per_loader(feed_server) -> None:
    body = json.dumps({"data": {"stations": []}, "pad": "x" * 5000}).encode()
    url = feed_server.add("/big.json", gzip.compress(body), Content_Encoding="gzip")
    async with httpx.AsyncClient() as http:
        with pytest.raises(FeedError, match="larger than"):
            await FeedFetcher(http, "Small", max_bytes=4096).fetch("station_status", url)
        fetched = await FeedFetcher(http, "Big", max_bytes=10_000).fetch("station_status", url)
    assert fetched is not None and fetched.body == body


def test_a_new_cache_sweeps_temp_files_a_killed_write_left(tmp_path: Path) -> None:
    import os
    import time

    cache = FeedCache(GBFS_URL, tmp_path)
    cache.put("station_status", "u", b"{}")
    stale = cache.folder / ".station_status.json.abc123.tmp"
    fresh = cache.folder / ".station_status.json.def456.tmp"
    for path in (stale, fresh):
        path.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    FeedCache(GBFS_URL, tmp_path)
    assert not stale.exists() and fresh.exists()  # a write in progress is left alone


def test_once_with_a_gbfs_url_does_not_load_the_catalog(feed_server, tmp_path: Path) -> None:
    """A system named by URL needs no catalog: it is not even imported (start-up cost)."""
    import os
    import subprocess
    import sys

    gbfs_url = feed_server.serve_fixture("velib_v1_2025")
    argv = ["--once", "--format", "json", "--near", "48.85,2.35", "--system", gbfs_url]
    code = (
        "import sys\nfrom bikefinder.cli.main import main\n"
        f"code = main({argv!r})\n"
        "print(code, 'bikefinder.systems.catalog' in sys.modules, file=sys.stderr)\n"
    )
    env = {
        **os.environ,
        **{f"XDG_{kind}_HOME": str(tmp_path / kind) for kind in ("CACHE", "CONFIG", "DATA")},
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.stderr.strip().splitlines()[-1] == "0 False", done.stderr
    assert (tmp_path / "CACHE" / "bikefinder" / "coverage.json").is_file()  # still learned


def test_the_app_module_does_not_import_httpx() -> None:
    """The app paints cached data before its HTTP client exists: importing it must not
    cost httpx's import (built off the UI thread with the client)."""
    import subprocess
    import sys

    code = "import sys, bikefinder.ui.app\nprint('httpx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


async def test_frequent_304s_rewrite_the_metadata_file_at_most_once_a_minute(
    tmp_path: Path,
) -> None:
    """A 304 every few seconds updates the age in memory; the file follows a minute later
    at most (what an offline start then says is at most a minute too old)."""
    server = FakeFeeds(velib_documents())
    cache = FeedCache(GBFS_URL, tmp_path)
    http, feeds = make_feeds(server, cache=cache)
    async with http:
        await feeds.load()
        meta_path = cache.folder / "station_status.meta.json"
        written = meta_path.stat().st_mtime_ns
        for _ in range(3):
            await feeds.refresh()
        assert meta_path.stat().st_mtime_ns == written
        in_memory = cache.meta("station_status")
        assert in_memory is not None
        cache.touch("station_status", fetched_at=in_memory.fetched_at + 61)
    assert json.loads(meta_path.read_bytes())["fetched_at"] == in_memory.fetched_at + 61
