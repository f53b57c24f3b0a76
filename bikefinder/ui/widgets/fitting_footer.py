"""A footer that fits a narrow terminal in any language: below :data:`WIDE_FOOTER`
columns it packs its keys and leaves out the command palette's key (Ctrl+P still works,
and ``?`` lists it), as the station list's footer does. French and German descriptions
are longer than English ones: without this, ``q`` would end under the palette's key."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

#: Below this width the footer packs its keys closer.
WIDE_FOOTER = 120


class FittingFooter(Footer):
    """:class:`Footer`, compact and without the palette's key below :data:`WIDE_FOOTER`."""

    def on_resize(self, event: events.Resize) -> None:
        wide = event.size.width >= WIDE_FOOTER
        self.compact = not wide
        self.show_command_palette = wide
