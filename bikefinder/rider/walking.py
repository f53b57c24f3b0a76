"""Walking time to a station or vehicle, from its straight-line distance.

The distance is as the crow flies, so the time is a lower bound; it is rounded up to
whole minutes so that "4 min" never promises an earlier arrival than the pace allows.
"""

from __future__ import annotations

import math

#: A usual urban walking pace (1.33 m/s); the config file may choose another.
WALKING_SPEED_KMH = 4.8


def walking_seconds(distance_m: float, speed_kmh: float = WALKING_SPEED_KMH) -> int | None:
    """Whole seconds to walk ``distance_m`` at ``speed_kmh``; ``None`` for a distance
    that is not a finite non-negative number. A speed that is not positive raises."""
    _check_speed(speed_kmh)
    if not isinstance(distance_m, int | float) or isinstance(distance_m, bool):
        return None
    if not math.isfinite(distance_m) or distance_m < 0:
        return None
    return round(distance_m / (speed_kmh / 3.6))


def walking_minutes(distance_m: float, speed_kmh: float = WALKING_SPEED_KMH) -> int | None:
    """Whole minutes, rounded up (a few seconds' walk is 1 minute, none is 0)."""
    seconds = walking_seconds(distance_m, speed_kmh)
    return None if seconds is None else math.ceil(seconds / 60)


def walking_text(distance_m: float, speed_kmh: float = WALKING_SPEED_KMH) -> str | None:
    """``"4 min"``, ``"1 h 05 min"``; ``None`` when the distance is unknown."""
    seconds = walking_seconds(distance_m, speed_kmh)
    return None if seconds is None else seconds_text(seconds)


def seconds_text(seconds: int) -> str:
    """A walk of ``seconds`` as :func:`walking_text` says it (whole minutes, rounded up)."""
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def _check_speed(speed_kmh: float) -> None:
    if isinstance(speed_kmh, bool) or not isinstance(speed_kmh, int | float):
        raise ValueError(f"walking speed must be a number, got {speed_kmh!r}")
    if not math.isfinite(speed_kmh) or speed_kmh <= 0:
        raise ValueError(f"walking speed must be positive, got {speed_kmh!r}")
