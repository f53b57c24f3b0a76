"""Issue 12 for ``--once``: the age line and ``data_age_s`` always, demo data labelled
demo, a point far from the system said (the ``--favorites --once`` side is in
test_favourites_once.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def once(*args: str) -> subprocess.CompletedProcess[str]:
    """``bikefinder --once ARGS`` writing UTF-8 (a narrow encoding is tests/test_portable.py's)."""
    return subprocess.run(
        [sys.executable, "-m", "bikefinder", "--once", *args],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"}, encoding="utf-8",
    )  # fmt: skip


def test_once_always_says_how_old_the_data_is_and_when_the_point_is_far() -> None:
    table = once("--demo", "--limit", "2")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].startswith("Data: demo data from 2025-10-18")
    document = json.loads(once("--demo", "--format", "json", "--limit", "1").stdout)
    assert document["data_age_s"] > 0 and document["stale"] is True
    assert document["from_cache"] is False and document["demo"]
    far = once("--demo", "--near", "40.75,-73.98", "--limit", "1")
    assert "Note: the nearest Vélib' Métropole station is" in far.stdout
    far_json = json.loads(once("--demo", "--near", "40.75,-73.98", "--format", "json").stdout)
    assert "km away" in far_json["warning"]
