"""Configured headers stay with the system's own origin; link-local and metadata addresses
are never fetched, over real 127.0.0.1 servers."""

from __future__ import annotations

import pytest

from bikefinder.common.errors import FeedError
from bikefinder.feeds.http import check_http_url, make_http_client
from bikefinder.feeds.loader import SystemFeeds
from tests.test_feed_faults import feed_docs

KEY = {"X-Api-Key": "s3cret-value"}


def seen_keys(server, path_part: str) -> list[str | None]:
    return [
        request.headers.get("x-api-key") for request in server.requests if path_part in request.path
    ]


async def load(gbfs_url: str, **kwargs) -> SystemFeeds:
    async with make_http_client() as http:
        feeds = SystemFeeds(http, gbfs_url, headers=KEY, **kwargs)
        await feeds.load()
    return feeds


async def test_keys_go_to_the_systems_origin_only(feed_server, other_feed_server) -> None:
    docs = feed_docs()
    status_url = other_feed_server.add("/cdn/status", docs["station_status"])
    gbfs_url = feed_server.serve_system("sys", docs, urls={"station_status": status_url})
    await load(gbfs_url)
    assert seen_keys(feed_server, "/sys/") and set(seen_keys(feed_server, "/sys/")) == {
        "s3cret-value"
    }
    assert seen_keys(other_feed_server, "/cdn/") == [None]
    # Client-Identifier may go to the feed hosts the system lists (urbansharing needs it).
    assert other_feed_server.requests[0].headers["client-identifier"].startswith("bikefinder")


async def test_a_trusted_host_gets_the_keys_too(feed_server, other_feed_server) -> None:
    docs = feed_docs()
    status_url = other_feed_server.add("/cdn/status", docs["station_status"])
    gbfs_url = feed_server.serve_system("sys", docs, urls={"station_status": status_url})
    await load(gbfs_url, trusted_urls=[other_feed_server.url("/")])
    assert seen_keys(other_feed_server, "/cdn/") == ["s3cret-value"]


async def test_keys_never_follow_a_redirect_to_another_origin(
    feed_server, other_feed_server
) -> None:
    docs = feed_docs()
    moved = other_feed_server.add("/moved/status", docs["station_status"])
    gbfs_url = feed_server.serve_system(
        "sys", {**docs, "station_status": feed_server.redirects(moved)}
    )
    await load(gbfs_url)
    assert seen_keys(feed_server, "/sys/station_status") == ["s3cret-value"]
    assert seen_keys(other_feed_server, "/moved/") == [None]


async def test_keys_do_follow_a_redirect_within_the_origin(feed_server) -> None:
    docs = feed_docs()
    feed_server.add("/sys/moved-status", docs["station_status"])
    gbfs_url = feed_server.serve_system(
        "sys", {**docs, "station_status": feed_server.redirects("/sys/moved-status", 301)}
    )
    await load(gbfs_url)
    assert seen_keys(feed_server, "/sys/moved-status") == ["s3cret-value"]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/feed.json",
        "http://[::ffff:169.254.169.254]/feed.json",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_link_local_and_metadata_addresses_are_refused(url: str) -> None:
    assert check_http_url(url) == "refusing a link-local or cloud-metadata address"


def test_loopback_and_ordinary_hosts_stay_allowed() -> None:
    for url in ("http://127.0.0.1:8765/gbfs.json", "http://[::1]/x", "https://gbfs.example/x"):
        assert check_http_url(url) is None


async def test_a_feed_listed_at_a_metadata_address_is_refused_with_a_reason(feed_server) -> None:
    docs = feed_docs()
    gbfs_url = feed_server.serve_system(
        "sys", docs, urls={"station_status": "http://169.254.169.254/latest/meta-data/"}
    )
    with pytest.raises(FeedError, match="link-local or cloud-metadata"):
        await load(gbfs_url)


async def test_a_redirect_to_a_metadata_address_is_not_followed(feed_server) -> None:
    docs = feed_docs()
    gbfs_url = feed_server.serve_system(
        "sys",
        {**docs, "station_status": feed_server.redirects("http://169.254.169.254/latest/")},
    )
    with pytest.raises(FeedError, match="redirected to an unusable URL: refusing a link-local"):
        await load(gbfs_url)
