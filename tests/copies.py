"""One ``replace`` for tests: a copy with some fields changed, whether the value is a
msgspec Struct (the data core's records) or a dataclass (the UI's)."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


def replace(value: T, /, **changes: Any) -> T:
    """``value`` with ``changes``: msgspec's or dataclasses' replace, as its type needs."""
    if isinstance(value, msgspec.Struct):
        return msgspec.structs.replace(value, **changes)
    return dataclasses.replace(value, **changes)  # type: ignore[type-var]
