"""A feed whose ``last_updated`` is years ahead is not forever fresh: feed times in the
future are clamped to the fetch time, so a cached copy read offline ages as it should."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from test_feed_faults import feed_docs

from bikefinder.feeds.cache import FeedCache
from bikefinder.feeds.http import make_http_client
from bikefinder.feeds.loader import SystemFeeds
from bikefinder.rider.staleness import data_age_s, is_data_stale

TEN_YEARS_S = 10 * 365 * 86_400


async def test_a_future_feed_time_is_clamped_and_ages_offline(
    feed_server: Any, tmp_path: Path
) -> None:
    docs = feed_docs()
    for feed in ("station_information", "station_status"):
        docs[feed]["last_updated"] = int(time.time()) + TEN_YEARS_S
    url = feed_server.serve_system("sys", docs)
    async with make_http_client() as http:
        live = await SystemFeeds(http, url, cache=FeedCache(url, tmp_path)).load()
    assert live.status_meta.last_updated is not None
    assert live.status_meta.last_updated <= live.fetched_at
    assert live.info_meta.last_updated is not None
    assert live.info_meta.last_updated <= live.fetched_at

    cached = SystemFeeds(None, url, cache=FeedCache(url, tmp_path)).load_cached()
    assert cached is not None
    later = cached.fetched_at + timedelta(days=30)
    age = data_age_s(cached, later)
    assert age is not None and age >= 30 * 86_400 - 5
    assert is_data_stale(cached, later)
