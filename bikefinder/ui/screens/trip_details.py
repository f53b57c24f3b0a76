"""One trip in full: the pickup's and drop-off's live numbers, each leg's time and
distance, the price, alerts on either station, and that it is an estimate."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen

from bikefinder.common.i18n import N_, _
from bikefinder.common.text import clean
from bikefinder.common.units import Units, format_distance
from bikefinder.rider.rows import Kind, RowKey
from bikefinder.rider.scene import Scene
from bikefinder.rider.trip_output import minutes_text, price_text
from bikefinder.rider.trips import DETOUR, RETURN_S, TAKE_S, Trip
from bikefinder.ui.price_words import trip_price_words
from bikefinder.ui.widgets.fitting_footer import FittingFooter
from bikefinder.ui.widgets.safe import SafeStatic
from bikefinder.ui.words import counted_bikes, counted_docks, counted_ebikes, vehicle_words

#: The time model, said plainly under every trip.
ESTIMATE = N_(
    "This is an estimate. Walking and riding follow straight lines (a ride is counted "
    "{detour} × the straight line), at steady speeds, plus {take} s to take a bike "
    "and {put_back} s to return it. It knows nothing of streets, hills or traffic lights."
)


def estimate_text() -> str:
    """:data:`ESTIMATE` in the UI's language, with the model's numbers."""
    return _(ESTIMATE).format(
        detour=f"{DETOUR:g}", take=f"{TAKE_S:.0f}", put_back=f"{RETURN_S:.0f}"
    )


def _station_now(scene: Scene | None, trip: Trip, station_id: str) -> Text:
    """A station's live numbers from the newest data: "5 bikes (2 e-bikes) · 8 free docks"."""
    found = scene.station(RowKey(Kind.STATION, trip.system.key, station_id)) if scene else None
    if found is None:
        return Text(_("no longer in the feed"), style="bold yellow")
    status = found[1].status
    if status is None:
        return Text(_("no live status"), style="bold yellow")
    return Text(
        f"{counted_bikes(status.bikes)} ({counted_ebikes(status.electric)}) · "
        f"{counted_docks(status.docks)}"
    )


def trip_renderable(trip: Trip, destination_label: str, scene: Scene | None,
                    gone: bool = False, units: Units = Units.METRIC) -> Group:  # fmt: skip
    """The trip's legs, then its price, alerts and the estimate note."""
    pickup, dropoff = trip.pickup, trip.dropoff
    parts: list[RenderableType] = []
    heading = _("Trip #{rank} to {place}").format(
        rank=trip.rank, place=clean(destination_label, 60)
    )
    title = Text(f"{heading} · ", style="bold")
    title.append(minutes_text(trip.total_s), style="bold cyan")
    title.append(f" · {clean(trip.system.name, 60)}", style="")
    parts.append(title)
    if gone:
        parts.append(Text(_("This trip is no longer offered: see the trip list."),
                          style="bold yellow"))  # fmt: skip
    legs = Table.grid(padding=(0, 2))
    legs.add_column(style="bold", no_wrap=True)
    legs.add_column()
    legs.add_row(
        _("Walk"), f"{minutes_text(trip.walk_to_s)} · {format_distance(trip.walk_to_m, units)}"
    )
    if pickup.kind is Kind.STATION:
        legs.add_row(
            _("Take a bike at"), Text(clean(pickup.name, 80) or _("(unnamed)"), style="bold")
        )
        legs.add_row("", _station_now(scene, trip, pickup.item_id))
    else:
        reach = ""
        if pickup.range_m is not None:
            reach = " · " + _("{distance} range").format(
                distance=format_distance(pickup.range_m, units)
            )
        vehicle = pickup.vehicle
        kind = vehicle_words(vehicle.form, vehicle.electric) if vehicle else clean(pickup.name, 60)
        floating = _("{name} (free-floating)").format(name=kind)
        legs.add_row(_("Take"), Text(floating + reach, style="bold"))
    ride = f"{minutes_text(trip.ride_s)} · {format_distance(trip.ride_distance_m, units)}"
    legs.add_row(_("Ride"), ride + (" " + _("on an e-bike") if pickup.electric_ride else ""))
    if dropoff.is_destination:
        legs.add_row(_("Leave it"), Text(_("at the destination"), style="bold"))
    else:
        name = clean(dropoff.name, 80) or _("(unnamed)")
        legs.add_row(_("Leave it at"), Text(name, style="bold"))
        assert dropoff.station_id is not None
        legs.add_row("", _station_now(scene, trip, dropoff.station_id))
        legs.add_row(_("Walk"), f"{minutes_text(trip.walk_from_s)} · "
                             f"{format_distance(trip.walk_from_m, units)}")  # fmt: skip
    legs.add_row(_("Total"), Text(minutes_text(trip.total_s), style="bold"))
    price = price_text(trip) or _("not published")
    legs.add_row(_("Price"), price)
    sentence = trip_price_words(trip.price.plan, trip.price.plans) if trip.price else None
    if sentence := sentence or trip.price_text:
        legs.add_row("", Text(clean(sentence, 200), style="dim"))
    parts += [Text(), legs]
    for alert in trip.alerts:
        line = Text("⚠ ", style="bold yellow")
        line.append(clean(alert.summary or alert.type or _("alert"), 120), style="bold")
        if alert.description:
            line.append(f": {clean(alert.description, 300)}")
        parts.append(line)
    parts += [Text(), Text(estimate_text(), style="italic")]
    return Group(*parts)


class TripDetailsScreen(Screen[None]):
    """A trip's details, kept live by the trip list; Escape goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", _("Back"))]

    def __init__(self, trip: Trip, destination_label: str, scene: Scene | None,
                 units: Units = Units.METRIC) -> None:  # fmt: skip
        super().__init__()
        self.trip = trip
        self.label = destination_label
        self.scene = scene
        self.units = units

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="details-scroll"):
            body = trip_renderable(self.trip, self.label, self.scene, units=self.units)
            yield SafeStatic(body, id="trip-details")
        yield FittingFooter()

    def show(self, trip: Trip | None, scene: Scene | None) -> None:
        """The trip as now planned (``None``: no longer offered; the last one shown stays)."""
        if trip is not None:
            self.trip = trip
        self.scene = scene
        if self.is_mounted:
            body = self.query_one("#trip-details", SafeStatic)
            body.update(trip_renderable(self.trip, self.label, scene, gone=trip is None,
                                        units=self.units))  # fmt: skip

    def action_back(self) -> None:
        self.dismiss(None)
