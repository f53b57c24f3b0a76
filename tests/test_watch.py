"""``--once --format json --watch``: one JSON line per refresh, clean exits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import check_answer

#: Starts bikefinder as a terminal starts a foreground job: SIGINT at its default.
#: A test runner started as a background job of a script (``pytest ... &``, some CI
#: runners) has SIGINT *ignored*, every child inherits that, and Python then never
#: turns SIGINT into KeyboardInterrupt: the watcher rightly keeps running, as any
#: background job does. That was the "flaky" Ctrl-C test.
_AS_FOREGROUND = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'bikefinder', *sys.argv[1:]])"
)


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
            "-c",
            _AS_FOREGROUND,
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
        check_answer(document)  # each --watch line is a whole answer of the schema
        assert [s["name"] for s in document["stations"]] == [
            "Lobau - Hôtel de Ville",
            "Place de l'Hôtel de Ville",
        ]
        assert document["stale"] is True and document["demo"] == "demo data from 2025-10-18"
        assert document["data_age_s"] > 0  # the one stale rule: the demo snapshot is old


def test_ctrl_c_stops_the_watch_even_when_the_test_runner_ignores_sigint(
    tmp_path: Path,
) -> None:
    """The runner as a background job of a non-interactive shell: SIGINT is SIG_IGN."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = start_watch(tmp_path)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert process.stdout is not None
    check_answer(json.loads(process.stdout.readline()))
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert b"Traceback" not in stderr


def test_watch_exits_cleanly_when_the_reader_closes_the_pipe(tmp_path: Path) -> None:
    process = start_watch(tmp_path)
    assert process.stdout is not None and process.stderr is not None
    check_answer(json.loads(process.stdout.readline()))
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
    assert result.stderr.strip() == (
        "bikefinder: error: --watch needs --once --format json or --format line"
    )
