"""The validated command line, as every command (the app, ``--once``, the catalog
commands) receives it. Its own module so that no command imports the parser above it."""

from __future__ import annotations

import msgspec

from bikefinder.common.phrases import Phrase
from bikefinder.common.units import Units


class Options(msgspec.Struct, frozen=True):
    """The validated command line."""

    near: tuple[float, float] | None
    system: str | None
    #: ``None``: the app fills the screen; printed outputs list DEFAULT_LIMIT.
    limit: int | None
    language: str | None
    client_id: str | None
    once: bool
    output_format: str
    refresh_s: float | None
    demo: bool
    favorites: bool = False
    watch_s: float | None = None
    list_systems: str | None = None
    update_catalog: bool = False
    notify_command: str | None = None
    debug: bool = False
    #: Every ``--system`` given, in order (``system`` is the first).
    systems: tuple[str, ...] = ()
    #: ``--max-systems N``: how many systems covering ``--near`` load together (None: 6).
    max_systems: int | None = None
    #: ``--vehicles none|bikes|all`` (``None``: not given; the mixed list uses bikes).
    vehicles: str | None = None
    #: ``--mode bike|ebike|dock`` (``None``: any bike).
    mode: str | None = None
    #: ``--min N``: hide stations with fewer than N of what the mode wants.
    min_count: int | None = None
    #: config.toml's ``max_feed_mb``: the cap on one feed answer, in bytes.
    max_feed_bytes: int = 64 * 2**20
    #: config.toml's ``walking_speed_kmh``: the pace of every walking time shown.
    walking_speed_kmh: float = 4.8
    #: config.toml's ``riding_speed_kmh`` and ``ebike_speed_kmh``: a trip's riding speeds.
    riding_speed_kmh: float = 15.0
    ebike_speed_kmh: float = 18.0
    #: ``--to``: where a trip goes (``None``: not a trip).
    to: tuple[float, float] | None = None
    #: ``--to`` as given ("work", "48.86,2.36"): how the trip list names the destination.
    to_label: str | None = None
    #: ``--near`` as given when it names a place ("home", "Gare de Lyon"): how the
    #: header names the point (``None``: coordinates, or no ``--near``).
    near_label: str | None = None
    #: ``--units`` or config.toml's ``units`` (``None``: auto, the system's country's).
    units: Units | None = None
    #: How names given for ``--near`` / ``--to`` were resolved when not as asked ("using
    #: the station ..."): said in the app and by the printed commands.
    place_notes: tuple[str | Phrase, ...] = ()
