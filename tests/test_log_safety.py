"""The ``--debug`` log: a full disk costs the log (one warning), never the run; feed text
cannot drive a terminal that shows the log or forge an entry; the file and its folder are
private whoever made them."""

from __future__ import annotations

import logging
import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_env

from bikefinder.common import debuglog

HOSTILE = (
    "Gare\x1b]52;c;ZWNobyBoaQ==\x07\x1b[2J\n2030-01-01 00:00:00,000 INFO    bikefinder: forged"
)


@pytest.fixture
def log_file(tmp_path: Path) -> Any:
    path = tmp_path / "log" / "bikefinder.log"
    yield path
    debuglog.stop()


def _handler() -> logging.Handler:
    (handler,) = [h for h in logging.getLogger("bikefinder").handlers if hasattr(h, "baseFilename")]
    return handler


def test_a_full_disk_gives_one_warning_and_the_run_goes_on(
    log_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    debuglog.start(log_file, argv=[])
    handler = _handler()
    handler.stream = open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115 - the handler owns it
    for n in range(20):
        logging.getLogger("bikefinder.test").info("line %d", n)
        logging.getLogger("httpx").info("request %d", n)
    failure = debuglog.stop()
    err = capsys.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err
    assert failure is not None and "No space left" in failure


def _run_with_file_size_limit(
    tmp_path: Path, limit: int, *args: str
) -> subprocess.CompletedProcess[str]:
    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "bikefinder", *args],
        capture_output=True,
        text=True,
        env=cli_env(home),
        cwd=tmp_path,
        timeout=120,
        preexec_fn=limit_files,  # only rlimits and a signal disposition
        check=False,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="no file size limits here")
def test_a_log_that_cannot_grow_costs_one_warning(tmp_path: Path) -> None:
    result = _run_with_file_size_limit(
        tmp_path, 600, "--demo", "--once", "--format", "json", "--debug"
    )
    assert result.returncode == 0, result.stderr
    assert "Logging error" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("debug log") == 1, result.stderr
    assert '"stations"' in result.stdout


def test_log_records_are_cleaned(log_file: Path) -> None:
    debuglog.start(log_file, argv=[HOSTILE])
    logging.getLogger("bikefinder.test").info("name %s", HOSTILE)
    try:
        raise ValueError(HOSTILE)
    except ValueError:
        logging.getLogger("bikefinder.test").exception("failed")
    debuglog.stop()
    text = log_file.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\x07" not in text
    entries = [line for line in text.splitlines() if not line.startswith((" ", "\t"))]
    assert not any("forged" in line and line.startswith("2030") for line in entries), text
    assert "\\x1b]52" in text  # shown, inert


def test_log_file_and_folder_are_private_even_when_the_folder_existed(log_file: Path) -> None:
    log_file.parent.mkdir(mode=0o755)
    log_file.parent.chmod(0o755)
    log_file.write_text("")
    log_file.chmod(0o644)
    debuglog.start(log_file, argv=[])
    logging.getLogger("bikefinder.test").info("x")
    debuglog.stop()
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_file.parent.stat().st_mode) == 0o700


def test_rotated_log_files_are_private(log_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(debuglog, "MAX_BYTES", 2_000)
    old_umask = os.umask(0o022)
    try:
        debuglog.start(log_file, argv=[])
        for n in range(200):
            logging.getLogger("bikefinder.test").info("line %d %s", n, "x" * 50)
        debuglog.stop()
    finally:
        os.umask(old_umask)
    files = sorted(log_file.parent.iterdir())
    assert len(files) > 1
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)


def test_a_log_path_that_is_a_link_is_refused(log_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    log_file.parent.mkdir()
    log_file.symlink_to(target)
    with pytest.raises(OSError):
        debuglog.start(log_file, argv=[])
    assert target.read_text() == "keep"


def test_the_client_identifier_is_logged_redacted(
    feed_server: Any, run_main: Any, tmp_path: Path
) -> None:
    """Some operators issue a Client-Identifier per customer: the debug log shows its
    first characters only, from the flag (either spelling) and from config.toml alike."""
    from bikefinder.common.paths import debug_log_path

    url = feed_server.serve_fixture("oslo_v2.2_2022")
    config = tmp_path / "config.toml"
    config.write_text('client_id = "configured-id-0815"\n', "utf-8")
    env = {"BIKEFINDER_CONFIG": str(config)}
    near = ("--once", "--format", "line", "--near", "59.91,10.75", "--system", url, "--debug")
    spellings = (("--client-id", "acme-corp-4711"), ("--client-id=acme-corp-4711",))
    for number, flag in enumerate(spellings):
        # A home of its own: a cache within its ttl would answer without a request.
        assert run_main(*near, *flag, env=env, home=f"home{number}").code == 0
        assert {r.headers.get("client-identifier") for r in feed_server.requests} == {
            "acme-corp-4711"
        }  # sent in full
        text = debug_log_path().read_text("utf-8")
        assert "acme-corp-4711" not in text and "acm…" in text
        feed_server.requests.clear()
    assert run_main(*near, env=env).code == 0  # the configured one is sent
    assert "configured-id-0815" not in debug_log_path().read_text("utf-8")
    assert run_main(*near, "--client-id", "ab", env=env).code == 0  # too short to replace
    text = debug_log_path().read_text("utf-8")
    assert "'--client-id', '…'" in text and "'ab'" not in text


def test_the_formatter_shortens_identifiers_wherever_they_appear() -> None:
    formatter = debuglog.RedactingFormatter(["key-secret"], ["acme-corp-4711", "ab"])
    record = logging.LogRecord(
        "bikefinder.x", logging.DEBUG, __file__, 1, "sent %s with %s (ab)",
        ("acme-corp-4711", "key-secret"), None,
    )  # fmt: skip
    assert formatter.format(record).endswith("sent acm… with *** (ab)")


def test_redacted_identifiers() -> None:
    assert debuglog.redacted_identifier("acme-corp-4711") == "acm…"
    assert debuglog.redacted_identifier("abc") == "…"
    argv = ["--client-id", "xyz-123", "--client-id=xyz-123", "--system", "xyz-1234"]
    assert debuglog.redacted_argv(argv, ["xyz-123"]) == [
        "--client-id", "xyz…", "--client-id=xyz…", "--system", "xyz-1234",
    ]  # fmt: skip
