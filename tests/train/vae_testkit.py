"""Helpers for the VAE tests: generated image folders and a tiny, fast training configuration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

# A 32 px model small enough to train a few epochs in about a second on two CPU cores.
TINY = {"resolution": 32, "latent_dim": 4, "width": 8, "batch_size": 8, "kl_warmup": 1.0, "lr": 3e-3}


def blob(size: int, cx: float, cy: float, radius: float, colour: tuple[int, int, int]) -> np.ndarray:
    """A filled disc on white paper: ``(size, size, 3)`` uint8."""
    yy, xx = np.mgrid[:size, :size]
    image = np.full((size, size, 3), 255, np.uint8)
    image[(yy - cy) ** 2 + (xx - cx) ** 2 < radius**2] = colour
    return image


def make_images(folder: Path, count: int = 32, size: int = 40, seed: int = 0) -> Path:
    """``count`` PNGs of coloured discs at random places and sizes."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        cx, cy = rng.uniform(0.3 * size, 0.7 * size, 2)
        colour = tuple(int(c) for c in rng.integers(0, 200, 3))
        Image.fromarray(blob(size, cx, cy, rng.uniform(0.12, 0.3) * size, colour)).save(folder / f"img-{i:03d}.png")
    return folder
