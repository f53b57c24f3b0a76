"""Where a trip goes, from what the rider typed: ``LAT,LON``, a name from config.toml's
``[places]``, a favourite, or a station of the systems shown; else a place to look up.

The app's "trip to" dialog resolves here, without the network first (a typed point, a
place, a favourite and a station answer at once); only a name none of them knows goes
to the geocoder (:func:`look_up_destination`, which blocks: run it off the event loop).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from bikefinder.common.errors import UsageError
from bikefinder.common.i18n import N_
from bikefinder.common.text import clean, fold
from bikefinder.fleet.view import FleetView
from bikefinder.rider.favourites import favourites_url
from bikefinder.rider.rows import Kind, RowKey
from bikefinder.rider.scene import Query

#: What the dialog says when nothing was typed (marked for translation: the app says it
#: in the rider's language; this English text is also the error's).
HOW_TO_SAY = N_("type a place from [places], a favourite, a station's name or LAT,LON")


class Destination(msgspec.Struct, frozen=True):
    """A trip's end: the point, and how the rider named it."""

    point: tuple[float, float]
    label: str


def point_label(point: tuple[float, float]) -> str:
    return f"{point[0]:.5f},{point[1]:.5f}"


def configured_places() -> dict[str, str]:
    """config.toml's ``[places]`` (none when the file cannot be read: the command line
    already said why)."""
    from bikefinder.systems.config import load_config

    try:
        return load_config().places
    except UsageError:
        return {}


def resolve_destination(
    text: str, view: FleetView, places: Mapping[str, str] | None = None
) -> Destination | None:
    """The destination ``text`` names without the network, or ``None`` when only the
    geocoder might know it. Raises :class:`UsageError` for a malformed ``LAT,LON`` or
    a favourite whose system is not shown."""
    from bikefinder.systems.geocode import is_place_name

    typed = " ".join(text.split())
    if not typed:
        raise UsageError(HOW_TO_SAY)
    if not is_place_name(typed):
        return _point(typed, typed)
    places = configured_places() if places is None else places
    wanted = fold(typed)
    for name, value in places.items():
        if fold(name) == wanted:
            if not is_place_name(value):
                return _point(value, name)
            typed = value  # a place name under another name: looked up below
            wanted = fold(value)
            break
    found = _favourite(wanted, view) or _station(typed, view)
    return found


def look_up_destination(text: str) -> Destination:
    """A place by name, through the geocoder (cached; blocks: one request at most).
    Raises :class:`UsageError` when it cannot be found or looked up."""
    from bikefinder.systems.geocode import default_cache_path, geocode_place

    place = geocode_place(text, cache_path=default_cache_path())
    return Destination(place.point, " ".join(text.split()))


def _point(value: str, label: str) -> Destination:
    from bikefinder.systems.points import parse_point

    try:
        return Destination(parse_point(value), label)
    except UsageError as exc:
        raise UsageError(str(exc).replace("--near", "the destination")) from None


def _favourite(wanted: str, view: FleetView) -> Destination | None:
    """A favourite named ``wanted`` (folded), at its station's position if its system
    is shown."""
    for favourite in view.favourites.all():
        if fold(favourite.name) != wanted:
            continue
        url = favourites_url(favourite.gbfs_url)
        system = next((s for s in view.fleet.enabled if favourites_url(s.url) == url), None)
        found = None
        if system is not None and view.scene is not None:
            key = RowKey(Kind.STATION, system.system_id, favourite.station_id)
            found = view.scene.station(key)
        if found is None:
            raise UsageError(
                f"{clean(favourite.name, 60)} is a favourite of "
                f"{clean(favourite.system_name, 60)}, which is not shown (s adds it)"
            )
        info = found[1].info
        return Destination((info.lat, info.lon), clean(favourite.name, 60))
    return None


def _station(typed: str, view: FleetView) -> Destination | None:
    """The station whose name holds ``typed`` nearest the point, in the systems shown."""
    if view.scene is None:
        return None
    rows = view.rows(Query(view.near, name_query=typed, limit=5))
    for row in rows:
        if row.station is not None:
            info = row.station.info
            return Destination((info.lat, info.lon), clean(info.name, 60))
    return None
