"""Opening the app from the command line: the same systems ``--once`` would load."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec.structs import replace

from bikefinder.fleet.choice import choose, selection_of
from bikefinder.fleet.destination import Destination, point_label
from bikefinder.fleet.fleet import Fleet
from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.modes import Mode, mode_named
from bikefinder.rider.speeds import Speeds
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
    first_run = _asks_for_nothing(options)
    choice = choose(replace(options, demo=True) if first_run else options, saved)
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
        speeds=Speeds(options.walking_speed_kmh, options.riding_speed_kmh, options.ebike_speed_kmh),
        destination=_destination(options),
        trip_limit=options.limit,
        first_run=first_run,
        notes=choice.notes,
    )
    app.view.units_choice = options.units  # None: the lead system's country decides
    app.view.near_label = options.near_label if choice.near_note is None else None
    return app


def _asks_for_nothing(options: Options) -> bool:
    """A bare ``bikefinder`` (no point, no system, no demo, no favourites, none in
    config.toml): the app opens the system picker over the demo, rather than refusing."""
    return (
        options.near is None
        and options.system is None
        and not options.systems
        and not options.demo
        and not options.favorites
        and options.to is None
    )


def _destination(options: Options) -> Destination | None:
    """``--to``: where the trip list goes, named as the rider typed it."""
    if options.to is None:
        return None
    return Destination(options.to, options.to_label or point_label(options.to))
