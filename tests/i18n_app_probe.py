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


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe())))
