"""The ``?`` panel: every key of the list and what it does; Escape (or ``?``) closes it."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from bikefinder.common.i18n import N_, _
from bikefinder.ui.station_cells import FAVOURITE_MARK, STOCK_LOOKS, WATCH_MARK
from bikefinder.ui.widgets.safe import SafeStatic

#: (keys, what they do), in the order a new rider needs them; translated when shown.
KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓  j k", N_("move; PgUp PgDn, Home End")),
    ("Enter", N_("the station's details; Escape: back")),
    ("m", N_("look for: any bike → e-bike → free dock")),
    ("/", N_("filter by name as you type; Escape clears")),
    ("f", N_("favourite the station (or not)")),
    ("v", N_("favourites ↔ all stations")),
    ("a", N_("watch: tell me at N bikes / e-bikes / docks")),
    ("s", N_("choose another system, or add one:")),
    ("  Enter", N_("a match replaces the system (several: adds)")),
    ("  +", N_("add a system alongside the ones shown")),
    ("  space d", N_("systems shown (Tab): on/off, remove")),
    ("t", N_("trips to a place: walk, ride, walk")),
    ("  m Enter", N_("e-bikes only; a trip's details")),
    ("M", N_("map of the listed stations")),
    ("r", N_("refresh now")),
    ("Ctrl+P", N_("every command, searchable")),
    ("?  !", N_("these keys · all alerts; Escape closes")),
    ("q", N_("quit")),
)


def keys_text() -> Table:
    """The keys, then what the marks in the list mean."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    for keys, does in KEYS:
        grid.add_row(keys, _(does))
    marks = Text()
    favourite, watched = _("favourite"), _("watched")
    marks.append(f"{FAVOURITE_MARK} {favourite}  {WATCH_MARK} {watched}  ")
    for level, words in (("empty", _("none")), ("low", "1–2")):
        mark, style = STOCK_LOOKS[level]
        marks.append(f"{mark}0" if level == "empty" else f"{mark}2", style=style)
        marks.append(f" {words}  ")
    grid.add_row(_("marks"), marks)
    return grid


class KeysScreen(ModalScreen[None]):
    """A modal list of the keys; fits a 60x20 terminal."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Close"), show=True),
        Binding("question_mark", "close", _("Close"), show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="keys-dialog") as dialog:
            dialog.border_title = _("Keys")
            yield SafeStatic(keys_text(), id="keys-body")

    def action_close(self) -> None:
        self.dismiss(None)
