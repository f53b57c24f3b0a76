"""The header: which system, where, what the rider looks for, and how fresh the data is."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.css.scalar import Scalar
from textual.widgets import Static

from bikefinder.common.i18n import _
from bikefinder.common.text import clean
from bikefinder.rider.modes import Mode
from bikefinder.ui.widgets.safe import ScreenSafe
from bikefinder.ui.words import mode_label


@dataclass(frozen=True, slots=True)
class HeaderState:
    """Everything the header shows; feed-supplied strings are rendered literally."""

    system_name: str
    near: tuple[float, float]
    mode: Mode
    favourites_view: bool
    freshness: str
    #: ``"ok"``, ``"stale"`` (old data) or ``"error"`` (the last refresh failed).
    health: str = "ok"
    #: A second line: what failed, or why the data is stale.
    problem: str | None = None
    #: A quiet second line when there is no problem: counts, the active filter.
    detail: str = ""
    #: Set when the point is not the rider's position, e.g. ``"system centre"``.
    near_note: str | None = None
    #: The place the rider named ("home", "Gare de Lyon"): said instead of coordinates.
    near_label: str | None = None
    #: How the system was chosen when the rider did not name it (starts the quiet line).
    chosen_by: str | None = None
    #: The most important active alert, in a few words (``None``: no alert).
    alert: str | None = None


#: Below this many cells for the system and the point, "looking for" goes.
ROOMY_HEAD = 24
#: Header styles of the freshness label, per health.
FRESHNESS_STYLES = {"ok": "", "stale": "bold black on yellow", "error": "bold white on red"}
#: The alert line's look, and the key that lists every alert.
ALERT_STYLE = "bold magenta"
ALERT_KEY_HINT = "  ! " + _("alerts")


def _mode_part(state: HeaderState, *, short: bool) -> Text:
    """The mode (always whole) and the view: " · looking for [any bike] · all stations"."""
    part = Text(" · " if short else " · " + _("looking for") + " ")
    part.append(f" {mode_label(state.mode)} ", style="bold reverse")
    if short:
        view = " ★ " + _("favourites") if state.favourites_view else " " + _("all")
        part.append(view, style="bold")
    else:
        part.append(" · ")
        view = _("favourites") if state.favourites_view else _("all stations")
        part.append(view, style="bold")
    return part


def _head(state: HeaderState, room: int | None) -> Text:
    """The system and the point in ``room`` cells (``None``: no limit): the point loses
    decimals, then goes, before the system's name is cut."""
    name = Text(clean(state.system_name, 50), style="bold")
    note = Text(f" ({clean(state.near_note, 30)})", style="italic") if state.near_note else Text()
    if state.near_label:  # the place named: the system's name is cut before it
        label = Text(" · " + _("near {place}").format(place=clean(state.near_label, 40)))
        if room is not None and name.cell_len + label.cell_len + note.cell_len > room:
            name_room = room - label.cell_len - note.cell_len
            if name_room < 4:  # no room for the system's name: the place is said whole
                name, label = Text(), Text(label.plain[3:])
            name.truncate(max(4, name_room), overflow="ellipsis")
        head = name + label + note
        if room is not None and head.cell_len > room:
            head.truncate(max(1, room), overflow="ellipsis")
        return head
    for digits in (5, 3, None):
        head = name.copy()
        if digits is not None:
            point = f"{state.near[0]:.{digits}f}, {state.near[1]:.{digits}f}"
            head.append(" · " + _("near {place}").format(place=point))
        head.append_text(note)
        if room is None or head.cell_len <= room:
            return head
    head.truncate(max(1, room or 1), overflow="ellipsis")
    return head


def header_text(state: HeaderState, width: int | None = None) -> Group:
    """The header lines for ``width`` cells as Rich renderables (``Text`` only: no
    markup is parsed). The mode is never cut: the point, "looking for" and the system
    name give way first. The most important alert starts the second line, or has a
    third when a problem takes the second."""
    right = Text(f" {state.freshness} ", style=FRESHNESS_STYLES.get(state.health, ""))
    mode = _mode_part(state, short=False)
    room = None if width is None else width - right.cell_len - 2 - mode.cell_len
    if room is not None and room < ROOMY_HEAD:
        mode = _mode_part(state, short=True)
        room = width - right.cell_len - 2 - mode.cell_len if width is not None else None
    top = Table.grid(expand=True, padding=(0, 1))
    top.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    top.add_column(justify="right", no_wrap=True)
    top.add_row(_head(state, room) + mode, right)
    alert = _alert_line(state.alert, width) if state.alert else None
    if state.problem:
        style = "bold white on red" if state.health == "error" else "bold black on yellow"
        lines = problem_lines(state.problem, width)
        second = Text("\n".join(f" {line} " for line in lines), style=style, no_wrap=True)
        return Group(top, second, alert) if alert is not None else Group(top, second)
    parts = [clean(state.chosen_by, 80)] if state.chosen_by else []
    parts += [state.detail] if state.detail else []
    quiet = Text(" · ".join(parts), style="dim")
    if alert is not None:  # the alert starts the quiet line: it matters more than counts
        second = alert
        if quiet:
            second.append(" · ", style="dim")
            second.append_text(quiet)
    else:
        second = quiet
    second.no_wrap, second.overflow = True, "ellipsis"
    return Group(top, second)


def _alert_line(alert: str, width: int | None) -> Text:
    """ "⚠ Keine Echtzeitdaten  ! alerts": the alert (cut first), then the key to see all."""
    hint = Text(ALERT_KEY_HINT, style="bold")
    text = Text(f"⚠ {clean(alert, 200)}", style=ALERT_STYLE)
    if width is not None and text.cell_len + hint.cell_len >= width:  # one cell for "…"
        text.truncate(max(4, width - hint.cell_len - 1), overflow="ellipsis")
    text.append_text(hint)
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


#: A problem takes at most this many header lines (a longer one ends with "…").
PROBLEM_LINES = 4


def problem_lines(problem: str, width: int | None) -> list[str]:
    """The problem in lines of ``width`` cells broken between words, so it is read
    whole (at most :data:`PROBLEM_LINES`; a word longer than a line is cut)."""
    text = clean(problem, 600)
    if width is None:
        return [text]
    room = max(8, width - 2)
    lines = textwrap.wrap(text, room, break_on_hyphens=False) or [""]
    if len(lines) > PROBLEM_LINES:
        rest = " ".join(lines[PROBLEM_LINES - 1 :])
        lines = [*lines[: PROBLEM_LINES - 1], textwrap.shorten(rest, room, placeholder=" …")]
    return lines


def header_lines(state: HeaderState, width: int | None = None) -> int:
    """How many lines the header takes: the top line, the problem's lines (else the
    quiet line), and the alert's when both show."""
    if not state.problem:
        return 2
    return 1 + len(problem_lines(state.problem, width)) + (1 if state.alert else 0)


class StatusBar(ScreenSafe, Static):
    """Docked at the top; the app calls :meth:`show` whenever anything in it changes."""

    _state: HeaderState | None = None
    #: The width the header was last put in words for.
    _width: int | None = None

    def show(self, state: HeaderState) -> None:
        """Show ``state``; the same words at the same width are not drawn again (the
        app's one-second tick asks every second)."""
        width = self.content_size.width or (self.app.size.width if self.is_attached else None)
        if state == self._state and width == self._width:
            return
        had_alert = self._state is not None and self._state.alert is not None
        self._state, self._width = state, width
        if (state.alert is not None) != had_alert and self.is_attached:
            self.screen.refresh_bindings()  # the footer's alerts key comes and goes with them
        height = header_lines(state, width)
        # Its height is set here: the screen is laid out again only when it changes.
        same_height = self.styles.height == Scalar.from_number(height)
        self.styles.height = height
        self.update(header_text(state, width), layout=not same_height)

    def on_resize(self) -> None:
        if self._state is not None:
            width = self.content_size.width or None
            self._width = width
            self.styles.height = header_lines(self._state, width)
            self.update(header_text(self._state, width))
