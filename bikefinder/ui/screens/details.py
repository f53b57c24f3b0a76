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

from bikefinder.common.i18n import _, ngettext
from bikefinder.common.text import clean
from bikefinder.feeds.models import StationStatus
from bikefinder.feeds.pricing import PricingPlan
from bikefinder.feeds.system_alerts import SystemAlert
from bikefinder.feeds.vehicles import range_text
from bikefinder.rider.modes import StationState, station_state
from bikefinder.rider.reasons import ReasonKind
from bikefinder.rider.rows import Row, RowDetails, RowKey
from bikefinder.rider.walking import WALKING_SPEED_KMH, walking_text
from bikefinder.ui.messages import EditWatch, ToggleFavourite
from bikefinder.ui.price_words import row_price_words, steps_words
from bikefinder.ui.station_cells import FAVOURITE_MARK, STATE_STYLES, WATCH_MARK
from bikefinder.ui.widgets.fitting_footer import FittingFooter
from bikefinder.ui.widgets.safe import SafeStatic
from bikefinder.ui.widgets.status_bar import HeaderState, StatusBar
from bikefinder.ui.words import (
    age_words,
    compass_words,
    counted_bikes,
    counted_docks,
    counted_ebikes,
    form_words,
    opens_words,
    reason_words,
    row_name,
    row_reason,
    state_label,
    watch_words,
)


def _flag(value: bool | None) -> Text:
    if value is None:
        return Text(_("unknown"), style="dim")
    return Text(_("yes"), style="green") if value else Text(_("NO"), style="bold red")


def _count(value: int | None, change: int | None = None) -> Text:
    text = Text(_("unknown") if value is None else str(value))
    if change:
        arrow, style = ("↑", "bold green") if change > 0 else ("↓", "bold red")
        moved = _("{arrow}{change} since last refresh").format(arrow=arrow, change=abs(change))
        text.append(f" {moved}", style=style)
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
        return _("unknown")
    local = moment.astimezone(zone)
    text = local.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    key = getattr(zone, "key", None)
    return f"{text} ({key})" if key and key != local.tzname() else text


def _marked(counted: str, change: int | None, style: str = "") -> Text:
    """A count with its noun and, when it moved since the last refresh, an arrow."""
    text = Text(counted, style=style)
    if change:
        arrow, arrow_style = ("↑", "bold green") if change > 0 else ("↓", "bold red")
        text.append(f"{arrow}{abs(change)}", style=arrow_style)
    return text


def _availability(changes: Mapping[str, int], status: StationStatus | None) -> tuple[Text, Text]:
    """The counts: "5 bikes · 10 free docks", then the split "3 mechanical, 2 e-bikes"."""
    if status is None:
        return Text(_("no live status"), style="bold yellow"), Text(_("unknown"), style="dim")
    now = _marked(counted_bikes(status.bikes), changes.get("bikes"), "bold")
    now.append(" · ")
    now.append_text(_marked(counted_docks(status.docks), changes.get("docks"), "bold"))
    split = _marked(_counted_mechanical(status.mechanical), changes.get("mechanical"))
    split.append(", ")
    split.append_text(_marked(counted_ebikes(status.electric), changes.get("electric")))
    return now, split


def _counted_mechanical(count: int | None) -> str:
    if count is None:
        return _("? mechanical")
    return ngettext("{count} mechanical", "{count} mechanical", count).format(count=count)


def _counted_disabled_docks(count: int | None) -> str:
    if count is None:
        return _("? docks")
    return ngettext("{count} dock", "{count} docks", count).format(count=count)


def _distance_text(row: Row, walking_speed_kmh: float) -> Text:
    """ "88 m SE · about 2 min on foot" (one walking-time rule, the lists')."""
    if row.distance_m is None:
        return Text(_("unknown"), style="dim")
    walk = walking_text(row.distance_m, walking_speed_kmh) or "?"
    on_foot = _("about {minutes} on foot").format(minutes=walk)
    return Text(f"{row.distance_text} {compass_words(row.bearing)} · {on_foot}")


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
            Text(_("Station {id}").format(id=clean(details.key.item_id, 60)), style="bold"),
            Text(_("This station is no longer in the feed."), style="bold yellow"),
        )
    info, status = row.station.info, row.station.status
    zone = system_zone(details.timezone, local_tz)
    title = Text()
    if row.favourite:
        title.append(f"{FAVOURITE_MARK} ", style="bold yellow")
    if details.watch:
        title.append(f"{WATCH_MARK} ", style="bold magenta")
    title.append(clean(info.name, 120) or _("(unnamed)"), style="bold")

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    now, split = _availability(row.changes, status)
    grid.add_row(_("Now"), now)
    grid.add_row(_("Bikes are"), split)
    grid.add_row(_("State"), _state_text(status))
    grid.add_row(_("Distance"), _distance_text(row, walking_speed_kmh))
    if details.several:
        grid.add_row(_("System"), Text(clean(row.system.name, 80)))
    why = row.why
    if why is not None and why.kind is ReasonKind.HOURS:
        grid.add_row(_("Hours"), Text(opens_words(why), style="bold red"))
    elif why is not None and why.kind is ReasonKind.ONLY:  # below the rider's minimum
        grid.add_row(_("Why not"), Text(reason_words(why), style="bold red"))
    for alert in row.alerts:
        grid.add_row(_("Alert"), alert_text(alert))
    if price := row_price_words(row):
        grid.add_row(_("Price"), Text(clean(price, 200)))
    if details.watch:
        what = watch_words(details.watch_rule) if details.watch_rule else details.watch
        when = _("when it has {what}").format(what=what)
        grid.add_row(_("Watch"), Text(f"{WATCH_MARK} {when}", style="magenta"))
    reported = Text(_when(status.last_reported if status else None, zone))
    if row.report_age_s is not None:
        style = "bold yellow" if row.report_stale else "dim"
        note = " " + _("(old)") if row.report_stale else ""
        before = _("{age} before the feed's time").format(age=age_words(row.report_age_s))
        reported.append(f"  {before}{note}", style=style)
    grid.add_row(_("Last reported"), reported)
    grid.add_row(_("Address"), Text(clean(info.address, 200) or _("not given")))
    grid.add_row(_("Capacity"), _count(info.capacity))
    disabled = (status.bikes_disabled, status.docks_disabled) if status else (None, None)
    disabled_text = f"{counted_bikes(disabled[0])}, {_counted_disabled_docks(disabled[1])}"
    grid.add_row(_("Disabled"), Text(disabled_text))
    flags = Text()
    for label, value in (
        (_("installed"), status.is_installed if status else None),
        (_("renting"), status.is_renting if status else None),
        (_("returning"), status.is_returning if status else None),
    ):
        flags.append(f"{label} ")
        flags.append_text(_flag(value))
        flags.append("  ")
    grid.add_row(_("Flags"), flags)
    if info.is_virtual:
        grid.add_row(_("Virtual"), Text(_("yes (no physical docks)")))
    if row.bearing_deg is not None:
        grid.add_row(_("Heading"), Text(f"{row.bearing_deg:.0f}° ({compass_words(row.bearing)})"))
    grid.add_row(_("Coordinates"), Text(f"{info.lat:.6f}, {info.lon:.6f}"))
    grid.add_row(_("Station id"), Text(clean(info.station_id, 60)))
    _add_tariff(grid, row)
    links = Text("\n".join(clean(url, 300) for url in info.rental_urls) or _("none in the feed"))
    grid.add_row(_("Rental links"), links)
    return Group(title, grid)


def tariff_text(plan: PricingPlan) -> Text:
    """The plan behind a price in full: its name, every step, its description and link."""
    text = Text(clean(plan.name or plan.plan_id, 120), style="bold")
    for step in steps_words(plan):
        text.append(f"\n· {clean(step, 120)}")
    if plan.description and plan.description != plan.name:
        text.append(f"\n{clean(plan.description, 400)}", style="dim")
    if plan.url:
        text.append(f"\n{clean(plan.url, 300)}", style="underline")
    return text


def _add_tariff(grid: Table, row: Row) -> None:
    if row.price_plan is not None:
        grid.add_row(_("Tariff"), tariff_text(row.price_plan))


def alert_text(alert: SystemAlert) -> Text:
    """An alert in full: its summary (bold), description and URL, all literal."""
    summary = clean(alert.summary or alert.type or _("alert"), 200)
    text = Text(f"⚠ {summary}", style="bold magenta")
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
            Text(_("Vehicle"), style="bold"),
            Text(
                _("This vehicle is no longer offered (taken, or its id changed)."),
                style="bold yellow",
            ),
        )
    vehicle = row.vehicle
    title = Text(clean(row_name(row), 60), style="bold")
    title.append(f" · {clean(row.system.name, 60)}")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    if details.gone:
        gone = Text(_("no longer offered (taken or moved)"), style="bold yellow")
        grid.add_row(_("Now"), gone)
    form = form_words(vehicle.form)
    electric = {True: _("electric"), False: _("not electric"), None: _("propulsion unknown")}
    grid.add_row(_("Vehicle"), Text(f"{form} · {electric[vehicle.electric]}"))
    if row.range_text:
        rng = Text(row.range_text, style="bold yellow" if row.low_range else "bold")
        if row.low_range:
            rng.append("  " + _("LOW: may not get you far"), style="bold black on yellow")
        grid.add_row(_("Range"), rng)
    else:
        grid.add_row(_("Range"), Text(_("not given by the feed"), style="dim"))
    grid.add_row(_("System"), Text(clean(row.system.name, 80)))
    grid.add_row(_("Distance"), _distance_text(row, walking_speed_kmh))
    if row.group:  # several of one type at this spot: one row, each listed here
        no_range = _("range not given")
        spot = [f"{clean(v.vehicle_id, 40)} · {range_text(v) or no_range}" for v in row.group]
        grid.add_row(_("At this spot"), Text("\n".join(spot)))
    if reason := row_reason(row):
        grid.add_row(_("State"), Text(clean(reason, 80), style="bold red"))
    price = row_price_words(row)
    grid.add_row(_("Price"), Text(clean(price, 200)) if price else
                 Text(_("not published for this vehicle"), style="dim"))  # fmt: skip
    if row.vehicle_type is not None and row.vehicle_type.name:
        grid.add_row(_("Type"), Text(clean(row.vehicle_type.name, 80)))
    grid.add_row(_("Last reported"), Text(_when(vehicle.last_reported, local_tz)))
    grid.add_row(_("Coordinates"), Text(f"{vehicle.lat:.6f}, {vehicle.lon:.6f}"))
    changes_note = _("(changes after each trip)")
    grid.add_row(_("Vehicle id"), Text(f"{clean(vehicle.vehicle_id, 60)} {changes_note}"))
    _add_tariff(grid, row)
    links = Text("\n".join(clean(url, 300) for url in vehicle.rental_urls) or _("none in the feed"))
    grid.add_row(_("Rental links"), links)
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
        return Text(state_label(state), style="green")
    _label, style = STATE_STYLES[state]
    return Text(f" {state_label(state).upper()} ", style=style)


class DetailsScreen(Screen[None]):
    """Pushed by Enter on a station; Escape returns to the list, which keeps it live."""

    #: The list's keys that apply to one station, in the list's order.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", _("Back"), show=True),
        Binding("question_mark", "keys", _("Keys")),
        Binding("f", "toggle_favourite", _("Fav")),
        Binding("a", "watch", _("Watch")),
        Binding("r", "refresh", _("Refresh")),
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
        yield FittingFooter()

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
