"""The screen never waits for data, and any --limit works, driven with Pilot."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from ui_support import SIZE, FakeStation, FakeSystem, highlighted_id, listed_ids, make_app, settle

from bikefinder.feeds import station_feeds
from bikefinder.feeds.models import StatusFeed


def many_stations(count: int) -> list[FakeStation]:
    return [
        FakeStation(f"m{i:05d}", f"Station {i:05d}", 10 + i * 3, (i % 7) * 5, bikes=i % 4)
        for i in range(count)
    ]


async def test_a_slow_parse_runs_off_the_event_loop(tmp_path: Path, monkeypatch) -> None:
    """While a (deliberately slow) status parse runs, keys are still handled at once."""
    system = FakeSystem(stations=many_stations(300))
    app = make_app(system, favourites_path=tmp_path / "fav.json")
    parse_body = station_feeds.StatusParser.parse_body
    slow = threading.Event()
    release = threading.Event()
    parse_threads: list[str] = []

    def slow_parse(parser: station_feeds.StatusParser, body: bytes, url: str) -> StatusFeed:
        parse_threads.append(threading.current_thread().name)
        if slow.is_set():
            release.wait(30)  # a huge feed on a slow machine: done when the test says
        return parse_body(parser, body, url)

    monkeypatch.setattr(station_feeds.StatusParser, "parse_body", slow_parse)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.stations.table.cursor_row == 0
        slow.set()
        system.stations[0].bikes += 1
        app.action_refresh()
        await asyncio.sleep(0.2)  # the refresh is now inside the slow parse
        await pilot.press("j", "j")
        await pilot.pause()
        # The keys were handled while the parse is still held: no key waited for it.
        assert app.stations.table.cursor_row == 2
        assert app.lead.schedule.refreshing
        release.set()
        await settle(app, pilot)
    assert parse_threads and threading.main_thread().name not in parse_threads


@pytest.mark.serial
async def test_a_limit_beyond_the_station_count_works(tmp_path: Path) -> None:
    """5,000 stations and --limit 10000: the table holds a page, keys answer, and the
    cursor reaches the very last station."""
    system = FakeSystem(stations=many_stations(5000))
    app = make_app(system, favourites_path=tmp_path / "fav.json", limit=10_000)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.stations.table.listed_count == 5000
        assert app.stations.table.row_count < 1000  # a page, not every row
        started = time.monotonic()
        await pilot.press("j", "m", "j")
        await pilot.pause()
        assert time.monotonic() - started < 5
        await pilot.press("end")
        await pilot.pause()
        last = listed_ids(app)[-1]
        assert highlighted_id(app) == last
        assert app.stations.table.cursor_row == 4999
        await pilot.press("pagedown", "up")
        await pilot.pause()
        assert app.stations.table.cursor_row == 4998


async def test_the_apps_data_work_shares_one_thread_in_order() -> None:
    """Parsing several systems on several threads is no faster under the GIL and makes
    the event loop wait behind more threads: the app's data work is one queue."""
    from bikefinder.ui.data_thread import run_on_data_thread

    seen: list[tuple[str, int]] = []

    def job(number: int) -> int:
        time.sleep(0.01)
        seen.append((threading.current_thread().name, number))
        return number * 2

    results = await asyncio.gather(*(run_on_data_thread(job, n) for n in range(6)))
    assert results == [0, 2, 4, 6, 8, 10]
    assert [number for _, number in seen] == list(range(6))  # one at a time, in order
    assert len({name for name, _ in seen}) == 1 and seen[0][0].startswith("bikefinder-data")
