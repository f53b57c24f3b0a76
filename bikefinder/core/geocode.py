"""``--near "Gare de Lyon, Paris"``: a place or address turned into coordinates.

Uses geopy's Nominatim (OpenStreetMap) with bikefinder's own user agent, as its usage
policy asks, one request per lookup, and caches every answer in the user cache dir so a
place is looked up once. geopy is imported only when a lookup actually goes out.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from bikefinder import __version__
from bikefinder.core.errors import UsageError, first_line
from bikefinder.core.files import write_atomic

USER_AGENT = f"bikefinder/{__version__}"
GEOCODE_CACHE_FILE = "geocode.json"
TIMEOUT_S = 10.0
MAX_CACHED = 500


class Geocoder(Protocol):
    """What bikefinder needs of a geopy geocoder (tests pass a fake)."""

    def geocode(self, query: str, *, exactly_one: bool = ..., timeout: float = ...) -> Any: ...


@dataclass(frozen=True, slots=True)
class Place:
    """Where a place name points."""

    lat: float
    lon: float
    address: str

    @property
    def point(self) -> tuple[float, float]:
        return (self.lat, self.lon)


class GeocodeError(UsageError):
    """The geocoding service could not be reached or failed.

    Still exit 2: whatever the cause, ``--near`` as given could not be turned into a
    point, and the command line's contract is that ``--near abc`` is a usage error."""


class PlaceNotFoundError(UsageError):
    """The service answered but knows no such place (exit 2)."""


def is_place_name(text: str) -> bool:
    """Whether ``--near`` got a place rather than ``LAT,LON``: it has letters and is not
    two numbers (``nan,0`` and ``inf,2`` are bad coordinates, not places)."""
    parts = text.replace(";", ",").split(",")
    if len(parts) == 2 and all(_is_number(part) for part in parts):
        return False
    return any(char.isalpha() for char in text)


def _is_number(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def cache_key(query: str) -> str:
    return " ".join(query.casefold().split())


def geocode_place(
    query: str, *, geocoder: Geocoder | None = None, cache_path: Path | None = None
) -> Place:
    """The coordinates of ``query``, from the cache or one Nominatim request.

    Raises :class:`PlaceNotFoundError` (nothing found) or :class:`GeocodeError`
    (offline, timeout, service error).
    """
    text = " ".join(query.split())
    if not text:
        raise UsageError("--near needs LAT,LON or a place name")
    cache = _read_cache(cache_path) if cache_path else {}
    cached = _cached_place(cache.get(cache_key(text)))
    if cached is not None:
        return cached
    place = _lookup(text, geocoder or nominatim())
    if cache_path is not None:
        cache[cache_key(text)] = {"lat": place.lat, "lon": place.lon, "address": place.address}
        _write_cache(cache_path, cache)
    return place


def nominatim() -> Geocoder:
    """OpenStreetMap's Nominatim; ``BIKEFINDER_NOMINATIM_URL`` points it elsewhere
    (a self-hosted instance, or a local server in tests)."""
    from geopy.geocoders import Nominatim

    override = urlsplit(os.environ.get("BIKEFINDER_NOMINATIM_URL", ""))
    if override.scheme in ("http", "https") and override.netloc:
        return Nominatim(
            user_agent=USER_AGENT,
            timeout=TIMEOUT_S,
            domain=override.netloc + override.path.rstrip("/"),
            scheme=override.scheme,
        )
    return Nominatim(user_agent=USER_AGENT, timeout=TIMEOUT_S)


def _lookup(text: str, geocoder: Geocoder) -> Place:
    from geopy.exc import GeocoderServiceError, GeocoderTimedOut, GeopyError

    try:
        location = geocoder.geocode(text, exactly_one=True, timeout=TIMEOUT_S)
    except GeocoderTimedOut:
        raise GeocodeError(
            f"--near: cannot look up {text!r}: the geocoding service timed out"
        ) from None
    except GeocoderServiceError as exc:
        cause = first_line(exc)
        raise GeocodeError(
            f"--near: cannot look up {text!r}: geocoding service unreachable or failing ({cause}); "
            "give --near as LAT,LON instead"
        ) from None
    except (GeopyError, OSError) as exc:
        raise GeocodeError(f"--near: cannot look up {text!r}: {first_line(exc)}") from None
    if location is None:
        raise PlaceNotFoundError(f"--near: no place found for {text!r}; try LAT,LON")
    lat, lon = getattr(location, "latitude", None), getattr(location, "longitude", None)
    if not _valid(lat, lon):
        raise GeocodeError(f"--near: cannot look up {text!r}: the service returned no coordinates")
    address = getattr(location, "address", None)
    return Place(float(lat), float(lon), address if isinstance(address, str) else text)


def _valid(lat: Any, lon: Any) -> bool:
    if isinstance(lat, bool) or isinstance(lon, bool):
        return False
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return False
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def _cached_place(record: Any) -> Place | None:
    if not isinstance(record, Mapping) or not _valid(record.get("lat"), record.get("lon")):
        return None
    address = record.get("address")
    return Place(float(record["lat"]), float(record["lon"]), str(address or ""))


def _read_cache(path: Path) -> dict[str, Any]:
    """The cache, or empty if missing or damaged (it only saves a request)."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    places = doc.get("places") if isinstance(doc, Mapping) else None
    return dict(places) if isinstance(places, Mapping) else {}


def _write_cache(path: Path, places: Mapping[str, Any]) -> None:
    kept = dict(list(places.items())[-MAX_CACHED:])
    # A cache that cannot be written only costs a lookup next time.
    with contextlib.suppress(OSError):
        write_atomic(path, json.dumps({"places": kept}, ensure_ascii=False).encode(), durable=False)


def default_cache_path() -> Path:
    from bikefinder.core.paths import cache_dir

    return cache_dir() / GEOCODE_CACHE_FILE
