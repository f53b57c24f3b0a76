"""How wide the printed output may be: a terminal's width when stdout is one, so a
table fits the screen; ``None`` when it is piped or redirected (scripts get whole lines)."""

from __future__ import annotations

import shutil
import sys


def terminal_width() -> int | None:
    """The terminal's columns when stdout is a terminal (``COLUMNS`` wins), else ``None``."""
    stream = sys.stdout
    if stream is None or not stream.isatty():
        return None
    return shutil.get_terminal_size().columns
