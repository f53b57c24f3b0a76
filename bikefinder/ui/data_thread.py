"""One thread for the app's data work: decoding, parsing, joining, preparing the list.

Python threads share one interpreter lock, so parsing several systems on several threads
is no faster than on one; it only makes the event loop queue behind more threads for the
lock each time it wakes (the Paris-like scene, four systems at once, stalled the screen
~0.2 s that way). Everything the app computes off the event loop goes through
:func:`run_on_data_thread`, one job at a time, in the order asked; while the app loads
or refreshes, :data:`FULL_COLLECTIONS` keeps the collector's full collections away, and
while it draws a new list, :data:`FRAME_GATE` holds the next job back.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bikefinder-data")


async def run_on_data_thread(work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``work(*args, **kwargs)`` on the data thread (like :func:`asyncio.to_thread`, which
    it replaces in the app: the caller's context variables go with it)."""
    global _pending
    context = contextvars.copy_context()
    call = partial(_when_open, partial(context.run, work, *args, **kwargs))
    _pending += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, call)
    finally:
        _pending -= 1
        if _pending == 0:
            waiting, _idle_callbacks[:] = list(_idle_callbacks), []
            for callback in waiting:
                callback()


#: Jobs asked of the data thread and not finished (counted on the event loop).
_pending = 0
#: Called (on the event loop) when the data thread next has nothing to do.
_idle_callbacks: list[Callable[[], None]] = []


def call_when_idle(callback: Callable[[], None]) -> None:
    """``callback()`` now if the data thread has nothing to do, else once it has: work
    the event loop can choose the moment of (laying the footer's keys out) is then not
    slowed by a parse holding the interpreter lock."""
    if _pending == 0:
        callback()
    else:
        _idle_callbacks.append(callback)


def _when_open(call: Callable[[], R]) -> R:
    FRAME_GATE.wait()
    return call()


#: The longest a job waits at a closed gate: a frame that never comes costs no more.
MAX_HOLD_S = 0.1


class FrameGate:
    """Holds the data thread's next job while the event loop lays out and draws
    something new (a list, the footer's keys).

    The thread that holds the interpreter lock gives it up only every few milliseconds,
    so a frame drawn while the data thread parses the next system takes two to three
    times as long (a 20 ms first table became a 50 ms pause). Each :meth:`hold` is
    released once its frame is drawn; a job waits while any is held (at most
    :data:`MAX_HOLD_S`); a job already running goes on. A scene's preparation holds as
    its last step, on the data thread (a :class:`GateTicket`)."""

    def __init__(self) -> None:
        self._holds = 0
        self._lock = threading.Lock()  # held on the data thread too (a ticket)
        self._open = threading.Event()
        self._open.set()

    @property
    def closed(self) -> bool:
        return self._holds > 0

    def hold(self) -> None:
        with self._lock:
            self._holds += 1
            self._open.clear()

    def release(self) -> None:
        with self._lock:
            if self._holds:
                self._holds -= 1
                if not self._holds:
                    self._open.set()

    def release_all(self) -> None:
        """Release every hold (the app is closing)."""
        with self._lock:
            self._holds = 0
            self._open.set()

    def wait(self) -> None:
        """On the data thread: until no hold is left, at most :data:`MAX_HOLD_S`."""
        self._open.wait(MAX_HOLD_S)

    def ticket(self) -> GateTicket:
        """A hold to be taken on the data thread and given back on the event loop."""
        return GateTicket(self)


class GateTicket:
    """One hold on a :class:`FrameGate`, taken by a data job as its last step (so the
    job queued behind it cannot start before the event loop has the result) and given
    back once the result is drawn, or will not be (superseded, failed). Given back
    first, it is never taken: a job finishing after its caller gave up holds nothing."""

    def __init__(self, gate: FrameGate) -> None:
        self._gate = gate
        self._lock = threading.Lock()  # taken on the data thread, given back on the loop
        self._wanted = True
        self._held = False

    def take(self) -> None:
        with self._lock:
            if self._wanted and not self._held:
                self._held = True
                self._gate.hold()

    def give_back(self) -> None:
        with self._lock:
            self._wanted = False
            if self._held:
                self._held = False
                self._gate.release()


#: The full-collection threshold while held: never reached by a refresh.
HELD_THRESHOLD = 1_000_000


class FullCollections:
    """Keeps the garbage collector's full (oldest generation) collections out of the
    app's loads and refreshes.

    A full collection walks every tracked object and stops whichever thread it runs on,
    and the event loop waits for it (a 40 ms pause on the Paris-like scene, in the middle
    of a refresh). While anything :meth:`hold` s, the oldest generation's threshold is set
    out of reach; young collections go on as usual. Released, the threshold is restored
    and the next full collection comes between refreshes.
    """

    def __init__(self) -> None:
        self._holds = 0
        self._threshold = 10

    @property
    def holding(self) -> bool:
        return self._holds > 0

    def hold(self) -> None:
        if self._holds == 0:
            young, middle, self._threshold = gc.get_threshold()
            gc.set_threshold(young, middle, HELD_THRESHOLD)
        self._holds += 1

    def release(self) -> None:
        if self._holds == 0:
            return
        self._holds -= 1
        if self._holds == 0:
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, self._threshold)

    def release_all(self) -> None:
        """Release every hold (the app is closing)."""
        while self._holds:
            self.release()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Held for the block."""
        self.hold()
        try:
            yield
        finally:
            self.release()


#: The app's one policy (the collector is the process's).
FULL_COLLECTIONS = FullCollections()
#: The app's one gate (there is one data thread).
FRAME_GATE = FrameGate()
