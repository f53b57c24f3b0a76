"""The header: which system, where, what the rider looks for, and how fresh the data is."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from bikefinder.common.text import clean
from bikefinder.rider.modes import Mode
from bikefinder.ui.widgets.safe import ScreenSafe


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
    #: How the system was chosen when the rider did not name it (starts the quiet line).
    chosen_by: str | None = None


#: Below this many cells for the system and the point, "looking for" goes.
ROOMY_HEAD = 24
#: Header styles of the freshness label, per health.
FRESHNESS_STYLES = {"ok": "", "stale": "bold black on yellow", "error": "bold white on red"}


def _mode_part(state: HeaderState, *, short: bool) -> Text:
    """The mode (always whole) and the view: " · looking for [any bike] · all stations"."""
    part = Text(" · " if short else " · looking for ")
    part.append(f" {state.mode.label} ", style="bold reverse")
    if short:
        part.append(" ★ favourites" if state.favourites_view else " all", style="bold")
    else:
        part.append(" · ")
        part.append("favourites" if state.favourites_view else "all stations", style="bold")
    return part


def _head(state: HeaderState, room: int | None) -> Text:
    """The system and the point in ``room`` cells (``None``: no limit): the point loses
    decimals, then goes, before the system's name is cut."""
    name = Text(clean(state.system_name, 50), style="bold")
    note = Text(f" ({clean(state.near_note, 30)})", style="italic") if state.near_note else Text()
    for digits in (5, 3, None):
        head = name.copy()
        if digits is not None:
            head.append(f" · near {state.near[0]:.{digits}f}, {state.near[1]:.{digits}f}")
        head.append_text(note)
        if room is None or head.cell_len <= room:
            return head
    head.truncate(max(1, room or 1), overflow="ellipsis")
    return head


def header_text(state: HeaderState, width: int | None = None) -> Group:
    """The two header lines for ``width`` cells as Rich renderables (``Text`` only: no
    markup is parsed). The mode is never cut: the point, "looking for" and the system
    name give way first."""
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
    if state.problem:
        style = "bold white on red" if state.health == "error" else "bold black on yellow"
        second = Text(f" {clean(state.problem, 400)} ", style=style, no_wrap=True)
        second.overflow = "ellipsis"
    else:
        parts = [clean(state.chosen_by, 80)] if state.chosen_by else []
        parts += [state.detail] if state.detail else []
        second = Text(" · ".join(parts), style="dim", no_wrap=True, overflow="ellipsis")
    return Group(top, second)


class StatusBar(ScreenSafe, Static):
    """Docked at the top; the app calls :meth:`show` whenever anything in it changes."""

    _state: HeaderState | None = None

    def show(self, state: HeaderState) -> None:
        self._state = state
        self.update(header_text(state, self.content_size.width or None))

    def on_resize(self) -> None:
        if self._state is not None:
            self.update(header_text(self._state, self.content_size.width or None))
