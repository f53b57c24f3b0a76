"""The one cleaning step between any widget and the terminal.

Widgets clean feed text for layout (``clean()``: folded, truncated), but the guarantee
that nothing on screen can drive the terminal (an OSC 52 clipboard write, a cursor
move, a bidi override) lives here, once, where lines are rendered: a widget class that
mixes in :class:`ScreenSafe` cannot put an escape on screen, whatever it was given and
however it built its content (Text, Table, Group, border titles included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Label, Static

from bikefinder.common.text import has_unsafe_chars, screen_safe

if TYPE_CHECKING:
    from textual.geometry import Region


def safe_strip(strip: Strip) -> Strip:
    """``strip`` with :func:`screen_safe` applied to its text (itself when already safe)."""
    segments = list(strip)
    if not any(has_unsafe_chars(s.text) or not s.text.isascii() for s in segments):
        return strip
    cleaned = [
        Segment(screen_safe(s.text), s.style, s.control) if not s.control else s for s in segments
    ]
    if all(new.text == old.text for new, old in zip(cleaned, segments, strict=True)):
        return strip
    return Strip(cleaned)


class ScreenSafe:
    """Mixin for a widget: every line it renders passes :func:`safe_strip`. Put it first
    in the bases (``class MyPanel(ScreenSafe, Static)``)."""

    def render_lines(self, crop: Region) -> list[Strip]:
        return [safe_strip(strip) for strip in super().render_lines(crop)]  # type: ignore[misc]


class SafeStatic(ScreenSafe, Static):
    """A ``Static`` that cannot put a terminal escape on screen."""


class SafeLabel(ScreenSafe, Label):
    """A ``Label`` that cannot put a terminal escape on screen."""
