"""A trip's words in the UI's language, from the facts :mod:`bikefinder.rider.trips`
gives (the printed output keeps that layer's English)."""

from __future__ import annotations

from bikefinder.common.i18n import _
from bikefinder.common.text import clean
from bikefinder.common.units import Units, format_whole_range
from bikefinder.rider.trips import NoTrip, NoTripKind, Trip
from bikefinder.ui.words import vehicle_words


def pickup_words(trip: Trip, units: Units = Units.METRIC) -> str:
    """The pickup's name; a free-floating bike's kind with its range: "e-bike, 12 km range"."""
    pickup = trip.pickup
    vehicle = pickup.vehicle
    if vehicle is None:
        return clean(pickup.name, 40) or _("(unnamed)")
    name = vehicle_words(vehicle.form, vehicle.electric)
    if pickup.range_m is None:
        return name
    reach = _("{distance} range").format(distance=format_whole_range(pickup.range_m, units))
    return f"{name}, {reach}"


def no_trip_words(no_trip: NoTrip) -> str:
    """Why no system offers a trip, in one line."""
    names = no_trip.systems
    electric = no_trip.electric
    kind = no_trip.kind
    if kind is NoTripKind.NO_DATA or not names:
        return _("no system has data")
    if kind is NoTripKind.NO_PARKING:
        if electric:
            return _(
                "no e-bike to take: the free-floating operators do not allow a ride to end "
                "at the destination, and no station has one"
            )
        return _(
            "no bike to take: the free-floating operators do not allow a ride to end at "
            "the destination, and no station has one"
        )
    if kind is NoTripKind.NO_PICKUP:
        text = (
            _("no e-bike to take in {systems}") if electric else _("no bike to take in {systems}")
        )
    elif kind is NoTripKind.NO_RANGE:
        text = (
            _("no e-bike with enough range for the ride, and no free dock in {systems}")
            if electric
            else _("no bike with enough range for the ride, and no free dock in {systems}")
        )
    elif kind is NoTripKind.NO_DOCK:
        text = _("no free dock in {systems}")
    else:
        text = (
            _("no e-bike and free dock of the same system in {systems}")
            if electric
            else _("no bike and free dock of the same system in {systems}")
        )
    return text.format(systems=names)
