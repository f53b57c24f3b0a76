"""``system_pricing_plans`` (GBFS 2.x and 3.0) and what a ride costs, in a sentence.

Pure parsing and rules, no I/O. Amounts are :class:`~decimal.Decimal`, read from the
feed's number or string (v2.x allows ``"1.00"``) without float rounding. v3 names and
descriptions are localized strings, resolved to the chosen language.

:func:`price_sentence` says what a ride costs in one short sentence, in the plan's
currency: ``"€1 to start, then €1 per 15 min"``; :func:`price_steps` lists every step
(the details' table). Neither says anything rather than something incomplete: a plan
whose price, currency or any rate segment cannot be read has no sentence (show its
name and description instead). :func:`plan_for_vehicle` finds the plan a vehicle is
priced by; :func:`cheapest_plan` picks among several.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from bikefinder.common.errors import FeedFormatError
from bikefinder.feeds import gbfs
from bikefinder.feeds.models import FeedMeta
from bikefinder.feeds.values import as_bool, as_count, as_id, as_text
from bikefinder.feeds.vehicles import BIKE_FORMS, VehicleForm, VehicleType

#: Amounts beyond this are junk, not prices.
_MAX_AMOUNT = Decimal(1_000_000_000)
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
#: How a few currencies are written: (prefix, suffix). Others are written with their code.
CURRENCY_SYMBOLS: Mapping[str, tuple[str, str]] = {
    "EUR": ("€", ""),
    "USD": ("$", ""),
    "GBP": ("£", ""),
    "CAD": ("CA$", ""),
    "AUD": ("A$", ""),
    "NOK": ("", " kr"),
    "SEK": ("", " kr"),
    "DKK": ("", " kr"),
    "CHF": ("CHF ", ""),
    "JPY": ("¥", ""),
}
#: Currencies without minor units (ISO 4217 exponent 0).
_NO_CENTS = frozenset({"JPY", "KRW", "ISK", "CLP", "VND", "PYG", "UGX", "XOF", "XAF"})


class PriceSegment(msgspec.Struct, frozen=True):
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


class PricingPlan(msgspec.Struct, frozen=True):
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


class PricingFeed(msgspec.Struct, frozen=True):
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
    """``"€1"``, ``"€0.05"``, ``"$0.44"``, ``"£2.50"``, ``"CA$3"``, ``"50 kr"``, ``"12 ARS"``:
    whole amounts without cents (a rider reads "€1", not "€1.00"), others with two
    decimals, finer fractions kept."""
    exponent = amount.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    places = 0 if decimals == 0 or currency in _NO_CENTS else max(2, min(decimals, 6))
    number = f"{abs(amount):.{places}f}"
    sign = "-" if amount < 0 else ""
    prefix, suffix = CURRENCY_SYMBOLS.get(currency, ("", f" {currency}"))
    return f"{sign}{prefix}{number}{suffix}"


def quantity_text(value: int, unit: str) -> str:
    """``15 min``, ``1 h 30 min``, ``24 h``, ``5 km``."""
    if unit != "min" or value < 60:
        return f"{value} {unit}"
    hours, minutes = divmod(value, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _rate_text(segment: PriceSegment, unit: str, currency: str) -> str:
    """``"€0.44/min"``, ``"€1.64/h"``, ``"€1 per 15 min"``."""
    money = format_money(segment.rate, currency)
    if segment.interval == 1:
        return f"{money}/{unit}"
    if unit == "min" and segment.interval == 60:
        return f"{money}/h"
    return f"{money} per {quantity_text(segment.interval, unit)}"


def _segment_text(segment: PriceSegment, unit: str, currency: str) -> str:
    if segment.charged_once:
        at = "at start" if segment.start == 0 else f"at {quantity_text(segment.start, unit)}"
        return f"{format_money(segment.rate, currency)} {at}"
    text = _rate_text(segment, unit, currency)
    if segment.start:
        text += f" from {quantity_text(segment.start, unit)}"
    if segment.end is not None:
        text += f" until {quantity_text(segment.end, unit)}"
    return text


def _readable(plan: PricingPlan) -> bool:
    return plan.price is not None and plan.currency is not None and not plan.segments_unreadable


def price_steps(plan: PricingPlan) -> tuple[str, ...]:
    """Every step of the tariff, one line each, as the feed orders them: ``"€1 to
    unlock"``, ``"€1 at start"``, ``"€1 per 15 min from 16 min until 3 h 31 min"``,
    ``"€0.41/km from 4 km"``. Empty when the plan cannot be read whole."""
    if not _readable(plan):
        return ()
    assert plan.price is not None and plan.currency is not None
    currency = plan.currency
    steps = [f"{format_money(plan.price, currency)} to unlock"] if plan.price else []
    steps += [_segment_text(segment, "min", currency) for segment in plan.per_min]
    steps += [_segment_text(segment, "km", currency) for segment in plan.per_km]
    if plan.surge_pricing:
        steps.append("prices may surge")
    return tuple(steps) or ("free",)


class PriceOutline(msgspec.Struct, frozen=True):
    """What a plan's one-sentence price says, before it is put in words (English here,
    the app's language in the UI): paid at the start, then the first repeating rate of
    each unit, with the quantity it starts ``after`` when later than the start covers;
    else a later one-off charge."""

    currency: str
    at_start: Decimal
    #: (rate, unit, starts after this quantity or ``None``), per minute then per km.
    rates: tuple[tuple[PriceSegment, str, int | None], ...]
    #: A one-off charge later in the ride (said when nothing repeats), and its unit.
    later: tuple[PriceSegment, str] | None
    surge: bool


def price_outline(plan: PricingPlan) -> PriceOutline | None:
    """The parts of :func:`price_sentence`; ``None`` when the plan cannot be read whole."""
    if not _readable(plan):
        return None
    assert plan.price is not None and plan.currency is not None
    at_start = plan.price
    rates: list[tuple[PriceSegment, str, int | None]] = []
    later: tuple[PriceSegment, str] | None = None
    for segments, unit in ((plan.per_min, "min"), (plan.per_km, "km")):
        covered = 0
        for segment in segments:
            if segment.start == 0 and segment.charged_once:
                at_start += segment.rate
                covered = max(covered, segment.end or 0)
        repeating = next((s for s in segments if not s.charged_once and s.rate), None)
        if repeating is not None:
            after = repeating.start if repeating.start > covered else None
            rates.append((repeating, unit, after))
        elif later is None:
            once = next((s for s in segments if s.start > 0 and s.charged_once and s.rate), None)
            if once is not None:
                later = (once, unit)
    return PriceOutline(plan.currency, at_start, tuple(rates), later, bool(plan.surge_pricing))


def price_sentence(plan: PricingPlan) -> str | None:
    """What a ride costs, in one short sentence a rider reads at a glance:
    ``"€1 to start, then €1 per 15 min"``, ``"$1 to start, then $0.44/min"``,
    ``"€1 to start, then €1.64/h + €0.41/km after 4 km"``, ``"€0.10/min"``, ``"free"``,
    ``"50 kr"`` (a plan without rates: its whole price).

    What is paid at the start (the price and any one-off charge at 0) comes first, then
    the first repeating rate of each unit, with "after" when it starts later than the
    start covers; a later one-off charge is said when nothing repeats (``"+€2 at 15
    min"``). Later steps (daily caps, second days) are in :func:`price_steps`.
    ``None`` when the plan cannot be read whole."""
    outline = price_outline(plan)
    if outline is None:
        return None
    currency = outline.currency
    rates = []
    for segment, unit, after in outline.rates:
        text = _rate_text(segment, unit, currency)
        rates.append(text if after is None else f"{text} after {quantity_text(after, unit)}")
    surge = " (prices may surge)" if outline.surge else ""
    start = format_money(outline.at_start, currency)
    if not rates:
        if outline.later is not None:
            once, unit = outline.later
            later = f"+{format_money(once.rate, currency)} at {quantity_text(once.start, unit)}"
            return f"{start} to start, {later}{surge}"
        return ("free" if outline.at_start == 0 else start) + surge
    then = " + ".join(rates)
    if outline.at_start > 0:
        return f"{start} to start, then {then}{surge}"
    return then + surge


def plan_summary(plan: PricingPlan) -> str | None:
    """``"BIKE SINGLE RIDE: $1 to start, then $0.18/min"``; the name alone when the
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
    ``pricing_plan_ids`` entry, else the system's only plan, else (a type that names no
    plan) the one plan whose name or id names the type's kind, as Lyft's ``"SCOOTER SINGLE
    RIDE"`` does. ``None`` when that leaves a choice or names no plan the feed has.
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
    if len(plans) == 1:
        return plans[0]
    kind = vehicle_kind(vehicle_type) if vehicle_type is not None else None
    if kind is None:
        return None
    named = [plan for plan in plans if plan_kinds(plan) == {kind}]
    return named[0] if len(named) == 1 else None


#: The words a plan's name or id uses for each kind of vehicle (lower case, after
#: "e-bike" / "e scooter" are joined into one word).
KIND_WORDS: Mapping[str, frozenset[str]] = {
    "e-bike": frozenset({"ebike", "ebikes", "electric", "pedelec", "pedelecs"}),
    "bike": frozenset({"bike", "bikes", "bicycle", "bicycles", "fahrrad", "velo", "bici"}),
    "scooter": frozenset({"scooter", "scooters", "escooter", "escooters", "trottinette"}),
    "moped": frozenset({"moped", "mopeds", "emoped", "emopeds"}),
    "car": frozenset({"car", "cars"}),
}
_NOT_A_WORD = re.compile(r"[^a-z0-9]+")
_E_PREFIX = re.compile(r"\be (?=bike|scooter|moped)")


def plan_kinds(plan: PricingPlan) -> set[str]:
    """The kinds of vehicle a plan's name and id name (``{"scooter"}``), by
    :data:`KIND_WORDS`; empty when they name none."""
    text = _NOT_A_WORD.sub(" ", f"{plan.name or ''} {plan.plan_id}".lower())
    words = set(_E_PREFIX.sub("e", text).split())
    return {kind for kind, kind_words in KIND_WORDS.items() if words & kind_words}


def vehicle_kind(vehicle_type: VehicleType) -> str | None:
    """The :data:`KIND_WORDS` kind of a vehicle type; ``None`` when not clear (a bicycle
    that does not say whether it is electric, an unknown form)."""
    form = vehicle_type.form
    if form in BIKE_FORMS:
        return (
            None if vehicle_type.electric is None else "e-bike" if vehicle_type.electric else "bike"
        )
    return {VehicleForm.SCOOTER: "scooter", VehicleForm.MOPED: "moped", VehicleForm.CAR: "car"}.get(
        form
    )


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

#: The ride plans are compared on: a short trip (minutes, km).
REFERENCE_RIDE = (15.0, 3.0)


def cheapest_plan(plans: Sequence[PricingPlan]) -> PricingPlan | None:
    """Of several plans, the one a :data:`REFERENCE_RIDE` costs least under (the first of
    equals; only plans in the first readable plan's currency are compared). ``None``
    when no plan's cost can be worked out (unreadable, surging)."""
    costed = [(ride_cost(plan, *REFERENCE_RIDE), order, plan) for order, plan in enumerate(plans)]
    readable = [(cost, order, plan) for cost, order, plan in costed if cost is not None]
    if not readable:
        return None
    currency = readable[0][2].currency
    same = [(cost, order, plan) for cost, order, plan in readable if plan.currency == currency]
    return min(same, key=lambda item: (item[0], item[1]))[2]


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
