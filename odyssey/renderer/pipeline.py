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
import time
from pathlib import Path
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
    share: CpuShare | None = None,
) -> int:
    """Feed every batch to ``sink`` in order from a writer thread; return frames written.

    ``share`` (from ``share_cpu``) is updated after each batch, in this thread, so torch's
    thread count only changes between batches.
    """
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
        generated = 0
        for batch in batches:
            put(batch)
            generated += len(batch)
            if share is not None:
                share.update(generated, written[0])
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


class CpuShare:
    """Torch's share of the CPU cores while an encoder runs beside it, measured once.

    torch's OpenMP threads spin while they wait for work, so given every core a light
    generator starves the encoder beside it (2 cores, faces -> 256 px, 600 frames: 2 torch
    threads 3.3 s, 1 thread 2.8 s), while a heavy one (a StyleGAN on the CPU) needs every
    core and leaves the encoder idle. So the share is measured: over ``WINDOW_FRAMES``
    frames, after ``WARM_FRAMES`` that fill x264's lookahead, the generator's CPU seconds
    per frame ``g`` and the encoder's ``e`` (read from ``/proc``) give torch
    ``round(cores * g / (g + e))`` threads, set once. It starts with every core: for a light
    generator the first frames cost a little more, for a heavy one half the cores would
    cost twice the time. Where the encoder's CPU time cannot be read (not Linux) it keeps
    half the cores. CPU time, not wall time: a pipe write returns as soon as x264 has queued
    the frame, long before it is encoded. Spinning threads count as generator time, which
    on many cores leans the split towards torch.
    """

    WARM_FRAMES = 48  # x264 medium: 40 frames of lookahead and 3 B-frames before it encodes
    WINDOW_FRAMES = 32

    def __init__(self, cores: int) -> None:
        self.cores = max(1, cores)
        self.threads = self.half = min(self.cores, max(1, (os.cpu_count() or 2) // 2))
        self.decided = False
        self._encoder: int | None = None
        self._mark: tuple[int, int, float, float] | None = None  # written, generated, our CPU, encoder CPU

    def watch(self, encoder_pid: int | None) -> None:
        """Measure against this encoder process (each segment has its own ffmpeg): every core
        until the share is decided, where it can be measured; else half."""
        self._encoder, self._mark = encoder_pid, None
        if not self.decided:
            readable = encoder_pid is not None and process_cpu_seconds(encoder_pid) is not None
            self._use(self.cores if readable else self.half)

    def _use(self, threads: int) -> None:
        self.threads = threads
        torch.set_num_threads(threads)

    def update(self, generated: int, written: int) -> None:
        """Called by the pipeline after each batch: frames generated and written so far."""
        if self.decided or self._encoder is None or written < self.WARM_FRAMES:
            return
        encoder = process_cpu_seconds(self._encoder)  # read only once x264's lookahead is full
        if encoder is None:  # ffmpeg is gone: half, until the next encoder
            self._encoder = None
            self._use(self.half)
            return
        if self._mark is None:
            self._mark = (written, generated, time.process_time(), encoder)
            return
        mark_written, mark_generated, mark_ours, mark_encoder = self._mark
        if written - mark_written < self.WINDOW_FRAMES or generated <= mark_generated:
            return
        g = (time.process_time() - mark_ours) / (generated - mark_generated)  # generator CPU s per frame
        e = (encoder - mark_encoder) / (written - mark_written)  # encoder CPU s per frame
        self.decided = True
        if g + e > 0:
            self._use(min(self.cores, max(1, round(self.cores * g / (g + e)))))


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a running process, from ``/proc/PID/stat``; None where unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def share_cpu(device: torch.device, encoder_pid: int | None = None) -> Iterator[CpuShare | None]:
    """While generating on the CPU beside an encoder, give the generator its ``CpuShare``.

    Yields the share (None on a GPU, where torch's threads only launch kernels); hand it to
    ``run_pipeline``, which updates it. The previous thread count is restored afterwards.
    """
    if device.type != "cpu":
        yield None
        return
    before = torch.get_num_threads()
    share = CpuShare(before)
    share.watch(encoder_pid)
    try:
        yield share
    finally:
        torch.set_num_threads(before)
