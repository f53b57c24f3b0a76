"""The blocking runtime a printed answer loads with: coroutines run to their end without
an event loop, concurrent work on threads, the same waits as on asyncio's loop."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, cli_env

from bikefinder.feeds.runtime import BLOCKING, past_deadline, run_blocking
from tests.test_warm_once import CITI, once_args


async def _slowly(value: int, seconds: float) -> int:
    await BLOCKING.sleep(seconds)
    return value


async def _failing(message: str) -> int:
    raise ValueError(message)


class _Suspends:
    """An awaitable that yields to an event loop (none is there)."""

    def __await__(self) -> Generator[None, None, None]:
        yield


async def _needs_a_loop() -> None:
    await _Suspends()


def test_a_coroutine_that_never_waits_runs_to_its_end() -> None:
    assert run_blocking(_slowly(7, 0)) == 7


def test_a_coroutine_that_waits_on_an_event_loop_is_refused() -> None:
    with pytest.raises(RuntimeError, match="needs an event loop"):
        run_blocking(_needs_a_loop())


def test_gathered_work_runs_at_once_and_answers_in_order() -> None:
    started = time.perf_counter()
    results = run_blocking(BLOCKING.gather(_slowly(1, 0.3), _slowly(2, 0.3), _slowly(3, 0.1)))
    assert results == [1, 2, 3]
    assert time.perf_counter() - started < 0.55  # not 0.7 s one after the other


def test_gathered_work_raises_the_first_failure_once_all_have_ended() -> None:
    with pytest.raises(ValueError, match="first"):
        run_blocking(BLOCKING.gather(_slowly(1, 0.1), _failing("first"), _failing("second")))


def test_started_work_is_waited_for_at_most_the_grace() -> None:
    quick, slow = BLOCKING.start(_slowly(1, 0.0)), BLOCKING.start(_slowly(2, 1.0))
    started = time.perf_counter()
    run_blocking(BLOCKING.wait([quick, slow], 0.2))
    assert 0.15 < time.perf_counter() - started < 0.6
    assert quick.done() and quick.result() == 1
    assert not slow.done()
    assert slow.cancel() and slow.cancelled()


def test_a_deadline_holds_for_the_thread_inside_it() -> None:
    async def inside() -> tuple[bool, bool]:
        async with BLOCKING.deadline(0.05):
            before = past_deadline()
            time.sleep(0.1)
            return before, past_deadline()

    assert run_blocking(inside()) == (False, True)
    assert not past_deadline()  # over once its block ends


def test_a_lock_is_taken_and_given_back() -> None:
    lock = BLOCKING.lock()

    async def twice() -> int:
        async with lock:
            pass
        async with lock:
            return 2

    assert run_blocking(twice()) == 2


def test_a_printed_answer_from_the_network_runs_no_event_loop(
    feed_server: Any, tmp_path: Path
) -> None:
    """A cold answer loads with httpx's synchronous client on threads: neither asyncio
    nor anyio's event-loop backend is imported (~60 ms of the command), and the three
    feeds are asked once each."""
    gbfs_url = feed_server.serve_fixture(CITI)
    code = (
        "import sys, json\n"
        "from bikefinder.cli.main import main\n"
        f"code = main({list(once_args(gbfs_url))!r})\n"
        "print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=cli_env(tmp_path / "home"), cwd=REPO_ROOT, timeout=60)  # fmt: skip
    status, modules = json.loads(done.stderr.strip().splitlines()[-1])
    assert status == 0
    assert json.loads(done.stdout)["stations"]
    assert "asyncio" not in modules and "anyio._backends._asyncio" not in modules
    assert sorted(request.path for request in feed_server.requests) == sorted(
        f"/{CITI}/{name}.json" for name in ("gbfs", "station_information", "station_status")
    )
