"""The rider layer's words as the app shows them, in the UI's language.

:mod:`bikefinder.rider` spells modes and counts in English for the printed output
(``--once``, JSON, CSV), which scripts read; the app translates them here, where they
are shown, and leaves that layer alone.
"""

from __future__ import annotations

import math

from bikefinder.common.i18n import N_, _, ngettext
from bikefinder.common.phrases import Phrase
from bikefinder.common.text import clean
from bikefinder.feeds.vehicles import VehicleForm
from bikefinder.rider.modes import Mode, StationState
from bikefinder.rider.reasons import Reason, ReasonKind
from bikefinder.rider.refresh import ALL_NEW, DEMO_UNCHANGED
from bikefinder.rider.rows import Row
from bikefinder.rider.watches import FiredWatch, Watch


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


def age_words(seconds: float) -> str:
    """A short age, as :func:`bikefinder.rider.staleness.format_age` cuts it: "8 s",
    "4 min", "3 h", "2 d"."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    if seconds < 60:
        return _("{count} s").format(count=f"{seconds:.0f}")
    if seconds < 3600:
        return _("{count} min").format(count=f"{seconds // 60:.0f}")
    if seconds < 86400 * 2:
        return _("{count} h").format(count=f"{seconds // 3600:.0f}")
    return _("{count} d").format(count=f"{seconds // 86400:.0f}")


#: The eight compass points as :func:`bikefinder.common.geo.compass_point` names them.
COMPASS_WORDS = {
    "N": N_("N"),
    "NE": N_("NE"),
    "E": N_("E"),
    "SE": N_("SE"),
    "S": N_("S"),
    "SW": N_("SW"),
    "W": N_("W"),
    "NW": N_("NW"),
}


def compass_words(point: str) -> str:
    """A compass point ("NW") in the UI's language ("NO" in French, "NW" in German)."""
    return _(COMPASS_WORDS[point]) if point in COMPASS_WORDS else point


#: Weekdays (Monday first) and months, short, as the opening hours name them.
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MONTHS = (
    N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
    N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"),
)  # fmt: skip


def opens_words(reason: Reason) -> str:
    """Closed by its hours: "closed, opens 07:00", "closed, opens Sat 09:00",
    "closed, opens 1 Apr", "closed" (the times are the system's)."""
    opens = reason.opens_at
    if opens is None:
        return _("closed")
    if reason.days_ahead <= 0:
        when = f"{opens:%H:%M}"
    elif reason.days_ahead < 7:
        when = _("{weekday} {time}").format(
            weekday=_(WEEKDAYS[opens.weekday()]), time=f"{opens:%H:%M}"
        )
    else:
        when = _("{day} {month}").format(day=opens.day, month=_(MONTHS[opens.month - 1]))
    return _("closed, opens {when}").format(when=when)


def reason_words(reason: Reason) -> str:
    """Why a row is no option: "no bikes", "full", "only 2 bikes", "closed, opens 07:00"."""
    mode, kind = reason.mode, reason.kind
    if kind is ReasonKind.STATE and reason.state is not None:
        return state_label(reason.state)
    if kind is ReasonKind.UNKNOWN:
        return {Mode.ANY_BIKE: _("bikes unknown"), Mode.EBIKE: _("e-bikes unknown")}.get(
            mode, _("docks unknown")
        )
    if kind is ReasonKind.NONE:
        return {Mode.ANY_BIKE: _("no bikes"), Mode.EBIKE: _("no e-bikes")}.get(mode, _("full"))
    if kind is ReasonKind.ONLY:
        return _("only {what}").format(what=counted_wanted(reason.count or 0, mode))
    if kind is ReasonKind.HOURS:
        return opens_words(reason)
    if kind is ReasonKind.NOT_A_BIKE:
        return _("not a bike")
    return _("not in feed")


def row_reason(row: Row) -> str | None:
    """Why ``row`` is no option, in the UI's language (``None``: it is one)."""
    if row.why is not None:
        return reason_words(row.why)
    return row.reason


#: What a row holds, as the What column says it (:func:`bikefinder.feeds.vehicles.what_of`).
WHAT_WORDS = {
    "bike": N_("bike"),
    "scooter": N_("scooter"),
    "moped": N_("moped"),
    "car": N_("car"),
    "other": N_("other"),
}


def what_words(what: str | None) -> str:
    """ "bike", "scooter" ... in the UI's language (empty when not known)."""
    if what is None:
        return ""
    return _(WHAT_WORDS[what]) if what in WHAT_WORDS else what


#: A vehicle's short name, one and several (the count is always 2 or more), by its form
#: and whether it is electric (:func:`bikefinder.feeds.vehicles.vehicle_label`).
VEHICLE_NAMES = {
    (VehicleForm.BICYCLE, False): (N_("bike"), N_("{count} bikes")),
    (VehicleForm.BICYCLE, True): (N_("e-bike"), N_("{count} e-bikes")),
    (VehicleForm.CARGO_BICYCLE, False): (N_("cargo bike"), N_("{count} cargo bikes")),
    (VehicleForm.CARGO_BICYCLE, True): (N_("e-cargo bike"), N_("{count} e-cargo bikes")),
    (VehicleForm.SCOOTER, False): (N_("scooter"), N_("{count} scooters")),
    (VehicleForm.SCOOTER, True): (N_("e-scooter"), N_("{count} e-scooters")),
    (VehicleForm.MOPED, False): (N_("moped"), N_("{count} mopeds")),
    (VehicleForm.CAR, False): (N_("car"), N_("{count} cars")),
    (VehicleForm.OTHER, False): (N_("vehicle"), N_("{count} vehicles")),
    (VehicleForm.UNKNOWN, False): (N_("unknown vehicle"), N_("{count} unknown vehicles")),
}


def vehicle_words(form: VehicleForm, electric: bool | None, count: int = 1) -> str:
    """ "e-bike", or "3 e-bikes" for several at one spot."""
    powered = bool(electric) and (form, True) in VEHICLE_NAMES
    one, several = VEHICLE_NAMES[(form, powered)]
    return _(one) if count <= 1 else _(several).format(count=count)


def row_name(row: Row) -> str:
    """A row's name as the app shows it: a station's own (feed text), a vehicle's kind
    in the UI's language."""
    vehicle = row.vehicle
    if vehicle is None:
        return row.name
    return vehicle_words(vehicle.form, vehicle.electric, len(row.group) or 1)


def wanted_words(mode: Mode) -> str:
    """What a useful station has, as a plural noun: "bikes", "e-bikes", "free docks"."""
    return {Mode.ANY_BIKE: _("bikes"), Mode.EBIKE: _("e-bikes")}.get(mode, _("free docks"))


def watch_words(watch: Watch) -> str:
    """A watch's condition: "at least 2 e-bikes"."""
    return _("at least {what}").format(what=counted_wanted(watch.threshold, watch.kind.mode))


def refreshed_words(changed: int | None) -> str | None:
    """The note after ``r``: how many stations changed (:meth:`AskedRefresh.outcome`)."""
    if changed is None:
        return None
    if changed == DEMO_UNCHANGED:
        return _("Refreshed: no change (demo data never changes)")
    if changed == ALL_NEW:
        return _("Refreshed: new availability")
    if changed == 0:
        return _("Refreshed: no change")
    return ngettext(
        "Refreshed: {count} station changed", "Refreshed: {count} stations changed", changed
    ).format(count=changed)


def fired_words(fired: FiredWatch) -> str:
    """A watch met: "Alpha: 3 bikes now (watching for at least 2 bikes)"."""
    name = clean(fired.station.info.name, 60) or fired.station.station_id
    return _("{station}: {count} now (watching for {what})").format(
        station=name,
        count=counted_wanted(fired.count, fired.watch.kind.mode),
        what=watch_words(fired.watch),
    )


#: A vehicle's form as its details name it (the feed's ``form_factor``, grouped).
FORM_WORDS = {
    VehicleForm.BICYCLE: N_("bicycle"),
    VehicleForm.CARGO_BICYCLE: N_("cargo bicycle"),
    VehicleForm.SCOOTER: N_("scooter"),
    VehicleForm.MOPED: N_("moped"),
    VehicleForm.CAR: N_("car"),
    VehicleForm.OTHER: N_("other"),
    VehicleForm.UNKNOWN: N_("unknown"),
}


def form_words(form: VehicleForm) -> str:
    """ "bicycle", "cargo bicycle", "scooter" ... in the UI's language."""
    return _(FORM_WORDS[form])


def say(note: str | Phrase) -> str:
    """A note from the layers below in the UI's language: a :class:`Phrase` translated
    and filled in; text that is not a phrase (a feed's, an error's) as it is."""
    if not isinstance(note, Phrase):
        return note
    values = {key: say(value) if isinstance(value, Phrase) else value
              for key, value in note.values}  # fmt: skip
    if note.plural is not None and note.plural_count is not None:
        return ngettext(note.template, note.plural, note.plural_count).format(**values)
    return _(note.template).format(**values)
