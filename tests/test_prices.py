"""What a ride costs, as a rider reads it: short sentences, every step, which plan prices a
vehicle or a station (the cheapest of several, saying so), on real plans."""

from __future__ import annotations

from decimal import Decimal

from test_pricing import plan_of, plans, types

from bikefinder.feeds.pricing import (
    PriceSegment,
    PricingPlan,
    cheapest_plan,
    plan_for_vehicle,
    plan_kinds,
    price_sentence,
    price_steps,
)
from bikefinder.feeds.vehicles import Vehicle, VehicleForm, VehicleType
from bikefinder.rider.prices import PriceBook, several_plans_sentence, station_plans

DIVVY = "divvy-chicago-lyft_2.3_2025"
NEXTBIKE = "nextbike-linz_2.3_2025"


def test_nextbike_in_one_short_sentence_and_every_step_in_the_table() -> None:
    daily = plans(NEXTBIKE).plan("Rate0311")
    assert price_sentence(daily) == "€1 to start, then €1 per 15 min"
    steps = price_steps(daily)
    assert steps[:3] == (
        "€1 at start",
        "€1 per 15 min from 16 min until 3 h 31 min",
        "€1 at 3 h 31 min",
    )
    assert len(steps) == 16  # every segment, none summarised away
    # A rate from the start is charged at once: no separate start fee.
    assert price_sentence(plans(NEXTBIKE).plan("Rate0604")) == "€1.50 per 15 min"


def test_sentences_for_free_minutes_later_charges_and_surges() -> None:
    free_first = plan_of(price=0, per_min_pricing=[{"start": 30, "rate": 1, "interval": 30}])
    assert price_sentence(free_first) == "€1 per 30 min after 30 min"
    flat_then_once = plan_of(price=2, per_min_pricing=[{"start": 15, "rate": 2, "interval": 0}])
    assert price_sentence(flat_then_once) == "€2 to start, +€2 at 15 min"
    surging = plan_of(surge_pricing=True, per_min_pricing=[{"start": 0, "rate": 1, "interval": 1}])
    assert price_sentence(surging) == "€1 to start, then €1/min (prices may surge)"
    assert price_steps(surging)[-1] == "prices may surge"
    assert price_steps(plan_of(price=0)) == ("free",)
    assert price_steps(plan_of(currency="euro")) == ()


def test_a_divvy_scooter_finds_its_plan_by_name() -> None:
    """Lyft's vehicle types name no plan; its plans are named for their vehicles."""
    divvy = plans(DIVVY).plans
    kinds = types(DIVVY)
    assert plan_for_vehicle(divvy, kinds["3"]).plan_id == "SCOOTER_SINGLE_RIDE"
    assert price_sentence(plan_for_vehicle(divvy, kinds["3"])) == "$1 to start, then $0.44/min"
    assert plan_for_vehicle(divvy, kinds["2"]).plan_id == "EBIKE_SINGLE_RIDE"
    assert plan_for_vehicle(divvy, kinds["1"]).plan_id == "BIKE_SINGLE_RIDE"
    assert [sorted(plan_kinds(p)) for p in divvy] == [["e-bike"], ["bike"], ["scooter"]]
    unsure = VehicleType("x", VehicleForm.BICYCLE, "bicycle", None, None)
    assert plan_for_vehicle(divvy, unsure) is None  # electric or not: not guessed
    two_scooter_plans = [*divvy, plan_of(plan_id="SCOOTER_PASS", name="Scooter pass")]
    assert plan_for_vehicle(two_scooter_plans, kinds["3"]) is None


def test_a_divvy_scooter_row_says_its_price() -> None:
    book = PriceBook(plans(DIVVY).plans, types(DIVVY))
    scooter = Vehicle("v", 41.0, -87.0, "3", VehicleForm.SCOOTER, "electric", True)
    assert book.vehicle(scooter, types(DIVVY)["3"])[0] == "$1 to start, then $0.44/min"


def test_a_station_of_several_plans_says_the_cheapest_and_how_many() -> None:
    divvy = plans(DIVVY).plans
    applicable = station_plans(divvy, types(DIVVY))
    assert [p.plan_id for p in applicable] == ["EBIKE_SINGLE_RIDE", "BIKE_SINGLE_RIDE"]
    sentence, plan = several_plans_sentence(applicable)
    assert sentence == "from $1 to start, then $0.18/min, 2 plans"
    assert plan is not None and plan.plan_id == "BIKE_SINGLE_RIDE"
    nextbike = PriceBook(plans(NEXTBIKE).plans, types(NEXTBIKE)).station()
    assert nextbike[0] == "from €1 to start, then €1 per 15 min, 2 plans"
    # Types that name their plans decide (Nordelta's bikes: 2 of its 144 plans).
    nordelta = station_plans(plans("bike-nordelta-pbsc_2.3_2025").plans,
                             types("bike-nordelta-pbsc_2.3_2025"))  # fmt: skip
    assert [p.plan_id for p in nordelta] == ["1-1", "1-2"]
    assert PriceBook((), {}).station() == (None, None)


def test_the_cheapest_plan_compares_a_short_ride() -> None:
    unlock = PricingPlan("unlock", "U", "EUR", Decimal(3))  # €3 flat
    per_min = PricingPlan(
        "per_min", "M", "EUR", Decimal(0), per_min=(PriceSegment(0, Decimal("0.10"), 1),)
    )  # €1.50 for 15 min
    unknown = PricingPlan("unknown", "?", None, None)
    assert cheapest_plan([unlock, per_min, unknown]) is per_min
    assert cheapest_plan([unknown]) is None
    dollars = PricingPlan("usd", "D", "USD", Decimal(0))
    assert cheapest_plan([unlock, dollars]) is unlock  # another currency: not compared
    assert several_plans_sentence([unknown, unknown]) == (None, None)
