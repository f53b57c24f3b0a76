"""Haversine ranking: the nearest stations to a point, vectorised with numpy.

A :class:`StationIndex` is built once per ``station_information`` load; ranking
then costs a few array operations, so the top 20 of 100,000 stations take a few
milliseconds instead of the ~1 s of sorting by geopy's ``great_circle``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bikefinder.core.models import RankedStation, Station

#: Mean Earth radius (IUGG), the same one geopy's ``great_circle`` uses.
EARTH_RADIUS_M = 6_371_008.8
COMPASS_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def compass_point(bearing_deg: float) -> str:
    """The 8-point compass direction for a bearing in degrees from north."""
    return COMPASS_POINTS[int(((bearing_deg % 360.0) + 22.5) // 45.0) % 8]


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points (scalar version)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def initial_bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial compass bearing (0 = north, clockwise) from point 1 towards point 2."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_lambda = math.radians(lon2 - lon1)
    x = math.sin(d_lambda) * math.cos(phi2)
    y = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(d_lambda)
    return math.degrees(math.atan2(x, y)) % 360.0


class StationIndex:
    """Stations plus their coordinates as radian arrays, ready for repeated ranking."""

    __slots__ = ("_cos_lat", "_lat", "_lon", "stations")

    def __init__(self, stations: Sequence[Station]) -> None:
        self.stations: tuple[Station, ...] = tuple(stations)
        infos = [station.info for station in self.stations]
        self._lat = np.radians(np.array([info.lat for info in infos], dtype=float))
        self._lon = np.radians(np.array([info.lon for info in infos], dtype=float))
        self._cos_lat = np.cos(self._lat)

    def __len__(self) -> int:
        return len(self.stations)

    def distances_m(self, lat: float, lon: float) -> npt.NDArray[np.float64]:
        """Haversine distance from (lat, lon) to every station, in metres."""
        phi = math.radians(lat)
        a = (
            np.sin((self._lat - phi) / 2.0) ** 2
            + math.cos(phi) * self._cos_lat * np.sin((self._lon - math.radians(lon)) / 2.0) ** 2
        )
        return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))

    def nearest(
        self,
        lat: float,
        lon: float,
        limit: int | None = None,
        keep: npt.NDArray[np.bool_] | Sequence[bool] | None = None,
    ) -> list[RankedStation]:
        """The ``limit`` nearest stations (all if ``None``), nearest first.

        ``keep`` is an optional mask choosing which stations may be ranked. Ties in
        distance are broken by position in the feed, so the order is deterministic.
        """
        distances = self.distances_m(lat, lon)
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
        return [self._ranked(int(i), float(distances[i]), lat, lon) for i in order]

    def _ranked(self, i: int, distance_m: float, lat: float, lon: float) -> RankedStation:
        station = self.stations[i]
        bearing = initial_bearing_deg(lat, lon, station.info.lat, station.info.lon)
        return RankedStation(
            station=station,
            distance_m=distance_m,
            bearing_deg=bearing,
            bearing=compass_point(bearing),
        )


def rank(
    stations: Sequence[Station], lat: float, lon: float, limit: int | None = None
) -> list[RankedStation]:
    """One-shot convenience: build an index and rank it."""
    return StationIndex(stations).nearest(lat, lon, limit)
