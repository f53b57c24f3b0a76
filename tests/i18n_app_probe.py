"""Run by tests/test_i18n.py in a fresh interpreter (not a test module): the app as
``bikefinder --demo`` starts it, in the language the environment and config.toml choose,
driven at 60x20; prints what a rider sees as one JSON document on stdout.

A fresh process because the language is chosen once at start-up, before the UI's
modules are imported (the footer's key descriptions are translated as they are defined).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bikefinder.cli import main as cli_main


async def probe() -> dict[str, Any]:
    cli_main._choose_ui_language()  # what `bikefinder` does before opening the app
    from textual.widgets import DataTable
    from textual.widgets._footer import FooterKey

    from bikefinder.common.i18n import current_language
    from bikefinder.ui.screens.keys import KeysScreen
    from bikefinder.ui.screens.stations import StationsScreen
    from bikefinder.ui.screens.trips import TripsScreen
    from bikefinder.ui.start import build_app

    app = build_app(cli_main.parse_options(["--demo", "--near", "48.8566,2.3522"]))
    found: dict[str, Any] = {"language": current_language()}

    def footer() -> list[dict[str, Any]]:
        return [
            {"key": key.key_display, "description": key.description,
             "left": key.region.x, "right": key.region.right, "width": key.region.width}
            for key in app.screen.query(FooterKey)
        ]  # fmt: skip

    async with app.run_test(size=(60, 20)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            screen = app.screen
            if isinstance(screen, StationsScreen) and screen.table.row_count:
                break
        await pilot.pause(0.2)
        found["list_screen"] = type(app.screen).__name__
        found["list_footer"] = footer()
        await pilot.press("enter")
        await pilot.pause(0.2)
        found["details_screen"] = type(app.screen).__name__
        found["details_footer"] = footer()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysScreen)
        dialog = app.screen.query_one("#keys-dialog")
        found["keys_title"] = str(dialog.border_title)
        found["keys_region"] = [dialog.region.x, dialog.region.y,
                                dialog.region.right, dialog.region.bottom]  # fmt: skip
        body = app.screen.query_one("#keys-body")
        found["keys_body_width"] = body.region.width
        found["keys_footer"] = footer()
        await pilot.press("escape")
        await pilot.press("t")
        await pilot.pause()
        for character in "48.87,2.34":
            await pilot.press(character)
        await pilot.press("enter")
        for _ in range(100):
            await pilot.pause(0.05)
            screen = app.screen
            if isinstance(screen, TripsScreen) and screen.plan is not None:
                break
        trips = app.screen
        assert isinstance(trips, TripsScreen)
        found["trip_header"] = str(trips.header.render())
        table = trips.query_one("#trips", DataTable)
        found["trip_columns"] = [str(column.label) for column in table.columns.values()]
        found["trip_rows"] = table.row_count
        found["trip_note"] = str(trips.note.render())
        found["trip_footer"] = footer()
    return found


def screen_lines(app: Any) -> list[str]:
    """The rendered screen, one string per terminal line (from the SVG export: text runs
    are placed by their x, 12.2 px a cell)."""
    import html
    import re

    svg = app.export_screenshot()
    width = app.size.width
    lines: dict[int, list[str]] = {}
    pattern = r'<text[^>]* x="([\d.]+)"[^>]*clip-path="url\(#[\w-]*-line-(\d+)\)"[^>]*>(.*?)</text>'
    for match in re.finditer(pattern, svg):
        x, line, text = match.groups()
        cells = lines.setdefault(int(line), [" "] * width)
        column = round(float(x) / 12.2)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            if column + offset < width:
                cells[column + offset] = char
    return ["".join(lines.get(i, [])).rstrip() for i in range(max(lines, default=-1) + 1)]


async def tour(width: int, height: int) -> dict[str, Any]:
    """The mixed scene (nextbike Linz with an alert, and a free-floating operator with
    e-bikes and a scooter) at ``width`` x ``height``: every main screen's text."""
    cli_main._choose_ui_language()
    import sys
    from datetime import UTC
    from pathlib import Path
    from tempfile import TemporaryDirectory

    sys.path.insert(0, str(Path(__file__).parent))
    from mixed_scene import LINZ, linz_station_ids, mixed_sources
    from ui_support import FakeClock

    from bikefinder.common.i18n import current_language
    from bikefinder.rider.favourites import FavouritesStore
    from bikefinder.rider.rows import Kind
    from bikefinder.ui.app import BikefinderApp
    from bikefinder.ui.screens.trips import TripsScreen

    found: dict[str, Any] = {"language": current_language(), "screens": {}}
    screens: dict[str, list[str]] = found["screens"]
    with TemporaryDirectory() as folder:
        clock = FakeClock()
        sources = mixed_sources(clock.now)
        app = BikefinderApp(sources[0], LINZ, FavouritesStore(Path(folder) / "favourites.json"),
                            clock=clock, local_tz=UTC, more_sources=sources[1:])  # fmt: skip
        async with app.run_test(size=(width, height)) as pilot:

            async def settle() -> None:
                for _ in range(5):
                    await app.workers.wait_for_complete()
                    await pilot.pause()

            for _ in range(100):
                await settle()
                scene = app.scene
                if scene is not None and len(scene.indexes) == 2 and app.stations.table.row_count:
                    break
                await pilot.pause(0.05)
            table = app.stations.table
            keys = table.station_keys
            table.move_cursor(row=0)
            await settle()
            screens["list"] = screen_lines(app)
            alerted = linz_station_ids()[0]
            station_row = next(i for i, key in enumerate(keys) if key.item_id == alerted)
            vehicle_row = next(i for i, key in enumerate(keys) if key.kind is Kind.VEHICLE)
            found["kinds"] = sorted({key.kind.value for key in keys})
            table.move_cursor(row=station_row)
            await settle()
            screens["list_at_station"] = screen_lines(app)
            await pilot.press("enter")
            await settle()
            screens["details"] = screen_lines(app)
            await pilot.press("escape")
            table.move_cursor(row=vehicle_row)
            await settle()
            await pilot.press("enter")
            await settle()
            screens["vehicle_details"] = screen_lines(app)
            await pilot.press("escape")
            table.move_cursor(row=station_row)
            await settle()
            await pilot.press("a")
            await settle()
            screens["watch_dialog"] = screen_lines(app)
            await pilot.press("escape")
            await settle()
            await pilot.press("exclamation_mark")
            await settle()
            screens["alerts"] = screen_lines(app)
            await pilot.press("escape")
            await pilot.press("question_mark")
            await settle()
            screens["keys"] = screen_lines(app)
            await pilot.press("escape")
            await pilot.press("M")
            await settle()
            screens["map"] = screen_lines(app)
            await pilot.press("M")
            await pilot.press("m")
            await pilot.press("m")  # free docks
            await settle()
            screens["list_docks"] = screen_lines(app)
            await pilot.press("m")
            await pilot.press("t")
            await settle()
            for character in f"{LINZ[0] + 0.01:.4f},{LINZ[1]:.4f}":
                await pilot.press(character)
            await pilot.press("enter")
            for _ in range(100):
                await settle()
                if isinstance(app.screen, TripsScreen) and app.screen.plan is not None:
                    break
            screens["trips"] = screen_lines(app)
            await pilot.press("enter")
            await settle()
            screens["trip_details"] = screen_lines(app)
    return found


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["tour"]:
        print(json.dumps(asyncio.run(tour(int(sys.argv[2]), int(sys.argv[3])))))
        sys.exit(0)
    print(json.dumps(asyncio.run(probe())))
