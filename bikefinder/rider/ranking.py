"""Haversine ranking: the nearest stations to a point.

A :class:`StationIndex` is built once per ``station_information`` load. A city's
stations are ranked in plain Python (a few ms, no numpy import at start-up); feeds of
50,000 stations and more are vectorised with numpy when it is installed (the optional ``fast``
extra), so the top 20 of 100,000 stations take a few milliseconds; without it, plain
Python ranks them in about 0.1 s, still far from the ~1 s of sorting by geopy's
``great_circle``.
"""

from __future__ import annotations

import heapq
import math
import os
import sys
from collections.abc import Sequence
from typing import Any, Protocol

from bikefinder.common.geo import EARTH_RADIUS_M, compass_point, haversine_m, initial_bearing_deg
from bikefinder.feeds.models import RankedStation, Station


def ranked_from(near: tuple[float, float], station: Station) -> RankedStation:
    """``station`` with its distance and direction from ``near`` (one station; a list is
    ranked by :class:`StationIndex`)."""
    lat, lon = near
    bearing = initial_bearing_deg(lat, lon, station.info.lat, station.info.lon)
    return RankedStation(
        station=station,
        distance_m=haversine_m(lat, lon, station.info.lat, station.info.lon),
        bearing_deg=bearing,
        bearing=compass_point(bearing),
    )


#: A point whose nearest station is further than this is outside the system.
FAR_FROM_POINT_M = 50_000.0
#: Below this many points plain Python ranks faster than numpy's import (~80 ms on a
#: small machine with one BLAS thread, more with a thread per core) plus vectorising:
#: on 2 cores, one build and query of 50,000 took 40-70 ms in Python against 80-110 ms
#: with numpy, and of 100,000, 90-130 ms against 80-110 ms.
NUMPY_THRESHOLD = 50_000


class StationIndex:
    """Stations plus their coordinates in radians, ready for repeated ranking.

    Ties in distance are broken by position in the feed, so the order is deterministic.
    Large feeds (``NUMPY_THRESHOLD`` stations and up) are ranked with numpy.
    """

    __slots__ = ("_coords", "stations")

    def __init__(self, stations: Sequence[Station]) -> None:
        self.stations: tuple[Station, ...] = tuple(stations)
        infos = [station.info for station in self.stations]
        lats = [info.lat for info in infos]  # degrees; each backend converts
        lons = [info.lon for info in infos]
        self._coords = coordinates_for(lats, lons)

    def __len__(self) -> int:
        return len(self.stations)

    def distances_m(self, lat: float, lon: float) -> Sequence[float]:
        """Haversine distance from (lat, lon) to every station, in metres."""
        return self._coords.distances_m(math.radians(lat), math.radians(lon))

    def nearest(
        self,
        lat: float,
        lon: float,
        limit: int | None = None,
        keep: Sequence[bool] | None = None,
    ) -> list[RankedStation]:
        """The ``limit`` nearest stations (all if ``None``), nearest first.

        ``keep`` is an optional mask choosing which stations may be ranked.
        """
        order, distances = self._coords.nearest(math.radians(lat), math.radians(lon), limit, keep)
        return [self._ranked(i, distances[i], lat, lon) for i in order]

    def order(self, lat: float, lon: float) -> tuple[Sequence[int], Sequence[float]]:
        """Every station's position, nearest first (ties in feed order), and the
        distances by position."""
        return self._coords.nearest(math.radians(lat), math.radians(lon), None, None)

    def ranked(self, i: int, distance_m: float, lat: float, lon: float) -> RankedStation:
        """Station ``i`` with its distance and direction from (lat, lon)."""
        return self._ranked(i, distance_m, lat, lon)

    def _ranked(self, i: int, distance_m: float, lat: float, lon: float) -> RankedStation:
        station = self.stations[i]
        bearing = initial_bearing_deg(lat, lon, station.info.lat, station.info.lon)
        return RankedStation(
            station=station,
            distance_m=float(distance_m),
            bearing_deg=bearing,
            bearing=compass_point(bearing),
        )


def coordinates_for(lats: list[float], lons: list[float]) -> _Coordinates:
    """numpy's for a large feed when numpy is installed (the ``fast`` extra), else plain
    Python: the same distances and order either way."""
    if len(lats) >= NUMPY_THRESHOLD:
        try:
            return _NumpyCoordinates(lats, lons)
        except ImportError:
            pass
    return _PythonCoordinates(lats, lons)


def import_numpy() -> Any:
    """numpy, with one BLAS thread if bikefinder is the first to import it: ranking
    uses no matrix product, and starting a thread pool per core costs tens of ms."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import numpy

    return numpy


class _Coordinates(Protocol):
    def distances_m(self, phi: float, lam: float) -> Sequence[float]: ...

    def nearest(
        self, phi: float, lam: float, limit: int | None, keep: Sequence[bool] | None
    ) -> tuple[Sequence[int], Sequence[float]]: ...


class _PythonCoordinates:
    """Plain-Python haversine: no import cost, fast enough for a city."""

    __slots__ = ("_cos_lat", "_lat", "_lon")

    def __init__(self, lats: list[float], lons: list[float]) -> None:
        self._lat = [math.radians(lat) for lat in lats]
        self._lon = [math.radians(lon) for lon in lons]
        self._cos_lat = [math.cos(lat) for lat in self._lat]

    def distances_m(self, phi: float, lam: float) -> list[float]:
        sin, asin, sqrt = math.sin, math.asin, math.sqrt
        cos_phi = math.cos(phi)
        diameter = 2.0 * EARTH_RADIUS_M
        return [
            diameter
            * asin(min(1.0, sqrt(sin((lat - phi) / 2.0) ** 2 + cos_phi * cos_lat
                                 * sin((lon - lam) / 2.0) ** 2)))
            for lat, lon, cos_lat in zip(self._lat, self._lon, self._cos_lat, strict=True)
        ]  # fmt: skip

    def nearest(
        self, phi: float, lam: float, limit: int | None, keep: Sequence[bool] | None
    ) -> tuple[list[int], list[float]]:
        distances = self.distances_m(phi, lam)
        candidates = range(len(distances))
        if keep is not None:
            candidates = [i for i in candidates if keep[i]]  # type: ignore[assignment]
        by_distance = distances.__getitem__
        if limit is None or limit >= len(candidates):
            order = sorted(candidates, key=by_distance)  # stable: feed order breaks ties
        else:
            order = heapq.nsmallest(limit, candidates, key=by_distance)  # stable too
        return order, distances


class _NumpyCoordinates:
    """Vectorised haversine for very large feeds (100,000 stations in a few ms)."""

    __slots__ = ("_cos_lat", "_lat", "_lon", "_np")

    def __init__(self, lats: list[float], lons: list[float]) -> None:
        np = import_numpy()
        self._np = np
        self._lat = np.radians(np.array(lats, dtype=float))
        self._lon = np.radians(np.array(lons, dtype=float))
        self._cos_lat = np.cos(self._lat)

    def distances_m(self, phi: float, lam: float) -> Any:
        np = self._np
        a = (
            np.sin((self._lat - phi) / 2.0) ** 2
            + math.cos(phi) * self._cos_lat * np.sin((self._lon - lam) / 2.0) ** 2
        )
        return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))

    def nearest(
        self, phi: float, lam: float, limit: int | None, keep: Sequence[bool] | None
    ) -> tuple[Sequence[int], Sequence[float]]:
        np = self._np
        distances = self.distances_m(phi, lam)
        candidates = np.arange(len(distances))
        if keep is not None:
            candidates = candidates[np.asarray(keep, dtype=bool)]
        if limit is not None and limit < len(candidates):
            chosen = candidates[np.argpartition(distances[candidates], limit - 1)[:limit]]
            # argpartition's choice among equal distances is arbitrary: widen to every
            # candidate as near as the limit-th one, then sort stably by (distance, index).
            cutoff = distances[chosen].max()
            chosen = candidates[distances[candidates] <= cutoff]
        else:
            chosen = candidates
        order = chosen[np.lexsort((chosen, distances[chosen]))]
        if limit is not None:
            order = order[:limit]
        return order.tolist(), distances
