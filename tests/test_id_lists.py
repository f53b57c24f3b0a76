"""Lists of ids a feed may make huge (an alert naming 100,000 stations, 20,000 alerts on
one station, a vehicle type listing every plan): read in linear time. Counted, not timed:
each id is compared with others only on hash collisions, never with every one kept."""

from __future__ import annotations

from typing import Any

import pytest

from bikefinder.feeds import pricing, system_alerts, values

COMPARISONS = 0


def comparisons() -> int:
    return COMPARISONS


class CountingId(str):
    """An id that counts how often it is compared for equality."""

    __hash__ = str.__hash__

    def __eq__(self, other: object) -> bool:
        global COMPARISONS
        COMPARISONS += 1
        return str.__eq__(self, other)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Any:
    global COMPARISONS
    COMPARISONS = 0
    real = values.as_id
    monkeypatch.setattr(
        values, "as_id", lambda value: None if (v := real(value)) is None else CountingId(v)
    )
    return lambda: COMPARISONS


def test_as_id_list_is_linear(counted: Any) -> None:
    ids = [f"s{n}" for n in range(3000)] + ["s1", "s2"]
    result = values.as_id_list(ids)
    assert result == tuple(f"s{n}" for n in range(3000))  # order kept, duplicates dropped
    assert counted() < 10 * len(ids)


def test_many_alerts_on_one_station_are_linear() -> None:
    global COMPARISONS
    COMPARISONS = 0
    alerts = [
        system_alerts.SystemAlert(
            alert_id=CountingId(f"a{n}"), type=None, summary="x", station_ids=("s1",)
        )
        for n in range(3000)
    ]
    table = system_alerts.alerts_by_station(alerts)
    assert len(table["s1"]) == 3000
    assert comparisons() < 10 * len(alerts)


def test_plans_for_a_vehicle_type_are_linear() -> None:
    global COMPARISONS
    COMPARISONS = 0
    plan_ids = [CountingId(f"p{n}") for n in range(3000)]
    plans = [
        pricing.PricingPlan(plan_id=plan_id, name=plan_id, currency=None, price=None)
        for plan_id in plan_ids
    ]
    vehicle_type = type("T", (), {"default_pricing_plan_id": None, "pricing_plan_ids": plan_ids})
    assert len(pricing.plans_for_vehicle_type(plans, vehicle_type)) == 3000  # type: ignore[arg-type]
    assert comparisons() < 10 * len(plan_ids)
