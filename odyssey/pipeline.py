"""Overlap generation and encoding: a producer, a bounded queue, one consumer thread.

The generator runs in the calling thread; a writer thread takes batches from a queue of
at most ``depth`` batches and hands them to ``sink`` (the encoder). The bound keeps
memory flat however long the render. A failure on either side stops both: an error in
the sink is re-raised in the caller at its next batch; an error or Ctrl-C in the caller
stops the writer thread before it propagates (the caller's writer context then aborts).

On a CPU shared with the encoder (``share_cpu``), the pipeline also times both sides
over the first batches and gives the generator every core when it is the bottleneck
(``Balance``): a light model beside a busy encoder keeps half the cores, a heavy one
(the conditional eyes GAN, a StyleGAN) gets them all, since the encoder then waits anyway.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from typing import Callable, Iterable, Iterator

import numpy as np
import torch

_DONE = object()
_POLL_SECONDS = 0.05
GENERATOR_BOUND = 1.5  # generator seconds per batch over encoder seconds above which it takes every core
_BALANCE_AFTER = 3  # batches timed before deciding (the first one, warm-up, is skipped)


class Balance:
    """The torch thread count for a render on a CPU shared with the encoder.

    ``share`` threads while the encoder needs its cores; ``full`` once the first batches
    show the generator to be the bottleneck (``decide``). ``share_cpu`` makes one.
    """

    def __init__(self, share: int, full: int) -> None:
        self.share, self.full = share, full
        self.decided: int | None = None

    def decide(self, generator_seconds: float, encoder_seconds: float) -> int:
        """Set and return the thread count from the time both sides took for the same batches."""
        bound = generator_seconds > GENERATOR_BOUND * encoder_seconds
        self.decided = self.full if bound else self.share
        torch.set_num_threads(self.decided)
        return self.decided


_ACTIVE: list[Balance] = []  # the innermost share_cpu, if any


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

    balance = _ACTIVE[-1] if _ACTIVE else None
    if balance is not None and balance.full <= balance.share:
        balance = None  # nothing to give: one core, or threads already capped
    times: dict[str, list[float]] = {"generator": [], "encoder": []}  # seconds per batch, warm-up batch left out
    if balance is not None:
        raw_sink = sink

        def sink(item: np.ndarray) -> None:  # the same sink, timed
            start = time.perf_counter()
            raw_sink(item)
            times["encoder"].append(time.perf_counter() - start)

    worker = threading.Thread(target=consume, name="odyssey-writer", daemon=True)
    worker.start()
    try:
        iterator = iter(batches)
        while True:
            start = time.perf_counter()
            batch = next(iterator, _DONE)
            if batch is _DONE:
                break
            if balance is not None and balance.decided is None:
                times["generator"].append(time.perf_counter() - start)
                gen, enc = times["generator"][1:], times["encoder"][1:]
                if len(gen) >= _BALANCE_AFTER - 1 and enc:
                    balance.decide(sum(gen) / len(gen), sum(enc) / len(enc))
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
    _ACTIVE.append(Balance(min(before, share), before))
    try:
        yield torch.get_num_threads()
    finally:
        _ACTIVE.pop()
        torch.set_num_threads(before)
