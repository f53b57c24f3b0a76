"""The listing rule every list shares: which rows a limit lets through, and their ranks.

A row is listed when it is among the ``limit`` nearest rows, or among the ``limit``
nearest options; options are ranked 1..n. So a rider sees that the station across the
street is full instead of wondering why it is missing, and a list never has more than
``2 * limit`` rows. :class:`~bikefinder.rider.scene.Scene` applies it, one candidate at
a time, nearest first.
"""

from __future__ import annotations

#: How many rows a printed list shows when --limit is not given (the app fills the
#: screen instead).
DEFAULT_LIMIT = 20
#: How many trips a printed answer lists when ``--limit`` is not given (here, beside
#: the other default, so that the command line does not import the trip planner).
DEFAULT_TRIP_LIMIT = 3
#: ``--format`` and ``--mode`` values (here, with the defaults, so that the command line's
#: ``--help`` does not import the output formatter).
FORMATS = ("table", "json", "csv", "line")
MODES = ("bike", "ebike", "dock")


class ListLimit:
    """The listing rule, one candidate at a time, nearest first."""

    __slots__ = ("limit", "nearby", "useful")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.nearby = self.useful = 0

    def take(self, is_useful: bool) -> tuple[bool, int | None]:
        """(listed, rank) for the next candidate."""
        listed = False
        if self.nearby < self.limit:
            self.nearby += 1
            listed = True
        if is_useful and self.useful < self.limit:
            self.useful += 1
            listed = True
        return listed, self.useful if listed and is_useful else None

    @property
    def full(self) -> bool:
        """Both lists found: no later candidate can be listed."""
        return self.nearby >= self.limit and self.useful >= self.limit
