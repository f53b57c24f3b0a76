"""The header: which system, where, what the rider looks for, and how fresh the data is."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from bikefinder.core.modes import Mode
from bikefinder.core.text import clean
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


def header_text(state: HeaderState) -> Group:
    """The two header lines as Rich renderables (``Text`` only: no markup is parsed)."""
    top = Table.grid(expand=True, padding=(0, 1))
    top.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    top.add_column(justify="right", no_wrap=True)
    left = Text()
    left.append(clean(state.system_name, 50), style="bold")
    left.append(f" · near {state.near[0]:.5f}, {state.near[1]:.5f}")
    if state.near_note:
        left.append(f" ({clean(state.near_note, 30)})", style="italic")
    left.append(" · looking for ")
    left.append(f" {state.mode.label} ", style="bold reverse")
    left.append(" · ")
    left.append("favourites" if state.favourites_view else "all stations", style="bold")
    freshness_style = {"ok": "", "stale": "bold black on yellow", "error": "bold white on red"}
    right = Text(f" {state.freshness} ", style=freshness_style.get(state.health, ""))
    top.add_row(left, right)
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

    def show(self, state: HeaderState) -> None:
        self.update(header_text(state))
