"""What a refresh did to the best trip, in one sentence for the rider.

A live trip list re-plans on every refresh. When the best trip changes because its
drop-off lost its last free dock or its pickup its last bike (or its free-floating bike
was taken), the rider is told once, with the next best trip; a trip that is merely
overtaken by a better one, or that changes nothing, says nothing. Pure: no I/O.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from bikefinder.common.text import clean
from bikefinder.common.units import Units, format_distance
from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import Kind, RowKey
from bikefinder.rider.scene import Scene
from bikefinder.rider.trip_output import minutes_text
from bikefinder.rider.trips import Trip, TripPlan


def same_trip(one: Trip, other: Trip) -> bool:
    """Whether two plans' trips take the same bike to the same place."""
    return (
        one.system.key == other.system.key
        and one.pickup.kind is other.pickup.kind
        and one.pickup.item_id == other.pickup.item_id
        and one.dropoff.station_id == other.dropoff.station_id
    )


class Loss(StrEnum):
    """What happened to the best trip's drop-off or pickup."""

    LEFT_FEED = "left the feed"
    FULL = "full"
    NOT_RETURNING = "not returning"
    TAKEN = "taken"
    EMPTY = "empty"
    NOT_RENTING = "not renting"


class LostBest(msgspec.Struct, frozen=True):
    """The best trip is gone: what happened (``loss``) to which place (its name, empty
    when it has none; ``pickup``: the pickup, else the drop-off), and what is best now
    (``after``: its first trip, else why there is none)."""

    loss: Loss
    name: str
    pickup: bool
    electric: bool
    after: TripPlan
    #: The trip that is gone.
    trip: Trip


def lost_best(before: TripPlan | None, after: TripPlan, scene: Scene) -> LostBest | None:
    """Why the best trip of ``before`` is no longer offered in ``after`` when its
    drop-off filled up or its pickup ran out (``scene``: the data ``after`` was planned
    on), else ``None``."""
    if before is None or not before.trips or before.destination != after.destination:
        return None
    if before.mode is not after.mode:
        return None
    lost = before.trips[0]
    if any(same_trip(lost, trip) for trip in after.trips):
        return None
    found = _why_lost(lost, scene)
    if found is None:
        return None
    loss, pickup = found
    place = lost.pickup.name if pickup else lost.dropoff.name
    return LostBest(loss, clean(place, 40), pickup, lost.pickup.electric_ride, after, lost)


def lost_best_notice(
    before: TripPlan | None, after: TripPlan, scene: Scene, units: Units = Units.METRIC
) -> str | None:
    """ "Mairie du 4ème is now full: next best …": :func:`lost_best` in English."""
    found = lost_best(before, after, scene)
    if found is None:
        return None
    reason = _loss_text(found)
    after = found.after
    if not after.trips:
        return f"{reason}: no other trip ({after.why_none})"
    best = after.trips[0]
    dropoff = "the destination" if best.dropoff.is_destination else clean(best.dropoff.name, 40)
    pickup = _pickup_phrase(best, units)
    return f"{reason}: next best {pickup} → {dropoff}, {minutes_text(best.total_s)}"


def _loss_text(lost: LostBest) -> str:
    if lost.loss is Loss.TAKEN:
        return f"The {lost.name or 'The pickup'} was taken"
    name = lost.name or ("The pickup" if lost.pickup else "The drop-off")
    return {
        Loss.LEFT_FEED: f"{name} is no longer in the feed",
        Loss.FULL: f"{name} is now full",
        Loss.NOT_RETURNING: f"{name} no longer takes bikes back",
        Loss.EMPTY: f"{name} has no {'e-bikes' if lost.electric else 'bikes'} left",
        Loss.NOT_RENTING: f"{name} no longer rents bikes",
    }[lost.loss]


def _pickup_phrase(trip: Trip, units: Units) -> str:
    """A station's name; a free-floating bike by how far it is: "an e-bike 400 m away"."""
    name = clean(trip.pickup.name, 40)
    if trip.pickup.kind is Kind.STATION:
        return name or "(unnamed)"
    article = "an" if name[:1].lower() in ("a", "e", "i", "o", "u") else "a"
    return f"{article} {name.lower()} {format_distance(trip.walk_to_m, units)} away"


def _why_lost(trip: Trip, scene: Scene) -> tuple[Loss, bool] | None:
    """Why ``trip`` is no longer offered, from the scene's live numbers, and whether it is
    about the pickup (``None``: it was overtaken, or the reason is something else the
    rider sees in the list)."""
    system = trip.system.key
    dropoff_id = trip.dropoff.station_id
    if dropoff_id is not None:
        found = scene.station(RowKey(Kind.STATION, system, dropoff_id))
        if found is None:
            return Loss.LEFT_FEED, False
        status = found[1].status
        if status is None or status.docks == 0:
            return Loss.FULL, False
        if status.is_returning is False:
            return Loss.NOT_RETURNING, False
    pickup = trip.pickup
    if pickup.kind is Kind.VEHICLE:
        index = scene.index(system)
        offered = index.vehicles_for(Mode.ANY_BIKE) if index is not None else ()
        taken = all(vehicle.vehicle_id != pickup.item_id for vehicle in offered)
        return (Loss.TAKEN, True) if taken else None
    found = scene.station(RowKey(Kind.STATION, system, pickup.item_id))
    if found is None:
        return Loss.LEFT_FEED, True
    status = found[1].status
    left = None if status is None else (status.electric if pickup.electric_ride else status.bikes)
    if left == 0:
        return Loss.EMPTY, True
    if status is not None and status.is_renting is False:
        return Loss.NOT_RENTING, True
    return None
