"""``system_pricing_plans`` (GBFS 2.x and 3.0) and what a ride costs, in a sentence.

Pure parsing and rules, no I/O. Amounts are :class:`~decimal.Decimal`, read from the
feed's number or string (v2.x allows ``"1.00"``) without float rounding. v3 names and
descriptions are localized strings, resolved to the chosen language.

:func:`price_sentence` says what the plan's fields say, in the plan's currency:
``"1.00 € to unlock, then 0.05 €/min"``. It says nothing (``None``) rather than
something incomplete: a plan whose price, currency or any rate segment cannot be read
has no sentence (show its name and description instead).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bikefinder.common.errors import FeedFormatError
from bikefinder.feeds import gbfs
from bikefinder.feeds.models import FeedMeta
from bikefinder.feeds.values import as_bool, as_count, as_id, as_text
from bikefinder.feeds.vehicles import VehicleType

#: Amounts beyond this are junk, not prices.
_MAX_AMOUNT = Decimal(1_000_000_000)
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
#: How a few currencies are written: (prefix, suffix). Others are written with their code.
CURRENCY_SYMBOLS: Mapping[str, tuple[str, str]] = {
    "EUR": ("", " €"),
    "USD": ("$", ""),
    "GBP": ("£", ""),
    "CAD": ("CA$", ""),
    "AUD": ("A$", ""),
    "NOK": ("", " kr"),
    "CHF": ("CHF ", ""),
    "JPY": ("¥", ""),
}
#: Currencies without minor units (ISO 4217 exponent 0).
_NO_CENTS = frozenset({"JPY", "KRW", "ISK", "CLP", "VND", "PYG", "UGX", "XOF", "XAF"})


@dataclass(frozen=True, slots=True)
class PriceSegment:
    """``rate`` charged at ``start`` and again every ``interval`` (0: only once), until
    ``end`` (exclusive; ``None``: until the ride ends). Units: minutes or kilometres."""

    start: int
    rate: Decimal
    interval: int
    end: int | None = None

    @property
    def charged_once(self) -> bool:
        return self.interval == 0 or (
            self.end is not None and self.start + self.interval >= self.end
        )


@dataclass(frozen=True, slots=True)
class PricingPlan:
    """One plan; ``None`` means the feed did not say (or said junk)."""

    plan_id: str
    name: str | None
    currency: str | None  # ISO 4217, upper case
    price: Decimal | None  # base price (unlock), or the whole price without segments
    is_taxable: bool | None = None
    description: str | None = None
    url: str | None = None
    per_km: tuple[PriceSegment, ...] = ()
    per_min: tuple[PriceSegment, ...] = ()
    surge_pricing: bool | None = None
    #: Some ``per_km_pricing`` / ``per_min_pricing`` segment could not be read.
    segments_unreadable: bool = False


@dataclass(frozen=True, slots=True)
class PricingFeed:
    """A parsed ``system_pricing_plans``: usable plans and how many were rejected."""

    meta: FeedMeta
    plans: tuple[PricingPlan, ...]
    rejected: int = 0

    def plan(self, plan_id: str | None) -> PricingPlan | None:
        return next((p for p in self.plans if p.plan_id == plan_id), None)


def parse_system_pricing_plans(doc: Any, url: str, language: str | None = None) -> PricingFeed:
    """A decoded ``system_pricing_plans`` document. Plans without an id are rejected and
    counted (the first of a duplicated id wins); no ``data.plans`` list raises."""
    meta = gbfs.parse_meta(doc, "system_pricing_plans", url)
    records = doc["data"].get("plans")
    if not isinstance(records, list):
        raise FeedFormatError("system_pricing_plans", "'data.plans' is not a list")
    plans: list[PricingPlan] = []
    seen: set[str] = set()
    rejected = 0
    for record in records:
        plan = _plan(record, language)
        if plan is None or plan.plan_id in seen:
            rejected += 1
            continue
        seen.add(plan.plan_id)
        plans.append(plan)
    return PricingFeed(meta=meta, plans=tuple(plans), rejected=rejected)


def decode_system_pricing_plans(body: bytes, url: str, language: str | None = None) -> PricingFeed:
    """:func:`parse_system_pricing_plans` from a raw body."""
    return parse_system_pricing_plans(
        gbfs.decode_document(body, "system_pricing_plans"), url, language
    )


def _plan(record: Any, language: str | None) -> PricingPlan | None:
    if not isinstance(record, Mapping):
        return None
    plan_id = as_id(record.get("plan_id"))
    if plan_id is None:
        return None
    per_km, km_bad = _segments(_first(record, "per_km_pricing", "per_kilometer_pricing"))
    per_min, min_bad = _segments(_first(record, "per_min_pricing", "per_minute_pricing"))
    link = _text(record.get("url"), language)
    return PricingPlan(
        plan_id=plan_id,
        name=_text(record.get("name"), language),
        currency=_currency(record.get("currency")),
        price=_amount(record.get("price"), negative=False),
        is_taxable=as_bool(record.get("is_taxable")),
        description=_text(record.get("description"), language),
        url=link if link and link.lower().startswith(("http://", "https://")) else None,
        per_km=per_km,
        per_min=per_min,
        surge_pricing=as_bool(record.get("surge_pricing")),
        segments_unreadable=km_bad or min_bad or _other_rates(record),
    )


def _first(record: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` present: the spec's name, then spellings real feeds use
    (PBSC systems send ``per_minute_pricing``)."""
    for key in keys:
        if record.get(key) is not None:
            return record[key]
    return None


_KNOWN_RATES = frozenset(
    {"per_km_pricing", "per_kilometer_pricing", "per_min_pricing", "per_minute_pricing"}
)


def _other_rates(record: Mapping[str, Any]) -> bool:
    """Whether the plan holds rates under a name not read here (a sentence would leave
    them out, so none is made)."""
    return any(
        isinstance(key, str) and "pricing" in key and key not in _KNOWN_RATES and value
        for key, value in record.items()
        if key != "surge_pricing"
    )


def _text(value: Any, language: str | None) -> str | None:
    text = as_text(value, language)
    return text.strip() or None if text else None


def _currency(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if _CURRENCY.fullmatch(code) else None


def _amount(value: Any, negative: bool) -> Decimal | None:
    """A decimal amount from a JSON number or a decimal string; junk is unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        try:
            amount = Decimal(repr(value))  # the shortest text that reads back: 0.44, not 0.44000…
        except InvalidOperation:  # nan, inf
            return None
    elif isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        amount = Decimal(value.strip())
    else:
        return None
    if not amount.is_finite() or abs(amount) > _MAX_AMOUNT or (amount < 0 and not negative):
        return None
    return amount


def _segments(values: Any) -> tuple[tuple[PriceSegment, ...], bool]:
    """The readable segments, and whether some given ones could not be read."""
    if values is None:
        return (), False
    if not isinstance(values, list):
        return (), True
    segments: list[PriceSegment] = []
    unreadable = False
    for item in values:
        segment = _segment(item)
        if segment is None:
            unreadable = True
        else:
            segments.append(segment)
    return tuple(segments), unreadable


def _segment(item: Any) -> PriceSegment | None:
    if not isinstance(item, Mapping):
        return None
    start, interval = as_count(item.get("start")), as_count(item.get("interval"))
    rate = _amount(item.get("rate"), negative=True)
    end = as_count(item.get("end")) if item.get("end") is not None else None
    if start is None or interval is None or rate is None:
        return None
    if item.get("end") is not None and (end is None or end <= start):
        return None
    return PriceSegment(start=start, rate=rate, interval=interval, end=end)


# --------------------------------------------------------------------------- text


def format_money(amount: Decimal, currency: str) -> str:
    """``"1.00 €"``, ``"$0.44"``, ``"£2.50"``, ``"CA$3.00"``, ``"50.00 kr"``, ``"12.00 ARS"``:
    cents always shown (none for currencies without them), finer fractions kept."""
    digits = 0 if currency in _NO_CENTS else 2
    exponent = amount.normalize().as_tuple().exponent
    places = max(digits, -exponent) if isinstance(exponent, int) else digits
    number = f"{abs(amount):.{min(places, 6)}f}"
    sign = "-" if amount < 0 else ""
    prefix, suffix = CURRENCY_SYMBOLS.get(currency, ("", f" {currency}"))
    return f"{sign}{prefix}{number}{suffix}"


def _quantity(value: int, unit: str) -> str:
    """``15 min``, ``1 h 30 min``, ``24 h``, ``5 km``."""
    if unit != "min" or value < 60:
        return f"{value} {unit}"
    hours, minutes = divmod(value, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _segment_text(segment: PriceSegment, unit: str, currency: str) -> str:
    money = format_money(segment.rate, currency)
    if segment.charged_once:
        at = "at start" if segment.start == 0 else f"at {_quantity(segment.start, unit)}"
        return f"{money} {at}"
    if segment.interval == 1:
        text = f"{money}/{unit}"
    elif unit == "min" and segment.interval == 60:
        text = f"{money}/h"
    else:
        text = f"{money} per {_quantity(segment.interval, unit)}"
    if segment.start:
        text += f" from {_quantity(segment.start, unit)}"
    if segment.end is not None:
        text += f" until {_quantity(segment.end, unit)}"
    return text


def price_sentence(plan: PricingPlan, max_steps: int = 3) -> str | None:
    """What a ride costs, in the plan's currency: ``"1.00 € to unlock, then 0.05 €/min"``;
    ``"free"``; ``"50.00 kr"`` (a plan without rates: its whole price); long tariffs end
    with ``"(+N more steps)"``. ``None`` when the plan cannot be read whole."""
    if plan.price is None or plan.currency is None or plan.segments_unreadable:
        return None
    currency = plan.currency
    steps = [(segment, "min") for segment in plan.per_min] + [
        (segment, "km") for segment in plan.per_km
    ]
    if not steps:
        return "free" if plan.price == 0 else format_money(plan.price, currency)
    described = ", ".join(_segment_text(s, unit, currency) for s, unit in steps[:max_steps])
    if len(steps) > max_steps:
        described += f" (+{len(steps) - max_steps} more steps)"
    if plan.price > 0:
        return f"{format_money(plan.price, currency)} to unlock, then {described}"
    return described


def plan_summary(plan: PricingPlan) -> str | None:
    """``"BIKE SINGLE RIDE: $1.00 to unlock, then $0.18/min"``; the name alone when the
    price cannot be said; ``None`` when neither is known."""
    sentence = price_sentence(plan)
    if plan.name and sentence:
        return f"{plan.name}: {sentence}"
    return sentence or plan.name


# --------------------------------------------------------------------------- which plan


def plan_for_vehicle(
    plans: Sequence[PricingPlan],
    vehicle_type: VehicleType | None = None,
    vehicle_plan_id: str | None = None,
) -> PricingPlan | None:
    """The plan a ride on this vehicle is priced by, as GBFS orders them: the vehicle's own
    ``pricing_plan_id``, else its type's ``default_pricing_plan_id``, else the type's only
    ``pricing_plan_ids`` entry, else the system's only plan. ``None`` when that leaves a
    choice (several plans, none named) or names no plan the feed has.
    """
    by_id = {plan.plan_id: plan for plan in plans}
    if vehicle_plan_id is not None:
        return by_id.get(vehicle_plan_id)
    if vehicle_type is not None:
        default = vehicle_type.default_pricing_plan_id
        if default is not None:
            return by_id.get(default)
        listed = vehicle_type.pricing_plan_ids
        if listed:
            known = [by_id[plan_id] for plan_id in listed if plan_id in by_id]
            return known[0] if len(known) == 1 and len(listed) == 1 else None
    return plans[0] if len(plans) == 1 else None


def plans_for_vehicle_type(
    plans: Sequence[PricingPlan], vehicle_type: VehicleType
) -> tuple[PricingPlan, ...]:
    """Every plan that applies to a vehicle type (default first, then ``pricing_plan_ids``)."""
    by_id = {plan.plan_id: plan for plan in plans}
    ids: dict[str, None] = {}  # insertion-ordered, O(1) membership
    for plan_id in (vehicle_type.default_pricing_plan_id, *vehicle_type.pricing_plan_ids):
        if plan_id is not None and plan_id in by_id:
            ids[plan_id] = None
    return tuple(by_id[plan_id] for plan_id in ids)


# --------------------------------------------------------------------------- one ride


def ride_cost(plan: PricingPlan, minutes: float, km: float) -> Decimal | None:
    """What one ride of ``minutes`` and ``km`` costs under ``plan``: its price plus every
    segment's rate each time it is charged (at ``start``, then every ``interval`` while
    the ride lasts, before ``end``). ``None`` when the plan cannot be read whole or
    surges (the amount would be a guess)."""
    if plan.price is None or plan.currency is None or plan.segments_unreadable:
        return None
    if plan.surge_pricing:
        return None
    total = plan.price
    for segments, used in ((plan.per_min, minutes), (plan.per_km, km)):
        for segment in segments:
            total += segment.rate * _times_charged(segment, used)
    return total


def _times_charged(segment: PriceSegment, used: float) -> int:
    """How often ``segment`` is charged for a ride that used ``used`` units."""
    stop = used if segment.end is None else min(used, segment.end)
    if segment.start > 0 and stop <= segment.start:
        return 0
    if segment.interval == 0:
        return 1
    span = max(0.0, stop - segment.start)
    return max(1, -int(-span // segment.interval))  # ceil, at least the charge at start
