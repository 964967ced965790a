"""Tiles: small pictures of chosen latents or seeds, as uint8 arrays, for sheets and the studio.

``seed_tiles`` draws the picture each seed gives as a keyframe (the same latent, truncation
and class as in a path file); ``latent_tiles`` draws any latents (a plane map's grid).
Both render in the ``Renderer``'s batches at ``size`` px wide, on the CPU unless told
otherwise, and return ``(n, H, W, C)`` uint8 on the CPU.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from odyssey.config import RenderSettings
from odyssey.models.base import Generator
from odyssey.renderer.generate import Renderer

Cancelled = Callable[[], bool]  # asked between batches: True stops the work


class TilesCancelled(Exception):
    """The caller no longer wants these tiles (a newer request replaced them)."""


def latent_tiles(
    generator: Generator,
    latents: torch.Tensor,
    labels: torch.Tensor | None,
    psi: torch.Tensor,
    controls: dict[str, torch.Tensor] | None = None,
    *,
    size: int | None = None,
    device: str = "cpu",
    cancelled: Cancelled | None = None,
) -> np.ndarray:
    """Latents ``(n, *latent_shape)`` (labels ``(n, C)``, psi ``(n,)``) -> ``(n, H, W, C)`` uint8,
    ``size`` px wide (default: the model's). ``cancelled`` is asked before each batch."""
    renderer = Renderer(generator, RenderSettings(size=size, device=device))
    out = []
    for first in range(0, latents.shape[0], renderer.batch_size):
        if cancelled is not None and cancelled():
            raise TilesCancelled()
        part = slice(first, first + renderer.batch_size)
        extra = {name: value[part] for name, value in (controls or {}).items()}
        out.append(renderer.render_latents(latents[part], None if labels is None else labels[part], psi[part], extra).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 1, 1, generator.info.channels), np.uint8)


def seed_tiles(
    generator: Generator,
    seeds: Sequence[int],
    *,
    truncation: float = 1.0,
    label: int | None = None,
    size: int | None = None,
    device: str = "cpu",
    cancelled: Cancelled | None = None,
) -> np.ndarray:
    """The picture each seed gives as a keyframe, ``(n, H, W, C)`` uint8; ``label`` a class index."""
    latents = torch.stack([generator.seed_latent(seed, label) for seed in seeds])  # (n, *latent_shape), drawn on the CPU
    labels = None if label is None else torch.eye(generator.info.num_classes)[[label] * len(seeds)]  # (n, C)
    psi = torch.full((len(seeds),), float(truncation))
    return latent_tiles(generator, latents, labels, psi, size=size, device=device, cancelled=cancelled)
