"""The UI in French and German: every message translated, the compiled catalogues up to
date, the language chosen from config.toml or the locale, and the app at 60x20 in French
and German (footers that end with q, the keys panel, a trip list)."""

from __future__ import annotations

import gettext
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bikefinder.common import i18n
from bikefinder.systems.config import parse_config

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "de")
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def update_script() -> ModuleType:
    path = REPO / "scripts" / "update_translations.py"
    spec = importlib.util.spec_from_file_location("update_translations", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def po_catalog(language: str) -> Any:
    path = i18n.locale_dir() / language / "LC_MESSAGES" / "bikefinder.po"
    with path.open("rb") as file:
        return read_po(file, locale=language, domain="bikefinder")


@pytest.fixture
def english_after() -> Iterator[None]:
    """A test that switches language leaves the process in English."""
    yield
    i18n.use_language("en")


# -- the catalogues ----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_source_is_translated(language: str) -> None:
    template = update_script().extract()
    catalog = po_catalog(language)
    source_ids = {(message.id, message.context) for message in template if message.id}
    assert len(source_ids) > 350
    problems = []
    for message_id, context in sorted(source_ids, key=str):
        entry = catalog.get(message_id, context=context)
        if entry is None:
            problems.append(f"missing: {message_id!r} ({context or 'no context'})")
            continue
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(forms) or entry.fuzzy:
            problems.append(f"untranslated or fuzzy: {message_id!r}")
            continue
        wanted = set(PLACEHOLDER.findall(str(message_id)))
        for form in forms:
            if set(PLACEHOLDER.findall(form)) != wanted:
                problems.append(f"placeholders differ: {message_id!r} -> {form!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_mo_is_compiled_from_its_po(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, po_catalog(language))
    compiled.seek(0)
    fresh = gettext.GNUTranslations(compiled)
    with (i18n.locale_dir() / language / "LC_MESSAGES" / "bikefinder.mo").open("rb") as file:
        shipped = gettext.GNUTranslations(file)
    # Every message and plural; the header entry ("") names the Babel that compiled it.
    messages = {k: v for k, v in shipped._catalog.items() if k != ""}  # type: ignore[attr-defined]
    assert messages == {k: v for k, v in fresh._catalog.items() if k != ""}  # type: ignore[attr-defined]
    assert shipped.info()["plural-forms"] == fresh.info()["plural-forms"]


# -- choosing the language ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "environ", "chosen"),
    [
        ("fr", {"LANG": "de_DE.UTF-8"}, "fr"),
        ("DE", {}, "de"),
        (None, {"LANG": "fr_FR.UTF-8"}, "fr"),
        (None, {"LC_ALL": "de_AT.UTF-8", "LC_MESSAGES": "fr_FR", "LANG": "en_GB"}, "de"),
        (None, {"LC_MESSAGES": "fr_CA", "LANG": "de_DE"}, "fr"),
        (None, {"LANG": "es_ES.UTF-8"}, "en"),  # no Spanish: English
        (None, {"LANG": "C.UTF-8"}, "en"),
        (None, {"LC_ALL": "", "LANG": "de_CH"}, "de"),  # an empty variable is not set
        (None, {}, "en"),
        ("es", {"LANG": "fr_FR"}, "fr"),  # a bad configured value: the locale's
    ],
)
def test_the_language_comes_from_config_then_the_locale(
    configured: str | None, environ: dict[str, str], chosen: str
) -> None:
    assert i18n.choose_language(configured, environ) == chosen


def test_translations_and_plural_forms(english_after: None) -> None:
    from bikefinder.rider.modes import Mode
    from bikefinder.ui.words import counted_bikes, counted_docks, counted_ebikes, mode_label

    assert i18n._("Quit") == "Quit"
    i18n.use_language("fr")
    assert i18n.current_language() == "fr"
    assert i18n._("Quit") == "Quitter"
    assert [counted_bikes(n) for n in (0, 1, 2)] == ["0 vélo", "1 vélo", "2 vélos"]
    assert counted_docks(1) == "1 place libre" and counted_docks(3) == "3 places libres"
    assert counted_ebikes(2) == "2 vélos électriques"
    assert mode_label(Mode.DOCK) == "place libre"
    i18n.use_language("de")
    assert [counted_bikes(n) for n in (0, 1, 2)] == ["0 Räder", "1 Rad", "2 Räder"]
    assert counted_docks(1) == "1 freier Platz" and counted_docks(4) == "4 freie Plätze"
    assert counted_ebikes(1) == "1 E-Bike"
    i18n.use_language("xx")
    assert i18n.current_language() == "en" and i18n._("Quit") == "Quit"


def test_ui_language_in_config_is_checked() -> None:
    assert parse_config({"ui_language": "fr"}).ui_language == "fr"
    assert parse_config({"ui_language": "de_DE"}).ui_language == "de"
    config = parse_config({"ui_language": "klingon"})
    assert config.ui_language is None
    assert config.warnings == (
        'config: \'ui_language\' must be one of "en", "fr", "de", got \'klingon\'; '
        "the locale's applies",
    )
    assert (
        parse_config({"ui_language": 3})
        .warnings[0]
        .endswith("got an integer; the locale's applies")
    )


def test_config_check_lists_the_language_and_what_chose_it(run_cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('ui_language = "de"\n', encoding="utf-8")
    result = run_cli("--config-check", env={"BIKEFINDER_CONFIG": str(config)})
    assert result.code == 0 and "ui_language: de (config)" in result.stdout.splitlines()
    config.write_text("", encoding="utf-8")
    env = {"BIKEFINDER_CONFIG": str(config), "LC_ALL": "", "LC_MESSAGES": "", "LANG": "fr_FR.UTF-8"}
    result = run_cli("--config-check", env=env)
    assert "ui_language: fr (LANG=fr_FR.UTF-8)" in result.stdout.splitlines()
    env.update(LANG="")
    result = run_cli("--config-check", env=env)
    assert "ui_language: en (default)" in result.stdout.splitlines()


def test_printed_output_stays_english_whatever_the_language(run_cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('ui_language = "fr"\n', encoding="utf-8")
    env = {"BIKEFINDER_CONFIG": str(config), "LANG": "fr_FR.UTF-8"}
    result = run_cli("--demo", "--near", "48.8566,2.3522", "--once", "--limit", "3", env=env)
    assert result.code == 0, result.stderr
    assert "vélo" not in result.stdout and "bikes" in result.stdout.lower()


# -- the app at 60x20 --------------------------------------------------------------------


def probe_app(run_env: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    """tests/i18n_app_probe.py in a fresh interpreter (the language is chosen once)."""
    from tests.conftest import cli_env

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = cli_env(home, run_env)
    env["PYTHONPATH"] = str(REPO)
    completed = subprocess.run(
        [sys.executable, str(REPO / "tests" / "i18n_app_probe.py")],
        capture_output=True, text=True, encoding="utf-8", env=env, cwd=tmp_path,
        timeout=180, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    found: dict[str, Any] = json.loads(completed.stdout)
    return found


def assert_footer_fits(footer: list[dict[str, Any]], quit_word: str) -> None:
    assert footer, "no footer keys"
    assert all(key["left"] >= 0 and key["right"] <= 60 for key in footer), footer
    ordered = sorted(footer, key=lambda key: key["left"])
    assert all(a["right"] <= b["left"] for a, b in pairwise(ordered)), footer
    assert (ordered[-1]["key"], ordered[-1]["description"]) == ("q", quit_word)


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("LANG=fr_FR.UTF-8", {"language": "fr", "quit": "Quitter", "keys": "Aide",
                              "trip": "Trajet vers", "back": "Retour", "bikes": "Vélos"}),
        ('ui_language = "de"', {"language": "de", "quit": "Ende", "keys": "Hilfe",
                                "trip": "Route nach", "back": "Zurück", "bikes": "Räder"}),
    ],
)  # fmt: skip
def test_the_app_at_60x20_in_french_and_german(
    setting: str, words: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    env = {"BIKEFINDER_CONFIG": str(config), "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C"}
    if setting.startswith("LANG="):
        env["LANG"] = setting.removeprefix("LANG=")
        config.write_text("", encoding="utf-8")
    else:
        config.write_text(setting + "\n", encoding="utf-8")
    found = probe_app(env, tmp_path)
    assert found["language"] == words["language"]
    assert found["list_screen"] == "StationsScreen"
    for footer in ("list_footer", "details_footer", "trip_footer"):
        assert_footer_fits(found[footer], words["quit"])
    assert any(key["description"] == words["keys"] for key in found["list_footer"])
    assert found["keys_title"] == words["keys"]
    left, top, right, bottom = found["keys_region"]
    assert left >= 0 and top >= 0 and right <= 60 and bottom <= 20
    assert found["trip_header"].startswith(words["trip"])
    assert found["trip_rows"] > 0 and words["bikes"] in found["trip_columns"]
    assert any(key["description"] == words["back"] for key in found["trip_footer"])


# -- no English left on the main screens ------------------------------------------------

#: English UI words that must not be on a French or German screen (whole words, case
#: sensitive); a word that is also good French or German is left out for that language.
ENGLISH_WORDS = (
    "Bikes", "Docks", "Distance", "Walk", "Trend", "Status", "System", "Station details",
    "ago", "Refresh", "no bikes", "closed", "CLOSED", "looking for", "favourites",
    "all stations", "updated", "listed", "free dock", "free docks", "Now", "Price",
    "Watch", "Cancel", "Alerts", "Keys", "Quit", "Back", "Open", "Filter", "Trip",
    "Vehicle", "Range", "whole system", "notice", "station closure", "until", "to start",
    "then", "per", "range", "report", "free-floating", "LOW RANGE", "STALE", "unknown",
    "Hours", "Address", "Capacity", "Flags", "Coordinates", "Rental links", "Last reported",
    "Heading", "Tariff", "Walking", "Take", "Leave", "Total", "north up", "you", "has",
    "off the map", "stations", "bike", "bikes", "e-bike", "cargo bike", "any bike",
    "Notify", "at least", "Remove watch", "to unlock", "Esc", "Escape", "Enter a number",
    "electric", "not given", "none in the feed", "minutes", "on foot", "estimate",
)  # fmt: skip
#: Words that are right in that language too (French "Distance", German "System").
SAME_WORD = {
    "fr": {"Distance", "Total", "stations", "Station details"},
    "de": {"System", "Status", "Trend", "Filter", "Station details", "Esc", "per"},
}
#: Feed text in the mixed scene (names, the alert, the plan): never translated.
FEED_TEXT = (
    "city bike Linz", "city bike", "Float e-bikes", "Float e-bike", "Works at Alter Markt",
    "Pay as you go", "Two docks are being replaced; use Hauptplatz meanwhile.",
)  # fmt: skip
#: Textual's own words (the command palette's key), not the app's.
TEXTUAL_TEXT = ("^p palette", "▏^p")


def tour_app(language: str, size: tuple[int, int], tmp_path: Path) -> dict[str, Any]:
    """tests/i18n_app_probe.py's tour of the mixed scene in a fresh interpreter."""
    from tests.conftest import cli_env

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    locale = {"fr": "fr_FR.UTF-8", "de": "de_DE.UTF-8"}[language]
    env = cli_env(home, {"LC_ALL": "", "LC_MESSAGES": "", "LANG": locale,
                         "BIKEFINDER_CONFIG": str(tmp_path / "none.toml")})  # fmt: skip
    env["PYTHONPATH"] = str(REPO)
    probe = str(REPO / "tests" / "i18n_app_probe.py")
    completed = subprocess.run(
        [sys.executable, probe, "tour", str(size[0]), str(size[1])],
        capture_output=True, text=True, encoding="utf-8", env=env, cwd=tmp_path,
        timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    found: dict[str, Any] = json.loads(completed.stdout)
    return found


def english_on(lines: list[str], language: str) -> list[str]:
    """The English words on a screen, with the line each is on."""
    words = [word for word in ENGLISH_WORDS if word not in SAME_WORD[language]]
    found = []
    for line in lines:
        text = line
        for known in (*FEED_TEXT, *TEXTUAL_TEXT):
            text = text.replace(known, " ")
        for word in words:
            if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
                found.append(f"{word!r} in {line.strip()!r}")
    return found


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_on_the_main_screens(
    language: str, size: tuple[int, int], tmp_path: Path
) -> None:
    found = tour_app(language, size, tmp_path)
    assert found["language"] == language
    assert found["kinds"] == ["station", "vehicle"]  # a mixed list
    screens = found["screens"]
    assert set(screens) >= {"list", "details", "vehicle_details", "watch_dialog", "alerts",
                            "keys", "trips", "trip_details"}  # fmt: skip
    problems = [
        f"{name}: {problem}"
        for name, lines in screens.items()
        for problem in english_on(lines, language)
    ]
    assert not problems, "\n".join(problems)
    quit_word = {"fr": "Quitter", "de": "Ende"}[language]
    footer = [line for line in screens["list"] if line.strip()][-1]
    assert footer.rstrip().endswith(f"q {quit_word}"), footer  # with an alert shown, too
    every = "\n".join(line for lines in screens.values() for line in lines)
    expected = {
        "fr": ("Vélos", "mis à jour il y a", "sans station", "Suivre une station"),
        "de": ("Räder", "aktualisiert", "ohne Station", "Station beobachten"),
    }
    for words in expected[language]:
        if size[0] < 80 and words in ("sans station", "ohne Station"):
            continue  # a Status word: at 60 columns a mixed list has no Status column
        assert words in every, words


# -- printed output stays English, and the CLI's fast paths never load a catalogue -----

#: What changes between two runs of the same command (the clock), masked to compare.
RUN_TIME = re.compile(r'"(generated_at|data_age_s)": [^,\n]+')


@pytest.mark.parametrize("output", ["table", "json", "csv", "line"])
def test_once_prints_the_same_english_in_a_french_or_german_locale(
    run_cli: Any, tmp_path: Path, output: str
) -> None:
    args = ("--demo", "--near", "48.8566,2.3522", "--once", "--limit", "5", "--format", output)
    quiet = {"BIKEFINDER_CONFIG": str(tmp_path / "none.toml"), "LC_ALL": "", "LC_MESSAGES": ""}
    english = run_cli(*args, env={**quiet, "LANG": "C.UTF-8"})
    assert english.code == 0, english.stderr
    for locale in ("fr_FR.UTF-8", "de_DE.UTF-8"):
        other = run_cli(*args, env={**quiet, "LANG": locale})
        assert other.code == 0, other.stderr
        assert RUN_TIME.sub("", other.stdout) == RUN_TIME.sub("", english.stdout), locale
        assert other.stderr == english.stderr


def test_trips_once_stay_english_in_a_french_locale(run_cli: Any, tmp_path: Path) -> None:
    env = {"BIKEFINDER_CONFIG": str(tmp_path / "none.toml"), "LC_ALL": "",
           "LANG": "fr_FR.UTF-8"}  # fmt: skip
    args = ("--demo", "--near", "48.8566,2.3522", "--to", "48.87,2.34", "--once", "--limit", "3")
    result = run_cli(*args, env=env)
    assert result.code == 0, result.stderr
    assert "Pickup" in result.stdout and "walking all the way" in result.stdout
    assert "vélo" not in result.stdout.replace("Vélib", "")


FAST_PATH_PROBE = """
import sys
from bikefinder.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
from bikefinder.common import i18n
loaded = sorted(m for m in sys.modules if m.startswith(("bikefinder.ui", "textual")))
print("LANGUAGE", i18n.current_language(), type(i18n._translations).__name__, len(loaded))
"""


@pytest.mark.parametrize(
    "args", [("--help",), ("--demo", "--near", "48.8566,2.3522", "--once", "--limit", "2")],
    ids=["help", "once"],
)  # fmt: skip
def test_help_and_once_load_no_catalogue_and_no_ui(args: tuple[str, ...], tmp_path: Path) -> None:
    from tests.conftest import cli_env

    home = tmp_path / "home"
    home.mkdir()
    env = cli_env(home, {"LANG": "fr_FR.UTF-8", "LC_ALL": "", "LC_MESSAGES": "",
                         "BIKEFINDER_CONFIG": str(tmp_path / "none.toml")})  # fmt: skip
    completed = subprocess.run(
        [sys.executable, "-c", FAST_PATH_PROBE, *args], capture_output=True, text=True,
        encoding="utf-8", env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    last = completed.stdout.strip().splitlines()[-1]
    assert last == "LANGUAGE en NullTranslations 0", completed.stderr[-2000:]


PALETTE_PROBE = """
import asyncio, sys
from bikefinder.common import i18n
i18n.use_language("de")  # before the UI's modules: their class-level words
from textual.command import CommandPalette
from textual.widgets import Input
from bikefinder.cli.main import parse_options
from bikefinder.ui.start import build_app

async def main():
    app = build_app(parse_options(["--demo", "--near", "48.8566,2.3522"]))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause(0.5)
        keys = [b.description for _, b in app._bindings if b.action == "command_palette"]
        await pilot.press("ctrl+p")
        await pilot.pause()
        shown = isinstance(app.screen, CommandPalette)
        print(keys, shown, app.screen.query_one(Input).placeholder if shown else None)

asyncio.run(main())
"""


def test_the_command_palette_speaks_the_ui_language(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "c"),
           "XDG_CACHE_HOME": str(tmp_path / "k"), "XDG_DATA_HOME": str(tmp_path / "d")}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", PALETTE_PROBE], capture_output=True,
                            text=True, timeout=120, env=env, cwd=REPO)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "['Befehle'] True Befehl suchen…"
