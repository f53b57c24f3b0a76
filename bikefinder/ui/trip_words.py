"""A trip's words in the UI's language, from the facts :mod:`bikefinder.rider.trips`
gives (the printed output keeps that layer's English)."""

from __future__ import annotations

from bikefinder.common.i18n import _
from bikefinder.common.text import clean
from bikefinder.common.units import Units, format_distance, format_whole_range
from bikefinder.feeds.vehicles import vehicle_label
from bikefinder.rider.trip_changes import Loss, LostBest
from bikefinder.rider.trip_output import minutes_text
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


def _loss_words(lost: LostBest) -> str:
    """What happened to the best trip's place: "Mairie du 4ème is now full"."""
    if lost.loss is Loss.TAKEN:
        taken = lost.trip.pickup.vehicle
        what = vehicle_words(taken.form, taken.electric) if taken else lost.name
        return _("The {vehicle} was taken").format(vehicle=what)
    name = lost.name or (_("The pickup") if lost.pickup else _("The drop-off"))
    if lost.loss is Loss.LEFT_FEED:
        return _("{place} is no longer in the feed").format(place=name)
    if lost.loss is Loss.FULL:
        return _("{place} is now full").format(place=name)
    if lost.loss is Loss.NOT_RETURNING:
        return _("{place} no longer takes bikes back").format(place=name)
    if lost.loss is Loss.EMPTY:
        if lost.electric:
            return _("{place} has no e-bikes left").format(place=name)
        return _("{place} has no bikes left").format(place=name)
    return _("{place} no longer rents bikes").format(place=name)


def lost_best_words(lost: LostBest, units: Units = Units.METRIC) -> str:
    """The best trip is gone, and what is best now: "Mairie du 4ème is now full: next
    best Lobau → the destination, 9 min"."""
    reason = _loss_words(lost)
    after = lost.after
    if not after.trips:
        why = no_trip_words(after.no_trip) if after.no_trip else after.why_none or ""
        return _("{reason}: no other trip ({why})").format(reason=reason, why=why)
    best = after.trips[0]
    destination = best.dropoff.is_destination
    dropoff = _("the destination") if destination else clean(best.dropoff.name, 40)
    vehicle = best.pickup.vehicle
    if vehicle is None:
        pickup = clean(best.pickup.name, 40) or _("(unnamed)")
    else:
        english = vehicle_label(vehicle.form, vehicle.electric)
        away = _("an {vehicle} {distance} away") if english[:1] in "aeiou" else None
        pickup = (away or _("a {vehicle} {distance} away")).format(
            vehicle=vehicle_words(vehicle.form, vehicle.electric),
            distance=format_distance(best.walk_to_m, units),
        )
    return _("{reason}: next best {pickup} → {dropoff}, {minutes}").format(
        reason=reason, pickup=pickup, dropoff=dropoff, minutes=minutes_text(best.total_s)
    )
