"""``--once --format json --watch``: one JSON line per refresh, clean exits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path


def start_watch(tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bikefinder",
            "--demo",
            "--once",
            "--format",
            "json",
            "--watch",
            "1",
            "--limit",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def test_watch_prints_one_json_object_per_line_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    process = start_watch(tmp_path)
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(2)]
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert b"Traceback" not in stderr
    for line in lines:
        document = json.loads(line)
        assert [s["name"] for s in document["stations"]] == [
            "Lobau - Hôtel de Ville",
            "Place de l'Hôtel de Ville",
        ]
        assert document["stale"] is False and document["demo"] == "demo data from 2025-10-18"


def test_watch_exits_cleanly_when_the_reader_closes_the_pipe(tmp_path: Path) -> None:
    process = start_watch(tmp_path)
    assert process.stdout is not None and process.stderr is not None
    json.loads(process.stdout.readline())
    process.stdout.close()
    assert process.wait(timeout=20) == 0
    stderr = process.stderr.read()
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr


def test_watch_requires_json_once(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bikefinder", "--demo", "--watch", "5"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "bikefinder: error: --watch needs --once --format json"
