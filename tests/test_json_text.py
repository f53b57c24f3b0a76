"""The printed JSON: laid out exactly as ``json.dumps`` lays it out, and inert on a terminal."""

from __future__ import annotations

import json

import pytest

from bikefinder.rider.text_formats import dumps_terminal_safe

DOCUMENT = {
    "schema_version": 1,
    "near": {"lat": 48.856614, "lon": -0.0},
    "systems": [{"id": "velib", "ok": True, "error": None, "degraded": {}, "skipped": []}],
    "stations": [
        {"name": "Gare de l'Est – Château-Landon", "bikes": 3, "distance_m": 1234.5},
        {"name": 'Quote " and back\\slash', "tags": ("a", "b"), "empty": [], "ratio": 0.1},
    ],
    "notes": [],
}

#: Each character a terminal may act on, and its escape in the printed text.
UNSAFE = {
    "\x1b": "\\u001b",
    "\x07": "\\u0007",
    "\x7f": "\\u007f",
    "\x9b": "\\u009b",
    "\x85": "\\u0085",
    "\u202e": "\\u202e",
    "\u2028": "\\u2028",
    "\u2066": "\\u2066",
    "\ufeff": "\\ufeff",
}


@pytest.mark.parametrize("indent", [2, None])
def test_json_text_is_laid_out_as_json_dumps_lays_it_out(indent: int | None) -> None:
    printed = dumps_terminal_safe(DOCUMENT, indent=indent)

    assert printed == json.dumps(DOCUMENT, ensure_ascii=False, indent=indent)
    assert ("\n" in printed) is (indent is not None)


@pytest.mark.parametrize(("character", "escape"), sorted(UNSAFE.items()))
def test_json_text_escapes_what_a_terminal_acts_on(character: str, escape: str) -> None:
    name = f"Evil{character}Bikes é"

    printed = dumps_terminal_safe({"name": name}, indent=None)

    assert printed == f'{{"name": "Evil{escape}Bikes é"}}'
    assert json.loads(printed) == {"name": name}
