"""Keys typed fast are never lost: what follows a key that opens a dialog goes to it,
even when it reaches the list before the dialog has the keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events
from ui_support import GBFS_URL, FakeSystem, make_app, move_to, settle

from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.watches import Watch, WatchKind
from bikefinder.ui.app import BikefinderApp


async def type_at_once(app: BikefinderApp, pilot: Any, *keys: str) -> None:
    """Every key queued before any is handled, as a terminal delivers fast typing."""
    for key in keys:
        character = key if len(key) == 1 else None
        app.post_message(events.Key(key, character))
    for _ in range(5):
        await settle(app, pilot)
        await pilot.pause(0.05)


async def test_a_then_a_threshold_typed_at_once_sets_that_threshold(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        move_to(app, "s2")
        await type_at_once(app, pilot, "a", "backspace", "5", "0", "enter")
        saved = FavouritesStore(fav_path).get(GBFS_URL, "s2")
        assert saved is not None and saved.watch == Watch(WatchKind.BIKES, 50)


async def test_t_then_a_destination_typed_at_once_opens_its_trips(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        await type_at_once(app, pilot, "t", *"golf", "enter")
        assert app.trips is not None and app.trips.label == "Golf"
