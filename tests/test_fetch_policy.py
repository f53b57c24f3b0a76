"""One fetch policy for every download: feeds, the catalog sources (``--update-catalog``)
and the geocoder. Each answer is capped after every decoding layer, must arrive whole
within an overall deadline, and redirects are followed hop by hop with the same checks.
A geocoder answer that cannot be read is a failed lookup, so the offline station-name
fallback is tried. Real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import FeedServer, Response
from test_catalog_update import NETWORKS, SYSTEMS_CSV, serve_sources

from bikefinder.common.errors import UsageError
from bikefinder.feeds.http import make_http_client
from bikefinder.systems import geocode
from bikefinder.systems.catalog_update import CatalogUpdateError, update_catalog

#: A 1.8 KB-ish body that inflates, through two gzip layers, to 160 MB of zeros.
INFLATED_MB = 160


def _gzip_stream(chunks: Any) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [packer.compress(chunk) for chunk in chunks]
    out.append(packer.flush())
    return b"".join(out)


@pytest.fixture(scope="module")
def double_gzip_bomb() -> bytes:
    inner = _gzip_stream(b"\0" * 2**20 for _ in range(INFLATED_MB))
    return _gzip_stream([inner])


@pytest.fixture
def quick_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIKEFINDER_HTTP_TIMEOUT", "1")  # deadline: 4 s


async def _update(sources: Any, tmp_path: Path) -> Any:
    async with make_http_client() as http:
        return await asyncio.wait_for(update_catalog(http, tmp_path, sources), 30)


async def test_catalog_compression_bomb_is_stopped_at_the_cap(
    feed_server: FeedServer, tmp_path: Path, double_gzip_bomb: bytes
) -> None:
    sources = serve_sources(feed_server)
    feed_server.add(
        "/MobilityData/gbfs/master/systems.csv",
        Response(200, double_gzip_bomb, {"Content-Encoding": "gzip, gzip"}),
    )
    tracemalloc.start()
    try:
        with pytest.raises(CatalogUpdateError, match=r"systems\.csv: response larger than"):
            await _update(sources, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 80 * 2**20, f"peak {peak / 2**20:.0f} MB"


async def test_catalog_trickle_gives_up_at_the_deadline(
    feed_server: FeedServer, tmp_path: Path, quick_timeout: None
) -> None:
    sources = serve_sources(feed_server)
    feed_server.add("/gbfs/3/manifest.json", feed_server.trickles(0.3))
    started = time.monotonic()
    with pytest.raises(CatalogUpdateError, match="Citybikes manifest: timed out"):
        await _update(sources, tmp_path)
    assert time.monotonic() - started < 20


async def test_catalog_redirect_is_followed(feed_server: FeedServer, tmp_path: Path) -> None:
    sources = serve_sources(feed_server)
    feed_server.add("/moved/systems.csv", SYSTEMS_CSV)
    feed_server.add(
        "/MobilityData/gbfs/master/systems.csv", feed_server.redirects("/moved/systems.csv", 301)
    )
    result = await _update(sources, tmp_path)
    assert result.systems == 2


@pytest.mark.parametrize(
    ("location", "cause"),
    [
        ("file:///etc/passwd", "redirected to an unusable URL"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("/MobilityData/gbfs/master/systems.csv", "too many redirects"),  # a loop
    ],
)
async def test_catalog_redirect_checks(
    feed_server: FeedServer, tmp_path: Path, location: str, cause: str
) -> None:
    sources = serve_sources(feed_server)
    feed_server.add("/MobilityData/gbfs/master/systems.csv", feed_server.redirects(location, 301))
    with pytest.raises(CatalogUpdateError, match=cause):
        await _update(sources, tmp_path)
    assert not (tmp_path / "catalog").exists()


def test_networks_fixture_is_used() -> None:
    assert NETWORKS["networks"]  # the shared fixtures stay importable


# --------------------------------------------------------------------------- geocoder


def _nominatim(server: FeedServer, answer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    server.add("/search", answer)
    monkeypatch.setenv("BIKEFINDER_NOMINATIM_URL", server.base_url)


@pytest.mark.parametrize(
    "answer",
    [
        [{"lat": "abc", "lon": "2.3", "display_name": "x"}],
        [{"lat": "95", "lon": "2.3", "display_name": "x"}],
        {"status": "ok"},
        "x",
        [{"lat": [1], "lon": "2.3", "display_name": "x"}],
        b"[" * 5000 + b"]" * 5000,
        b"<html>busy</html>",
    ],
    ids=["words", "lat-95", "object", "string", "list-lat", "deep", "html"],
)
def test_unreadable_geocoder_answers_are_failed_lookups(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch, answer: Any
) -> None:
    _nominatim(feed_server, answer, monkeypatch)
    with pytest.raises(geocode.GeocodeError) as caught:
        geocode.geocode_place("Somewhere Town")
    assert "\n" not in str(caught.value)


def test_unreadable_geocoder_answer_falls_back_to_a_station_name(
    feed_server: FeedServer, run_main: Any
) -> None:
    feed_server.add("/search", [{"lat": "abc", "lon": "2.3", "display_name": "x"}])
    result = run_main(
        "--demo", "--once", "--format", "json", "--near", "Gare de Lyon",
        env={"BIKEFINDER_NOMINATIM_URL": feed_server.base_url},
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "using the station" in result.stderr


def test_a_trickling_geocoder_gives_up_at_the_deadline(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch, quick_timeout: None
) -> None:
    _nominatim(feed_server, feed_server.trickles(0.3), monkeypatch)
    started = time.monotonic()
    with ThreadPoolExecutor(1) as pool:
        lookup = pool.submit(geocode.geocode_place, "Somewhere Town")
        try:
            with pytest.raises(UsageError, match="timed out"):
                lookup.result(timeout=20)  # a hang fails the test instead of hanging it
        finally:
            feed_server.stopping.set()  # ends the trickle, whatever happened
    assert time.monotonic() - started < 10


def test_a_geocoder_bomb_is_stopped_at_the_cap(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch, double_gzip_bomb: bytes
) -> None:
    bomb = Response(200, double_gzip_bomb, {"Content-Encoding": "gzip, gzip"})
    _nominatim(feed_server, bomb, monkeypatch)
    with pytest.raises(geocode.GeocodeError, match="larger than"):
        geocode.geocode_place("Somewhere Town")


def test_a_geocoder_answer_is_still_read(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = [{"lat": "48.8443", "lon": "2.3744", "display_name": "Gare de Lyon, Paris"}]
    _nominatim(feed_server, answer, monkeypatch)
    place = geocode.geocode_place("Gare de Lyon")
    assert (place.lat, place.lon, place.address) == (48.8443, 2.3744, "Gare de Lyon, Paris")
    (request,) = feed_server.requests_for("/search")
    assert request.headers["user-agent"].startswith("bikefinder/")
