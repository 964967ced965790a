"""Shared helpers for the writer tests: smooth synthetic frames and decoding outputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest


def make_frames(n: int, height: int, width: int, channels: int = 3) -> np.ndarray:
    """Smooth, slowly moving colour gradients, (n, height, width, channels) uint8."""
    t = np.linspace(0.0, 1.0, n)[:, None, None]
    y = np.linspace(0.0, 1.0, height)[None, :, None]
    x = np.linspace(0.0, 1.0, width)[None, None, :]
    red = 128 + 90 * np.sin(2.0 * x + 1.5 * t)
    green = 128 + 90 * np.cos(1.5 * y - 1.0 * t)
    blue = 128 + 70 * np.sin(1.2 * (x + y) + 2.0 * t)
    shape = (n, height, width)
    rgb = np.stack([np.broadcast_to(c, shape) for c in (red, green, blue)], axis=-1)
    if channels == 1:
        rgb = rgb.mean(axis=-1, keepdims=True)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def decode(path: Path) -> tuple[dict, np.ndarray]:
    """Decode a video file with imageio-ffmpeg: (metadata, (n, H, W, 3) uint8 frames)."""
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    meta = next(reader)
    width, height = meta["size"]
    frames = [np.frombuffer(raw, np.uint8).reshape(height, width, 3) for raw in reader]
    return meta, np.stack(frames)


@pytest.fixture
def frames() -> Callable[..., np.ndarray]:
    return make_frames


@pytest.fixture
def decoded() -> Callable[[Path], tuple[dict, np.ndarray]]:
    return decode


@pytest.fixture
def listing() -> Callable[[Path], list[str]]:
    """Names in a folder, hidden ones included, so leftover temp files show up."""
    return lambda folder: sorted(entry.name for entry in folder.iterdir())
