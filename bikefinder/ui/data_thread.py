"""One thread for the app's data work: decoding, parsing, joining, preparing the list.

Python threads share one interpreter lock, so parsing several systems on several threads
is no faster than on one; it only makes the event loop queue behind more threads for the
lock each time it wakes (the Paris-like scene, four systems at once, stalled the screen
~0.2 s that way). Everything the app computes off the event loop goes through
:func:`run_on_data_thread`, one job at a time, in the order asked.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bikefinder-data")


async def run_on_data_thread(work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``work(*args, **kwargs)`` on the data thread (like :func:`asyncio.to_thread`, which
    it replaces in the app: the caller's context variables go with it)."""
    context = contextvars.copy_context()
    call = partial(context.run, work, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, call)
