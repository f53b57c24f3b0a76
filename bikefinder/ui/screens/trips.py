"""The trip list: the best trips from the rider's point to a destination, live.

Each line is one trip: pickup (a station with its bikes, or a free-floating bike), walk
to it, ride, drop-off (a station with its free docks, or the destination itself), walk
from it, the total and the price. The app re-plans on every refresh
(:meth:`show` gets the new plan); the screen only draws what it is handed, asks for a
new plan when the rider changes the mode (``m``), and opens a trip's details (Enter).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable

from bikefinder.common.i18n import N_, _
from bikefinder.common.text import clean
from bikefinder.common.units import Units
from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import Kind
from bikefinder.rider.scene import Scene
from bikefinder.rider.text_formats import format_count
from bikefinder.rider.trip_changes import same_trip
from bikefinder.rider.trip_output import (
    minutes_text,
    price_text,
    walking_faster_text,
)
from bikefinder.rider.trips import Trip, TripPlan
from bikefinder.ui.screens.trip_details import TripDetailsScreen
from bikefinder.ui.trip_words import no_trip_words, pickup_words
from bikefinder.ui.widgets.fitting_footer import FittingFooter
from bikefinder.ui.widgets.safe import SafeStatic
from bikefinder.ui.words import mode_label, walking_faster

#: What the trip list says of its own numbers, always on screen.
ESTIMATE_NOTE = N_("An estimate on straight lines: no streets, hills or traffic lights.")


class TripSource(Protocol):
    """What the trip list is drawn from, as the app holds it."""

    def plan_trips(self) -> None:
        """Plan again (the mode changed): the new plan comes back through ``show``."""

    def trip_freshness(self) -> str:
        """How old the data behind the trips is, for the header."""


def trip_header(destination_label: str, mode: Mode, plan: TripPlan | None, freshness: str) -> Text:
    """Two lines: where to and how, then walking all the way and how fresh the data is."""
    text = Text()
    text.append(_("Trip to") + " ", style="bold")
    text.append(clean(destination_label, 60), style="bold cyan")
    text.append(f" · {mode_label(mode)}")
    if plan is not None:
        walking = _("walking {minutes}").format(minutes=minutes_text(plan.walk_only_s))
        text.append(f" · {walking}")
    text.append("\n")
    text.append(freshness, style="dim")
    return text


def trip_cells(trip: Trip, units: Units = Units.METRIC) -> dict[str, str]:
    """One trip's cells by column key (names whole: the layout fits them)."""
    pickup, dropoff = trip.pickup, trip.dropoff
    if pickup.kind is Kind.STATION:
        count = pickup.electric if pickup.electric_ride else pickup.bikes
        bikes = format_count(count)
    else:
        bikes = "1"
    return {
        "rank": str(trip.rank),
        "total": minutes_text(trip.total_s),
        "system": clean(trip.system.name, 40),
        "pickup": pickup_words(trip, units),
        "bikes": bikes,
        "walk_to": minutes_text(trip.walk_to_s),
        "ride": minutes_text(trip.ride_s),
        "dropoff": _("park at destination") if dropoff.is_destination else clean(dropoff.name, 80),
        "docks": "" if dropoff.is_destination else format_count(dropoff.docks),
        "walk_from": minutes_text(trip.walk_from_s),
        "price": price_text(trip),
    }


#: (key, label, right-aligned), in display order; the names share the spare width.
TRIP_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("rank", "#", True), ("total", N_("Total"), True), ("system", N_("System"), False),
    ("pickup", N_("Take a bike at"), False), ("bikes", N_("Bikes"), True),
    ("walk_to", N_("Walk"), True), ("ride", N_("Ride"), True),
    ("dropoff", N_("Leave it at"), False), ("docks", N_("Docks"), True),
    ("walk_from", N_("Walk"), True), ("price", N_("Price"), True),
)  # fmt: skip
#: Columns that give way, first to go first, while a name would be narrower than this.
NAME_MIN = 14
DROP_ORDER = ("price", "walk_from", "ride", "walk_to", "docks", "bikes")
#: What each column takes besides its content (the table's padding, both sides).
CELL_PADDING = 2


def trip_layout(width: int, cells: Sequence[dict[str, str]], several: bool) -> dict[str, int]:
    """Each shown column's content width for a table ``width`` cells wide: the fixed
    columns fit their content, the two names share what is left (optional columns go,
    in :data:`DROP_ORDER`, while a name would be narrower than :data:`NAME_MIN`)."""
    keys = [key for key, _label, _right in TRIP_COLUMNS if several or key != "system"]
    labels = {key: _(label) for key, label, _right in TRIP_COLUMNS}
    # Wide enough for the e-bike mode's label too: the column never changes width.
    labels["bikes"] = max(labels["bikes"], _("E-bikes"), key=len)

    def fit(key: str) -> int:
        return max([len(labels[key])] + [len(row[key]) for row in cells])

    fixed = {key: fit(key) for key in keys if key not in ("pickup", "dropoff")}
    if several:
        fixed["system"] = min(fixed["system"], 16)
    dropped: list[str] = []

    def name_room() -> int:
        used = sum(w + CELL_PADDING for k, w in fixed.items() if k not in dropped)
        return (width - used - 2 * CELL_PADDING - 1) // 2

    for key in DROP_ORDER:
        if name_room() >= NAME_MIN:
            break
        dropped.append(key)
    room = max(6, name_room())
    pickup_fit, dropoff_fit = fit("pickup"), fit("dropoff")
    spare = 2 * room
    pickup_w = min(pickup_fit, max(room, spare - dropoff_fit))
    dropoff_w = min(dropoff_fit, spare - pickup_w)
    layout: dict[str, int] = {}
    for key in keys:
        if key in dropped:
            continue
        layout[key] = {"pickup": pickup_w, "dropoff": dropoff_w}.get(key, fixed.get(key, 0))
    return layout


class TripsScreen(Screen[None]):
    """The best trips to one destination; Escape goes back to the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back")),
        Binding("question_mark", "keys", _("Keys")),
        Binding("m", "cycle_mode", _("Mode")),
        Binding("r", "refresh", _("Refresh")),
    ]

    def __init__(self, source: TripSource, destination: tuple[float, float], label: str,
                 mode: Mode = Mode.ANY_BIKE) -> None:  # fmt: skip
        """``mode``: any bike or e-bike (a free-dock mode plans as any bike)."""
        super().__init__()
        self.source = source
        self.destination = destination
        self.label = label
        self.mode = Mode.EBIKE if mode is Mode.EBIKE else Mode.ANY_BIKE
        #: The plan shown (``None``: not planned yet).
        self.plan: TripPlan | None = None
        #: Several systems' trips (a System column), and the distances' units.
        self.several = False
        self.units = Units.METRIC
        #: The data the plan shown was made of (the details read live numbers from it).
        self.scene: Scene | None = None
        self._details: TripDetailsScreen | None = None

    def compose(self) -> ComposeResult:
        self.header = SafeStatic(id="trip-header")
        self.table: DataTable[str | Text] = DataTable(id="trips", cursor_type="row")
        self.message = SafeStatic(id="trip-message")
        self.note = SafeStatic(_(ESTIMATE_NOTE), id="trip-note")
        yield self.header
        yield self.message
        yield self.table
        yield self.note
        yield FittingFooter()

    def on_mount(self) -> None:
        self.message.update(_("Planning…"))
        self.table.display = False
        self.update_header()

    def update_header(self) -> None:
        if self.is_mounted:
            self.header.update(trip_header(self.label, self.mode, self.plan,
                                           self.source.trip_freshness()))  # fmt: skip

    def show(self, plan: TripPlan, scene: Scene, several: bool,
             units: Units = Units.METRIC) -> None:  # fmt: skip
        """Draw ``plan`` (the cursor stays on the same trip when it is still offered)."""
        if plan.destination != self.destination or plan.mode is not self.mode:
            return  # planned for a mode or place left meanwhile
        before = self.highlighted_trip()
        self.plan, self.scene = plan, scene
        self.update_header()
        if not self.is_mounted:
            return
        self.several, self.units = several, units
        self._draw()
        faster = (
            walking_faster(minutes_text(plan.walk_only_s)) if walking_faster_text(plan) else None
        )
        if not plan.trips:
            reason = no_trip_words(plan.no_trip) if plan.no_trip else plan.why_none
            why = _("No trip: {reason}").format(reason=reason)
            self.message.update(Text(why, style="bold yellow"))
        elif faster:
            self.message.update(Text(faster, style="bold green"))
        else:
            self.message.update("")
        self.message.display = bool(faster or not plan.trips)
        self.table.display = bool(plan.trips)
        if before is not None:
            kept = next((t.rank for t in plan.trips if same_trip(t, before)), None)
            if kept is not None:
                self.table.move_cursor(row=kept - 1, animate=False)
        if plan.trips and not self.message.has_focus:
            self.table.focus()
        if self._details is not None:
            self._details.show(self._same(self._details.trip), scene)

    def _draw(self) -> None:
        """The table for the plan shown, laid out for the screen's width."""
        plan = self.plan
        if plan is None:
            return
        cells = [trip_cells(trip, self.units) for trip in plan.trips]
        layout = trip_layout(self.size.width or self.app.size.width, cells, self.several)
        row = self.table.cursor_row
        self.table.clear(columns=True)
        for key, label, right in TRIP_COLUMNS:
            if key in layout:
                label = _("E-bikes") if key == "bikes" and self.mode is Mode.EBIKE else _(label)
                title = Text(label, justify="right" if right else "left")
                self.table.add_column(title, width=layout[key], key=key)
        for trip, by_key in zip(plan.trips, cells, strict=True):
            shown: list[str | Text] = []
            for key, _label, right in TRIP_COLUMNS:
                if key not in layout:
                    continue
                text = Text(clean(by_key[key], layout[key]), justify="right" if right else "left")
                if key == "total":
                    text.stylize("bold")
                shown.append(text)
            self.table.add_row(*shown, key=str(trip.rank))
        if plan.trips:
            self.table.move_cursor(row=min(row, len(plan.trips) - 1), animate=False)

    def on_resize(self) -> None:
        self._draw()

    def _same(self, trip: Trip) -> Trip | None:
        if self.plan is None:
            return None
        return next((t for t in self.plan.trips if same_trip(t, trip)), None)

    def highlighted_trip(self) -> Trip | None:
        if self.plan is None or not self.plan.trips or not self.table.row_count:
            return None
        row = self.table.cursor_row
        return self.plan.trips[row] if 0 <= row < len(self.plan.trips) else None

    # -- keys ------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        self._details = None

    @on(DataTable.RowSelected, "#trips")
    def _open_details(self) -> None:
        trip = self.highlighted_trip()
        if trip is None or self._details is not None:
            return
        self._details = TripDetailsScreen(trip, self.label, self.scene, self.units)
        self.app.push_screen(self._details)

    def action_back(self) -> None:
        self.dismiss(None)

    async def action_keys(self) -> None:
        await self.app.run_action("keys")

    async def action_refresh(self) -> None:
        await self.app.run_action("refresh")

    def action_cycle_mode(self) -> None:
        """Any bike ↔ e-bike (a trip ends with a ride: no free-dock mode)."""
        self.mode = Mode.ANY_BIKE if self.mode is Mode.EBIKE else Mode.EBIKE
        self.message.update(_("Planning…"))
        self.message.display = True
        self.update_header()
        self.source.plan_trips()
