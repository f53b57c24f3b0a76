"""Availability (station_status, vehicles) never waits for a descriptive feed (alerts,
hours, prices): those are fetched on their own, in the background, on their own deadline.
A real server on 127.0.0.1 whose descriptive feeds hang until the test lets them answer."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import FeedServer, as_route
from test_feed_faults import feed_docs

from bikefinder.feeds.http import make_http_client
from bikefinder.feeds.loader import SystemFeeds
from bikefinder.feeds.parsed_feeds import EXTRA_FEEDS

ALERTS = {
    "last_updated": 1_700_000_000,
    "ttl": 60,
    "version": "2.3",
    "data": {"alerts": [{"alert_id": "a1", "summary": "Works", "station_ids": ["A"]}]},
}
HOURS = {"last_updated": 1_700_000_000, "ttl": 60, "version": "2.3", "data": {"rental_hours": []}}
PLANS = {"last_updated": 1_700_000_000, "ttl": 60, "version": "2.3", "data": {"plans": []}}
#: Network timeout for these tests: a hung feed gives up after 4 x 5 = 20 s.
TIMEOUT_S = "5"
#: Far below that deadline, far above what a local answer takes.
PROMPT_S = 8.0


class Gate:
    """Route handlers that answer at once ``free`` times, then hang until opened."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.opened = threading.Event()

    def route(self, content: Any, free: int = 0) -> Any:
        response = as_route(content)
        calls = iter(range(free))

        def handler(request: Any) -> None:
            if next(calls, None) is None:
                self.opened.wait(30)
            request.send_response_bytes(response)

        return handler


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def gate(feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    monkeypatch.setenv("BIKEFINDER_HTTP_TIMEOUT", TIMEOUT_S)
    gate = Gate(feed_server)
    yield gate
    gate.opened.set()


def serve(server: FeedServer, gate: Gate, free: int) -> str:
    docs: dict[str, Any] = feed_docs()
    for feed, content in zip(EXTRA_FEEDS, (ALERTS, HOURS, PLANS), strict=True):
        docs[feed] = gate.route(content, free)
    return server.serve_system("sys", docs)


async def test_the_first_load_does_not_wait_for_hung_descriptive_feeds(
    feed_server: FeedServer, gate: Gate
) -> None:
    url = serve(feed_server, gate, free=0)
    async with make_http_client() as http:
        feeds = SystemFeeds(http, url)
        snapshot = await asyncio.wait_for(feeds.load(), PROMPT_S)
        assert len(snapshot.stations) == 3
        assert snapshot.alerts == ()  # not yet
        gate.opened.set()
        for _ in range(50):  # they arrive in the background; a refresh picks them up
            await asyncio.sleep(0.1)
            snapshot = await feeds.refresh()
            if snapshot.alerts:
                break
        assert [alert.alert_id for alert in snapshot.alerts] == ["a1"]


async def test_a_refresh_does_not_wait_for_due_descriptive_feeds(
    feed_server: FeedServer, gate: Gate
) -> None:
    url = serve(feed_server, gate, free=1)  # the first load's answers come at once
    clock = Clock()
    async with make_http_client() as http:
        feeds = SystemFeeds(http, url, clock=clock)
        first = await feeds.load()
        assert [alert.alert_id for alert in first.alerts] == ["a1"]
        status_before = len(feed_server.requests_for("/sys/station_status.json"))
        clock.now += 3600  # every descriptive feed is due, and each now hangs
        for _ in range(3):  # each refresh brings fresh availability, promptly
            await asyncio.wait_for(feeds.refresh(), PROMPT_S)
        assert len(feed_server.requests_for("/sys/station_status.json")) == status_before + 3
        # Each hung feed was asked once, not once per refresh.
        assert len(feed_server.requests_for("/sys/system_alerts.json")) == 2
        assert feeds.snapshot is not None
        assert [alert.alert_id for alert in feeds.snapshot.alerts] == ["a1"]  # kept meanwhile
