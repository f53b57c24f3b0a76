"""Messages to the app: what the fleet's workers fetched, the scene prepared from it,
what the rider asked of a row, and a fired watch; the app's ``@on`` handlers own the
state they change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from bikefinder.fleet.live import Failed, Loaded
from bikefinder.rider.rows import RowKey
from bikefinder.rider.scene import Scene
from bikefinder.rider.watches import FiredWatch
from bikefinder.ui.data_thread import GateTicket

if TYPE_CHECKING:
    from bikefinder.rider.trips import TripPlan


@dataclass
class FleetUpdate(Message):
    """A system's fetch or cache read finished: its data, or why it failed."""

    event: Loaded | Failed


@dataclass
class ScenePrepared(Message):
    """A scene was prepared off the event loop from the fleet's data; ``ticket``: its
    hold on the data thread's gate, given back once it is drawn."""

    scene: Scene
    ticket: GateTicket


@dataclass
class ToggleFavourite(Message):
    """The rider asked (``f``) to favourite a row's station, or no longer (``None``: no row)."""

    key: RowKey | None


@dataclass
class EditWatch(Message):
    """The rider asked (``a``) to set, change or remove a watch on a row's station."""

    key: RowKey | None


@dataclass
class WatchFired(Message):
    """A watch's condition just became true (the bell, a notification, the command)."""

    fired: FiredWatch
    system_name: str


@dataclass
class TripsPlanned(Message):
    """The trip list's trips were planned off the event loop, on ``scene``."""

    plan: TripPlan
    scene: Scene


@dataclass
class EarlyKey(Message):
    """A key typed right after the key that opened a dialog, which reached the screen
    below before the dialog took the keyboard: the dialog applies it to its field."""

    key: str
    character: str | None
