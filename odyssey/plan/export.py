"""``odyssey plan --latents``: the exact trajectory a render draws, saved as ``.npy``.

The latents are computed and written in chunks of frames, so memory stays flat however
long the path: shape ``(T, *latent_shape)``, float32, in the path's space (z, w or w+).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from odyssey.config.loading import PathFile
from odyssey.plan.job import load_job
from odyssey.plan.trajectory import Trajectory
from odyssey.writers.arrays import save_array_chunks

CHUNK_FRAMES = 4096


def latent_chunks(trajectory: Trajectory, chunk: int = CHUNK_FRAMES) -> Iterator[np.ndarray]:
    """The trajectory's latents, ``chunk`` frames at a time: ``(n, *latent_shape)`` float32."""
    for start in range(0, trajectory.num_frames, chunk):
        yield trajectory.latents(start, min(start + chunk, trajectory.num_frames)).numpy().astype(np.float32)


def save_latents(path_file: PathFile, overrides: Sequence[str], target: str | Path) -> tuple[Path, tuple[int, ...]]:
    """Plan ``path_file`` and write its latents to ``target`` (.npy); returns the file and the shape."""
    job = load_job(path_file, overrides, check_output=False)
    trajectory = job.trajectory
    shape = (trajectory.num_frames, *trajectory.latent_shape)
    return save_array_chunks(target, shape, np.float32, latent_chunks(trajectory)), shape
