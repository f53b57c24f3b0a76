"""Opening the app from the command line: the same systems ``--once`` would load."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bikefinder.fleet.choice import choose, selection_of
from bikefinder.fleet.fleet import Fleet
from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.modes import Mode
from bikefinder.rider.output import mode_named
from bikefinder.ui.app import BikefinderApp

if TYPE_CHECKING:
    from bikefinder.options import Options


def run_app(options: Options) -> int:
    """Open the app for the command line's options; returns the exit status."""
    app = build_app(options)
    app.run()
    return app.return_code or 0


def build_app(options: Options) -> BikefinderApp:
    """The app on the systems the command line asks for (the choice ``--once`` makes);
    ``bikefinder --favorites`` opens on the favourites of every system they are in."""
    favourites = FavouritesStore()
    saved = favourites.load() if options.favorites else []
    choice = choose(options, saved)
    first, *more = choice.sources
    assert choice.near is not None
    app = BikefinderApp(
        first,
        choice.near,
        favourites,
        more_sources=more,
        limit=options.limit,
        language=options.language,
        client_id=options.client_id,
        refresh_s=options.refresh_s,
        cache=Fleet().default_cache(first),
        near_note=choice.near_note,
        notify_command=options.notify_command,
        vehicles=selection_of(options),
        walking_speed_kmh=options.walking_speed_kmh,
        favourites_view=options.favorites,
        max_feed_bytes=options.max_feed_bytes,
        mode=mode_named(options.mode) or Mode.ANY_BIKE,
        minimum=options.min_count,
    )
    app.view.units_choice = options.units  # None: the lead system's country decides
    return app
