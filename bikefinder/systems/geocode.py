"""``--near "Gare de Lyon, Paris"``: a place or address turned into coordinates.

Uses geopy's Nominatim (OpenStreetMap) with bikefinder's own user agent, as its usage
policy asks, one request per lookup, and caches every answer in the user cache dir so a
place is looked up once. geopy is imported only when a lookup actually goes out. geopy
builds the query and reads the answer; the request itself goes through the feeds' fetch
policy (:class:`~bikefinder.feeds.http.FeedFetcher`): a size cap after every decoding
layer, one overall deadline, redirects checked hop by hop. Any answer that cannot be
read is a failed lookup (so the caller's offline fallback is tried), never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import msgspec

from bikefinder import __version__
from bikefinder.common.errors import UsageError, first_line
from bikefinder.common.files import read_json, write_atomic

USER_AGENT = f"bikefinder/{__version__}"
GEOCODE_CACHE_FILE = "geocode.json"
#: The whole lookup (connection, redirects, every byte of the answer) ends within this.
TIMEOUT_S = 10.0
#: A Nominatim answer for one place is a few kB.
MAX_ANSWER_BYTES = 2**20
MAX_CACHED = 500
#: 500 places take ~60 kB; a file far larger is not one this module wrote.
MAX_CACHE_BYTES = 4 * 1024 * 1024


class Geocoder(Protocol):
    """What bikefinder needs of a geopy geocoder (tests pass a fake)."""

    def geocode(self, query: str, *, exactly_one: bool = ..., timeout: float = ...) -> Any: ...


class Place(msgspec.Struct, frozen=True):
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

    geocoder: Geocoder  # geopy is untyped: this says what bikefinder relies on
    adapter = _policy_adapter()
    override = urlsplit(os.environ.get("BIKEFINDER_NOMINATIM_URL", ""))
    if override.scheme in ("http", "https") and override.netloc:
        geocoder = Nominatim(
            user_agent=USER_AGENT,
            timeout=TIMEOUT_S,
            domain=override.netloc + override.path.rstrip("/"),
            scheme=override.scheme,
            adapter_factory=adapter,
        )
    else:
        geocoder = Nominatim(user_agent=USER_AGENT, timeout=TIMEOUT_S, adapter_factory=adapter)
    return geocoder


def _policy_adapter() -> Any:
    """A geopy adapter class whose requests go through the fetch policy."""
    from geopy.adapters import BaseSyncAdapter
    from geopy.exc import GeocoderParseError, GeocoderServiceError, GeocoderTimedOut

    class PolicyAdapter(BaseSyncAdapter):  # type: ignore[misc]  # geopy is untyped
        def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
            text = self.get_text(url, timeout=timeout, headers=headers)
            try:
                return json.loads(text)
            except (ValueError, RecursionError):
                raise GeocoderParseError("the answer is not JSON") from None

        def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
            from bikefinder.common.errors import FeedError

            try:
                body = fetch_answer(url, headers)
            except FeedError as exc:
                if exc.cause.startswith("timed out"):
                    raise GeocoderTimedOut(exc.cause) from None
                raise GeocoderServiceError(exc.cause) from None
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError:
                raise GeocoderParseError("the answer is not UTF-8 text") from None

    return PolicyAdapter


def fetch_answer(url: str, headers: Mapping[str, str]) -> bytes:
    """GET ``url`` through the fetch policy within :data:`TIMEOUT_S` (or the deadline
    ``$BIKEFINDER_HTTP_TIMEOUT`` sets, if shorter); raises
    :class:`~bikefinder.common.errors.FeedError`. Runs its own event loop on a worker
    thread, so it works whether or not the caller's thread runs one."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bikefinder.feeds.http import (
        DEADLINE_TIMEOUTS,
        FeedFetcher,
        http_timeout_s,
        make_http_client,
        origin_of,
    )

    deadline_s = min(TIMEOUT_S, DEADLINE_TIMEOUTS * http_timeout_s())

    async def fetch() -> bytes:
        async with make_http_client() as http:
            fetcher = FeedFetcher(
                http,
                "geocoder",
                MAX_ANSWER_BYTES,
                origin_headers=headers,
                origins=frozenset({origin_of(url)}),
                deadline_s=deadline_s,
            )
            fetched = await fetcher.fetch("search", url)
            assert fetched is not None  # only an optional fetch answers None
            return fetched.body

    with ThreadPoolExecutor(1, thread_name_prefix="geocode") as pool:
        return pool.submit(asyncio.run, fetch()).result()


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
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        # geopy reading an answer it does not expect ("lat": "abc", "95", [1], a string)
        raise GeocodeError(
            f"--near: cannot look up {text!r}: the geocoding service's answer could not be read"
        ) from None
    if location is None:
        raise PlaceNotFoundError(f"--near: no place found for {text!r}; try LAT,LON")
    point = _point(getattr(location, "latitude", None), getattr(location, "longitude", None))
    if point is None:
        raise GeocodeError(f"--near: cannot look up {text!r}: the service returned no coordinates")
    address = getattr(location, "address", None)
    return Place(*point, address if isinstance(address, str) else text)


def _point(lat: object, lon: object) -> tuple[float, float] | None:
    """``(lat, lon)`` as floats if both are finite numbers (not booleans) on the globe."""
    if isinstance(lat, bool) or isinstance(lon, bool):
        return None
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    valid = math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
    return (float(lat), float(lon)) if valid else None


def _cached_place(record: Any) -> Place | None:
    point = _point(record.get("lat"), record.get("lon")) if isinstance(record, Mapping) else None
    if point is None:
        return None
    return Place(*point, str(record.get("address") or ""))


def _read_cache(path: Path) -> dict[str, Any]:
    """The cache, or empty if missing or damaged (it only saves a request)."""
    try:
        doc = read_json(path, MAX_CACHE_BYTES)
    except (OSError, ValueError):  # missing, not a file, too large, not JSON, too deep
        return {}
    places = doc.get("places") if isinstance(doc, Mapping) else None
    return dict(places) if isinstance(places, Mapping) else {}


def _write_cache(path: Path, places: Mapping[str, Any]) -> None:
    kept = dict(list(places.items())[-MAX_CACHED:])
    # A cache that cannot be written only costs a lookup next time.
    with contextlib.suppress(OSError):
        write_atomic(path, json.dumps({"places": kept}, ensure_ascii=False).encode(), durable=False)


def default_cache_path() -> Path:
    from bikefinder.common.paths import cache_dir

    return cache_dir() / GEOCODE_CACHE_FILE


# --------------------------------------------------------------- station names as places

#: How a station name matches a place name, best first: the same name, the name starts
#: with it, it is a phrase inside the name, every word of it is a word of the name.
SAME, PREFIX, PHRASE, WORDS = range(4)


class StationPlace(msgspec.Struct, frozen=True):
    """A place found as a station name in data already on this machine."""

    lat: float
    lon: float
    station: str
    system: str
    #: How many stations of that system match equally well (the point is the one
    #: nearest their centre: "Gare de Lyon" has four Vélib' stations around it).
    matches: int

    @property
    def point(self) -> tuple[float, float]:
        return (self.lat, self.lon)


def match_score(name: str, query: str) -> int | None:
    """How well the folded station ``name`` matches the folded ``query`` (see
    :data:`SAME` ...), or ``None`` when it does not."""
    if not query or not name:
        return None
    if name == query:
        return SAME
    if name.startswith(query + " "):
        return PREFIX
    if f" {query} " in f" {name} ":
        return PHRASE
    words = set(name.split())
    return WORDS if all(word in words for word in query.split()) else None


def query_variants(query: str) -> list[str]:
    """Folded forms of a place to look for among station names: the whole text, then the
    part before its first comma ("Gare de Lyon, Paris" -> "gare de lyon")."""
    from bikefinder.common.text import fold

    variants = []
    for text in (query, query.split(",", 1)[0]):
        folded = fold(text)
        if folded and folded not in variants:
            variants.append(folded)
    return variants


#: One system's stations to search: its name, then (station name, lat, lon) triples.
StationSource = tuple[str, list[tuple[str, float, float]]]


def station_place(query: str, sources: Iterable[StationSource]) -> StationPlace | None:
    """The station whose name best matches ``query`` (accents, case and punctuation
    ignored, the one :func:`~bikefinder.common.text.fold` rule), or ``None``.

    Among the best-matching stations, the system with most of them wins (ties: the
    earlier source); the point is that system's matching station nearest their centre.
    """
    from bikefinder.common.text import fold

    listed = list(sources)
    for variant in query_variants(query):
        found: list[tuple[int, int, tuple[str, float, float]]] = []
        for position, (_, stations) in enumerate(listed):
            for station in stations:
                score = match_score(fold(station[0]), variant)
                if score is not None:
                    found.append((score, position, station))
        if not found:
            continue
        best = min(score for score, _, _ in found)
        groups: dict[int, list[tuple[str, float, float]]] = {}
        for score, position, station in found:
            if score == best:
                groups.setdefault(position, []).append(station)
        position = max(groups, key=lambda key: (len(groups[key]), -key))
        group = groups[position]
        lat = sum(station[1] for station in group) / len(group)
        lon = sum(station[2] for station in group) / len(group)
        squeeze = math.cos(math.radians(lat)) ** 2
        name, s_lat, s_lon = min(
            group, key=lambda s: ((s[1] - lat) ** 2 + squeeze * (s[2] - lon) ** 2, s[0])
        )
        return StationPlace(s_lat, s_lon, name, listed[position][0], len(group))
    return None


def demo_stations() -> StationSource:
    """The bundled demo snapshot's stations (Vélib' Métropole)."""
    from importlib import resources

    from bikefinder.feeds.demo import DEMO_GBFS_URL, DEMO_LABEL

    folder = resources.files("bikefinder.data").joinpath("demo", "velib")
    body = folder.joinpath("station_information.json").read_bytes()
    return f"Vélib' Métropole, {DEMO_LABEL}", _station_triples(body, DEMO_GBFS_URL) or []


def cached_stations(gbfs_url: str) -> StationSource | None:
    """A system's stations from the feed cache (no network), or ``None`` if not cached."""
    from bikefinder.feeds.cache import FeedCache

    cache = FeedCache(gbfs_url)
    entry = cache.get("station_information")
    if entry is None:
        return None
    stations = _station_triples(entry.body, entry.url)
    if stations is None:
        return None
    return f"{_cached_system_name(cache, gbfs_url)}, cached data", stations


def all_cached_stations(first: str | None = None) -> list[StationSource]:
    """Every cached system's stations, ``first`` (a gbfs.json URL) first, then the most
    recently fetched; systems whose cache is unreadable are skipped."""
    from bikefinder.common.paths import cache_dir
    from bikefinder.feeds.cache import system_cache_dir

    urls: list[tuple[float, str]] = []
    with contextlib.suppress(OSError):
        for folder in (cache_dir() / "feeds").iterdir():
            meta = folder / "gbfs.json.meta.json"
            try:
                url = read_json(meta, 64 * 1024).get("url")
                fetched = meta.stat().st_mtime
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(url, str) and system_cache_dir(url) == folder and url != first:
                urls.append((fetched, url))
    ordered = ([first] if first else []) + [url for _, url in sorted(urls, reverse=True)]
    sources = []
    for url in ordered:
        source = cached_stations(url)
        if source is not None:
            sources.append(source)
    return sources


def _station_triples(body: bytes, url: str) -> list[tuple[str, float, float]] | None:
    from bikefinder.common.errors import BikefinderError
    from bikefinder.feeds import station_feeds

    try:
        feed = station_feeds.decode_station_information(body, url)
    except (BikefinderError, ValueError):
        return None
    return [(info.name, info.lat, info.lon) for info in feed.stations if info.name]


def _cached_system_name(cache: Any, gbfs_url: str) -> str:
    from bikefinder.common.errors import BikefinderError
    from bikefinder.common.text import clean
    from bikefinder.feeds import gbfs

    entry = cache.get("system_information")
    if entry is not None:
        try:
            doc = gbfs.decode_document(entry.body, "system_information")
            name = gbfs.parse_system_information(doc, entry.url).name
        except (BikefinderError, ValueError):
            name = None
        if name:
            return clean(name, 60)
    parts = urlsplit(gbfs_url)
    return parts.hostname or gbfs_url
