"""The project's own error types: everything a user can cause or a feed can break."""

from __future__ import annotations

from bikefinder.common.text import clean


def first_line(exc: BaseException) -> str:
    """An exception's message cut to one short line (its type name if it has none)."""
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__


class BikefinderError(Exception):
    """Base for every error bikefinder reports as one line instead of a traceback."""


class UsageError(BikefinderError):
    """A wrong flag or argument: the command line exits with status 2."""


class FeedFormatError(BikefinderError):
    """A feed document is not GBFS we can understand (raised by the pure parsing layer)."""

    def __init__(self, feed: str, reason: str) -> None:
        super().__init__(f"{feed}: {reason}")
        self.feed = feed
        self.reason = reason


class FeedError(BikefinderError):
    """A feed could not be fetched or understood: names the system, the feed and the cause."""

    def __init__(self, system: str, feed: str, cause: str, url: str | None = None) -> None:
        # Every part may come from a feed (a system's name, a listed URL): the message
        # is one printable line whatever they hold.
        where = f" ({clean(url, 200)})" if url else ""
        super().__init__(f"{clean(system, 80)}: {clean(feed, 60)}: {clean(cause, 300)}{where}")
        self.system = system
        self.feed = feed
        self.cause = cause
        self.url = url
