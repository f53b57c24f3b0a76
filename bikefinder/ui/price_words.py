"""Prices in the UI's language: the same sentence and tariff steps as
:func:`bikefinder.feeds.pricing.price_sentence` and :func:`~bikefinder.feeds.pricing.
price_steps` (which the printed output keeps in English), from the plan itself."""

from __future__ import annotations

from bikefinder.common.i18n import _, ngettext
from bikefinder.feeds.pricing import (
    PriceSegment,
    PricingPlan,
    format_money,
    price_outline,
    quantity_text,
)
from bikefinder.rider.rows import Row


def _rate(segment: PriceSegment, unit: str, currency: str) -> str:
    """ "€0.44/min", "€1.64/h", "€1 per 15 min"."""
    money = format_money(segment.rate, currency)
    if segment.interval == 1:
        return f"{money}/{unit}"
    if unit == "min" and segment.interval == 60:
        return f"{money}/h"
    return _("{money} per {quantity}").format(
        money=money, quantity=quantity_text(segment.interval, unit)
    )


def _step(segment: PriceSegment, unit: str, currency: str) -> str:
    money = format_money(segment.rate, currency)
    if segment.charged_once:
        if segment.start == 0:
            return _("{money} at start").format(money=money)
        return _("{money} at {quantity}").format(
            money=money, quantity=quantity_text(segment.start, unit)
        )
    text = _rate(segment, unit, currency)
    if segment.start:
        text += " " + _("from {quantity}").format(quantity=quantity_text(segment.start, unit))
    if segment.end is not None:
        text += " " + _("until {quantity}").format(quantity=quantity_text(segment.end, unit))
    return text


def _readable(plan: PricingPlan) -> bool:
    return plan.price is not None and plan.currency is not None and not plan.segments_unreadable


def steps_words(plan: PricingPlan) -> tuple[str, ...]:
    """Every step of the tariff, one line each: "€1 to unlock", "€1 per 15 min from
    16 min until 3 h 31 min" (empty when the plan cannot be read whole)."""
    if not _readable(plan):
        return ()
    assert plan.price is not None and plan.currency is not None
    currency = plan.currency
    steps = [_("{money} to unlock").format(money=format_money(plan.price, currency))]
    steps = steps if plan.price else []
    steps += [_step(segment, "min", currency) for segment in plan.per_min]
    steps += [_step(segment, "km", currency) for segment in plan.per_km]
    if plan.surge_pricing:
        steps.append(_("prices may surge"))
    return tuple(steps) or (_("free"),)


def sentence_words(plan: PricingPlan) -> str | None:
    """What a ride costs in one short sentence: "€1 to start, then €1 per 15 min"
    (the outline of :func:`bikefinder.feeds.pricing.price_sentence`, in the UI's
    language); ``None`` when the plan cannot be read whole."""
    outline = price_outline(plan)
    if outline is None:
        return None
    currency = outline.currency
    rates = []
    for segment, unit, after in outline.rates:
        text = _rate(segment, unit, currency)
        if after is not None:
            text += " " + _("after {quantity}").format(quantity=quantity_text(after, unit))
        rates.append(text)
    surge = " " + _("(prices may surge)") if outline.surge else ""
    start = format_money(outline.at_start, currency)
    if not rates:
        if outline.later is not None:
            once, unit = outline.later
            later = _("+{money} at {quantity}").format(
                money=format_money(once.rate, currency), quantity=quantity_text(once.start, unit)
            )
            return _("{money} to start, {later}").format(money=start, later=later) + surge
        return (_("free") if outline.at_start == 0 else start) + surge
    then = " + ".join(rates)
    if outline.at_start > 0:
        return _("{money} to start, then {rates}").format(money=start, rates=then) + surge
    return then + surge


def row_price_words(row: Row) -> str | None:
    """What a ride from ``row`` costs: its plan's sentence, or the cheapest of several
    ("from €1 to start, then €1 per 15 min, 2 plans"); ``None`` when not known."""
    plan = row.price_plan
    if plan is None or row.price is None:
        return row.price
    sentence = sentence_words(plan)
    if sentence is None:
        return row.price
    if row.price_plans > 1:
        return ngettext(
            "from {price}, {count} plan", "from {price}, {count} plans", row.price_plans
        ).format(price=sentence, count=row.price_plans)
    return sentence


def trip_price_words(plan: PricingPlan | None, plans: int) -> str | None:
    """A trip's plan in a sentence, and of how many plans it is the cheapest."""
    sentence = sentence_words(plan) if plan is not None else None
    if sentence is None or plans <= 1:
        return sentence
    cheapest = ngettext(
        "(the cheapest of {count} plan for this ride)",
        "(the cheapest of {count} plans for this ride)",
        plans,
    ).format(count=plans)
    return f"{sentence} {cheapest}"
