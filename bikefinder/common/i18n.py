"""The app's language: gettext catalogues for the UI's text (English is the source).

French and German catalogues ship in ``bikefinder/data/locale``. The language is chosen
once at start-up (:func:`choose_language`, then :func:`use_language`) before the UI's
modules are imported, because their class-level texts (the footer's key descriptions)
are translated as they are defined. Until then, and for any language without a
catalogue, the text stays English. Printed output (``--once``, JSON, CSV) never goes
through here: scripts read it.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from pathlib import Path

#: The languages the UI speaks, English (the source text) first.
LANGUAGES = ("en", "fr", "de")
DOMAIN = "bikefinder"
#: The environment variables that name the messages' locale, in POSIX precedence.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def locale_dir() -> Path:
    """Where the compiled catalogues are: ``<lang>/LC_MESSAGES/bikefinder.mo``."""
    return Path(__file__).resolve().parent.parent / "data" / "locale"


def language_code(value: str) -> str | None:
    """``fr`` for ``fr``, ``FR``, ``fr_FR.UTF-8`` or ``fr_CA@euro``; ``None`` for a
    language the UI does not speak (``C``, ``POSIX``, ``es_ES``)."""
    code = value.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0].casefold()
    return code if code in LANGUAGES else None


def language_from_environment(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(the language, the variable naming it) from the first set locale variable;
    ``None`` when none is set. An unknown language there is English."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            return language_code(value) or "en", name
    return None


def choose_language(configured: str | None, environ: Mapping[str, str]) -> str:
    """config.toml's ``ui_language``, else the locale variables, else English."""
    if configured and language_code(configured):
        return language_code(configured) or "en"
    chosen = language_from_environment(environ)
    return chosen[0] if chosen else "en"


def use_language(language: str) -> None:
    """Translate from now on into ``language`` (English, or a missing catalogue: as written)."""
    global _translations, _language
    code = language_code(language) or "en"
    if code == "en":
        _translations = gettext.NullTranslations()
    else:
        _translations = gettext.translation(DOMAIN, locale_dir(), languages=[code], fallback=True)
    _language = code


def current_language() -> str:
    """The language the UI's text is translated into."""
    return _language


def _(message: str) -> str:
    """``message`` in the UI's language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message for ``count`` things, in the UI's language."""
    return _translations.ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """``message`` in the UI's language where ``context`` needs its own words (a
    column header narrower than the same word elsewhere)."""
    return _translations.pgettext(context, message)


def N_(message: str) -> str:
    """Marks ``message`` for extraction only: it is translated where it is shown."""
    return message
