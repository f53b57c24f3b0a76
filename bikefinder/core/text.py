"""Make feed-supplied strings safe to show: no control, escape or bidi characters."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (ESC included, so no ANSI/OSC sequence survives), DEL, and
# bidi embedding, override and isolate marks.
_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"\s+")
# In a Python str every surrogate is a lone one (JSON's "\udc80", argv's surrogateescape):
# legal in memory, but no UTF-8 stream, file or terminal can encode it.
_SURROGATES = re.compile("[\ud800-\udfff]")
ELLIPSIS = "…"
REPLACEMENT = "\ufffd"


def encodable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so any UTF-8 output takes it."""
    if text.isascii():  # fast path: nearly every feed string
        return text
    return _SURROGATES.sub(REPLACEMENT, text)


def clean(text: str | None, max_chars: int = 200) -> str:
    """Printable text: unsafe characters dropped, whitespace folded, long text truncated."""
    if not text:
        return ""
    cleaned = _SPACES.sub(" ", _UNSAFE.sub(" ", unicodedata.normalize("NFC", encodable(text))))
    cleaned = cleaned.strip()
    if len(cleaned) > max_chars:
        return cleaned[: max_chars - 1].rstrip() + ELLIPSIS
    return cleaned


def has_unsafe_chars(text: str) -> bool:
    """Whether ``text`` holds a control, escape or bidi character (see :func:`clean`)."""
    return _UNSAFE.search(text) is not None
