"""Fixtures for the VAE tests: a folder of generated images and one tiny VAE trained on it (per session).

The tiny models gain nothing from intra-op threads, and on a loaded two-core machine
spinning threads make each step several times slower, so these tests train on one
thread and restore the previous setting afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch

from odyssey.train.vae import TrainResult, train_vae
from vae_testkit import TINY, make_images


@contextmanager
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with one_thread():
        yield


@pytest.fixture(scope="session")
def disc_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_images(tmp_path_factory.mktemp("discs") / "images")


@pytest.fixture(scope="session")
def trained(disc_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    """A tiny VAE trained for 10 epochs on the discs (40 steps, about a second)."""
    out = tmp_path_factory.mktemp("trained") / "discs.safetensors"
    with one_thread():
        return train_vae(disc_folder, out, epochs=10, progress=False, log=lambda _: None, **TINY)
