"""Make feed-supplied strings safe to show: no control, escape or bidi characters."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

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


def screen_safe(text: str) -> str:
    """``text`` with every control, escape and bidi character removed (they take no cell
    on screen, so layout is unchanged) and lone surrogates as U+FFFD: the last step
    before a terminal, applied to whatever a widget renders (see ``ui.widgets.safe``)."""
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub("", text)
    return encodable(text)


def has_unsafe_chars(text: str) -> bool:
    """Whether ``text`` holds a control, escape or bidi character (see :func:`clean`)."""
    return _UNSAFE.search(text) is not None


# Folded away before matching: letters NFKD does not decompose, and apostrophes (so
# "Vélib'" is one word, "velib").
_EXTRA_FOLDS = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "'": "",
        "\u2019": "",
        "\u02bc": "",
    }
)
_NOT_ASCII_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=262_144)
def fold(text: str) -> str:
    """The one matching form of a name: case, accents and punctuation ignored, words
    separated by single spaces, letters of every script kept.

    ``"Vélib' Métropole"`` -> ``"velib metropole"``, ``"Sørli"`` -> ``"sorli"``,
    ``"Москва"`` -> ``"москва"``, ``"東京"`` -> ``"東京"``.
    """
    if text.isascii():  # fast path: most names and every typed Latin query
        return _NOT_ASCII_WORD.sub(" ", text.lower().replace("'", "")).strip()
    decomposed = unicodedata.normalize("NFKD", text).casefold().translate(_EXTRA_FOLDS)
    bare = unicodedata.normalize(
        "NFC", "".join(char for char in decomposed if not unicodedata.combining(char))
    )
    kept = (
        char if char.isalnum() or unicodedata.category(char)[0] == "M" else " " for char in bare
    )
    return " ".join("".join(kept).split())


def system_label_for(url: str) -> str:
    """A name for a system before (or without) its ``system_information``: the host and
    folder of its ``gbfs.json``, e.g. ``gbfs.example.com/bikes``."""
    parts = urlsplit(url)
    folder = parts.path.rsplit("/", 1)[0].strip("/")
    label = f"{parts.hostname}/{folder}" if folder else parts.hostname
    return label or url


#: The codec error handler :func:`register_escape_errors` installs.
ESCAPE_ERRORS = "bikefinder-json-escape"


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    """Each character an encoding cannot hold as ``\\uXXXX`` (astral ones as a surrogate
    pair, as JSON writes them), so JSON output stays valid JSON with the same strings."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escaped = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            escaped.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            escaped.append(f"\\u{code:04x}")
    return "".join(escaped), error.end


def register_escape_errors() -> None:
    """Make :data:`ESCAPE_ERRORS` usable as ``errors=`` for any codec (idempotent)."""
    import codecs

    codecs.register_error(ESCAPE_ERRORS, _json_escape)
