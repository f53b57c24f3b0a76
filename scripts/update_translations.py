"""Extract the UI's messages, update the French and German catalogues, compile them.

Run after changing any text wrapped in ``_()``, ``ngettext()`` or ``N_()``::

    .venv/bin/python scripts/update_translations.py

Then translate every new or changed entry in ``bikefinder/data/locale/*/LC_MESSAGES/
bikefinder.po`` (an entry with an empty ``msgstr`` shows in English), and run it once
more to compile the ``.mo`` files the wheel ships. ``tests/test_i18n.py`` fails while a
message is untranslated, fuzzy or a ``.mo`` is older than its ``.po``. Babel (the
``test`` extra) is needed here only: the app reads the ``.mo`` files with ``gettext``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "bikefinder" / "data" / "locale"
DOMAIN = "bikefinder"
LANGUAGES = ("fr", "de")
#: gettext's classic rules (CLDR's French has a third form for millions nobody needs here).
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "de": "nplurals=2; plural=(n != 1);"}
SCRIPT = "scripts/update_translations.py"
KEYWORDS = {
    "_": None, "ngettext": (1, 2), "N_": None, "pgettext": ((1, "c"), 2),
    "phrase": None, "plural_phrase": (1, 2),  # bikefinder.common.phrases
}  # fmt: skip


def extract() -> Catalog:
    """Every marked message of the package's sources (the ``.pot`` template)."""
    template = Catalog(project="bikefinder", charset="utf-8")
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        directory_filter=lambda path: Path(path).name not in (".venv", ".git", "tests"),
    )
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def update(template: Catalog, language: str) -> Catalog:
    """The language's catalogue with the template's messages (new ones empty, gone
    ones dropped, none guessed: a guess would be marked fuzzy)."""
    path = po_path(language)
    if path.exists():
        with path.open("rb") as file:
            catalog = read_po(file, locale=language, domain=DOMAIN)
    else:
        catalog = Catalog(locale=language, domain=DOMAIN, project="bikefinder")
    created = catalog.creation_date
    before = {message.id: message.string for message in catalog if message.id}
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    if {message.id: message.string for message in catalog if message.id} == before:
        catalog.creation_date = created  # no churn in the header when nothing changed
    catalog.fuzzy = False
    catalog.header_comment = f"# bikefinder's user interface in {language}: see {SCRIPT}."
    catalog.msgid_bugs_address = "https://github.com/bikefinder/bikefinder/issues"
    catalog.last_translator = catalog.language_team = "bikefinder maintainers"
    catalog.revision_date = catalog.creation_date
    catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[language])]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog, width=100, omit_header=False, include_previous=False)
    return catalog


def is_translated(message: Message) -> bool:
    """Every form has a text and the entry is not a guess (fuzzy)."""
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms) and not message.fuzzy


def compile_catalog(catalog: Catalog, language: str) -> None:
    with po_path(language).with_suffix(".mo").open("wb") as file:
        write_mo(file, catalog)


def main() -> int:
    template = extract()
    missing = 0
    for language in LANGUAGES:
        catalog = update(template, language)
        untranslated = [m.id for m in catalog if m.id and not is_translated(m)]
        missing += len(untranslated)
        compile_catalog(catalog, language)
        print(f"{language}: {len(catalog)} messages, {len(untranslated)} to translate")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
