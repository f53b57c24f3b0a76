"""Points typed by a rider: ``"48.85,2.35"`` checked into (latitude, longitude)."""

from __future__ import annotations

import math

from bikefinder.common.errors import UsageError


def parse_point(text: str) -> tuple[float, float]:
    """``"48.85,2.35"`` -> (48.85, 2.35), checking both ranges."""
    parts = text.replace(";", ",").split(",")
    if len(parts) != 2:
        raise UsageError(f"--near expects LAT,LON (e.g. 48.85,2.35), got {text!r}")
    try:
        lat, lon = (float(part.strip()) for part in parts)
    except ValueError:
        raise UsageError(f"--near expects two numbers LAT,LON, got {text!r}") from None
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise UsageError(f"--near latitude must be between -90 and 90, got {parts[0].strip()}")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise UsageError(f"--near longitude must be between -180 and 180, got {parts[1].strip()}")
    return lat, lon
