"""A test model (loaded with ``format: factory``) that SIGKILLs its own process once, mid-render.

``build(path, schedule=[[5, "kill"], [4, "sleep"]], marker=FILE)`` loads a whole pickled
``nn.Module`` (the tiny DCGAN of tests/conftest.py). Each process takes the first entry
of the schedule whose marker ``FILE.<i>`` does not exist yet; at that entry's generator
call (counting only batches of more than one frame, so the loader's probe is left out) it
creates the marker and then either SIGKILLs itself or sleeps a minute (for a test to send
Ctrl-C at a known moment). So a render killed by entry 0 is rerun to entry 1, and so on;
when every marker exists the model just renders. ``kill_at=K`` is ``schedule=[[K, "kill"]]``.
Counting restarts in every process (a Ray worker restarted after the kill counts afresh),
and of two processes racing to the same entry only the one that creates the marker acts.
"""

from __future__ import annotations

import os
import signal
import time

import torch
from torch import nn


class KillOnce(nn.Module):
    def __init__(self, net: nn.Module, schedule: list, marker: str) -> None:
        super().__init__()
        self.net = net
        self.schedule = [(int(call), str(action)) for call, action in schedule]
        self.marker = marker
        self.pid = 0
        self.calls = 0
        self.step: int | None = None

    def _start(self) -> None:
        """A new process: count afresh, and act at the first entry not yet done."""
        self.pid, self.calls = os.getpid(), 0
        pending = [i for i in range(len(self.schedule)) if not os.path.exists(f"{self.marker}.{i}")]
        self.step = pending[0] if pending else None

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if len(z) > 1:
            if self.pid != os.getpid():
                self._start()
            self.calls += 1
            if self.step is not None and self.calls == self.schedule[self.step][0]:
                self._act(self.step)
        return self.net(z.reshape(len(z), -1, 1, 1))

    def _act(self, step: int) -> None:
        try:
            os.close(os.open(f"{self.marker}.{step}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return  # another process got there first
        if self.schedule[step][1] == "sleep":
            time.sleep(60)
        else:
            os.kill(os.getpid(), signal.SIGKILL)


def build(path, kill_at: int = 0, marker: str = "", schedule: list | None = None) -> nn.Module:
    steps = schedule if schedule is not None else ([[kill_at, "kill"]] if kill_at else [])
    return KillOnce(torch.load(path, weights_only=False), steps, str(marker))
