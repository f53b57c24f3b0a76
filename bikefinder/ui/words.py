"""The rider layer's words as the app shows them, in the UI's language.

:mod:`bikefinder.rider` spells modes and counts in English for the printed output
(``--once``, JSON, CSV), which scripts read; the app translates them here, where they
are shown, and leaves that layer alone.
"""

from __future__ import annotations

from bikefinder.common.i18n import _, ngettext
from bikefinder.rider.modes import Mode, StationState


def mode_label(mode: Mode) -> str:
    """What the rider looks for: "any bike", "e-bike", "free dock"."""
    if mode is Mode.EBIKE:
        return _("e-bike")
    if mode is Mode.DOCK:
        return _("free dock")
    return _("any bike")


def counted_bikes(count: int | None) -> str:
    """ "1 bike", "3 bikes", "? bikes" when unknown."""
    if count is None:
        return _("? bikes")
    return ngettext("{count} bike", "{count} bikes", count).format(count=count)


def counted_ebikes(count: int | None) -> str:
    """ "1 e-bike", "3 e-bikes", "? e-bikes" when unknown."""
    if count is None:
        return _("? e-bikes")
    return ngettext("{count} e-bike", "{count} e-bikes", count).format(count=count)


def counted_docks(count: int | None) -> str:
    """ "1 free dock", "3 free docks", "? free docks" when unknown."""
    if count is None:
        return _("? free docks")
    return ngettext("{count} free dock", "{count} free docks", count).format(count=count)


def counted_wanted(count: int | None, mode: Mode) -> str:
    """``count`` of what ``mode`` looks for."""
    if mode is Mode.EBIKE:
        return counted_ebikes(count)
    if mode is Mode.DOCK:
        return counted_docks(count)
    return counted_bikes(count)


def walking_faster(minutes: str) -> str:
    """The trip list's note when walking all the way is not slower than the best trip."""
    return _("Walking is faster: {minutes}").format(minutes=minutes)


def state_label(state: StationState) -> str:
    """A station's state as the details screen labels it: "operating", "closed" ..."""
    labels = {
        StationState.NO_STATUS: _("no status"),
        StationState.NOT_INSTALLED: _("not installed"),
        StationState.CLOSED: _("closed"),
        StationState.NOT_RENTING: _("not renting"),
        StationState.NOT_RETURNING: _("not returning"),
        StationState.OK: _("operating"),
    }
    return labels[state]
