"""Generation requests where the newest wins: paging fast does not queue stale frames.

Each kind of picture the page asks for (the seed grid, the plane map, the preview) has a
channel. A request takes a ticket; a newer request on the same channel makes every older
ticket stale, and stale work stops between batches (``TilesCancelled``) or before it
starts. One lock serialises the generator across channels, so two requests never fight
over the CPU's cores; a stale request waiting for the lock never runs.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator


class Superseded(Exception):
    """A newer request on the same channel replaced this one before it finished."""


class Channels:
    """Tickets per channel name and one lock for the generator."""

    def __init__(self) -> None:
        self._latest: dict[str, int] = {}
        self._count = threading.Lock()
        self.generator_lock = threading.Lock()

    def ticket(self, channel: str) -> Callable[[], bool]:
        """A new ticket on ``channel``; returns ``stale()``, True once a newer ticket exists."""
        with self._count:
            number = self._latest.get(channel, 0) + 1
            self._latest[channel] = number
        return lambda: self._latest.get(channel) != number

    @contextmanager
    def generating(self, stale: Callable[[], bool]) -> Iterator[None]:
        """Hold the generator for a request, unless it went stale while waiting (``Superseded``)."""
        with self.generator_lock:
            if stale():
                raise Superseded()
            yield
