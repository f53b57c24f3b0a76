"""The header's and the alerts panel's words in the UI's language, from the facts the
rider and fleet layers give (:class:`ListStatus`, :class:`Freshness`, the alerts); those
layers keep their English sentences for the printed output."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from bikefinder.common.i18n import N_, _, ngettext
from bikefinder.common.text import clean
from bikefinder.feeds.demo import DEMO_SNAPSHOT_TIME
from bikefinder.feeds.vehicles import VehicleSelection
from bikefinder.rider.alerts_view import TYPE_NAMES, AlertEntry, SystemAlerts
from bikefinder.rider.listing import ListStatus
from bikefinder.rider.modes import Mode
from bikefinder.rider.refresh import Freshness, FreshState, Trouble
from bikefinder.rider.rows import Row
from bikefinder.rider.scene import Scene
from bikefinder.rider.system_index import MAX_AREA_SPAN_M
from bikefinder.rider.text_formats import format_distance
from bikefinder.systems.source import SYSTEM_CENTRE
from bikefinder.ui.words import MONTHS, WEEKDAYS, age_words, counted_wanted, wanted_words

if TYPE_CHECKING:
    from bikefinder.feeds.system_alerts import SystemAlert


def demo_words() -> str:
    """The bundled snapshot, as the header names it."""
    return _("demo data from {date}").format(date=f"{DEMO_SNAPSHOT_TIME:%Y-%m-%d}")


def freshness_words(fresh: Freshness) -> str:
    """The header's right-hand label: "updated 8 s ago", "CACHED data, 2 h old" ..."""
    if fresh.state is FreshState.LOADING:
        return _("loading …")
    if fresh.state is FreshState.NO_DATA:
        return _("no data yet")
    if fresh.state is FreshState.DEMO:
        return demo_words()
    if fresh.state is FreshState.CACHED:
        if fresh.age_s is None:
            return _("CACHED data")
        return _("CACHED data, {age} old").format(age=age_words(fresh.age_s))
    if fresh.state is FreshState.TIME_UNKNOWN or fresh.age_s is None:
        return _("data time unknown")
    text = _("updated {age} ago").format(age=age_words(fresh.age_s))
    if fresh.cached_s is not None:
        note = _("cached {age} ago, within the feed's ttl").format(age=age_words(fresh.cached_s))
        text += f" ({note})"
    return text


def trouble_words(fresh: Freshness) -> str | None:
    """The header's problem line about the lead system's data (``None``: none)."""
    if fresh.trouble is Trouble.STALE and fresh.age_s is not None:
        return _(
            "Stale: this data is {age} old; the system has not published newer availability."
        ).format(age=age_words(fresh.age_s))
    error = clean(fresh.error or "", 200)
    if fresh.trouble is Trouble.FAILED:
        if fresh.state is FreshState.DEMO:
            shown = demo_words()
        elif fresh.age_s is None:
            shown = _("older data")
        elif fresh.from_cache:
            shown = _("cached data from {age} ago").format(age=age_words(fresh.age_s))
        else:
            shown = _("data from {age} ago").format(age=age_words(fresh.age_s))
        return _("Showing {shown}: refresh failed ({error}); retrying in {seconds} s").format(
            shown=shown, error=error, seconds=f"{fresh.retry_s or 0:.0f}"
        )
    if fresh.trouble is Trouble.PARTIAL:
        return _(
            "Refresh failed ({error}); showing the last station list (names, places); "
            "availability is up to date"
        ).format(error=error)
    return None


def problem_words(status: ListStatus) -> str | None:
    """The header's problem line: the systems that fail (several shown), else the lead
    system's trouble, else a point far from every row (``None``: no problem)."""
    if status.failures:
        parts = [
            _("{name} failing since {time} ({error})").format(name=name, time=when, error=brief)
            if when
            else _("{name} failing ({error})").format(name=name, error=brief)
            for name, when, brief in status.failures
        ]
        return ngettext(
            "{failures}: its rows are marked {mark}",
            "{failures}: their rows are marked {mark}",
            len(parts),
        ).format(failures="; ".join(parts), mark=_("STALE"))
    if status.fresh is not None and status.fresh.trouble is not None:
        return trouble_words(status.fresh)
    if status.far_m is not None:
        distance = format_distance(status.far_m, status.units)
        return _(
            "The nearest station is {distance} away: this point is outside {system}. "
            "Press s to choose another system."
        ).format(distance=distance, system=clean(status.lead_name, 40))
    return status.problem if status.fresh is None else None


def near_note_words(note: str | None) -> str | None:
    """Why the point is not the rider's ("system centre")."""
    return _(SYSTEM_CENTRE) if note == SYSTEM_CENTRE else note


def chosen_by_words(status: ListStatus) -> str | None:
    """How the system was chosen: "chosen from --near 48.85000,2.35000"."""
    if status.chosen_near is None:
        return status.chosen_by
    lat, lon = status.chosen_near
    return _("chosen from --near {point}").format(point=f"{lat:.5f},{lon:.5f}")


def detail_words(
    status: ListStatus, rows: Sequence[Row], mode: Mode, name_query: str, minimum: int | None
) -> str:
    """The header's quiet line: systems, stations and vehicles, the options listed (with
    at least ``minimum``), alerts without a line of their own, the filter, skipped
    records, the cadence."""
    useful = sum(1 for row in rows if row.useful)
    parts = []
    if status.systems > 1:
        systems = ngettext("{count} system", "{count} systems", status.systems)
        parts.append(systems.format(count=status.systems))
    stations = ngettext("{count} station", "{count} stations", status.station_count)
    parts.append(stations.format(count=status.station_count))
    if status.vehicle_count:
        vehicles = ngettext("{count} vehicle", "{count} vehicles", status.vehicle_count)
        parts.append(vehicles.format(count=status.vehicle_count))
    if minimum:
        wanted = _("at least {what}").format(what=counted_wanted(minimum, mode))
    else:
        wanted = wanted_words(mode)
    have = _("{useful} of {listed} listed have {what}")
    parts.append(have.format(useful=useful, listed=len(rows), what=wanted))
    if status.alert_count and not status.alerts:
        alerts = ngettext("{count} alert", "{count} alerts", status.alert_count)
        parts.append("⚠ " + alerts.format(count=status.alert_count))
    if name_query.strip():
        parts.append(_("filter: {query}").format(query=clean(name_query, 40)))
    if status.skipped:
        skipped = ngettext(
            "{count} feed record skipped", "{count} feed records skipped", status.skipped
        )
        parts.append(skipped.format(count=status.skipped))
    if status.refresh_s is not None:
        parts.append(_("refresh every {seconds} s").format(seconds=f"{status.refresh_s:.0f}"))
    else:
        parts.append(_("bundled snapshot, never refreshed"))
    return " · ".join(parts)


def type_words(alert_type: str) -> str:
    """An alert's type as the panel names it ("system closure", "notice")."""
    if alert_type in TYPE_NAMES:
        return _(TYPE_NAMES[alert_type])
    return clean(alert_type.replace("_", " "), 40)


def alert_title_words(alert: SystemAlert, limit: int = 200) -> str:
    """The alert in a few words: its summary, else its description, else its type."""
    if alert.summary or alert.description:
        return clean(alert.summary or alert.description, limit)
    return type_words(alert.type) if alert.type in TYPE_NAMES else _("alert")


def headline_words(alerts: SystemAlerts, several: bool) -> str | None:
    """The header's alert: the most important one's title, its system when several are
    shown, and how many more (``None``: no alert)."""
    if not alerts:
        return None
    system, alert = alerts[0]
    text = alert_title_words(alert, 120)
    if several:
        text = f"{clean(system.name, 40)}: {text}"
    if len(alerts) > 1:
        text = _("{alert} (+{count} more)").format(alert=text, count=len(alerts) - 1)
    return text


def _moment(value: datetime, zone: tzinfo | None) -> str:
    """ "Mon 06 Oct 08:00" in ``zone``."""
    local = value.astimezone(zone)
    return _("{weekday} {day} {month} {time}").format(
        weekday=_(WEEKDAYS[local.weekday()]),
        day=f"{local:%d}",
        month=_(MONTHS[local.month - 1]),
        time=f"{local:%H:%M}",
    )


def when_words(alert: SystemAlert, zone: tzinfo | None) -> str | None:
    """When it applies: "from Mon 06 Oct 08:00 until Fri 10 Oct 18:00" (``None``: now)."""
    start, end = alert.starts_at, alert.ends_at
    parts = []
    if start is not None:
        parts.append(_("from {moment}").format(moment=_moment(start, zone)))
    if end is not None:
        parts.append(_("until {moment}").format(moment=_moment(end, zone)))
    return " ".join(parts) or None


def scope_words(alert: SystemAlert) -> str:
    """What the alert is about: "whole system", "1 station", "2 regions"."""
    parts = []
    if alert.station_ids:
        count = len(alert.station_ids)
        parts.append(ngettext("{count} station", "{count} stations", count).format(count=count))
    if alert.region_ids:
        count = len(alert.region_ids)
        parts.append(ngettext("{count} region", "{count} regions", count).format(count=count))
    return ", ".join(parts) or _("whole system")


def alert_entries_words(alerts: SystemAlerts, zone: tzinfo | None) -> list[AlertEntry]:
    """``alerts`` (ranked) in full for the alerts panel, the facts in the UI's language."""
    entries = []
    for system, alert in alerts:
        facts = [clean(system.name, 60), scope_words(alert)]
        if alert.type:
            facts.append(type_words(alert.type))
        when = when_words(alert, zone)
        if when:
            facts.append(when)
        title = alert_title_words(alert)
        description = clean(alert.description, 1000) if alert.description else None
        entries.append(
            AlertEntry(
                title=title,
                facts=" · ".join(facts),
                description=description if description != title else None,
                url=clean(alert.url, 300) if alert.url else None,
            )
        )
    return entries


#: What a system without bicycles has, as a plural noun (its vehicles' one form).
OTHERS_WORDS = {
    "scooter": N_("scooters"),
    "moped": N_("mopeds"),
    "car": N_("cars"),
    "other": N_("others"),
}


def left_out_words(scene: Scene) -> list[str]:
    """What the lists leave out, one note per system that has any (the rule of
    :meth:`bikefinder.rider.scene.Scene.left_out`): a system without bicycles in a bike
    view, parking zones, areas too wide to walk to."""
    notes: list[str] = []
    for index in scene.indexes:
        name = clean(index.system.name, 60) or index.system.key
        if index.no_bicycles and index.selection is not VehicleSelection.ALL:
            what = index.others_what
            others = _(OTHERS_WORDS[what]) if what in OTHERS_WORDS else f"{what}s"
            notes.append(
                _("{system} has no bicycles ({others}): not listed (--vehicles all lists it)")
                .format(system=name, others=others)
            )  # fmt: skip
            continue
        parts = []
        if index.zones:
            zones = ngettext("{count} parking zone", "{count} parking zones", index.zones)
            parts.append(zones.format(count=index.zones))
        if index.areas:
            areas = ngettext(
                "{count} area wider than {km} km", "{count} areas wider than {km} km", index.areas
            )
            parts.append(areas.format(count=index.areas, km=f"{MAX_AREA_SPAN_M / 1000:.0f}"))
        if parts:
            notes.append(
                _("{system}: {what} not listed as stations").format(
                    system=name, what=_(" and ").join(parts)
                )
            )
    return notes
