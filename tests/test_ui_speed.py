"""What keeps the app quick: the collector held off during loads, the footer laid out
after the first table (and only when its keys change), rows kept in the table across a
mode change, the list ranked with each new scene on the data thread, and the modules the
first table does not need left unimported, the data thread's next job held while a new
list is drawn, and anyio's backend imported off the event loop."""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ui_support import FakeSystem, make_app, settle

from bikefinder.fleet.view import FleetView
from bikefinder.ui import data_thread
from bikefinder.ui.data_thread import (
    FRAME_GATE,
    FULL_COLLECTIONS,
    HELD_THRESHOLD,
    FullCollections,
    call_when_idle,
    run_on_data_thread,
)

TESTS = Path(__file__).resolve().parent


def test_full_collections_are_held_out_of_reach_and_restored() -> None:
    collections = FullCollections()
    young, middle, oldest = gc.get_threshold()
    with collections.held():
        with collections.held():
            assert gc.get_threshold() == (young, middle, HELD_THRESHOLD)
        assert gc.get_threshold()[2] == HELD_THRESHOLD  # still one hold
    assert gc.get_threshold() == (young, middle, oldest)
    collections.hold()
    collections.release_all()
    assert gc.get_threshold() == (young, middle, oldest)


async def test_a_data_job_waits_while_any_hold_on_the_gate_is_left() -> None:
    FRAME_GATE.hold()
    FRAME_GATE.hold()  # a list's frame and the footer's keys, say
    try:
        job = asyncio.ensure_future(run_on_data_thread(time.perf_counter))
        await asyncio.sleep(0.02)
        FRAME_GATE.release()
        await asyncio.sleep(0.02)
        assert not job.done()
        opened = time.perf_counter()
        FRAME_GATE.release()
        started = await job
    finally:
        FRAME_GATE.release_all()
    assert started >= opened


async def test_a_closed_gate_holds_a_job_no_longer_than_its_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(data_thread, "MAX_HOLD_S", 0.05)
    FRAME_GATE.hold()
    try:
        asked = time.perf_counter()
        started = await run_on_data_thread(time.perf_counter)
    finally:
        FRAME_GATE.release_all()
    assert 0.05 <= started - asked < 1.0


async def test_idle_callbacks_wait_for_every_data_job() -> None:
    called: list[str] = []
    call_when_idle(lambda: called.append("idle at once"))
    assert called == ["idle at once"]
    release = threading.Event()
    first = asyncio.ensure_future(run_on_data_thread(release.wait, 5))
    second = asyncio.ensure_future(run_on_data_thread(time.perf_counter))
    await asyncio.sleep(0.01)
    call_when_idle(lambda: called.append("after both"))
    assert called == ["idle at once"]
    release.set()
    await asyncio.gather(first, second)
    assert called == ["idle at once", "after both"]


async def test_a_new_list_closes_the_gate_until_its_frame_is_drawn(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    closed_while_shown: list[bool] = []
    async with app.run_test(size=(120, 35)) as pilot:
        show = app._show_scene

        def watched_show(scene: Any) -> None:
            closed_while_shown.append(FRAME_GATE.closed)
            show(scene)

        app._show_scene = watched_show  # type: ignore[method-assign]
        await settle(app, pilot)
        app.action_refresh()
        await settle(app, pilot)
        await pilot.pause()
        assert closed_while_shown and all(closed_while_shown)
        assert not FRAME_GATE.closed  # opened once the list was drawn


async def test_a_superseded_scene_gives_back_its_hold_on_the_gate(fav_path: Path) -> None:
    """Each preparation holds the gate as its last step; one cancelled by a newer one
    (never drawn) must not leave the data thread waiting at it."""
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        prepared = app._prepared_scene

        def slowly(*args: Any) -> Any:
            time.sleep(0.1)  # on the data thread: the worker is cancelled meanwhile
            return prepared(*args)

        app._prepared_scene = slowly  # type: ignore[method-assign]
        app.prepare_scene()
        await pilot.pause(0.03)
        app.prepare_scene()  # the first is cancelled while its preparation runs
        for _ in range(100):  # not settle(): it raises for the cancelled workers
            await pilot.pause(0.02)
            if not any(w.is_running for w in app.workers if w.group == "scene"):
                break
        await pilot.pause(0.2)  # the last scene drawn, its hold released after the frame
        assert not FRAME_GATE.closed


def test_the_network_client_imports_anyio_backend_where_it_is_made() -> None:
    """The first request would import it on the event loop (~40 ms, the screen paused);
    a test or demo transport needs none."""
    code = (
        "import sys, httpx\n"
        "from bikefinder.feeds.http import make_http_client\n"
        "make_http_client(transport=httpx.MockTransport(lambda r: None))\n"
        "print('anyio._backends._asyncio' in sys.modules)\n"
        "make_http_client()\n"
        "print('anyio._backends._asyncio' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    assert done.stdout.split() == ["False", "True"]


async def test_no_full_collection_threshold_while_a_refresh_fetches(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    seen: list[int] = []
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        fetch = app.fleet.fetch

        async def watched_fetch(system: Any) -> Any:
            seen.append(gc.get_threshold()[2])
            return await fetch(system)

        app.fleet.fetch = watched_fetch  # type: ignore[method-assign]
        app.action_refresh()
        await settle(app, pilot)
        await pilot.pause()
        assert seen == [HELD_THRESHOLD]
        assert not FULL_COLLECTIONS.holding  # released once the new scene was drawn


async def test_footer_keys_are_laid_out_after_the_first_table_and_only_when_they_change(
    fav_path: Path,
) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        footer = app.stations.footer
        layouts: list[bool] = []
        recompose = footer.recompose

        gate_held: list[bool] = []

        async def counted() -> None:
            layouts.append(app.stations.table.display)
            gate_held.append(FRAME_GATE.closed)  # no parse beside the keys' layout
            await recompose()

        footer.recompose = counted  # type: ignore[method-assign]
        await settle(app, pilot)
        await pilot.pause()
        assert layouts == [True]  # once, with the table shown
        assert gate_held == [True]
        assert not FRAME_GATE.closed  # released after the keys' frame
        assert any("Open" in str(key.render()) for key in footer.children)
        app.stations.refresh_bindings()  # the same keys
        app.action_refresh()
        await settle(app, pilot)
        await pilot.pause()
        assert layouts and all(layouts)
        await pilot.press("slash")  # the filter's keys
        await pilot.pause()
        assert len(layouts) == 2


async def test_a_mode_change_replaces_cells_in_the_rows_the_table_has(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        table = app.stations.table
        rows_before = list(table.rows)
        added: list[object] = []
        add_row = table.add_row

        def counted_add_row(*cells: Any, **kwargs: Any) -> Any:
            added.append(kwargs.get("key"))
            return add_row(*cells, **kwargs)

        table.add_row = counted_add_row  # type: ignore[method-assign]
        await pilot.press("m")
        await settle(app, pilot)
        kept = min(len(rows_before), table.row_count)
        assert list(table.rows)[:kept] == rows_before[:kept]  # the same rows, new cells
        assert len(added) == table.row_count - kept  # rows only added past the old end
        assert [row.key for row in app.stations.displayed] == table.station_keys


async def test_the_first_table_is_ranked_on_the_data_thread(
    fav_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        ranked_on_loop: list[object] = []
        rows = FleetView.rows

        def counted_rows(view: FleetView, query: Any) -> Any:
            ranked_on_loop.append(query)
            return rows(view, query)

        monkeypatch.setattr(FleetView, "rows", counted_rows)
        await settle(app, pilot)
        assert app.stations.table.row_count > 0
        assert ranked_on_loop == []
        await pilot.press("m")  # another question: ranked where it is asked
        await settle(app, pilot)
        assert len(ranked_on_loop) == 1


_FIRST_PAINT = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from ui_support import FakeSystem, make_app, settle

async def main():
    app = make_app(FakeSystem(), favourites_path=__import__("pathlib").Path(sys.argv[2]))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        assert app.stations.table.row_count > 0
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("bikefinder."))))

asyncio.run(main())
"""

#: Opened only by a key: none of these is imported before the first table.
NOT_BEFORE_A_KEY = (
    "bikefinder.ui.commands",
    "bikefinder.ui.screens.alerts",
    "bikefinder.ui.screens.destination",
    "bikefinder.ui.screens.details",
    "bikefinder.ui.screens.keys",
    "bikefinder.ui.screens.system_picker",
    "bikefinder.ui.screens.trip_details",
    "bikefinder.ui.screens.trips",
    "bikefinder.ui.screens.watch_dialog",
)

#: Needed only for trips, printed output, prices or alerts: a list without them (the fake
#: system has none) does not import them before its first table.
NOT_FOR_A_PLAIN_LIST = (
    "bikefinder.rider.trips",
    "bikefinder.rider.trip_output",
    "bikefinder.rider.output",
    "bikefinder.feeds.pricing",
    "bikefinder.feeds.system_alerts",
    "bikefinder.ui.trip_words",
)


def test_the_first_table_imports_no_screen_opened_by_a_key(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_PAINT, str(TESTS), str(tmp_path / "favourites.json")],
        capture_output=True, text=True, check=True, timeout=110,
    )  # fmt: skip
    imported = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "bikefinder.ui.screens.stations" in imported
    assert imported.isdisjoint(NOT_BEFORE_A_KEY), imported & set(NOT_BEFORE_A_KEY)
    assert imported.isdisjoint(NOT_FOR_A_PLAIN_LIST), imported & set(NOT_FOR_A_PLAIN_LIST)


async def test_the_header_ranks_the_nearest_row_once_per_scene(
    fav_path: Path, monkeypatch: Any
) -> None:
    from bikefinder.rider.scene import Scene

    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        asked: list[object] = []
        rows = Scene.rows

        def counted_rows(scene: Scene, query: Any, **kwargs: Any) -> Any:
            asked.append(query)
            return rows(scene, query, **kwargs)

        monkeypatch.setattr(Scene, "rows", counted_rows)
        for _ in range(3):
            app.stations.update_header()
        assert asked == []  # found with the scene, on the data thread


def layouts_asked(widget: Any) -> list[bool]:
    """Whether each of ``widget``'s refreshes from now on asks for a layout."""
    layouts: list[bool] = []
    refresh = widget.refresh

    def counted(*regions: Any, layout: bool = False, **kwargs: Any) -> Any:
        layouts.append(layout)
        return refresh(*regions, layout=layout, **kwargs)

    widget.refresh = counted
    return layouts


async def test_the_header_lays_the_screen_out_again_only_when_its_height_changes(
    fav_path: Path,
) -> None:
    from bikefinder.ui.widgets.status_bar import HeaderState

    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        header = app.stations.status_bar
        layouts = layouts_asked(header)
        await pilot.press("m")  # another mode: the same two lines
        await settle(app, pilot)
        assert layouts and not any(layouts)
        state: HeaderState = app.header_state()
        layouts.clear()
        header.show(replace(state, problem="Refresh failed " * 30))  # more lines
        assert layouts and all(layouts)
        assert header.styles.height is not None and header.styles.height.value > 2


async def test_typing_in_the_filter_does_not_lay_the_screen_out_again(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await settle(app, pilot)
        bar = app.stations.filter_bar
        layouts = layouts_asked(bar)
        for character in "al":  # stations still match: only the rows change
            await pilot.press(character)
        await settle(app, pilot)
        assert layouts and not any(layouts)
        assert app.stations.table.row_count
        for character in "abcdefghij" * 8:  # longer than the bar: it scrolls
            await pilot.press(character)
        await settle(app, pilot)
        assert bar.scroll_x > 0
        line = "".join(segment.text for segment in bar.render_line(0))
        assert line.rstrip().endswith("hij")  # the end typed, where the cursor is


async def test_the_same_header_is_not_drawn_again_every_second(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        header = app.stations.status_bar
        drawn: list[object] = []
        update = header.update

        def counted(*args: Any, **kwargs: Any) -> None:
            drawn.append(args)
            update(*args, **kwargs)

        header.update = counted  # type: ignore[method-assign]
        state = app.header_state()
        header.show(state)
        drawn.clear()
        header.show(state)
        assert drawn == []  # what it shows already
        header.show(replace(state, detail="something else"))
        assert len(drawn) == 1
