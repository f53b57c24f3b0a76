"""The ``?`` panel: every key of the list and what it does; Escape (or ``?``) closes it."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from bikefinder.ui.widgets.safe import SafeStatic
from bikefinder.ui.widgets.station_table import FAVOURITE_MARK, STOCK_LOOKS, WATCH_MARK

#: (keys, what they do), in the order a new rider needs them.
KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓  j k", "move; PgUp PgDn, Home End"),
    ("Enter", "the station's details; Escape: back"),
    ("m", "look for: any bike → e-bike → free dock"),
    ("/", "filter by name as you type; Escape clears"),
    ("f", "favourite the station (or not)"),
    ("v", "favourites ↔ all stations"),
    ("a", "watch: tell me at N bikes / e-bikes / docks"),
    ("s", "choose another system, or add one:"),
    ("  Enter", "a match replaces the system (several: adds)"),
    ("  +", "add a system alongside the ones shown"),
    ("  space d", "systems shown (Tab): on/off, remove"),
    ("t", "trips to a place: walk, ride, walk"),
    ("  m Enter", "e-bikes only; a trip's details"),
    ("M", "map of the listed stations"),
    ("r", "refresh now"),
    ("Ctrl+P", "every command, searchable"),
    ("?  !", "these keys · all alerts; Escape closes"),
    ("q", "quit"),
)


def keys_text() -> Table:
    """The keys, then what the marks in the list mean."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    for keys, does in KEYS:
        grid.add_row(keys, does)
    marks = Text()
    marks.append(f"{FAVOURITE_MARK} favourite  {WATCH_MARK} watched  ")
    for level, words in (("empty", "none"), ("low", "1–2")):
        mark, style = STOCK_LOOKS[level]
        marks.append(f"{mark}0" if level == "empty" else f"{mark}2", style=style)
        marks.append(f" {words}  ")
    grid.add_row("marks", marks)
    return grid


class KeysScreen(ModalScreen[None]):
    """A modal list of the keys; fits a 60x20 terminal."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=True),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="keys-dialog") as dialog:
            dialog.border_title = "Keys"
            yield SafeStatic(keys_text(), id="keys-body")

    def action_close(self) -> None:
        self.dismiss(None)
