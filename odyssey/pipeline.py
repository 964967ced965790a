"""Overlap generation and encoding: a producer, a bounded queue, one consumer thread.

The generator runs in the calling thread; a writer thread takes batches from a queue of
at most ``depth`` batches and hands them to ``sink`` (the encoder). The bound keeps
memory flat however long the render. A failure on either side stops both: an error in
the sink is re-raised in the caller at its next batch; an error or Ctrl-C in the caller
stops the writer thread before it propagates (the caller's writer context then aborts).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from typing import Callable, Iterable, Iterator

import numpy as np
import torch

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


@contextlib.contextmanager
def share_cpu(device: torch.device) -> Iterator[int]:
    """While generating on the CPU beside an encoder, give the generator half the cores.

    torch's OpenMP threads spin while waiting for work; with every core given to the
    generator they starve the encoder running beside it. Measured on 2 cores (faces,
    256 px, 600 frames, libx264 medium): 2 torch threads 3.3 s, 1 torch thread 2.8 s
    end to end. The previous thread count is restored afterwards. Yields the count used.
    """
    if device.type != "cpu":
        yield torch.get_num_threads()
        return
    before = torch.get_num_threads()
    share = max(1, (os.cpu_count() or 2) // 2)
    torch.set_num_threads(min(before, share))
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
