"""The bounded producer/consumer pipeline: order, bound, and failure on either side."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from odyssey.pipeline import run_pipeline


def batches(n: int, size: int = 4):
    for i in range(n):
        yield np.full((size, 2, 2, 3), i, dtype=np.uint8)


def test_order_and_count():
    seen = []
    count = run_pipeline(batches(20), lambda b: seen.append(int(b[0, 0, 0, 0])))
    assert seen == list(range(20)) and count == 80


def test_queue_is_bounded():
    produced = []
    release = threading.Event()

    def gen():
        for i in range(50):
            produced.append(i)
            yield np.zeros((1, 1, 1, 3), np.uint8)

    def slow_sink(batch):
        release.wait(5)

    worker = threading.Thread(target=lambda: run_pipeline(gen(), slow_sink, depth=2))
    worker.start()
    time.sleep(0.3)
    ahead = len(produced)
    release.set()
    worker.join(10)
    assert ahead <= 2 + 2  # queue depth + one in the sink + one being produced


def test_sink_failure_stops_producer():
    produced = []

    def gen():
        for i in range(1000):
            produced.append(i)
            yield np.zeros((1, 1, 1, 3), np.uint8)

    def sink(batch):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        run_pipeline(gen(), sink, depth=2)
    assert len(produced) < 10


def test_producer_failure_stops_consumer():
    written = []

    def gen():
        yield np.zeros((1, 1, 1, 3), np.uint8)
        raise RuntimeError("generator broke")

    with pytest.raises(RuntimeError, match="generator broke"):
        run_pipeline(gen(), written.append)
    assert not any(t.name == "odyssey-writer" and t.is_alive() for t in threading.enumerate())


def test_keyboard_interrupt_propagates():
    def gen():
        yield np.zeros((1, 1, 1, 3), np.uint8)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_pipeline(gen(), lambda b: None)


def test_share_cpu_halves_threads_and_restores():
    import torch

    from odyssey.pipeline import share_cpu

    before = torch.get_num_threads()
    torch.set_num_threads(max(2, before))
    try:
        start = torch.get_num_threads()
        with share_cpu(torch.device("cpu")) as used:
            assert used == torch.get_num_threads() == max(1, min(start, (__import__("os").cpu_count() or 2) // 2))
        assert torch.get_num_threads() == start
        with share_cpu(torch.device("cuda")) as used:
            assert used == start
    finally:
        torch.set_num_threads(before)

