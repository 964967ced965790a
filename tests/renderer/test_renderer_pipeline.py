"""The bounded producer/consumer pipeline: order, bound, and failure on either side."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from odyssey.renderer.pipeline import run_pipeline


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

    from odyssey.renderer.pipeline import share_cpu

    before = torch.get_num_threads()
    torch.set_num_threads(max(2, before))
    try:
        start = torch.get_num_threads()
        with share_cpu(torch.device("cpu")) as share:
            assert share.threads == torch.get_num_threads() == max(1, min(start, (os.cpu_count() or 2) // 2))
        assert torch.get_num_threads() == start
        with share_cpu(torch.device("cuda")) as share:
            assert share is None and torch.get_num_threads() == start
    finally:
        torch.set_num_threads(before)


class _Clock:
    """Stands in for our process's CPU clock and an encoder's /proc CPU time."""

    def __init__(self) -> None:
        self.ours = 0.0
        self.encoder = 0.0


@pytest.mark.parametrize(
    ("gen_s", "enc_s", "cores", "expected"),
    [
        (0.190, 0.0007, 2, 2),  # a StyleGAN beside x264: every core
        (0.0037, 0.014, 2, 1),  # faces -> 512 px: x264 needs its share
        (0.0215, 0.0132, 2, 1),  # eyes -> 512 px: round(1.24)
        (0.0037, 0.014, 16, 3),  # faces -> 512 px on 16 cores
        (0.190, 0.0007, 16, 16),
    ],
)
def test_cpu_share_is_set_once_from_measured_cpu_times(monkeypatch, gen_s, enc_s, cores, expected):
    import torch

    import odyssey.renderer.pipeline as pipeline

    clock = _Clock()
    monkeypatch.setattr(pipeline.time, "process_time", lambda: clock.ours)
    monkeypatch.setattr(pipeline, "process_cpu_seconds", lambda pid: clock.encoder)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: cores)
    set_to = []
    monkeypatch.setattr(torch, "set_num_threads", set_to.append)
    share = pipeline.CpuShare(cores)
    share.watch(1234)
    assert share.threads == cores and set_to == [cores] and not share.decided  # every core while it measures
    set_to.clear()
    generated = written = 0
    while not share.decided:
        assert written < 400, "the share should be decided within WARM + WINDOW frames"
        generated += 16
        clock.ours += 16 * gen_s
        share.update(generated, written)
        written = generated - 16  # one batch in the queue
        clock.encoder = written * enc_s
    assert share.threads == expected and set_to == [expected]
    share.update(generated + 16, written + 16)  # decided once: nothing changes after
    assert set_to == [expected]


def test_cpu_share_keeps_half_where_the_encoder_cannot_be_read(monkeypatch):
    import odyssey.renderer.pipeline as pipeline

    import torch

    monkeypatch.setattr(pipeline, "process_cpu_seconds", lambda pid: None)
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    share = pipeline.CpuShare(8)
    share.watch(1234)
    for step in range(1, 40):
        share.update(16 * step, 16 * (step - 1))
    assert not share.decided and share.threads == min(8, max(1, (os.cpu_count() or 2) // 2))


def test_process_cpu_seconds_reads_a_live_process():
    from odyssey.renderer.pipeline import process_cpu_seconds

    if not os.path.exists("/proc/self/stat"):
        pytest.skip("no /proc here")
    assert process_cpu_seconds(os.getpid()) > 0
    assert process_cpu_seconds(2**22 + 12345) is None  # no such process
