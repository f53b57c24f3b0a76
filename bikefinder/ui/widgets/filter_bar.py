"""The name filter: typing narrows the table as you type (the cursor on the nearest
match), Enter opens the highlighted match, Escape clears it.

The bar only shows, empties and hides itself; it posts what the rider did (the query
changed, Enter, Escape, an arrow) and the app, which owns the query, does the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input

from bikefinder.common.i18n import _
from bikefinder.ui.widgets.safe import ScreenSafe


class FilterBar(ScreenSafe, Input):
    """An input docked under the table; arrows still move the table's cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", _("Open match"), show=True),
        Binding("escape", "clear_filter", _("Clear filter"), show=True),
        Binding("down", "move(1)", _("Down"), show=False),
        Binding("up", "move(-1)", _("Up"), show=False),
    ]

    @dataclass
    class Cleared(Message):
        """The rider pressed Escape in the filter."""

    @dataclass
    class Move(Message):
        """Move the table cursor by ``rows`` while typing."""

        rows: int

    @dataclass
    class QueryChanged(Message):
        """The rider typed: ``query`` is the filter's text now."""

        query: str

    @dataclass
    class Done(Message):
        """The rider pressed Enter: keep the filter, back to the table."""

    #: The text's width, for the bar's own horizontal scrolling; the bar's size does not
    #: depend on it, so typing does not lay the screen out again (Input's does).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=_("filter stations by name"), id=id)

    def open(self) -> None:
        """Show the filter and type into it."""
        self.display = True
        self.focus()

    def close(self) -> None:
        """Empty and hide the filter."""
        self.value = ""
        self.display = False

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.QueryChanged(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Done())

    def action_clear_filter(self) -> None:
        self.post_message(self.Cleared())

    def action_move(self, rows: int) -> None:
        self.post_message(self.Move(rows))
