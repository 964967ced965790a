"""Image-space measurements of a path: how much each step changes the picture.

Used by ``speed: uniform-image`` (re-time a leg so every frame changes the picture by
about the same amount) and by ``odyssey check`` (``measure_path``: latent steps and
norms of every frame, and with ``--plot`` the image change of every step). Frames are drawn by the
model itself at its native size and averaged down to at most ``MEASURE_SIDE`` pixels a
side, a cheap and stable proxy for what a viewer sees. A step's image change is the
mean absolute difference of consecutive images with pixel values scaled to [0, 1].
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from odyssey.models.base import Generator
from odyssey.paths import Motion
from odyssey.plan.trajectory import Trajectory

log = logging.getLogger(__name__)

MEASURE_SIDE = 32
MEASURE_FRAMES = 1 << 20  # longer paths are measured on every stride-th frame
MEASURE_VALUES = 1 << 30  # and at most this many latent values
BATCH = 128


def small_images(generator: Generator, latents: np.ndarray, labels: np.ndarray | None, psi: np.ndarray | float) -> Iterator[torch.Tensor]:
    """Latents (n, D), labels (n, C) or None, psi -> batches (b, C, h, w) in [0, 1], h, w <= MEASURE_SIDE."""
    info = generator.info
    low, high = info.output_range
    n = latents.shape[0]
    psi = np.array(np.broadcast_to(np.asarray(psi, dtype=np.float32), (n,)))  # writable (n,)
    for i in range(0, n, BATCH):
        z = torch.from_numpy(np.ascontiguousarray(latents[i : i + BATCH], dtype=np.float32)).reshape(-1, *info.latent_shape)
        lab = None if labels is None else torch.from_numpy(np.ascontiguousarray(labels[i : i + BATCH], dtype=np.float32))
        with torch.inference_mode():
            images = generator.synthesize(z, lab, torch.from_numpy(np.ascontiguousarray(psi[i : i + BATCH]))).float()
            side = max(images.shape[-2:])
            scale = max(1, -(-side // MEASURE_SIDE))
            if scale > 1:
                images = F.avg_pool2d(images, scale, ceil_mode=True)
            yield ((images - low) / (high - low)).clamp(0, 1).cpu()


def image_steps(generator: Generator, latents: np.ndarray, labels: np.ndarray | None = None, psi: np.ndarray | float = 1.0) -> np.ndarray:
    """Image change of each step between consecutive latents: (n, D) -> (n - 1,) in [0, 1]."""
    steps: list[np.ndarray] = []
    last = None
    for batch in small_images(generator, latents, labels, psi):
        if last is not None:
            batch = torch.cat([last, batch])
        steps.append((batch[1:] - batch[:-1]).abs().mean(dim=(1, 2, 3)).double().numpy())
        last = batch[-1:]
    return np.concatenate(steps) if steps else np.zeros(0)


def image_measure(generator: Generator, psi: float = 1.0):
    """A step measure for ``speed: uniform-image``: (points (m, D), labels) -> (m - 1,)."""

    def measure(points: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        log.info(f"measuring image-space speed for speed: uniform-image ({points.shape[0]} renders at {MEASURE_SIDE} px)")
        return image_steps(generator, points, labels, psi)

    return measure


@dataclass(frozen=True)
class PathReport:
    """Per-frame measurements of a planned path, for ``odyssey check`` and its plot.

    motion: latent steps and norms of the frames before truncation; image_steps: (T - 1,)
    image change per step (plus the seam step for loops, last -> first), or None.
    """

    motion: Motion
    image_steps: np.ndarray | None
    image_seam: float | None
    stride: int = 1  # frames 0, stride, 2 stride, ... were measured (steps are per frame, averaged over stride)


def measure_path(trajectory: Trajectory, generator: Generator | None = None, chunk: int = 4096, max_frames: int | None = None) -> PathReport:
    """Measure every frame of ``trajectory``; with a ``generator`` also the image change per step.

    A path of more than ``max_frames`` frames (a day-long loop has millions) is measured on
    every ``stride``-th frame, so the time and memory of ``odyssey check`` stay bounded
    however long the film; steps are then per frame, averaged over the stride, and the seam
    of a loop is still measured exactly between its last frame and its first.
    """
    total = trajectory.num_frames
    if max_frames is None:  # 2^20 frames, fewer for wide latents (a w+ has 9,216 values a frame)
        max_frames = min(MEASURE_FRAMES, max(1 << 15, MEASURE_VALUES // max(1, math.prod(trajectory.latent_shape))))
    stride = max(1, math.ceil(total / max_frames))
    if stride > 1:
        return _measure_sampled(trajectory, generator, chunk, stride)
    ranges = [(a, min(a + chunk, total)) for a in range(0, total, chunk)]
    motion = Motion.of_chunks(trajectory.path_latents(a, b).reshape(b - a, -1).numpy() for a, b in ranges)
    if generator is None:
        return PathReport(motion, None, None)
    steps, seam, first, last = [], None, None, None
    for a, b in ranges:
        latents = trajectory.latents(a, b).reshape(b - a, -1).numpy()
        labels = trajectory.labels(a, b)
        psi = trajectory.truncation(a, b).numpy()
        images = torch.cat(list(small_images(generator, latents, None if labels is None else labels.numpy(), psi)))
        if last is not None:
            images = torch.cat([last, images])
        steps.append((images[1:] - images[:-1]).abs().mean(dim=(1, 2, 3)).double().numpy())
        first = images[:1] if first is None else first
        last = images[-1:]
    if trajectory.loop and total > 1:
        seam = float((first - last).abs().mean())
    return PathReport(motion, np.concatenate(steps), seam)


def _measure_sampled(trajectory: Trajectory, generator: Generator | None, chunk: int, stride: int) -> PathReport:
    """``measure_path`` on frames 0, stride, 2 stride, ...: bounded work for a very long path."""
    total = trajectory.num_frames
    picks = [torch.arange(a, min(a + chunk * stride, total), stride) for a in range(0, total, chunk * stride)]
    motion = Motion.of_chunks(trajectory.path.latents(index).reshape(len(index), -1).numpy() for index in picks)
    ends = trajectory.path.latents(torch.tensor([total - 1, 0])).reshape(2, -1).double().numpy()  # the real seam
    motion = replace(
        motion, steps=motion.steps / stride, seam_step=float(np.linalg.norm(ends[1] - ends[0])), seam_duplicate=bool(np.array_equal(ends[0], ends[1]))
    )
    if generator is None:
        return PathReport(motion, None, None, stride)
    steps, last = [], None
    for index in picks:
        latents, labels, psi, _ = trajectory.at(index.tolist())
        images = torch.cat(list(small_images(generator, latents.reshape(len(index), -1).numpy(), None if labels is None else labels.numpy(), psi.numpy())))
        if last is not None:
            images = torch.cat([last, images])
        steps.append((images[1:] - images[:-1]).abs().mean(dim=(1, 2, 3)).double().numpy() / stride)
        last = images[-1:]
    return PathReport(motion, np.concatenate(steps), None, stride)
