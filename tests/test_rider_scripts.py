"""``--once``: the freshness in the heading and ``data_age_s`` always, demo
data labelled demo, a point far from the system said (the ``--favorites --once`` side is
in test_favourites_once.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import check_answer


def once(*args: str) -> subprocess.CompletedProcess[str]:
    """``bikefinder --once ARGS`` writing UTF-8 (a narrow encoding is tests/test_portable.py's)."""
    return subprocess.run(
        [sys.executable, "-m", "bikefinder", "--once", *args],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"}, encoding="utf-8",
    )  # fmt: skip


def answer(*args: str) -> dict:
    document = json.loads(once(*args).stdout)
    check_answer(document)
    return document


def test_once_always_says_how_old_the_data_is_and_when_the_point_is_far() -> None:
    table = once("--demo", "--limit", "2")
    assert table.returncode == 0, table.stderr
    # One heading line per system: its counts, then its freshness.
    assert table.stdout.splitlines()[0] == (
        "Vélib' Métropole: 1495 stations; demo data from 2025-10-18, bundled with "
        "bikefinder, never refreshed"
    )
    document = answer("--demo", "--format", "json", "--limit", "1")
    assert document["data_age_s"] > 0 and document["stale"] is True
    assert document["from_cache"] is False and document["demo"] == "demo data from 2025-10-18"
    far = once("--demo", "--near", "40.75,-73.98", "--limit", "1")
    assert "\nNote: the nearest of Vélib' Métropole is 5819.3 km away" in far.stdout
    assert "5819.3 km away" in far.stderr  # and a note on stderr, for scripts
    far_json = answer("--demo", "--near", "40.75,-73.98", "--format", "json")
    assert "km away" in far_json["warning"]
