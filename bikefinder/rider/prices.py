"""What a ride from a row costs, as the lists say it: one plan's sentence, or the cheapest
of several ("from €1 to start, then €1 per 15 min, 3 plans").

A vehicle is priced by its own plan (:func:`~bikefinder.feeds.pricing.plan_for_vehicle`).
A station may hold several kinds of bike, each with its plans, so a station's price is
the cheapest of the plans that apply to bikes (:func:`station_plans`), said with how
many plans there are. Pure: one :class:`PriceBook` per system and moment, worked out
once and shared by every row of that system.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import msgspec

from bikefinder.feeds.vehicles import BIKE_FORMS, Vehicle, VehicleType

if TYPE_CHECKING:
    from bikefinder.feeds.pricing import PricingPlan

#: Plans named for these kinds do not price a docked bike.
_NOT_AT_STATIONS = frozenset({"scooter", "moped", "car"})


def station_plans(
    plans: Sequence[PricingPlan], vehicle_types: Mapping[str, VehicleType]
) -> tuple[PricingPlan, ...]:
    """The plans that price a ride from a station: those the system's bike types name
    (all its types' when it has no bike type), else, when no type names a plan, every
    plan not named for scooters, mopeds or cars (every plan if that leaves none)."""
    from bikefinder.feeds import pricing  # here: only a system with plans needs it

    bikes = [t for t in vehicle_types.values() if t.form in BIKE_FORMS] or list(
        vehicle_types.values()
    )
    named: dict[str, PricingPlan] = {}
    for vehicle_type in bikes:
        for plan in pricing.plans_for_vehicle_type(plans, vehicle_type):
            named.setdefault(plan.plan_id, plan)
    if named:
        return tuple(named.values())
    for_bikes = tuple(plan for plan in plans if not pricing.plan_kinds(plan) & _NOT_AT_STATIONS)
    return for_bikes or tuple(plans)


def several_plans_sentence(plans: Sequence[PricingPlan]) -> tuple[str | None, PricingPlan | None]:
    """The price of a ride under the cheapest of ``plans`` and that plan:
    ``"from €1 to start, then €1 per 15 min, 3 plans"``; one plan's own sentence; ``(None,
    None)`` when no plan can be said."""
    from bikefinder.feeds import pricing  # here: only a system with plans needs it

    if len(plans) == 1:
        sentence = pricing.price_sentence(plans[0])
        return sentence, plans[0] if sentence is not None else None
    cheapest = pricing.cheapest_plan(plans)
    sentence = pricing.price_sentence(cheapest) if cheapest is not None else None
    if cheapest is None or sentence is None:
        return None, None
    return f"from {sentence}, {len(plans)} plans", cheapest


class PriceBook(msgspec.Struct):
    """One system's plans, with the station price and each vehicle type's plan worked
    out once."""

    plans: Sequence[PricingPlan]
    vehicle_types: Mapping[str, VehicleType]
    _station: tuple[str | None, PricingPlan | None] | None = None
    #: How many plans the station price is the cheapest of.
    station_plan_count: int = 0
    _by_type: dict[str | None, tuple[str | None, PricingPlan | None]] = msgspec.field(
        default_factory=dict
    )

    def station(self) -> tuple[str | None, PricingPlan | None]:
        """A ride from one of its stations: the sentence and the plan it comes from."""
        if self._station is None:
            applicable = station_plans(self.plans, self.vehicle_types) if self.plans else ()
            self.station_plan_count = len(applicable)
            self._station = several_plans_sentence(applicable) if applicable else (None, None)
        return self._station

    def vehicle(
        self, vehicle: Vehicle, vehicle_type: VehicleType | None
    ) -> tuple[str | None, PricingPlan | None]:
        """A ride on ``vehicle`` (its own plan, else its type's): sentence and plan."""
        if not self.plans:
            return None, None  # no plan names any vehicle: what pricing would answer
        from bikefinder.feeds import pricing  # here: only a system with plans needs it

        if vehicle.pricing_plan_id is not None:
            plan = pricing.plan_for_vehicle(self.plans, vehicle_type, vehicle.pricing_plan_id)
            return (pricing.price_sentence(plan), plan) if plan is not None else (None, None)
        type_id = vehicle_type.vehicle_type_id if vehicle_type is not None else None
        known = self._by_type.get(type_id)
        if known is None:
            plan = pricing.plan_for_vehicle(self.plans, vehicle_type)
            known = (pricing.price_sentence(plan), plan) if plan is not None else (None, None)
            self._by_type[type_id] = known
        return known
