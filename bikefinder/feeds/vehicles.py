"""Vehicles outside stations (``free_bike_status`` / ``vehicle_status``), with what
``vehicle_types`` says of them: what a rider is shown of each.

The models, the ``--vehicles`` selection and the rider rules; pure, no I/O:

* What a vehicle is comes only from ``vehicle_types``. A v1/v2 feed of a system that
  publishes no ``vehicle_types`` lists bicycles (the spec says so); anything else whose
  type is not described is :attr:`VehicleForm.UNKNOWN`, never guessed.
* A vehicle id is kept exactly, but is never an identity: GBFS requires operators to
  rotate it after every trip, so nothing may be keyed on it across refreshes.
* A vehicle may have no location (privacy, or parked at a station): such records are
  kept and counted, and :attr:`Vehicle.placeable` says whether one can be put on a map.
* Reserved or disabled vehicles are not offered (:func:`is_offered`); vehicles parked
  at a known station belong to that station's count, not to the list
  (:func:`split_docked`).

Reading the feeds into these models is :mod:`bikefinder.feeds.vehicle_feeds`'.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from enum import Enum

import msgspec

from bikefinder.common.errors import UsageError
from bikefinder.feeds.models import FeedMeta

#: Below this range an electric vehicle is marked low (a rider wants a ride, not a walk).
LOW_RANGE_M = 2_000.0


class VehicleForm(Enum):
    """What a vehicle is to a rider (GBFS ``form_factor``, grouped)."""

    BICYCLE = "bicycle"
    CARGO_BICYCLE = "cargo_bicycle"
    SCOOTER = "scooter"  # scooter (v2.1/2.2), scooter_standing, scooter_seated
    MOPED = "moped"
    CAR = "car"
    OTHER = "other"  # the feed says "other"
    UNKNOWN = "unknown"  # the feed does not say, or says something not in the spec


BIKE_FORMS = frozenset({VehicleForm.BICYCLE, VehicleForm.CARGO_BICYCLE})


class VehicleSelection(Enum):
    """``--vehicles none|bikes|all``: which vehicles a rider wants listed."""

    NONE = "none"
    BIKES = "bikes"  # bicycles and cargo bicycles (the default)
    ALL = "all"  # every form, including other and unknown ones

    def includes(self, form: VehicleForm) -> bool:
        """Whether a vehicle of ``form`` is listed. An unknown form is never shown as a
        bike: it is listed only with ``all``."""
        if self is VehicleSelection.ALL:
            return True
        return self is VehicleSelection.BIKES and form in BIKE_FORMS


def parse_vehicle_selection(text: str) -> VehicleSelection:
    """The selection a flag or config value names (case and spaces ignored)."""
    wanted = text.strip().lower() if isinstance(text, str) else ""
    for selection in VehicleSelection:
        if selection.value == wanted:
            return selection
    choices = ", ".join(selection.value for selection in VehicleSelection)
    raise UsageError(f"--vehicles: expected one of {choices}, got {str(text)[:40]!r}")


class VehicleType(msgspec.Struct, frozen=True):
    """One ``vehicle_types`` record: what its vehicles are, how far they go, what they cost."""

    vehicle_type_id: str
    form: VehicleForm
    form_factor: str | None  # as the feed spells it, lower case
    propulsion: str | None  # as the feed spells it, lower case
    electric: bool | None
    max_range_meters: float | None = None
    name: str | None = None
    default_pricing_plan_id: str | None = None
    pricing_plan_ids: tuple[str, ...] = ()


class Vehicle(msgspec.Struct, frozen=True, gc=False):
    """One vehicle not in a rental; ``None`` means the feed did not say (or said junk).

    A msgspec struct, not a dataclass, as stations are: a city's free-floating fleets
    build tens of thousands of them per refresh, and a struct is built faster and is not
    tracked by the garbage collector (it holds only strings, numbers, times and a tuple
    of strings, so it can hold no reference cycle); copies are made with
    ``msgspec.structs.replace``."""

    vehicle_id: str  # exact, but rotated by the operator after each trip: not an identity
    lat: float | None
    lon: float | None
    vehicle_type_id: str | None
    form: VehicleForm
    propulsion: str | None
    electric: bool | None
    current_range_meters: float | None = None
    current_fuel_percent: float | None = None  # 0.0 to 1.0
    is_reserved: bool | None = None
    is_disabled: bool | None = None
    station_id: str | None = None
    home_station_id: str | None = None
    pricing_plan_id: str | None = None
    last_reported: datetime | None = None
    available_until: datetime | None = None
    rental_urls: tuple[str, ...] = ()

    @property
    def placeable(self) -> bool:
        """Whether the vehicle has a location of its own."""
        return self.lat is not None and self.lon is not None


class VehicleFeed(msgspec.Struct, frozen=True):
    """A parsed vehicle feed: usable vehicles, and how many records were rejected."""

    meta: FeedMeta
    vehicles: tuple[Vehicle, ...]
    rejected: int = 0

    @property
    def unplaceable(self) -> int:
        """Vehicles with neither a location nor a station: counted, never placed."""
        return sum(1 for v in self.vehicles if not v.placeable and v.station_id is None)


class DockedSplit(msgspec.Struct, frozen=True):
    """Vehicles split the way a list shows them (see :func:`split_docked`)."""

    free_floating: tuple[Vehicle, ...]
    docked: Mapping[str, tuple[Vehicle, ...]]  # station_id -> vehicles parked there
    unplaceable: int = 0

    def docked_count(self, station_id: str) -> int:
        return len(self.docked.get(station_id, ()))


# --------------------------------------------------------------------------- rider rules


def is_offered(vehicle: Vehicle) -> bool:
    """Whether a rider can take it: not reserved and not disabled (unknown flags, which
    GBFS requires, are not held against the vehicle)."""
    return vehicle.is_reserved is not True and vehicle.is_disabled is not True


def offered(
    vehicles: Iterable[Vehicle], selection: VehicleSelection = VehicleSelection.BIKES
) -> tuple[Vehicle, ...]:
    """The vehicles a rider can take, of the forms ``selection`` lists."""
    if selection is VehicleSelection.NONE:
        return ()
    return tuple(v for v in vehicles if is_offered(v) and selection.includes(v.form))


def split_docked(
    vehicles: Iterable[Vehicle], station_ids: Collection[str] | None = None
) -> DockedSplit:
    """Free-floating vehicles apart from those parked at a station.

    A vehicle with a ``station_id`` belongs to that station (its count), not to the list
    of vehicles, so it is never shown twice. With ``station_ids`` (the stations known
    from ``station_information``), a vehicle naming a station that is not among them is
    free-floating if it has a location of its own. Vehicles with neither are counted as
    ``unplaceable``.
    """
    free: list[Vehicle] = []
    docked: dict[str, list[Vehicle]] = {}
    unplaceable = 0
    for vehicle in vehicles:
        station_id = vehicle.station_id
        if station_id is not None and (station_ids is None or station_id in station_ids):
            docked.setdefault(station_id, []).append(vehicle)
        elif vehicle.placeable:
            free.append(vehicle)
        else:
            unplaceable += 1
    return DockedSplit(
        free_floating=tuple(free),
        docked={station_id: tuple(parked) for station_id, parked in docked.items()},
        unplaceable=unplaceable,
    )


def range_text(vehicle: Vehicle) -> str | None:
    """``"~18 km"`` from ``current_range_meters``, else ``"62 %"`` from the battery or
    fuel level; ``None`` when the feed gives neither."""
    meters = vehicle.current_range_meters
    if meters is not None:
        meters += 0.0  # -0.0 (and whatever rounds to it) is zero, never "~-0 m"
        if meters < 950:  # to the nearest 100 m
            return f"~{round(meters, -2):.0f} m"
        if meters < 9_950:  # to the nearest 100 m, as km
            return f"~{meters / 1000:.1f} km"
        return f"~{meters / 1000:.0f} km"
    if vehicle.current_fuel_percent is not None:
        return f"{math.floor(vehicle.current_fuel_percent * 100 + 0.5)} %"
    return None


def is_low_range(vehicle: Vehicle, threshold_m: float = LOW_RANGE_M) -> bool | None:
    """Whether the vehicle's range is below ``threshold_m``; ``None`` when its range is
    not given (a battery percentage alone does not say how far that is)."""
    meters = vehicle.current_range_meters
    return None if meters is None else meters < threshold_m


#: What a row holds, as the What column and the ``what`` field say it: bicycles (cargo
#: bicycles too) are bikes; every other vehicle is what it is, never a bike.
WHAT_BIKE = "bike"
_WHAT = {
    VehicleForm.BICYCLE: WHAT_BIKE,
    VehicleForm.CARGO_BICYCLE: WHAT_BIKE,
    VehicleForm.SCOOTER: "scooter",
    VehicleForm.MOPED: "moped",
    VehicleForm.CAR: "car",
    VehicleForm.OTHER: "other",
    VehicleForm.UNKNOWN: "other",
}


def what_of(form: VehicleForm) -> str:
    """``"bike"``, ``"scooter"``, ``"moped"``, ``"car"`` or ``"other"``."""
    return _WHAT[form]


def is_bicycle(vehicle: Vehicle) -> bool:
    """Whether the vehicle serves a bike mode (any bike, e-bike): a bicycle or a cargo
    bicycle. A scooter, a moped, a car or a vehicle of unknown form never does."""
    return vehicle.form in BIKE_FORMS


def has_bicycles(types: Mapping[str, VehicleType]) -> bool | None:
    """Whether a system's ``vehicle_types`` describe any bicycle (``None``: it publishes
    none, so nothing is known; v1/v2 systems without them are bicycles)."""
    if not types:
        return None
    return any(vehicle_type.form in BIKE_FORMS for vehicle_type in types.values())


def others_what(types: Mapping[str, VehicleType]) -> str:
    """What a system's vehicles other than bicycles are, in one word: their form when
    they share one (a car-share operator's ``"car"``), else ``"other"``."""
    whats = {what_of(t.form) for t in types.values() if t.form not in BIKE_FORMS}
    return whats.pop() if len(whats) == 1 else "other"


#: Vehicles this close together, of the same type, are one row ("3 e-bikes").
SAME_SPOT_M = 5.0
_METRES_PER_DEGREE = 111_195.0
#: Cells of one row of latitude are numbered apart by this: longitude cells stay below it.
_CELL_ROW = 1 << 32


def group_at_spots(
    vehicles: Sequence[Vehicle], within_m: float = SAME_SPOT_M
) -> tuple[tuple[Vehicle, ...], dict[str, tuple[Vehicle, ...]]]:
    """Vehicles of one system gathered by spot: those of the same type in the same
    ``within_m`` cell are one. Returns the first of each spot, in feed order, and for
    each spot of several, the first one's id -> all of them (it first)."""
    # Ints and dicts of ints only, and a list for a spot of several: a tuple key and a
    # list per vehicle would be tens of thousands of objects the garbage collector tracks.
    cells: dict[str | None, dict[int, int]] = {}  # type id -> cell -> position in firsts
    firsts: list[Vehicle] = []
    groups: dict[int, list[Vehicle]] = {}  # position in firsts -> the spot's vehicles
    per_lat = _METRES_PER_DEGREE / within_m  # cells per degree of latitude
    per_lon: float | None = None  # of longitude, at the system's latitude (one city)
    floor = math.floor
    for vehicle in vehicles:
        lat, lon = vehicle.lat, vehicle.lon
        if lat is None or lon is None:
            continue
        if per_lon is None:
            per_lon = per_lat * max(0.01, math.cos(math.radians(lat)))
        type_cells = cells.get(vehicle.vehicle_type_id)
        if type_cells is None:
            type_cells = cells[vehicle.vehicle_type_id] = {}
        cell = floor(lat * per_lat) * _CELL_ROW + floor(lon * per_lon)
        position = type_cells.get(cell)
        if position is None:
            type_cells[cell] = len(firsts)
            firsts.append(vehicle)
        elif (group := groups.get(position)) is None:
            groups[position] = [firsts[position], vehicle]
        else:
            group.append(vehicle)
    several = {firsts[position].vehicle_id: tuple(groups[position]) for position in sorted(groups)}
    return tuple(firsts), several


_LABELS = {
    VehicleForm.BICYCLE: "bike",
    VehicleForm.CARGO_BICYCLE: "cargo bike",
    VehicleForm.SCOOTER: "scooter",
    VehicleForm.MOPED: "moped",
    VehicleForm.CAR: "car",
    VehicleForm.OTHER: "vehicle",
    VehicleForm.UNKNOWN: "unknown vehicle",
}


def vehicle_label(form: VehicleForm, electric: bool | None) -> str:
    """A short name: ``"e-bike"``, ``"cargo bike"``, ``"e-scooter"``, ``"unknown vehicle"``.
    Only a known electric bike or scooter gets the ``e-``."""
    label = _LABELS[form]
    if electric and form in (VehicleForm.BICYCLE, VehicleForm.CARGO_BICYCLE, VehicleForm.SCOOTER):
        return f"e-{label}"
    return label
