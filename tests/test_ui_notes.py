"""What the app's list leaves out (parking zones, a system without bicycles, systems
passed over when choosing) is said once, as --once says it in its notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ui_support import settle

from bikefinder.ui.app import BikefinderApp


async def test_the_app_says_once_what_the_list_leaves_out(feed_server: Any, fav_path: Path) -> None:
    """Parking zones are not stations to walk to: the app says so once, as --once does."""
    from bikefinder.rider.favourites import FavouritesStore
    from bikefinder.systems.source import SystemSource

    url = feed_server.serve_fixture("mobilitydata_fixtures_v3.0")
    app = BikefinderApp(SystemSource(gbfs_url=url), (45.5, -73.56), FavouritesStore(fav_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        notes = [n.message for n in app._notifications if n.title == "Note"]
        assert any("parking zones not listed as stations" in note for note in notes)
        app.action_refresh()
        await settle(app, pilot)
        again = [n.message for n in app._notifications if n.title == "Note"]
        assert len(again) == len(notes)
