"""The trips part of the printed document: each trip as JSON and CSV, the trip table and
the one-line answer. :mod:`bikefinder.rider.output` puts them in the one document."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bikefinder.common.phrases import Phrase
from bikefinder.common.text import clean
from bikefinder.common.units import Units, format_whole_range
from bikefinder.rider.modes import counted
from bikefinder.rider.rows import Kind
from bikefinder.rider.text_formats import LINE_SEPARATOR, csv_text, text_table
from bikefinder.rider.trips import Trip, TripPlan


def point_record(point: tuple[float, float]) -> dict[str, float]:
    """A point as the document spells it."""
    return {"lat": point[0], "lon": point[1]}


def trip_record(trip: Trip) -> dict[str, Any]:
    """One trip as the document spells it: seconds rounded, metres to 0.1."""
    pickup, dropoff = trip.pickup, trip.dropoff
    is_station = pickup.kind is Kind.STATION
    price = trip.price
    return {
        "rank": trip.rank,
        "system_id": trip.system.key,
        "pickup": {
            "kind": pickup.kind.value,
            "station_id": pickup.item_id if is_station else None,
            "vehicle_id": None if is_station else pickup.item_id,
            "name": pickup.name,
            "lat": pickup.lat,
            "lon": pickup.lon,
            "bikes": pickup.bikes,
            "electric": pickup.electric,
            "range_m": pickup.range_m,
        },
        "dropoff": {
            "kind": "destination" if dropoff.is_destination else "station",
            "station_id": dropoff.station_id,
            "name": dropoff.name,
            "lat": dropoff.lat,
            "lon": dropoff.lon,
            "docks": dropoff.docks,
        },
        "walk_to_s": round(trip.walk_to_s),
        "ride_s": round(trip.ride_s),
        "walk_from_s": round(trip.walk_from_s),
        "total_s": round(trip.total_s),
        "ride_distance_m": round(trip.ride_distance_m, 1),
        "price": {"amount": float(price.amount), "currency": price.currency} if price else None,
    }


#: The columns of a trip answer's CSV: one row per trip, flat.
TRIP_FIELDS = (
    "rank", "system_id", "pickup_kind", "pickup_station_id", "pickup_vehicle_id",
    "pickup_name", "pickup_lat", "pickup_lon", "pickup_bikes", "pickup_electric",
    "pickup_range_m", "dropoff_kind", "dropoff_station_id", "dropoff_name", "dropoff_lat",
    "dropoff_lon", "dropoff_docks", "walk_to_s", "ride_s", "walk_from_s", "total_s",
    "ride_distance_m", "price_amount", "price_currency", "walk_only_s",
)  # fmt: skip


def trips_csv(plan: TripPlan) -> str:
    """The trips as CSV, one row per trip (``walk_only_s`` repeated on each)."""
    records = []
    for trip in plan.trips:
        record = trip_record(trip)
        flat: dict[str, Any] = {}
        for key, value in record.items():
            if isinstance(value, dict) and key in ("pickup", "dropoff"):
                flat.update({f"{key}_{name}": item for name, item in value.items()})
            elif key != "price":
                flat[key] = value
        price = record["price"]
        flat["price_amount"] = price["amount"] if price else None
        flat["price_currency"] = price["currency"] if price else None
        flat["walk_only_s"] = round(plan.walk_only_s)
        for name in ("pickup_name", "dropoff_name", "system_id", "pickup_station_id",
                     "pickup_vehicle_id", "dropoff_station_id"):  # fmt: skip
            if isinstance(flat[name], str):
                flat[name] = clean(flat[name], 500)
        records.append(flat)
    return csv_text(TRIP_FIELDS, records)


def minutes_text(seconds: float) -> str:
    """Whole minutes, rounded up: "7 min", "1 h 05 min"."""
    minutes = math.ceil(max(0.0, seconds) / 60 - 1e-9)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def walking_faster_text(plan: TripPlan) -> str | None:
    """ "Walking is faster: 7 min" when walking all the way is not slower than the best
    trip (there is one), else ``None``."""
    if plan.trips and plan.walking_is_faster:
        return f"Walking is faster: {minutes_text(plan.walk_only_s)}"
    return None


def price_text(trip: Trip) -> str:
    from bikefinder.feeds.pricing import format_money

    return format_money(trip.price.amount, trip.price.currency) if trip.price else ""


def pickup_name(trip: Trip, units: Units = Units.METRIC) -> str:
    """The pickup's name; a free-floating bike's with its range: "E-bike, 12 km range"."""
    pickup = trip.pickup
    name = clean(pickup.name, 40) or "(unnamed)"
    if pickup.vehicle is not None and pickup.range_m is not None:
        return f"{name}, {format_whole_range(pickup.range_m, units)} range"
    return name


def pickup_text(trip: Trip, units: Units = Units.METRIC) -> str:
    """The pickup's name and what it has: "Lobau (4 bikes)"."""
    pickup = trip.pickup
    name = pickup_name(trip, units)
    if pickup.vehicle is not None:
        return name
    wanted = "e-bikes" if pickup.electric_ride else "bikes"
    count = pickup.electric if pickup.electric_ride else pickup.bikes
    return f"{name} ({counted(count, wanted)})"


def dropoff_text(trip: Trip) -> str:
    dropoff = trip.dropoff
    if dropoff.is_destination:
        return "park at destination"
    return f"{clean(dropoff.name, 40) or '(unnamed)'} ({counted(dropoff.docks, 'free docks')})"


#: The trip table's columns: (title, right-aligned).
TRIP_COLUMNS = (
    ("#", True), ("System", False), ("Pickup", False), ("Walk", True), ("Ride", True),
    ("Drop-off", False), ("Walk", True), ("Total", True), ("Price", True),
)  # fmt: skip

#: The columns a trip table gives up first to fit a terminal: Price, the walks, the ride.
TRIP_DROPS = (8, 6, 3, 4)


def trips_table(
    headings: Sequence[str],
    notes: Sequence[str | Phrase],
    plan: TripPlan,
    units: Units = Units.METRIC,
    width: int | None = None,
) -> str:
    """The systems' headings, the trip asked for, "Walking is faster" when it is, then
    one line per trip (or why there is none); a vehicle's range in ``units``."""
    lines = list(headings)
    origin, destination = plan.origin, plan.destination
    lines.append(
        f"Trips from {origin[0]:.5f},{origin[1]:.5f} to {destination[0]:.5f},{destination[1]:.5f}"
        f" ({plan.mode.label}); an estimate on straight lines, without streets, hills or lights"
    )
    for note in notes:
        lines.append(f"Note: {clean(str(note), 300)}")
    faster = walking_faster_text(plan)
    if faster:
        lines.append(faster)
    if not plan.trips:
        lines.append(f"(no trip: {plan.why_none})")
        return "\n".join(lines)
    table = [[title for title, _ in TRIP_COLUMNS]]
    for trip in plan.trips:
        table.append([
            str(trip.rank), clean(trip.system.name, 24), pickup_text(trip, units),
            minutes_text(trip.walk_to_s), minutes_text(trip.ride_s), dropoff_text(trip),
            minutes_text(trip.walk_from_s), minutes_text(trip.total_s), price_text(trip),
        ])  # fmt: skip
    lines += ["", *text_table(table, [right for _, right in TRIP_COLUMNS], width, TRIP_DROPS)]
    if not faster:
        lines.append(f"(walking all the way: {minutes_text(plan.walk_only_s)})")
    return "\n".join(lines)


def trips_line(plan: TripPlan) -> str:
    """The answer in one line: "Walking is faster: 7 min", else the best trip:
    "Station A → Station B · 19 min (walk 3, ride 12, walk 2) · 1.20 €"."""
    faster = walking_faster_text(plan)
    if faster:
        return faster
    if not plan.trips:
        return f"no trip: {plan.why_none}"
    trip = plan.trips[0]
    dropoff = "destination" if trip.dropoff.is_destination else clean(trip.dropoff.name, 40)
    parts = [
        f"{clean(trip.pickup.name, 40)} → {dropoff}",
        f"{minutes_text(trip.total_s)} (walk {math.ceil(trip.walk_to_s / 60)}, ride "
        f"{math.ceil(trip.ride_s / 60)}, walk {math.ceil(trip.walk_from_s / 60)})",
    ]
    if trip.price:
        parts.append(price_text(trip))
    return LINE_SEPARATOR.join(parts)
