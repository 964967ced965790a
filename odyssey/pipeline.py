"""Overlap generation and encoding: a producer, a bounded queue, one consumer thread.

The generator runs in the calling thread; a writer thread takes batches from a queue of
at most ``depth`` batches and hands them to ``sink`` (the encoder). The bound keeps
memory flat however long the render. A failure on either side stops both: an error in
the sink is re-raised in the caller at its next batch; an error or Ctrl-C in the caller
stops the writer thread before it propagates (the caller's writer context then aborts).
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterable

import numpy as np

_DONE = object()
_POLL_SECONDS = 0.05


def run_pipeline(
    batches: Iterable[np.ndarray],
    sink: Callable[[np.ndarray], None],
    *,
    depth: int = 3,
    on_written: Callable[[int], None] | None = None,
) -> int:
    """Feed every batch to ``sink`` in order from a writer thread; return frames written."""
    pending: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()
    failure: list[BaseException] = []
    written = [0]

    def consume() -> None:
        try:
            while not stop.is_set():
                try:
                    item = pending.get(timeout=_POLL_SECONDS)
                except queue.Empty:
                    continue
                if item is _DONE:
                    return
                sink(item)
                written[0] += len(item)
                if on_written is not None:
                    on_written(len(item))
        except BaseException as exc:  # noqa: BLE001 - handed to the producer below
            failure.append(exc)
            stop.set()

    def put(item: object) -> None:
        while True:
            if failure:
                raise failure[0]
            try:
                pending.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=consume, name="odyssey-writer", daemon=True)
    worker.start()
    try:
        for batch in batches:
            put(batch)
        put(_DONE)
        while worker.is_alive():
            worker.join(timeout=_POLL_SECONDS)
            if failure:
                break
    except BaseException:
        stop.set()
        worker.join()
        raise
    if failure:
        raise failure[0]
    return written[0]
