"""The ``t`` dialog: where to? A place from ``[places]``, a favourite, a station's name
or ``LAT,LON``; a name none of them knows is looked up (off the event loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input

from bikefinder.common.errors import UsageError
from bikefinder.common.i18n import N_, _
from bikefinder.common.text import clean
from bikefinder.fleet.destination import HOW_TO_SAY, Destination
from bikefinder.ui.messages import EarlyKey
from bikefinder.ui.widgets.fitting_footer import FittingFooter
from bikefinder.ui.widgets.safe import SafeStatic

#: How to say where to (the fleet's HOW_TO_SAY, capitalised), the dialog's first line.
HOW_TO_SAY_SHOWN = N_("Type a place from [places], a favourite, a station's name or LAT,LON")


class DestinationDialog(ModalScreen[Destination | None]):
    """Type where to; Enter plans the trips, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", _("Cancel"))]

    def __init__(
        self,
        resolve: Callable[[str], Destination | None],
        look_up: Callable[[str], Destination],
        names: Sequence[str] = (),
    ) -> None:
        """``resolve``: the destination without the network (``None``: unknown here);
        ``look_up``: the geocoder (blocking); ``names``: places and favourites to
        suggest as the rider types."""
        super().__init__()
        self.resolve = resolve
        self.look_up = look_up
        self.names = list(names)

    def compose(self) -> ComposeResult:
        with Vertical(id="destination-dialog") as dialog:
            dialog.border_title = _("Trip to")
            yield SafeStatic(Text(_(HOW_TO_SAY_SHOWN), style="dim"))
            yield Input(
                placeholder=_("work, Gare de Lyon, 48.86,2.36"),
                suggester=SuggestFromList(self.names, case_sensitive=False),
                id="destination-input",
            )
            yield SafeStatic("", id="destination-error")
        yield FittingFooter()

    def on_mount(self) -> None:
        self.query_one("#destination-input", Input).focus()

    async def on_early_key(self, message: EarlyKey) -> None:
        """A key typed right after ``t``, before this dialog had the keyboard: to the field."""
        field = self.query_one("#destination-input", Input)
        if message.character is not None and message.character.isprintable():
            field.insert_text_at_cursor(message.character)
        elif message.key == "backspace":
            field.action_delete_left()
        elif message.key == "enter":
            await field.action_submit()
        elif message.key == "escape":
            self.action_cancel()

    def say(self, text: str, style: str = "bold red") -> None:
        self.query_one("#destination-error", SafeStatic).update(Text(clean(text, 300), style=style))

    @on(Input.Submitted, "#destination-input")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value
        try:
            found = self.resolve(text)
        except UsageError as exc:
            self.say(str(exc))
            return
        if found is not None:
            self.dismiss(found)
            return
        self.say(_("Looking up {place}…").format(place=repr(clean(text, 60))), style="dim")
        self._look_up(text)

    @work(exclusive=True, group="destination", exit_on_error=False, description="look up")
    async def _look_up(self, text: str) -> None:
        try:
            found = await asyncio.to_thread(self.look_up, text)
        except UsageError as exc:
            problem = str(exc).replace("--near: ", "").replace("--near", "the destination")
            self.say(_("{problem}. Or {how}.").format(problem=problem, how=_(HOW_TO_SAY)))
            return
        self.dismiss(found)

    def action_cancel(self) -> None:
        self.dismiss(None)
