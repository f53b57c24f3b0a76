"""The system picker when several systems are shown (``s``): turn each on or off.

Space toggles the highlighted system, Enter applies, Escape cancels; the screen
dismisses with the set of gbfs.json URLs to show (the app keeps at least one)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, SelectionList, Static
from textual.widgets.selection_list import Selection

from bikefinder.common.text import clean


class SystemsToggleScreen(ModalScreen[set[str] | None]):
    """Turn the shown systems on and off; dismisses with the URLs left on."""

    DEFAULT_CSS = """
    SystemsToggleScreen { align: center middle; }
    SystemsToggleScreen > Vertical {
        width: 70; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SystemsToggleScreen SelectionList { height: auto; max-height: 16; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Apply", show=True, priority=True),
        Binding("escape", "cancel", "Cancel", show=True),
    ]

    def __init__(self, choices: list[tuple[str, str, bool]]) -> None:
        """``choices``: (gbfs.json URL, name, shown now) per system, in list order."""
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Systems shown (space turns one on or off, Enter applies)",
                              style="bold"))  # fmt: skip
            yield SelectionList[str](
                *(
                    Selection(Text(clean(name, 60) or url), url, on)
                    for url, name, on in self.choices
                ),
                id="systems",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_apply(self) -> None:
        chosen = set(self.query_one(SelectionList).selected)
        if not chosen:
            self.app.bell()
            self.notify("Keep at least one system on", severity="warning", timeout=3)
            return
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
