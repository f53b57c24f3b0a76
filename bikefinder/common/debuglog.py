"""``--debug`` / ``BIKEFINDER_DEBUG=1``: a rotated log file for bug reports.

Core modules log with ``logging.getLogger(__name__)`` (under ``bikefinder.``) and httpx
logs each request line (method, URL, status: no headers). Handlers are attached only
when debugging was asked for; otherwise nothing is written anywhere. Header values from
the config are secrets: every line, tracebacks included, has them replaced by ``***``
before it reaches the file, whatever module logged it. The Client-Identifier the rider
chose (``--client-id``, config.toml's ``client_id``) is an identifier some operators
issue per customer: it is shown by its first characters only (``acm…``), enough to tell
which one was sent.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import logging.handlers
import os
import re
import stat
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

DEBUG_ENV = "BIKEFINDER_DEBUG"
#: The loggers that go to the file: ours and httpx's request lines.
LOGGERS = ("bikefinder", "httpx")
#: Rotate at ~1 MB, keep three older files: a session's story, never a full disk.
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
REDACTED = "***"
#: How many leading characters of an identifier the log keeps.
IDENTIFIER_SHOWN = 3
#: An identifier shorter than this is redacted in the command line only: replacing
#: "ab" in every line would garble the log.
IDENTIFIER_MIN_CHARS = 4
_TRUE = frozenset({"1", "true", "yes", "on"})
#: What :func:`inert` escapes: C0/C1 controls (newline and ESC too), DEL, bidi marks.
_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)

log = logging.getLogger("bikefinder.debug")


def requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``BIKEFINDER_DEBUG`` asks for the log (``1``, ``true``, ``yes``, ``on``)."""
    environ = os.environ if environ is None else environ
    return environ.get(DEBUG_ENV, "").strip().casefold() in _TRUE


class RedactingFormatter(logging.Formatter):
    """One entry per record, inert and without secrets.

    Feed text (names, URLs, error causes) lands in messages: every control, escape and
    bidi character in a message becomes a visible ``\\xNN`` / ``\\uNNNN``, so the log
    cannot drive the terminal that shows it, and a newline cannot start a forged entry.
    A traceback keeps its lines, each indented under its entry. Then each secret (longest
    first) is replaced by ``***``.
    """

    def __init__(self, secrets: Iterable[str] = (), identifiers: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        hidden = {secret: REDACTED for secret in secrets if secret}
        for identifier in identifiers:
            if len(identifier) >= IDENTIFIER_MIN_CHARS:
                hidden.setdefault(identifier, redacted_identifier(identifier))
        self._secrets = sorted(hidden.items(), key=lambda item: len(item[0]), reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        message = inert(record.getMessage())
        details = ""
        if record.exc_info:
            details += "\n" + self.formatException(record.exc_info)
        elif record.exc_text:
            details += "\n" + record.exc_text
        if record.stack_info:
            details += "\n" + self.formatStack(record.stack_info)
        clean_record = logging.makeLogRecord(
            {**record.__dict__, "msg": message, "args": None, "exc_info": None,
             "exc_text": None, "stack_info": None}
        )  # fmt: skip
        text = super().format(clean_record)
        if details:
            lines = details.split("\n")
            text += "\n".join("    " + inert(line) if line else "" for line in lines)
        for secret, shown in self._secrets:
            text = text.replace(secret, shown)
        return text


def redacted_identifier(identifier: str) -> str:
    """``"acme-corp-4711"`` -> ``"acm…"``; a short one is all ``…``."""
    if len(identifier) <= IDENTIFIER_SHOWN:
        return "…"
    return identifier[:IDENTIFIER_SHOWN] + "…"


def redacted_argv(argv: Sequence[str], identifiers: Iterable[str]) -> list[str]:
    """The command line with each identifier redacted, as a word of its own
    (``--client-id X``) or after ``=`` (``--client-id=X``), however short."""
    hidden = [identifier for identifier in identifiers if identifier]
    words = []
    for word in argv:
        for identifier in hidden:
            if word == identifier:
                word = redacted_identifier(identifier)
            elif word.startswith("-") and word.endswith("=" + identifier):
                word = word[: -len(identifier)] + redacted_identifier(identifier)
        words.append(word)
    return words


def inert(text: str) -> str:
    """``text`` with each control, escape or bidi character (newlines too) shown as an
    escape, and lone surrogates as U+FFFD: one printable line."""
    from bikefinder.common.text import encodable

    if _UNSAFE.search(text) is None:
        return encodable(text)
    return encodable(_UNSAFE.sub(_escape, text))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class PrivateLogHandler(logging.handlers.RotatingFileHandler):
    """The rotated log file, private (0600) and never a link or a device, whatever umask
    or whoever made it; a write that fails (a full disk) detaches it quietly: the run
    goes on without the log, and :func:`stop` reports the cause once."""

    failure: str | None = None

    def _open(self) -> Any:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        flags |= getattr(os, "O_NONBLOCK", 0)
        fd = os.open(self.baseFilename, flags, 0o600)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file", self.baseFilename)
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
        except BaseException:
            os.close(fd)
            raise
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord | None) -> None:
        """Instead of logging's "--- Logging error ---" traceback on stderr per record:
        remember the first cause and stop logging to the file."""
        if self.failure is None:
            error = sys.exc_info()[1]
            cause = error.strerror if isinstance(error, OSError) and error.strerror else error
            self.failure = str(cause or "write failed")
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(self)
        with contextlib.suppress(Exception):
            super().close()

    def flush(self) -> None:
        try:
            super().flush()
        except OSError:
            self.handleError(None)

    def close(self) -> None:
        try:
            super().close()
        except OSError:
            self.handleError(None)


#: The handler :func:`start` attached (until :func:`stop`).
_handler: PrivateLogHandler | None = None


def start(
    path: Path,
    secrets: Iterable[str] = (),
    argv: Sequence[str] | None = None,
    identifiers: Sequence[str] = (),
) -> Path:
    """Send the :data:`LOGGERS` to the rotated file at ``path`` and write a session header
    (``secrets`` hidden, ``identifiers`` shown by their first characters).

    Raises :class:`OSError` when the file cannot be opened, or is a link or not a regular
    file (the caller says so and goes on without a log). The directory is made private
    (0700) and the file 0600, even when they existed: the log holds the URLs fetched.
    """
    global _handler
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if hasattr(os, "chmod") and os.name == "posix":
        os.chmod(path.parent, 0o700)
    handler = PrivateLogHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setFormatter(RedactingFormatter(secrets, identifiers))
    handler.setLevel(logging.DEBUG)
    _handler = handler
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        logger.propagate = False  # never to stderr through the root logger: the TUI owns it
    from bikefinder.common.about import versions

    log.info("session start: %s", ", ".join(f"{name} {value}" for name, value in versions()))
    log.info("argv: %s", redacted_argv(sys.argv[1:] if argv is None else argv, identifiers))
    return path


def stop() -> str | None:
    """Detach and close the file handlers :func:`start` added (tests run it in-process).

    Returns why the log stopped early (a full disk ...), or ``None`` if it did not."""
    global _handler
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, logging.handlers.RotatingFileHandler):
                logger.removeHandler(handler)
                with contextlib.suppress(OSError):
                    handler.close()
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
    failure = _handler.failure if _handler is not None else None
    if _handler is not None:
        with contextlib.suppress(Exception):
            _handler.close()
    _handler = None
    return failure
