"""How the feeds' coroutines wait: on asyncio's event loop, or blocking, on threads.

The loader, its fetcher and the fleet are written once, as coroutines, and wait only
through a :class:`Runtime`. The app and ``--watch`` use :data:`ASYNCIO`: an event loop,
httpx's asynchronous client. A printed answer that has to ask a server uses
:data:`BLOCKING`: httpx's synchronous client (:class:`~bikefinder.feeds.http.BlockingHttp`),
each concurrent fetch on a thread of its own, the coroutines driven to their end without
an event loop (none of them ever waits on one: :func:`run_blocking` says so if one
does). It imports neither asyncio nor anyio's event-loop backend, ~60 ms of a command
that takes ~0.25 s.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import Any, Generic, Protocol, TypeVar, cast

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

_local = threading.local()


class Background(Protocol[T_co]):
    """A coroutine started to run on its own (an asyncio task, or a thread)."""

    def done(self) -> bool: ...

    def cancelled(self) -> bool: ...

    def cancel(self) -> bool: ...

    def result(self) -> T_co: ...


class Runtime(Protocol):
    """What the loader, its fetcher and the fleet wait with."""

    def gather(self, *work: Coroutine[Any, Any, Any]) -> Awaitable[list[Any]]: ...

    def start(self, work: Coroutine[Any, Any, T]) -> Background[T]: ...

    def wait(self, started: Sequence[Background[Any]], timeout_s: float) -> Awaitable[None]: ...

    def sleep(self, seconds: float) -> Awaitable[None]: ...

    def deadline(self, seconds: float) -> contextlib.AbstractAsyncContextManager[Any]: ...

    def lock(self) -> contextlib.AbstractAsyncContextManager[Any]: ...

    def to_thread(self, work: Callable[..., T], *args: Any) -> Awaitable[T]: ...

    #: Whether it blocks (and so takes httpx's synchronous client).
    @property
    def blocking(self) -> bool: ...


class AsyncioRuntime:
    """asyncio's event loop (imported when first used)."""

    async def gather(self, *work: Coroutine[Any, Any, Any]) -> list[Any]:
        import asyncio

        return list(await asyncio.gather(*work))

    def start(self, work: Coroutine[Any, Any, T]) -> Background[T]:
        import asyncio

        return asyncio.ensure_future(work)

    async def wait(self, started: Sequence[Background[Any]], timeout_s: float) -> None:
        import asyncio

        await asyncio.wait(cast("Sequence[asyncio.Future[Any]]", started), timeout=timeout_s)

    async def sleep(self, seconds: float) -> None:
        import asyncio

        await asyncio.sleep(seconds)

    def deadline(self, seconds: float) -> contextlib.AbstractAsyncContextManager[Any]:
        import asyncio

        return asyncio.timeout(seconds)

    def lock(self) -> contextlib.AbstractAsyncContextManager[Any]:
        import asyncio

        return asyncio.Lock()

    async def to_thread(self, work: Callable[..., T], *args: Any) -> T:
        """Off the event loop (making a client: a TLS context takes ~0.1 s)."""
        import asyncio

        return await asyncio.to_thread(work, *args)

    @property
    def blocking(self) -> bool:
        return False


def run_blocking(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to its end here, without an event loop: every await in it must
    complete at once (what :data:`BLOCKING` gives it); one that would wait is an error."""
    try:
        work.send(None)
    except StopIteration as finished:
        return cast("T", finished.value)
    work.close()
    raise RuntimeError("a blocking run met an await that needs an event loop")


class _OnThread(Generic[T]):
    """A coroutine run to its end on a daemon thread of its own (a printed command
    does not wait for a slow optional feed at exit)."""

    def __init__(self, work: Coroutine[Any, Any, T]) -> None:
        self._result: T | None = None
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self._thread.start()

    def _run(self, work: Coroutine[Any, Any, T]) -> None:
        try:
            self._result = run_blocking(work)
        except BaseException as error:  # kept for result(): a thread has no one to tell
            self._error = error

    def join(self, timeout_s: float | None = None) -> None:
        self._thread.join(timeout_s)

    def done(self) -> bool:
        return not self._thread.is_alive()

    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> bool:
        """A thread cannot be stopped: its result is dropped."""
        self._cancelled = True
        return True

    def result(self) -> T:
        if self._error is not None:
            raise self._error
        return cast("T", self._result)


class _ThreadLock:
    """A lock taken with ``async with`` by coroutines that run on threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    async def __aenter__(self) -> None:
        self._lock.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self._lock.release()


class BlockingRuntime:
    """Threads and httpx's synchronous client, for a printed answer."""

    async def gather(self, *work: Coroutine[Any, Any, Any]) -> list[Any]:
        """Each on a thread at once; every result in order, or the first failure (in
        order) once all have ended."""
        threads = [_OnThread(one) for one in work]
        for thread in threads:
            thread.join()
        return [thread.result() for thread in threads]

    def start(self, work: Coroutine[Any, Any, T]) -> Background[T]:
        return _OnThread(work)

    async def wait(self, started: Sequence[Background[Any]], timeout_s: float) -> None:
        ends = time.monotonic() + timeout_s
        for thread in started:
            cast("_OnThread[Any]", thread).join(max(0.0, ends - time.monotonic()))

    async def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    @contextlib.asynccontextmanager
    async def deadline(self, seconds: float) -> AsyncIterator[None]:
        """The time by which this thread's answer must be complete (see
        :func:`past_deadline`)."""
        before = getattr(_local, "deadline", None)
        _local.deadline = time.monotonic() + seconds
        try:
            yield
        finally:
            _local.deadline = before

    def lock(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return _ThreadLock()

    async def to_thread(self, work: Callable[..., T], *args: Any) -> T:
        return work(*args)

    @property
    def blocking(self) -> bool:
        return True


def past_deadline() -> bool:
    """Whether this thread's :meth:`BlockingRuntime.deadline` has passed (checked as a
    body arrives: each read is bounded by httpx's own timeouts, the whole by this)."""
    ends = getattr(_local, "deadline", None)
    return ends is not None and time.monotonic() > ends


#: The event loop's runtime (the app, ``--watch``, the catalog and geocoder fetches).
ASYNCIO: Runtime = AsyncioRuntime()
#: The printed answers' runtime.
BLOCKING: Runtime = BlockingRuntime()
