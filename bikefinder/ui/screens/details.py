"""One station in full: availability, state, distance and walk first; then address,
capacity, flags, last report, position and rental links."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer

from bikefinder.common.text import clean
from bikefinder.feeds.models import StationStatus
from bikefinder.feeds.pricing import PricingPlan, price_steps
from bikefinder.feeds.system_alerts import SystemAlert
from bikefinder.feeds.vehicles import range_text
from bikefinder.rider.modes import StationState, counted, station_state
from bikefinder.rider.rows import Row, RowDetails, RowKey
from bikefinder.rider.staleness import format_age
from bikefinder.rider.walking import WALKING_SPEED_KMH, walking_text
from bikefinder.ui.messages import EditWatch, ToggleFavourite
from bikefinder.ui.widgets.safe import SafeStatic
from bikefinder.ui.widgets.station_table import FAVOURITE_MARK, STATE_STYLES, WATCH_MARK
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


def system_zone(name: str | None, fallback: tzinfo | None) -> tzinfo | None:
    """The system's time zone (system_information's ``timezone``), else ``fallback``."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return fallback


def _when(moment: datetime | None, zone: tzinfo | None) -> str:
    """A local time with its zone: "2025-10-18 10:50:00 CEST (Europe/Paris)"."""
    if moment is None:
        return "unknown"
    local = moment.astimezone(zone)
    text = local.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    key = getattr(zone, "key", None)
    return f"{text} ({key})" if key and key != local.tzname() else text


def _marked(value: int | None, noun: str, change: int | None, style: str = "") -> Text:
    """``value`` with its noun and, when it moved since the last refresh, an arrow."""
    text = Text(counted(value, noun), style=style)
    if change:
        arrow, arrow_style = ("↑", "bold green") if change > 0 else ("↓", "bold red")
        text.append(f"{arrow}{abs(change)}", style=arrow_style)
    return text


def _availability(changes: Mapping[str, int], status: StationStatus | None) -> tuple[Text, Text]:
    """The counts: "5 bikes · 10 free docks", then the split "3 mechanical, 2 e-bikes"."""
    if status is None:
        return Text("no live status", style="bold yellow"), Text("unknown", style="dim")
    now = _marked(status.bikes, "bikes", changes.get("bikes"), "bold")
    now.append(" · ")
    now.append_text(_marked(status.docks, "free docks", changes.get("docks"), "bold"))
    split = _marked(status.mechanical, "mechanical", changes.get("mechanical"))
    split.append(", ")
    split.append_text(_marked(status.electric, "e-bikes", changes.get("electric")))
    return now, split


def _distance_text(row: Row, walking_speed_kmh: float) -> Text:
    """ "88 m SE · about 2 min on foot" (one walking-time rule, the lists')."""
    if row.distance_m is None:
        return Text("unknown", style="dim")
    walk = walking_text(row.distance_m, walking_speed_kmh) or "?"
    return Text(f"{row.distance_text} {row.bearing} · about {walk} on foot")


def details_renderable(
    details: RowDetails,
    local_tz: tzinfo | None = None,
    walking_speed_kmh: float = WALKING_SPEED_KMH,
) -> Group:
    """The details as Rich renderables built from ``Text`` (feed strings never parsed).
    What a rider decides on comes first (availability, state, distance and walk, the
    watch, the last report), so nothing important scrolls out of a 60x20 terminal."""
    row = details.row
    if row is None or row.station is None:
        return Group(
            Text(f"Station {clean(details.key.item_id, 60)}", style="bold"),
            Text("This station is no longer in the feed.", style="bold yellow"),
        )
    info, status = row.station.info, row.station.status
    zone = system_zone(details.timezone, local_tz)
    title = Text()
    if row.favourite:
        title.append(f"{FAVOURITE_MARK} ", style="bold yellow")
    if details.watch:
        title.append(f"{WATCH_MARK} ", style="bold magenta")
    title.append(clean(info.name, 120) or "(unnamed)", style="bold")

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    now, split = _availability(row.changes, status)
    grid.add_row("Now", now)
    grid.add_row("Bikes are", split)
    grid.add_row("State", _state_text(status))
    grid.add_row("Distance", _distance_text(row, walking_speed_kmh))
    if details.several:
        grid.add_row("System", Text(clean(row.system.name, 80)))
    if row.is_open is False and row.hours_text:
        grid.add_row("Hours", Text(clean(row.hours_text, 80), style="bold red"))
    elif row.reason and row.reason.startswith("only "):  # below the rider's minimum
        grid.add_row("Why not", Text(clean(row.reason, 80), style="bold red"))
    for alert in row.alerts:
        grid.add_row("Alert", alert_text(alert))
    if row.price:
        grid.add_row("Price", Text(clean(row.price, 200)))
    if details.watch:
        grid.add_row("Watch", Text(f"{WATCH_MARK} when it has {details.watch}", style="magenta"))
    reported = Text(_when(status.last_reported if status else None, zone))
    if row.report_age_s is not None:
        style = "bold yellow" if row.report_stale else "dim"
        note = " (old)" if row.report_stale else ""
        reported.append(
            f"  {format_age(row.report_age_s)} before the feed's time{note}", style=style
        )
    grid.add_row("Last reported", reported)
    grid.add_row("Address", Text(clean(info.address, 200) or "not given"))
    grid.add_row("Capacity", _count(info.capacity))
    disabled = (status.bikes_disabled, status.docks_disabled) if status else (None, None)
    grid.add_row(
        "Disabled", Text(f"{counted(disabled[0], 'bikes')}, {counted(disabled[1], 'docks')}")
    )
    flags = Text()
    for label, value in (
        ("installed", status.is_installed if status else None),
        ("renting", status.is_renting if status else None),
        ("returning", status.is_returning if status else None),
    ):
        flags.append(f"{label} ")
        flags.append_text(_flag(value))
        flags.append("  ")
    grid.add_row("Flags", flags)
    if info.is_virtual:
        grid.add_row("Virtual", Text("yes (no physical docks)"))
    if row.bearing_deg is not None:
        grid.add_row("Heading", Text(f"{row.bearing_deg:.0f}° ({row.bearing})"))
    grid.add_row("Coordinates", Text(f"{info.lat:.6f}, {info.lon:.6f}"))
    grid.add_row("Station id", Text(clean(info.station_id, 60)))
    _add_tariff(grid, row)
    links = Text("\n".join(clean(url, 300) for url in info.rental_urls) or "none in the feed")
    grid.add_row("Rental links", links)
    return Group(title, grid)


def tariff_text(plan: PricingPlan) -> Text:
    """The plan behind a price in full: its name, every step, its description and link."""
    text = Text(clean(plan.name or plan.plan_id, 120), style="bold")
    for step in price_steps(plan):
        text.append(f"\n· {clean(step, 120)}")
    if plan.description and plan.description != plan.name:
        text.append(f"\n{clean(plan.description, 400)}", style="dim")
    if plan.url:
        text.append(f"\n{clean(plan.url, 300)}", style="underline")
    return text


def _add_tariff(grid: Table, row: Row) -> None:
    if row.price_plan is not None:
        grid.add_row("Tariff", tariff_text(row.price_plan))


def alert_text(alert: SystemAlert) -> Text:
    """An alert in full: its summary (bold), description and URL, all literal."""
    text = Text(f"⚠ {clean(alert.summary or alert.type or 'alert', 200)}", style="bold magenta")
    if alert.description:
        text.append(f"\n{clean(alert.description, 600)}")
    if alert.url:
        text.append(f"\n{clean(alert.url, 300)}", style="underline")
    return text


def vehicle_renderable(
    details: RowDetails,
    local_tz: tzinfo | None = None,
    walking_speed_kmh: float = WALKING_SPEED_KMH,
) -> Group:
    """A free-floating vehicle: what it is, range, system, distance and walk, price,
    then its type, id, last report, position and rental links."""
    row = details.row
    if row is None or row.vehicle is None:
        return Group(
            Text("Vehicle", style="bold"),
            Text(
                "This vehicle is no longer offered (taken, or its id changed).", style="bold yellow"
            ),
        )
    vehicle = row.vehicle
    title = Text(clean(row.name, 60), style="bold")
    title.append(f" · {clean(row.system.name, 60)}")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    if details.gone:
        grid.add_row("Now", Text("no longer offered (taken or moved)", style="bold yellow"))
    form = vehicle.form.value.replace("_", " ")
    electric = {True: "electric", False: "not electric", None: "propulsion unknown"}
    grid.add_row("Vehicle", Text(f"{form} · {electric[vehicle.electric]}"))
    if row.range_text:
        rng = Text(row.range_text, style="bold yellow" if row.low_range else "bold")
        if row.low_range:
            rng.append("  LOW: may not get you far", style="bold black on yellow")
        grid.add_row("Range", rng)
    else:
        grid.add_row("Range", Text("not given by the feed", style="dim"))
    grid.add_row("System", Text(clean(row.system.name, 80)))
    grid.add_row("Distance", _distance_text(row, walking_speed_kmh))
    if row.group:  # several of one type at this spot: one row, each listed here
        spot = [
            f"{clean(v.vehicle_id, 40)} · {range_text(v) or 'range not given'}" for v in row.group
        ]
        grid.add_row("At this spot", Text("\n".join(spot)))
    if row.reason:
        grid.add_row("State", Text(clean(row.reason, 80), style="bold red"))
    grid.add_row("Price", Text(clean(row.price, 200)) if row.price else
                 Text("not published for this vehicle", style="dim"))  # fmt: skip
    if row.vehicle_type is not None and row.vehicle_type.name:
        grid.add_row("Type", Text(clean(row.vehicle_type.name, 80)))
    grid.add_row("Last reported", Text(_when(vehicle.last_reported, local_tz)))
    grid.add_row("Coordinates", Text(f"{vehicle.lat:.6f}, {vehicle.lon:.6f}"))
    grid.add_row("Vehicle id", Text(f"{clean(vehicle.vehicle_id, 60)} (changes after each trip)"))
    _add_tariff(grid, row)
    links = Text("\n".join(clean(url, 300) for url in vehicle.rental_urls) or "none in the feed")
    grid.add_row("Rental links", links)
    return Group(title, grid)


def any_renderable(
    details: RowDetails,
    local_tz: tzinfo | None,
    walking_speed_kmh: float = WALKING_SPEED_KMH,
) -> Group:
    if not details.key.is_station:
        return vehicle_renderable(details, local_tz, walking_speed_kmh)
    return details_renderable(details, local_tz, walking_speed_kmh)


def _state_text(status: StationStatus | None) -> Text:
    state = station_state(status)
    if state is StationState.OK:
        return Text("operating", style="green")
    label, style = STATE_STYLES[state]
    return Text(f" {label} ", style=style)


class DetailsScreen(Screen[None]):
    """Pushed by Enter on a station; Escape returns to the list, which keeps it live."""

    #: The list's keys that apply to one station, in the list's order.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", show=True),
        Binding("question_mark", "keys", "Keys"),
        Binding("f", "toggle_favourite", "Fav"),
        Binding("a", "watch", "Watch"),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(
        self,
        details: RowDetails,
        local_tz: tzinfo | None = None,
        walking_speed_kmh: float = WALKING_SPEED_KMH,
    ) -> None:
        super().__init__()
        self.details = details
        self._local_tz = local_tz
        self._walking_speed_kmh = walking_speed_kmh
        self._header_state: HeaderState | None = None

    @property
    def key(self) -> RowKey:
        return self.details.key

    def compose(self) -> ComposeResult:
        yield StatusBar(id="details-status")
        with VerticalScroll(id="details-scroll"):
            body = any_renderable(self.details, self._local_tz, self._walking_speed_kmh)
            yield SafeStatic(body, id="details-body")
        yield Footer()

    def on_mount(self) -> None:
        if self._header_state is not None:
            self.show_header(self._header_state)

    def show_header(self, state: HeaderState) -> None:
        """Show the app's header state; kept for on_mount if the screen is not composed yet."""
        self._header_state = state
        for status_bar in self.query("#details-status").results(StatusBar):
            status_bar.show(state)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.is_active  # under a dialog: its keys apply, not these

    async def action_keys(self) -> None:
        """Every key (``?``): the app's panel."""
        await self.app.run_action("keys")

    async def action_refresh(self) -> None:
        """Refresh now (``r``): the app's feeds."""
        await self.app.run_action("refresh")

    def action_toggle_favourite(self) -> None:
        """Add this station to the favourites, or remove it."""
        self.post_message(ToggleFavourite(self.key))

    def action_watch(self) -> None:
        """Set, change or remove a watch on this station."""
        self.post_message(EditWatch(self.key))

    def show(self, details: RowDetails) -> None:
        """Replace the shown details (after a refresh or a favourite toggle)."""
        self.details = details  # compose reads it if the body is not there yet
        for body in self.query("#details-body").results(SafeStatic):
            body.update(any_renderable(details, self._local_tz, self._walking_speed_kmh))
