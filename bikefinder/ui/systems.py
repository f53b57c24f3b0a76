"""The systems shown besides the first one (issue 11): each with its own feeds session,
refresh schedule and last data, refreshed by its own exclusive worker group."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.nearby import SceneSystem
from bikefinder.rider.refresh import RefreshSchedule
from bikefinder.systems.source import SystemSource
from bikefinder.ui.feed_session import FeedSession


@dataclass
class ExtraSystem:
    """One more system of the mixed list; ``session`` is made when the app mounts."""

    source: SystemSource
    schedule: RefreshSchedule
    session: FeedSession | None = None
    snapshot: Snapshot | None = None
    #: When its refreshes started failing (``None`` while they succeed).
    failing_since: datetime | None = None
    enabled: bool = True
    worker_group: str = field(default="")

    def __post_init__(self) -> None:
        self.worker_group = self.worker_group or f"feeds:{self.source.gbfs_url}"


def scene_system(source: SystemSource, snapshot: Snapshot | None, taken: set[str]) -> SceneSystem:
    """The system as the mixed list names it: the catalog's id (else the feed's), made
    unique among ``taken``; the feed's name, else the catalog's label."""
    base = source.system_id or (snapshot.system.system_id if snapshot else None) or source.gbfs_url
    key, number = base, 2
    while key in taken:
        key, number = f"{base}#{number}", number + 1
    name = (snapshot.system.name if snapshot else None) or source.label or key
    return SceneSystem(key, name, source.gbfs_url)
