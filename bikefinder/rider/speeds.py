"""The paces of the trip planner's time model, apart from the planner: the app and the
command line build them at start-up without importing the planner itself."""

from __future__ import annotations

import math

import msgspec

from bikefinder.rider.walking import WALKING_SPEED_KMH

#: Streets are not straight: a ride is this many times the straight line.
DETOUR = 1.25
DEFAULT_RIDING_SPEED_KMH = 15.0
DEFAULT_EBIKE_SPEED_KMH = 18.0


class Speeds(msgspec.Struct, frozen=True):
    """The paces of the time model, in km/h."""

    walking_kmh: float = WALKING_SPEED_KMH
    riding_kmh: float = DEFAULT_RIDING_SPEED_KMH
    ebike_kmh: float = DEFAULT_EBIKE_SPEED_KMH

    def __post_init__(self) -> None:
        for speed in (self.walking_kmh, self.riding_kmh, self.ebike_kmh):
            if not (isinstance(speed, int | float) and math.isfinite(speed) and speed > 0):
                raise ValueError(f"a speed must be a positive number of km/h, got {speed!r}")

    def walk_s(self, metres: float) -> float:
        return metres * 3.6 / self.walking_kmh

    def ride_s_per_m(self, electric: bool) -> float:
        """Seconds of riding per metre of straight line (the detour included)."""
        return DETOUR * 3.6 / (self.ebike_kmh if electric else self.riding_kmh)
