"""Metric or imperial: which units a rider reads distances in, and how they are written.

Distances shown to a rider follow the system's country: miles and feet where road signs
use them (the US and its territories that do, the UK and the Crown Dependencies), metres
and kilometres everywhere else. Only text changes: every number a script reads (JSON,
CSV) stays in metres.

The imperial rules, chosen to read like a map app's:

- under 1,000 ft (0.19 mi) a distance is in feet, to the nearest 10 ft ("350 ft",
  "990 ft"): the walk to a station is told apart where it matters, where "0.1 mi" would
  hide a difference of 300 ft;
- from there up to 10 mi it is in miles with one decimal ("0.2 mi", "9.9 mi");
- from there on in whole miles ("12 mi").

A vehicle's range is an estimate, so it is rounder: under 1,000 ft to the nearest 100 ft
("~300 ft"), then miles with one decimal up to 10 mi ("~2.5 mi"), then whole miles.
Metric keeps its own rules ("88 m", "1.2 km"; ranges "~800 m", "~18 km").
"""

from __future__ import annotations

from enum import Enum

METRES_PER_FOOT = 0.3048
METRES_PER_MILE = 1609.344
#: A distance that rounds to fewer feet than this is written in feet.
FEET_BELOW = 1000
#: Countries (ISO 3166 alpha-2, as systems.csv and the gazetteer write them) whose road
#: signs give miles. Puerto Rico signs kilometres, so it is not one of them.
IMPERIAL_COUNTRIES = frozenset({"US", "GB", "UK", "GU", "VI", "AS", "MP", "IM", "JE", "GG"})


class Units(Enum):
    """The units distances are written in."""

    METRIC = "metric"
    IMPERIAL = "imperial"


#: What ``--units`` and config.toml's ``units`` accept; ``auto`` follows the country.
UNITS_CHOICES = ("auto", "metric", "imperial")


def units_named(name: str) -> Units | None:
    """The units ``--units NAME`` asks for: ``None`` for ``auto`` (the country decides).
    Raises :class:`ValueError` for any other name."""
    if name == "auto":
        return None
    return Units(name)


def units_for_country(country: str | None) -> Units:
    """Imperial for the countries that sign miles, metric for every other (and unknown)."""
    return Units.IMPERIAL if (country or "").strip().upper() in IMPERIAL_COUNTRIES else Units.METRIC


def format_distance(metres: float, units: Units = Units.METRIC) -> str:
    """``"88 m"``, ``"1.2 km"``; imperial ``"350 ft"``, ``"0.4 mi"``, ``"12 mi"``."""
    if units is Units.METRIC:
        return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"
    feet = _round_to(metres / METRES_PER_FOOT, 10)
    if feet < FEET_BELOW:
        return f"{feet:.0f} ft"
    miles = metres / METRES_PER_MILE
    return f"{miles:.1f} mi" if miles < 9.95 else f"{miles:.0f} mi"


def format_range(metres: float, units: Units = Units.METRIC) -> str:
    """A vehicle's range, rounded as an estimate: ``"~800 m"``, ``"~1.5 km"``,
    ``"~18 km"``; imperial ``"~300 ft"``, ``"~2.5 mi"``, ``"~12 mi"``."""
    metres += 0.0  # -0.0 (and whatever rounds to it) is zero, never "~-0 m"
    if units is Units.METRIC:
        if metres < 950:  # to the nearest 100 m
            return f"~{round(metres, -2):.0f} m"
        if metres < 9_950:  # to the nearest 100 m, as km
            return f"~{metres / 1000:.1f} km"
        return f"~{metres / 1000:.0f} km"
    feet = _round_to(metres / METRES_PER_FOOT, 100)
    if feet < FEET_BELOW:
        return f"~{feet:.0f} ft"
    miles = metres / METRES_PER_MILE
    return f"~{miles:.1f} mi" if miles < 9.95 else f"~{miles:.0f} mi"


def format_whole_range(metres: float, units: Units = Units.METRIC) -> str:
    """A range in whole kilometres or miles, for a trip's pickup: ``"18 km"``, ``"11 mi"``."""
    if units is Units.METRIC:
        return f"{metres / 1000:.0f} km"
    return f"{metres / METRES_PER_MILE:.0f} mi"


def _round_to(value: float, step: int) -> float:
    """``value`` to the nearest ``step``, halves up (so 345 ft is "350 ft", never -0)."""
    return float(int(value / step + 0.5) * step) + 0.0


def scale_lengths(units: Units) -> tuple[tuple[float, str], ...]:
    """The round lengths a map's scale bar may show, shortest first: (metres, label).
    Metric 1, 2, 5 x 10^n m ("500 m", "2 km"); imperial 1, 2, 5 x 10^n ft up to 500 ft,
    then 0.2 mi, 0.5 mi, 1 mi, 2 mi ..."""
    if units is Units.METRIC:
        return tuple(
            (step * 10.0**power, _metric_label(step * 10.0**power))
            for power in range(0, 8)
            for step in (1, 2, 5)
        )
    feet = [(step * 10.0**power, f"{step * 10**power} ft") for power in range(0, 3)
            for step in (1, 2, 5)]  # fmt: skip
    miles = [(step * 10.0**power, step * 10.0**power) for power in range(-1, 5)
             for step in (1, 2, 5) if step * 10.0**power >= 0.2]  # fmt: skip
    return (
        *((length * METRES_PER_FOOT, label) for length, label in feet),
        *((length * METRES_PER_MILE, f"{label:g} mi") for length, label in miles),
    )


def _metric_label(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:g} km"
