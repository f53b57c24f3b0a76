"""system_pricing_plans v2/v3: real plans in USD, EUR, NOK, ARS; sentences; which plan."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bikefinder.common.errors import FeedFormatError
from bikefinder.feeds.pricing import (
    PricingPlan,
    decode_system_pricing_plans,
    format_money,
    parse_system_pricing_plans,
    plan_for_vehicle,
    plan_summary,
    plans_for_vehicle_type,
    price_sentence,
    price_steps,
)
from bikefinder.feeds.vehicle_feeds import parse_vehicle_type_details
from tests.test_fuzz_parsing import (
    document,
    hostile,
    ids,
    json_values,
    languages,
    localized,
    mostly,
    record,
    scaled,
)

REAL = Path(__file__).parent / "fixtures" / "real_more"
PLAN_FOLDERS = sorted(p.name for p in REAL.iterdir() if (p / "system_pricing_plans.json").is_file())


def plans(folder: str, language: str | None = None) -> Any:
    body = (REAL / folder / "system_pricing_plans.json").read_bytes()
    return decode_system_pricing_plans(body, "u", language)


def types(folder: str) -> Any:
    return parse_vehicle_type_details(
        json.loads((REAL / folder / "vehicle_types.json").read_bytes())
    )


EXPECTED = {
    "bike-nordelta-pbsc_2.3_2025": (144, "Mensual: 1500 ARS to start, then 8 ARS/min"
                                    " after 1 h 5 min"),
    "bird-seattle_2.3_2025": (1, "Bird Pricing Plan: $1 to start, then $0.39/min"),
    "bolt-essen_3.0_2025": (1, "ESSEN SCOOTER: €0.59 to start, then €0.23/min"),
    "divvy-chicago-lyft_2.3_2025": (3, "EBIKE SINGLE RIDE: $1 to start, then $0.44/min"),
    "donkey-barcelona_2.3_2025": (1, "Bike pricing: €2 to start, +€2 at 15 min"),
    "lillestrom-bysykkel-entur_2.2_2021": (2, "sesongkort: 50 kr"),
    "nextbike-linz_2.3_2025": (2, "EUR 1/15min, max. EUR 15/24h: €1 to start, then €1 per"
                               " 15 min"),
    "oekostadt-renningen-mobidatabw_2.3_2025": (10, "Kategorie A - Nacht: €1 to start,"
                                                " then €0.41/km"),
}  # fmt: skip


def test_every_real_pricing_feed_is_pinned() -> None:
    assert sorted(EXPECTED) == PLAN_FOLDERS


@pytest.mark.parametrize("folder", PLAN_FOLDERS)
def test_real_plans_read_and_say_what_a_ride_costs(folder: str) -> None:
    feed = plans(folder, "en")
    count, first = EXPECTED[folder]
    assert (len(feed.plans), feed.rejected) == (count, 0)
    assert plan_summary(feed.plans[0]) == first
    for plan in feed.plans:
        assert plan.currency is not None and plan.price is not None
        assert price_sentence(plan) is not None


def test_divvy_prices_sent_as_strings_are_exact_decimals() -> None:
    feed = plans("divvy-chicago-lyft_2.3_2025")
    assert [p.price for p in feed.plans] == [Decimal("1.00")] * 3
    assert [p.per_min[0].rate for p in feed.plans] == [
        Decimal("0.44"),
        Decimal("0.18"),
        Decimal("0.44"),
    ]
    assert feed.plan("BIKE_SINGLE_RIDE").description == "$1.00 unlock fee, $0.18 per minute."
    assert feed.plan("nope") is None


def test_renningen_per_km_and_per_hour_rates() -> None:
    feed = plans("oekostadt-renningen-mobidatabw_2.3_2025")
    day = feed.plan("ORE:PricingPlan:mini_hour_daytime")
    assert price_sentence(day) == "€1 to start, then €1.64/h + €0.41/km after 4 km"
    assert price_steps(day) == ("€1 to unlock", "€1.64/h", "€0.41/km from 4 km")
    assert sum(1 for p in feed.plans if p.per_km) == 10
    assert sum(1 for p in feed.plans if p.per_min) == 5


def test_plan_for_a_vehicle_follows_the_gbfs_order() -> None:
    donkey = plans("donkey-barcelona_2.3_2025").plans
    bike = types("donkey-barcelona_2.3_2025")["bike"]
    assert plan_for_vehicle(donkey, bike).plan_id == "80"
    assert plans_for_vehicle_type(donkey, bike) == donkey
    renningen = plans("oekostadt-renningen-mobidatabw_2.3_2025").plans
    zoe = types("oekostadt-renningen-mobidatabw_2.3_2025")["ORE:VehicleType:zoe200"]
    assert plan_for_vehicle(renningen, zoe).plan_id == zoe.default_pricing_plan_id
    assert len(plans_for_vehicle_type(renningen, zoe)) == len(set(zoe.pricing_plan_ids)) >= 1
    nextbike = plans("nextbike-linz_2.3_2025").plans
    assert plan_for_vehicle(nextbike, None, "Rate0311").plan_id == "Rate0311"  # the bike's own
    assert plan_for_vehicle(nextbike) is None  # two plans, none named: not guessed
    assert plan_for_vehicle(nextbike, None, "gone") is None
    bird = plans("bird-seattle_2.3_2025").plans
    assert plan_for_vehicle(bird).plan_id == bird[0].plan_id  # the system's only plan
    nordelta = plans("bike-nordelta-pbsc_2.3_2025").plans
    iconic = types("bike-nordelta-pbsc_2.3_2025")["ICONIC"]
    assert plan_for_vehicle(nordelta, iconic).plan_id == "1-1"


def test_money_in_the_plans_currency() -> None:
    assert format_money(Decimal("1"), "EUR") == "€1"
    assert format_money(Decimal("1.00"), "EUR") == "€1"  # whole: no cents
    assert format_money(Decimal("1.5"), "EUR") == "€1.50"
    assert format_money(Decimal("0.05"), "EUR") == "€0.05"
    assert format_money(Decimal("0.44"), "USD") == "$0.44"
    assert format_money(Decimal("2.5"), "GBP") == "£2.50"
    assert format_money(Decimal("3"), "CAD") == "CA$3"
    assert format_money(Decimal("50.0"), "NOK") == "50 kr"
    assert format_money(Decimal("12"), "ARS") == "12 ARS"
    assert format_money(Decimal("0.125"), "EUR") == "€0.125"
    assert format_money(Decimal("150"), "JPY") == "¥150"
    assert format_money(Decimal("-0.5"), "USD") == "-$0.50"


def plan_of(**fields: Any) -> PricingPlan:
    base = {"plan_id": "p", "name": "P", "currency": "EUR", "price": 1, "is_taxable": False}
    feed = parse_system_pricing_plans({"data": {"plans": [{**base, **fields}]}}, "u")
    return feed.plans[0]


def test_sentences_for_the_spec_examples_and_edge_cases() -> None:
    spec_one = plan_of(
        currency="USD",
        price=2.0,
        per_km_pricing=[
            {"start": 10, "rate": 1.0, "interval": 1, "end": 25},
            {"start": 25, "rate": 0.5, "interval": 1},
            {"start": 25, "rate": 3.0, "interval": 5},
        ],
    )
    assert price_sentence(spec_one) == "$2 to start, then $1/km after 10 km"
    assert price_steps(spec_one) == (
        "$2 to unlock", "$1/km from 10 km until 25 km", "$0.50/km from 25 km",
        "$3 per 5 km from 25 km",
    )  # fmt: skip
    assert price_sentence(plan_of(price=0)) == "free"
    assert price_sentence(plan_of(price="0.00", per_min_pricing=[])) == "free"
    assert (
        price_sentence(plan_of(price=0, per_min_pricing=[{"start": 0, "rate": 0.1, "interval": 1}]))
        == "€0.10/min"
    )
    # Anything unreadable: no sentence rather than a wrong one.
    assert price_sentence(plan_of(currency="euro")) is None
    assert price_sentence(plan_of(price=-1)) is None
    assert price_sentence(plan_of(price="1,50")) is None
    assert (
        price_sentence(plan_of(per_min_pricing=[{"start": 0, "rate": "x", "interval": 1}])) is None
    )
    broken = plan_of(per_min_pricing=[{"start": 0, "rate": 0.1, "interval": 1}, {"start": 5}])
    assert broken.segments_unreadable and price_sentence(broken) is None
    assert plan_summary(broken) == "P"
    assert price_sentence(plan_of(per_min_pricing="0.10/min")) is None
    assert price_sentence(plan_of(per_hour_pricing=[{"start": 0, "rate": 1}])) is None
    ended_before_start = plan_of(per_min_pricing=[{"start": 5, "rate": 1, "interval": 1, "end": 5}])
    assert price_sentence(ended_before_start) is None


def test_v3_localized_names() -> None:
    doc = {
        "data": {
            "plans": [
                {
                    "plan_id": "x",
                    "name": [{"text": "Trip", "language": "en"}, {"text": "Tur", "language": "nb"}],
                    "description": [{"text": "Beskrivelse", "language": "nb"}],
                    "url": [{"text": "https://x.test/nb", "language": "nb"}],
                    "currency": "nok",
                    "price": 25,
                },
                {"plan_id": "x", "currency": "NOK", "price": 1},  # duplicate id
                {"name": "no id"},
            ]
        }
    }
    feed = parse_system_pricing_plans(doc, "u", "nb")
    assert [(p.name, p.description, p.url, p.currency) for p in feed.plans] == [
        ("Tur", "Beskrivelse", "https://x.test/nb", "NOK")
    ]
    assert feed.rejected == 2
    assert plan_summary(feed.plans[0]) == "Tur: 25 kr"


def test_broken_documents_raise() -> None:
    for doc in ([], {"data": []}, {"data": {"plans": {}}}, {"data": {}}):
        with pytest.raises(FeedFormatError) as raised:
            parse_system_pricing_plans(doc, "u")
        assert raised.value.feed == "system_pricing_plans"


amounts = st.floats(allow_nan=True, allow_infinity=True) | st.integers() | hostile
segment = record({"start": amounts, "rate": amounts, "interval": amounts}, {"end": amounts})
plan_record = record(
    {
        "plan_id": ids,
        "name": st.text(max_size=10) | localized,
        "currency": st.sampled_from(["EUR", "USD", "nok", "XXX", "€"]),
        "price": amounts,
    },
    {
        "per_min_pricing": st.lists(mostly(segment), max_size=3) | hostile,
        "per_km_pricing": st.lists(mostly(segment), max_size=3) | hostile,
        "is_taxable": hostile,
        "surge_pricing": hostile,
        "url": hostile,
        "description": hostile,
    },
)
plans_doc = document(record({"plans": st.lists(mostly(plan_record), max_size=4)}, {}))


@scaled(1)
@given(plans_doc, languages)
def test_hostile_pricing_documents(doc: Any, language: Any) -> None:
    try:
        feed = parse_system_pricing_plans(doc, "u", language)
    except FeedFormatError:
        return
    for plan in feed.plans:
        sentence = price_sentence(plan)
        assert sentence is None or (isinstance(sentence, str) and sentence)
        plan_summary(plan)
        assert plan.price is None or plan.price >= 0
    plan_for_vehicle(feed.plans)


@scaled(2)
@given(json_values)
def test_arbitrary_json_raises_only_feed_format_error(value: Any) -> None:
    try:
        parse_system_pricing_plans(value, "u")
        decode_system_pricing_plans(json.dumps(value).encode(), "u")
    except FeedFormatError:
        pass
