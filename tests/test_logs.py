"""The core's lazy loggers: nothing imported without a reader, nothing on stderr, and
every record delivered (from its caller's line) once logging is in use."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from bikefinder.common.logs import LazyLogger


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )


def test_a_record_without_logging_imported_imports_nothing_and_says_nothing() -> None:
    done = run_python(
        "import sys\n"
        "from bikefinder.common.logs import LazyLogger\n"
        "LazyLogger('bikefinder.feeds.x').error('boom %s', 1)\n"
        "print('logging' in sys.modules)\n"
    )
    assert done.stdout.strip() == "False"
    assert done.stderr == ""


def test_a_warning_after_logging_is_imported_never_reaches_stderr() -> None:
    done = run_python(
        "import logging\n"
        "from bikefinder.common.logs import LazyLogger\n"
        "LazyLogger('bikefinder.feeds.x').warning('boom')\n"
        "logging.getLogger('other').warning('theirs')\n"
    )
    assert "boom" not in done.stderr  # logging's last resort would print it
    assert "theirs" in done.stderr  # while another library's warning still shows


def test_records_reach_handlers_with_the_callers_line(caplog: pytest.LogCaptureFixture) -> None:
    log = LazyLogger("bikefinder.feeds.example")
    with caplog.at_level(logging.DEBUG, logger="bikefinder"):
        log.debug("d %d", 1)
        log.info("i")
        log.warning("w")
        log.error("e", exc_info=ValueError("x"))
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("DEBUG", "d 1"), ("INFO", "i"), ("WARNING", "w"), ("ERROR", "e")
    ]  # fmt: skip
    assert {r.filename for r in caplog.records} == {"test_logs.py"}
    assert caplog.records[-1].exc_info is not None
