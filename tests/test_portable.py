"""Off Linux-in-UTF-8: an output that cannot encode everything, no system timezone
database, macOS paths, and a favourites lock without fcntl."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bikefinder.common.text import ESCAPE_ERRORS, register_escape_errors


@pytest.mark.parametrize("encoding", ["ascii", "cp1252", "cp437"])
@pytest.mark.parametrize(
    "args",
    [
        ("--demo", "--once", "--limit", "3"),
        ("--demo", "--once", "--limit", "3", "--format", "csv"),
        ("--help",),
        ("--list-systems", "velib"),
        ("--demo", "--system", "nowhere-at-all", "--once"),  # an error line
    ],
)
def test_a_narrow_output_encoding_never_gives_a_traceback(
    run_cli: Any, encoding: str, args: tuple[str, ...]
) -> None:
    result = run_cli(*args, env={"PYTHONIOENCODING": encoding})
    assert "Traceback" not in result.stderr and "UnicodeEncodeError" not in result.stderr
    assert result.code in (0, 1, 2) and (result.stdout or result.stderr)
    if args[-1] == "--once":
        assert result.code != 0 and len(result.stderr.splitlines()) == 1


def test_json_on_an_ascii_output_is_valid_and_exact(run_cli: Any) -> None:
    ascii_run = run_cli("--demo", "--once", "--format", "json", env={"PYTHONIOENCODING": "ascii"})
    utf8_run = run_cli("--demo", "--once", "--format", "json")
    assert ascii_run.code == 0 and ascii_run.stdout.isascii()
    ascii_doc, utf8_doc = json.loads(ascii_run.stdout), json.loads(utf8_run.stdout)
    assert ascii_doc["system"]["name"] == utf8_doc["system"]["name"] == "Vélib' Métropole"
    assert ascii_doc["stations"] == utf8_doc["stations"]


def test_the_escape_handler_writes_json_escapes_with_surrogate_pairs() -> None:
    register_escape_errors()
    text = "Vélib' 🚲"
    encoded = text.encode("ascii", errors=ESCAPE_ERRORS)
    assert encoded == b"V\\u00e9lib' \\ud83d\\udeb2"
    assert json.loads(b'"' + encoded + b'"') == text


def test_opening_hours_work_without_a_system_timezone_database(tmp_path: Path) -> None:
    """As on Windows: no zoneinfo path at all, only the tzdata package."""
    probe = (
        "import zoneinfo; assert zoneinfo.TZPATH == (), zoneinfo.TZPATH\n"
        "from bikefinder.feeds.opening_status import zone\n"
        "print(zone('Europe/Paris'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONTZPATH": "", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Europe/Paris"


def test_macos_paths_follow_xdg_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """platformdirs' macOS rules, computed here (they are plain path logic): the declared
    lower bound must honour XDG_* there as it does on Linux."""
    from platformdirs.macos import MacOS

    for variable, folder in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(variable, str(tmp_path / folder))
    dirs = MacOS("bikefinder", appauthor=False)
    assert Path(dirs.user_data_dir) == tmp_path / "data" / "bikefinder"
    assert Path(dirs.user_config_dir) == tmp_path / "config" / "bikefinder"
    assert Path(dirs.user_cache_dir) == tmp_path / "cache" / "bikefinder"
