"""One system's live feeds for the app: the HTTP client, the fetch, the failure wording.

The app makes one :class:`FeedSession` per system shown and drives it from an exclusive
``@work(group="feeds")`` worker; the session answers with the messages to post
(:class:`SnapshotLoaded`, :class:`RefreshFailed`), so all displayed state stays with the
app's message handlers. Closing a session (on a system switch, on exit) closes its client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bikefinder.common.errors import BikefinderError, FeedError
from bikefinder.feeds.http import make_http_client
from bikefinder.feeds.loader import SystemFeeds
from bikefinder.systems.config import configured_max_feed_bytes
from bikefinder.ui.data_thread import run_on_data_thread
from bikefinder.ui.messages import RefreshFailed, SnapshotLoaded

if TYPE_CHECKING:
    import httpx

    from bikefinder.feeds.cache import FeedCache
    from bikefinder.feeds.snapshot import Snapshot
    from bikefinder.systems.source import SystemSource


def failure_lines(exc: Exception, label: str) -> tuple[str, str]:
    """A failed refresh as (the full one-line error, the brief one for the header).

    Even a parser bug is only reported (and retried), never allowed to end the app."""
    if isinstance(exc, FeedError):
        return str(exc), f"{exc.feed}: {exc.cause}"
    if isinstance(exc, BikefinderError):
        return str(exc), str(exc)
    brief = f"unexpected error ({type(exc).__name__}: {exc})"
    return f"{label}: {brief}", brief


class FeedSession:
    """The feeds of ``source`` and (after the first :meth:`connect`) their HTTP client."""

    def __init__(
        self,
        source: SystemSource,
        *,
        language: str | None,
        client_id: str | None,
        cache: FeedCache | None,
        free_floating: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``free_floating``: a system with vehicles but no stations loads (issue 11);
        ``clock`` (seconds) times the descriptive feeds' ttls."""
        self.source = source
        self.client_id = client_id
        self.feeds = SystemFeeds(
            None,
            source.gbfs_url,
            language=language,
            label=source.label,
            cache=cache,
            offload=run_on_data_thread,  # decoding and parsing never hold up the screen
            headers=source.headers,
            max_bytes=configured_max_feed_bytes(),  # config.toml's max_feed_mb
            free_floating=free_floating,
            clock=clock,
        )
        self.http: httpx.AsyncClient | None = None
        #: Set by :meth:`close`: a client made after that is closed at once.
        self.closed = False

    async def load_cached(self) -> Snapshot | None:
        """The last known data (marked with its age), with no network; None if none.
        Read and parsed on a thread."""
        return await run_on_data_thread(self.feeds.load_cached)

    async def connect(self) -> bool:
        """Make the HTTP client if not yet made, off the UI thread (building its TLS
        context takes ~0.1 s); False if the session was closed meanwhile."""
        if self.http is None:
            source = self.source
            http = await asyncio.to_thread(make_http_client, self.client_id, None, source.transport)
            if self.closed:  # the system was switched meanwhile
                await http.aclose()
                return False
            self.http = http
            self.feeds.attach(http)
        return True

    async def refresh(self, first_load: bool) -> list[SnapshotLoaded | RefreshFailed]:
        """Fetch once; the messages to post. On a failed first load the last known data
        (if any) comes before the failure: marked as such, it beats nothing."""
        try:
            snapshot = await self.feeds.refresh()
        except Exception as exc:  # report and retry, whatever it is
            error, brief = failure_lines(exc, self.feeds.label)
            cached = await self.load_cached() if first_load else None
            loaded = [] if cached is None else [SnapshotLoaded(cached)]
            return [*loaded, RefreshFailed(error, brief, first_load, self.feeds.gbfs_url)]
        problem = self.feeds.descriptive_error
        partial = f"{problem.feed}: {problem.cause}" if problem is not None else None
        return [SnapshotLoaded(snapshot, partial_error=partial)]

    async def close(self) -> None:
        """Close the HTTP client (if made); the session is not used again."""
        self.closed = True
        if self.http is not None:
            await self.http.aclose()
