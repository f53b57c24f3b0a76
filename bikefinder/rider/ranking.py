"""Haversine distances from a point to many places, ready for nearest-first ranking.

:func:`coordinates_for` holds one snapshot's station (or vehicle) coordinates
(:class:`bikefinder.rider.system_index.SystemIndex` builds them once per snapshot). A
city's are measured in plain Python (a few ms, no numpy import at start-up); feeds of
50,000 places and more are vectorised with numpy when it is installed (the optional
``fast`` extra), so the top 20 of 100,000 stations take a few milliseconds; without it,
plain Python ranks them in about 0.1 s, still far from the ~1 s of sorting by geopy's
``great_circle``.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from typing import Any, Protocol

from bikefinder.common.geo import EARTH_RADIUS_M

#: A point whose nearest station is further than this is outside the system.
FAR_FROM_POINT_M = 50_000.0
#: Below this many points plain Python ranks faster than numpy's import (~80 ms on a
#: small machine with one BLAS thread, more with a thread per core) plus vectorising:
#: on 2 cores, one build and query of 50,000 took 40-70 ms in Python against 80-110 ms
#: with numpy, and of 100,000, 90-130 ms against 80-110 ms.
NUMPY_THRESHOLD = 50_000


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
