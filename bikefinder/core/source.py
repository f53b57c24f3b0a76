"""Which system to load, and how to reach it: the bridge from flags to a feed URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from bikefinder.core.demo import DEMO_GBFS_URL, DEMO_LABEL, demo_transport
from bikefinder.core.errors import UsageError


@dataclass(frozen=True, slots=True)
class SystemSource:
    """A system ready to load: its discovery URL plus per-system request details."""

    gbfs_url: str
    label: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    transport: httpx.AsyncBaseTransport | None = None
    demo_label: str | None = None

    @property
    def is_demo(self) -> bool:
        return self.demo_label is not None


def demo_source() -> SystemSource:
    return SystemSource(
        gbfs_url=DEMO_GBFS_URL,
        label="Vélib' Métropole",
        transport=demo_transport(),
        demo_label=DEMO_LABEL,
    )


def is_url(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def resolve_source(
    system: str | None, near: tuple[float, float] | None, *, demo: bool = False
) -> SystemSource:
    """The system named by ``--system`` (a URL), or the bundled demo."""
    if demo:
        if system is not None:
            raise UsageError("--demo uses the bundled Vélib' snapshot; drop --system")
        return demo_source()
    if system is None:
        raise UsageError("--system URL is required (the gbfs.json of your bike-share system)")
    if is_url(system):
        return SystemSource(gbfs_url=system.strip())
    raise UsageError(f"--system expects a gbfs.json URL, got {system!r}")
