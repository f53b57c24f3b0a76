"""What the rider is looking for (any bike, an e-bike, a free dock), and which stations
serve it: a station's operating state, the count a mode wants, and why a station is no
option. Pure logic, no UI; listing, the map and watches all apply these rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from bikefinder.feeds.models import Station, StationStatus


class Mode(Enum):
    """What the rider needs right now."""

    ANY_BIKE = "any bike"
    EBIKE = "e-bike"
    DOCK = "free dock"

    @property
    def label(self) -> str:
        return self.value

    @property
    def wanted(self) -> str:
        """What a useful station has, as a plural noun: "bikes", "e-bikes", "free docks"."""
        return {Mode.ANY_BIKE: "bikes", Mode.EBIKE: "e-bikes", Mode.DOCK: "free docks"}[self]

    def next(self) -> Mode:
        """The mode after this one, cycling: any bike -> e-bike -> free dock -> any bike."""
        members = list(Mode)
        return members[(members.index(self) + 1) % len(members)]


def counted(count: int | None, plural: str) -> str:
    """``count`` with its noun, singular for one: "1 bike", "1 free dock", "3 e-bikes",
    "? bikes" when unknown. ``plural`` is one of :attr:`Mode.wanted`'s nouns."""
    if count is None:
        return f"? {plural}"
    noun = plural.replace("bikes", "bike").replace("docks", "dock") if count == 1 else plural
    return f"{count} {noun}"


class StationState(Enum):
    """A station's operating state from its status flags, worst first."""

    NO_STATUS = "no status"
    NOT_INSTALLED = "not installed"
    CLOSED = "closed"
    NOT_RENTING = "not renting"
    NOT_RETURNING = "not returning"
    OK = "ok"


def station_state(status: StationStatus | None) -> StationState:
    """The state the flags describe; an unknown flag counts as normal operation."""
    if status is None:
        return StationState.NO_STATUS
    if status.is_installed is False:
        return StationState.NOT_INSTALLED
    if status.is_renting is False and status.is_returning is False:
        return StationState.CLOSED
    if status.is_renting is False:
        return StationState.NOT_RENTING
    if status.is_returning is False:
        return StationState.NOT_RETURNING
    return StationState.OK


def wanted_count(status: StationStatus | None, mode: Mode) -> int | None:
    """How many of what the rider wants the station has (``None`` when the feed does not say)."""
    if status is None:
        return None
    if mode is Mode.DOCK:
        return status.docks
    if mode is Mode.EBIKE:
        return status.electric
    return status.bikes


#: States in which a station serves nothing at all.
_OUT_OF_SERVICE = frozenset(
    {StationState.NO_STATUS, StationState.NOT_INSTALLED, StationState.CLOSED}
)


def blocks(state: StationState, mode: Mode) -> bool:
    """Whether a station in ``state`` cannot serve ``mode`` whatever its counts say: out of
    service, not renting (a bike mode) or not returning (dock mode). Listing and watches
    share this rule."""
    if state in _OUT_OF_SERVICE:
        return True
    return state is (StationState.NOT_RETURNING if mode is Mode.DOCK else StationState.NOT_RENTING)


def useless_reason(station: Station, mode: Mode) -> str | None:
    """Why ``station`` is no option in ``mode``, or ``None`` when it is one."""
    status = station.status
    state = station_state(status)
    if blocks(state, mode):
        return state.value
    count = wanted_count(status, mode)
    if count is None:
        return {Mode.ANY_BIKE: "bikes unknown", Mode.EBIKE: "e-bikes unknown"}.get(
            mode, "docks unknown"
        )
    if count == 0:
        return {Mode.ANY_BIKE: "no bikes", Mode.EBIKE: "no e-bikes"}.get(mode, "full")
    return None


def mode_reasons(stations: Sequence[Station], mode: Mode) -> list[str | None]:
    """Per station, why it is no option in ``mode`` (``None`` when it is one)."""
    return [useless_reason(station, mode) for station in stations]


def has_at_least(station: Station, mode: Mode, minimum: int | None) -> bool:
    """Whether ``station`` has ``minimum`` or more of what ``mode`` wants (``--min``);
    an unknown count is not enough. Always true without a minimum."""
    if minimum is None:
        return True
    count = wanted_count(station.status, mode)
    return count is not None and count >= minimum


#: ``--mode`` values' modes.
_MODE_OF = {"bike": Mode.ANY_BIKE, "ebike": Mode.EBIKE, "dock": Mode.DOCK}


def mode_named(name: str | None) -> Mode | None:
    """The mode ``--mode NAME`` means (``None`` for none)."""
    return None if name is None else _MODE_OF[name]


def mode_name(mode: Mode) -> str:
    """How ``--mode`` spells ``mode`` (``"bike"``, ``"ebike"``, ``"dock"``)."""
    return next(name for name, known in _MODE_OF.items() if known is mode)
