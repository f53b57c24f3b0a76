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


async def test_the_app_says_which_station_stands_in_for_a_place_it_could_not_look_up(
    monkeypatch: Any,
) -> None:
    """Offline, ``--near "gare de LYON"`` is the demo's station of that name: the app says
    so, as a note on screen (a stderr line would be hidden behind the app)."""
    from bikefinder.cli.main import parse_options
    from bikefinder.ui.start import build_app

    monkeypatch.setenv("BIKEFINDER_NOMINATIM_URL", "http://127.0.0.1:9")
    options = parse_options(["--demo", "--near", "gare de LYON"])
    note = str(*options.place_notes)
    assert note.startswith("--near 'gare de LYON' could not be looked up; using the station")
    app = build_app(options)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        notes = [n.message for n in app._notifications if n.title == "Note"]
        assert note in notes
