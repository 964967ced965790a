"""Fixtures for the VAE tests: a folder of generated images and one tiny VAE trained on it (per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from odyssey.vae.train import TrainResult, train_vae
from vae_testkit import TINY, make_images


@pytest.fixture(scope="session")
def disc_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_images(tmp_path_factory.mktemp("discs") / "images")


@pytest.fixture(scope="session")
def trained(disc_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    """A tiny VAE trained for 10 epochs on the discs (40 steps, about a second)."""
    out = tmp_path_factory.mktemp("trained") / "discs.safetensors"
    return train_vae(disc_folder, out, epochs=10, progress=False, log=lambda _: None, **TINY)
