"""One station in full: address, counts, flags, last report, position and rental links."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer

from bikefinder.core.listing import StationDetails
from bikefinder.core.models import StationStatus
from bikefinder.core.modes import StationState, format_age, station_state
from bikefinder.core.output import format_distance
from bikefinder.core.text import clean
from bikefinder.ui.widgets.safe import SafeStatic
from bikefinder.ui.widgets.station_table import STATE_STYLES
from bikefinder.ui.widgets.status_bar import HeaderState, StatusBar


def _flag(value: bool | None) -> Text:
    if value is None:
        return Text("unknown", style="dim")
    return Text("yes", style="green") if value else Text("NO", style="bold red")


def _count(value: int | None, change: int | None = None) -> Text:
    text = Text("unknown" if value is None else str(value))
    if change:
        arrow, style = ("↑", "bold green") if change > 0 else ("↓", "bold red")
        text.append(f" {arrow}{abs(change)} since last refresh", style=style)
    return text


def _when(moment: datetime | None, local_tz: tzinfo | None) -> str:
    if moment is None:
        return "unknown"
    return moment.astimezone(local_tz).strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def details_renderable(details: StationDetails, local_tz: tzinfo | None = None) -> Group:
    """The details as Rich renderables built from ``Text`` (feed strings never parsed)."""
    if details.ranked is None:
        return Group(
            Text(f"Station {clean(details.station_id, 60)}", style="bold"),
            Text("This station is no longer in the feed.", style="bold yellow"),
        )
    ranked = details.ranked
    info, status = ranked.station.info, ranked.station.status
    title = Text()
    if details.favourite:
        title.append("★ ", style="bold yellow")
    title.append(clean(info.name, 120) or "(unnamed)", style="bold")

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    grid.add_row("Address", Text(clean(info.address, 200) or "not given"))
    grid.add_row("Station id", Text(clean(info.station_id, 60)))
    grid.add_row("Capacity", _count(info.capacity))
    grid.add_row("State", _state_text(status))
    changes = details.changes
    grid.add_row("Bikes", _count(status.bikes if status else None, changes.get("bikes")))
    grid.add_row(
        "  mechanical", _count(status.mechanical if status else None, changes.get("mechanical"))
    )
    grid.add_row("  electric", _count(status.electric if status else None, changes.get("electric")))
    grid.add_row("Free docks", _count(status.docks if status else None, changes.get("docks")))
    grid.add_row("Disabled bikes", _count(status.bikes_disabled if status else None))
    grid.add_row("Disabled docks", _count(status.docks_disabled if status else None))
    grid.add_row("Installed", _flag(status.is_installed if status else None))
    grid.add_row("Renting", _flag(status.is_renting if status else None))
    grid.add_row("Returning", _flag(status.is_returning if status else None))
    if info.is_virtual:
        grid.add_row("Virtual", Text("yes (no physical docks)"))
    reported = Text(_when(status.last_reported if status else None, local_tz))
    if details.report_age_s is not None:
        style = "bold yellow" if details.report_stale else "dim"
        note = " (old)" if details.report_stale else ""
        reported.append(
            f"  {format_age(details.report_age_s)} before the feed's time{note}", style=style
        )
    grid.add_row("Last reported", reported)
    grid.add_row("Coordinates", Text(f"{info.lat:.6f}, {info.lon:.6f}"))
    grid.add_row(
        "Distance",
        Text(
            f"{format_distance(ranked.distance_m)}, heading {ranked.bearing_deg:.0f}° "
            f"({ranked.bearing})"
        ),
    )
    links = Text("\n".join(clean(url, 300) for url in info.rental_urls) or "none in the feed")
    grid.add_row("Rental links", links)
    return Group(title, Text(""), grid)


def _state_text(status: StationStatus | None) -> Text:
    state = station_state(status)
    if state is StationState.OK:
        return Text("operating", style="green")
    label, style = STATE_STYLES[state]
    return Text(f" {label} ", style=style)


class DetailsScreen(Screen[None]):
    """Pushed by Enter on a station; Escape returns to the list. Kept live by the app."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back", show=True)]

    def __init__(self, details: StationDetails, local_tz: tzinfo | None = None) -> None:
        super().__init__()
        self.details = details
        self._local_tz = local_tz

    @property
    def station_id(self) -> str:
        return self.details.station_id

    def compose(self) -> ComposeResult:
        yield StatusBar(id="details-status")
        with VerticalScroll(id="details-scroll"):
            yield SafeStatic(details_renderable(self.details, self._local_tz), id="details-body")
        yield Footer()

    def show_header(self, state: HeaderState) -> None:
        self.query_one("#details-status", StatusBar).show(state)

    def show(self, details: StationDetails) -> None:
        """Replace the shown details (after a refresh or a favourite toggle)."""
        self.details = details
        body = self.query_one("#details-body", SafeStatic)
        body.update(details_renderable(details, self._local_tz))
