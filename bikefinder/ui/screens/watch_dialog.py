"""The ``a`` dialog: "notify me when this station has at least N bikes / e-bikes / docks"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, RadioButton, RadioSet

from bikefinder.common.i18n import _
from bikefinder.common.text import clean
from bikefinder.feeds.models import Station
from bikefinder.rider.watches import MAX_THRESHOLD, Watch, WatchKind
from bikefinder.ui.messages import EarlyKey
from bikefinder.ui.widgets.safe import SafeLabel, SafeStatic
from bikefinder.ui.words import counted_bikes, counted_docks, counted_ebikes, wanted_words


class MarkedRadioButton(RadioButton):
    """A radio button whose choice reads without colour: a dot in the chosen one only
    (Textual's draws the dot in both and tells them apart by colour)."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else " "
        return super()._button


class KindChoice(RadioSet):
    """The kinds to watch; Enter on one chooses it and confirms the dialog, as Enter in
    the number field does (space only moves the choice)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Watch", show=False),
    ]

    @dataclass
    class Chosen(Message):
        """The rider pressed Enter on ``kind``."""

        kind: WatchKind

    def action_choose(self) -> None:
        index = self._selected
        buttons = list(self.query(RadioButton))
        if index is None or not 0 <= index < len(buttons):
            return
        button = buttons[index]
        if not button.value:
            button.value = True
        if button.name:
            self.post_message(self.Chosen(WatchKind(button.name)))


#: The radio buttons' labels: the same plural nouns as everywhere ("free docks").
KIND_LABELS = {kind: wanted_words(kind.mode) for kind in WatchKind}


@dataclass(frozen=True, slots=True)
class WatchChoice:
    """What the rider decided: a new watch, or ``None`` to remove the existing one.
    (Cancelling dismisses the dialog with no choice at all.)"""

    watch: Watch | None


def _now_text(station: Station) -> Text:
    status = station.status
    if status is None:
        return Text(_("No live status for this station right now."), style="dim")

    return Text(
        _("Now: {bikes} ({ebikes}), {docks}").format(
            bikes=counted_bikes(status.bikes),
            ebikes=counted_ebikes(status.electric),
            docks=counted_docks(status.docks),
        ),
        style="dim",
    )


class WatchDialog(ModalScreen[WatchChoice | None]):
    """Pick a kind and a threshold; Enter sets the watch, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), show=True),
    ]

    def __init__(self, station: Station, kind: WatchKind, current: Watch | None) -> None:
        super().__init__()
        self.station = station
        self.kind = current.kind if current is not None else kind
        self.current = current

    def compose(self) -> ComposeResult:
        name = clean(self.station.info.name, 60) or self.station.station_id
        with Vertical(id="watch-dialog") as dialog:
            dialog.border_title = _("Watch a station")
            before, _name, after = _("Notify me when {station} has at least").partition("{station}")
            title = Text(before, style="bold")
            title.append(name, style="bold yellow")
            title.append(after, style="bold")
            yield SafeStatic(title, id="watch-title")
            with Horizontal(id="watch-row"):
                threshold = str(self.current.threshold) if self.current else "1"
                yield Input(
                    value=threshold,
                    type="integer",
                    max_length=3,
                    id="watch-threshold",
                    select_on_focus=True,
                )
                with KindChoice(id="watch-kind"):
                    for kind, label in KIND_LABELS.items():
                        yield MarkedRadioButton(label, value=kind is self.kind, name=kind.value)
            yield SafeStatic(_now_text(self.station), id="watch-now")
            yield SafeLabel("", id="watch-error")
            with Horizontal(id="watch-buttons"):
                yield Button(_("Watch"), variant="primary", id="watch-set")
                if self.current is not None:
                    yield Button(_("Remove watch"), variant="warning", id="watch-remove")
                yield Button(_("Cancel"), id="watch-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#watch-threshold", Input))

    def on_early_key(self, message: EarlyKey) -> None:
        """A key typed right after ``a``, before this dialog had the keyboard: to the
        field, as the rider meant ("a", Backspace, "5", "0", Enter sets 50)."""
        threshold = self.query_one("#watch-threshold", Input)
        if message.character is not None and message.character.isdigit():
            if not threshold.selection.is_empty:
                threshold.delete_selection()
            threshold.insert_text_at_cursor(message.character)
        elif message.key == "backspace":
            threshold.action_delete_left()
        elif message.key == "enter":
            self._set()
        elif message.key == "escape":
            self.action_cancel()

    def chosen_kind(self) -> WatchKind:
        pressed = self.query_one("#watch-kind", KindChoice).pressed_button
        return WatchKind(pressed.name) if pressed is not None and pressed.name else self.kind

    def chosen_watch(self) -> Watch | None:
        """The watch the form describes, or ``None`` (with the reason shown) if invalid."""
        text = self.query_one("#watch-threshold", Input).value.strip()
        try:
            threshold = int(text)
        except ValueError:
            threshold = 0
        if not 1 <= threshold <= MAX_THRESHOLD:
            self.query_one("#watch-error", SafeLabel).update(
                Text(
                    _("Enter a number from 1 to {most}.").format(most=MAX_THRESHOLD),
                    style="bold red",
                )
            )
            return None
        return Watch(self.chosen_kind(), threshold)

    @on(Input.Submitted, "#watch-threshold")
    @on(Button.Pressed, "#watch-set")
    def _set(self) -> None:
        watch = self.chosen_watch()
        if watch is not None:
            self.dismiss(WatchChoice(watch))

    @on(KindChoice.Chosen)
    def _choose(self, message: KindChoice.Chosen) -> None:
        self.kind = message.kind
        watch = self.chosen_watch()
        if watch is not None:
            self.dismiss(WatchChoice(Watch(message.kind, watch.threshold)))

    @on(Button.Pressed, "#watch-remove")
    def _remove(self) -> None:
        self.dismiss(WatchChoice(None))

    @on(Button.Pressed, "#watch-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
