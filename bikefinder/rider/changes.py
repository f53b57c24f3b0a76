"""What changed at a station between two refreshes: the counts that went up or down
(the list marks them until the next refresh)."""

from __future__ import annotations

from bikefinder.feeds.models import StationStatus

#: The counts whose changes between refreshes are marked.
COUNT_FIELDS = ("bikes", "mechanical", "electric", "docks")


def count_changes(before: StationStatus | None, after: StationStatus | None) -> dict[str, int]:
    """Per count field, how much it went up (+) or down (-) since ``before``; known counts only."""
    if before is None or after is None:
        return {}
    changes: dict[str, int] = {}
    for name in COUNT_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old is not None and new is not None and old != new:
            changes[name] = new - old
    return changes
