"""``--debug`` / ``BIKEFINDER_DEBUG=1``: a rotated log file for bug reports.

Core modules log with ``logging.getLogger(__name__)`` (under ``bikefinder.``) and httpx
logs each request line (method, URL, status: no headers). Handlers are attached only
when debugging was asked for; otherwise nothing is written anywhere. Header values from
the config are secrets: every line, tracebacks included, has them replaced by ``***``
before it reaches the file, whatever module logged it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

DEBUG_ENV = "BIKEFINDER_DEBUG"
#: The loggers that go to the file: ours and httpx's request lines.
LOGGERS = ("bikefinder", "httpx")
#: Rotate at ~1 MB, keep three older files: a session's story, never a full disk.
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
REDACTED = "***"
_TRUE = frozenset({"1", "true", "yes", "on"})

log = logging.getLogger("bikefinder.debug")


def requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``BIKEFINDER_DEBUG`` asks for the log (``1``, ``true``, ``yes``, ``on``)."""
    environ = os.environ if environ is None else environ
    return environ.get(DEBUG_ENV, "").strip().casefold() in _TRUE


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces each secret (longest first) in the finished line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self._secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def start(path: Path, secrets: Iterable[str] = (), argv: Sequence[str] | None = None) -> Path:
    """Send the :data:`LOGGERS` to the rotated file at ``path`` and write a session header.

    Raises :class:`OSError` when the file cannot be opened (the caller says so and goes
    on without a log). The directory is private (0700): the log holds the URLs fetched.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setFormatter(RedactingFormatter(secrets))
    handler.setLevel(logging.DEBUG)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        logger.propagate = False  # never to stderr through the root logger: the TUI owns it
    from bikefinder.common.about import versions

    log.info("session start: %s", ", ".join(f"{name} {value}" for name, value in versions()))
    log.info("argv: %s", list(sys.argv[1:] if argv is None else argv))
    return path


def stop() -> None:
    """Detach and close the file handlers :func:`start` added (tests run it in-process)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, logging.handlers.RotatingFileHandler):
                logger.removeHandler(handler)
                handler.close()
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
