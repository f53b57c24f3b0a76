"""The name filter: typing narrows the table as you type; Escape clears it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    """An input docked under the table; arrows still move the table's cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_filter", "Clear filter", show=True),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
    ]

    @dataclass
    class Cleared(Message):
        """The rider pressed Escape in the filter."""

    @dataclass
    class Move(Message):
        """Move the table cursor by ``rows`` while typing."""

        rows: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="filter stations by name", id=id)

    def action_clear_filter(self) -> None:
        self.post_message(self.Cleared())

    def action_move(self, rows: int) -> None:
        self.post_message(self.Move(rows))
