"""Why a row is no option, as a value: the printed output spells it in English
(:func:`reason_text`), the app in its own language from the same facts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from bikefinder.feeds import opening_status
from bikefinder.rider.modes import Mode, StationState, counted


class ReasonKind(StrEnum):
    """What keeps a row from being an option."""

    #: The station's state blocks the mode (:attr:`Reason.state`).
    STATE = "state"
    #: The feed does not say how many of what the mode wants.
    UNKNOWN = "unknown"
    #: None of what the mode wants: no bikes, no e-bikes, full.
    NONE = "none"
    #: Fewer than the rider's minimum (:attr:`Reason.count`).
    ONLY = "only"
    #: Closed by its opening hours (:attr:`Reason.opens_at`, :attr:`Reason.days_ahead`).
    HOURS = "hours"
    #: A vehicle other than a bike.
    NOT_A_BIKE = "not a bike"
    #: A favourite that is no longer in its system's feeds.
    NOT_IN_FEED = "not in feed"


class Reason(msgspec.Struct, frozen=True):
    """Why a row is no option in ``mode``, with the numbers that say it."""

    kind: ReasonKind
    mode: Mode = Mode.ANY_BIKE
    state: StationState | None = None
    count: int | None = None
    #: When it opens (the system's local time; ``None``: not known), and in how many
    #: calendar days from now (0: today).
    opens_at: datetime | None = None
    days_ahead: int = 0


def hours_reason(status: opening_status.OpeningStatus, now: datetime, mode: Mode) -> Reason:
    """Closed by its hours, and when it opens."""
    opens = status.opens_at
    days = 0 if opens is None else (opens.date() - now.astimezone(opens.tzinfo).date()).days
    return Reason(ReasonKind.HOURS, mode, opens_at=opens, days_ahead=days)


def reason_text(reason: Reason) -> str:
    """The reason in English, as the printed output says it: "no bikes", "closed,
    opens 07:00", "only 2 bikes", "not installed"."""
    mode = reason.mode
    if reason.kind is ReasonKind.STATE and reason.state is not None:
        return reason.state.value
    if reason.kind is ReasonKind.UNKNOWN:
        return {Mode.ANY_BIKE: "bikes unknown", Mode.EBIKE: "e-bikes unknown"}.get(
            mode, "docks unknown"
        )
    if reason.kind is ReasonKind.NONE:
        return {Mode.ANY_BIKE: "no bikes", Mode.EBIKE: "no e-bikes"}.get(mode, "full")
    if reason.kind is ReasonKind.ONLY:
        return f"only {counted(reason.count or 0, mode.wanted)}"
    if reason.kind is ReasonKind.HOURS:
        opens = reason.opens_at
        if opens is None:
            return "closed"
        if reason.days_ahead <= 0:
            return f"closed, opens {opens:%H:%M}"
        if reason.days_ahead < 7:
            return f"closed, opens {opens:%a %H:%M}"
        return f"closed, opens {opens.day} {opens:%b}"
    return reason.kind.value
