"""Loggers for the core that import nothing until a record can go somewhere.

Core modules log for ``--debug``. A printed answer without it sends its records
nowhere, yet importing :mod:`logging` costs a few milliseconds of a warm answer that
takes about a hundred. While no module has imported :mod:`logging` (the debug log,
httpx, a test's log capture) no handler can exist, so a record is dropped before it is
built; after that, records go to the real logger as usual.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

#: The logger every bikefinder module logs under.
ROOT = "bikefinder"


def quiet_root(logging_module: Any) -> None:
    """Give the ``bikefinder`` logger a handler that drops records, if it has none: its
    records then never reach stderr through logging's last resort (the TUI owns it)."""
    root = logging_module.getLogger(ROOT)
    if not root.handlers:
        root.addHandler(logging_module.NullHandler())


class LazyLogger:
    """``logging.getLogger(name)`` for the levels the core uses, resolved on the first
    record after :mod:`logging` is imported (by anyone)."""

    __slots__ = ("_real", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._real: logging.Logger | None = None

    def _logger(self) -> logging.Logger | None:
        if self._real is None:
            logging_module = sys.modules.get("logging")
            if logging_module is None:
                return None
            quiet_root(logging_module)
            self._real = logging_module.getLogger(self.name)
        return self._real

    def _log(self, level: int, message: str, args: tuple[object, ...], kwargs: Any) -> None:
        if (logger := self._logger()) is not None and logger.isEnabledFor(level):
            logger.log(level, message, *args, stacklevel=3, **kwargs)

    # logging's level numbers, fixed by the standard library (DEBUG is 10 ... ERROR 40).
    def debug(self, message: str, *args: object, **kwargs: Any) -> None:
        self._log(10, message, args, kwargs)

    def info(self, message: str, *args: object, **kwargs: Any) -> None:
        self._log(20, message, args, kwargs)

    def warning(self, message: str, *args: object, **kwargs: Any) -> None:
        self._log(30, message, args, kwargs)

    def error(self, message: str, *args: object, **kwargs: Any) -> None:
        self._log(40, message, args, kwargs)


def get_logger(name: str) -> LazyLogger:
    """The logger of module ``name`` (its ``__name__``)."""
    return LazyLogger(name)
