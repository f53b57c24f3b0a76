"""A footer that fits a narrow terminal in any language: below :data:`WIDE_FOOTER`
columns it packs its keys and leaves out the command palette's key (Ctrl+P still works,
and ``?`` lists it), as the station list's footer does. French and German descriptions
are longer than English ones: without this, ``q`` would end under the palette's key."""

from __future__ import annotations

from textual import events
from textual.screen import Screen
from textual.widgets import Footer

from bikefinder.ui.data_thread import FRAME_GATE

#: Below this width the footer packs its keys closer.
WIDE_FOOTER = 120


class FittingFooter(Footer):
    """:class:`Footer`, compact and without the palette's key below :data:`WIDE_FOOTER`."""

    def on_resize(self, event: events.Resize) -> None:
        wide = event.size.width >= WIDE_FOOTER
        self.compact = not wide
        self.show_command_palette = wide


class FirstPaintFooter(Footer):
    """:class:`Footer` that lays its keys out once, after the screen's first content is
    drawn (:meth:`release`), and at most once per frame after that.

    Textual's footer rebuilds every key each time the screen's bindings change: at a
    list's start that is three times before the first table (mount, focus, bindings
    refreshed), each as long as drawing the table, all of it before the rider sees a row.
    Held, it records that bindings changed and draws nothing; released, it lays the keys
    out after the next frame. Changes within one frame are laid out together, and a
    change that leaves every key as it was is not laid out at all.
    """

    def __init__(self) -> None:
        super().__init__()
        self._held = True
        self._layout_pending = False
        #: What the keys laid out last show (see ``_keys_shown``).
        self._laid_out: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True  # Footer.compose draws no key until this is set
        if self._held or self._layout_pending or not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self._layout_pending = True
            self.call_after_refresh(self._lay_out_keys)

    def _keys_shown(self) -> tuple[object, ...]:
        """What the keys would show: each shown binding's key, words, state and tooltip."""
        shown = tuple(
            (binding.key, binding.description, enabled, tooltip)
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )
        return (shown, self.compact, self.show_command_palette)

    async def _lay_out_keys(self) -> None:
        """Lay the keys out again, unless they would show what they show (a new list,
        a refresh or a focus change often changes the bindings, not what the keys say)."""
        self._layout_pending = False
        shown = self._keys_shown()
        if shown == self._laid_out:
            return
        self._laid_out = shown
        FRAME_GATE.hold()  # no parse beside the keys' layout and their frame
        try:
            with self._context():  # the keys bind to this footer, whoever asked for them
                await self.recompose()
        finally:
            self.call_after_refresh(FRAME_GATE.release)

    def release(self) -> None:
        """Lay the keys out from now on (after the next frame)."""
        if self._held and self.is_attached:
            self._held = False
            self.bindings_changed(self.screen)
