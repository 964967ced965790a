"""The VAE network that ``odyssey train-vae`` trains and the ``vae`` native architecture rebuilds.

A small convolutional VAE for square images of ``resolution`` = 32, 64, 128 or 256 px
with 1 (grayscale) or 3 (RGB) channels. Pixels live in [-1, 1] at both ends.

* ``encode(x)``: ``(N, C, R, R)`` in [-1, 1] -> ``(mu, logvar)``, each ``(N, latent_dim)``:
  a 3x3 stem, then ``L = log2(R / 4)`` stride-2 4x4 convolutions (GroupNorm + SiLU)
  down to 4x4, then one linear layer.
* ``decode_raw(z)``: ``(N, latent_dim)`` -> ``(N, C, R, R)`` pre-activation ``h``: a
  linear layer to 4x4, then ``L`` stride-2 4x4 transposed convolutions (GroupNorm + SiLU)
  and a 3x3 head. ``decode(z) = tanh(h)`` is the image in [-1, 1]. Because
  ``tanh(h) = 2 * sigmoid(2h) - 1``, ``2h`` are the logits of a Bernoulli decoder, so
  the BCE loss sees the same images as MSE and L1.

GroupNorm (not BatchNorm) keeps every image independent of its batch, in training and
at render time. Transposed convolutions (not nearest upsampling) keep CUDA training
deterministic. Channel widths double per level from ``width`` up to ``max_width``.
The net is TorchScript-compatible: ``torch.jit.script(net)`` keeps ``encode``/``decode``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

RESOLUTIONS = (32, 64, 128, 256)


def _norm(channels: int) -> nn.GroupNorm:
    groups = 8 if channels % 8 == 0 else 1
    return nn.GroupNorm(groups, channels)


def level_widths(resolution: int, width: int, max_width: int) -> list[int]:
    """Channels after each of the ``log2(resolution / 4)`` down-sampling steps."""
    levels = int(math.log2(resolution // 4))
    return [min(width * 2**i, max_width) for i in range(levels)]


class VAENet(nn.Module):
    """Encoder + decoder; see the module docstring for shapes and ranges."""

    def __init__(
        self, resolution: int = 64, channels: int = 3, latent_dim: int = 32, width: int = 32, max_width: int = 256
    ) -> None:
        super().__init__()
        if resolution not in RESOLUTIONS:
            raise ValueError(f"resolution must be one of {', '.join(map(str, RESOLUTIONS))}, got {resolution}")
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels}")
        if latent_dim < 1 or width < 1 or max_width < width:
            raise ValueError(f"need latent_dim >= 1 and 1 <= width <= max_width, got {latent_dim}, {width}, {max_width}")
        self.resolution, self.channels, self.latent_dim = int(resolution), int(channels), int(latent_dim)
        self.width, self.max_width = int(width), int(max_width)
        widths = level_widths(resolution, width, max_width)
        bottom = widths[-1]

        down: list[nn.Module] = [nn.Conv2d(channels, width, 3, 1, 1), nn.SiLU()]
        previous = width
        for out in widths:
            down += [nn.Conv2d(previous, out, 4, 2, 1), _norm(out), nn.SiLU()]
            previous = out
        self.encoder = nn.Sequential(*down)
        self.to_stats = nn.Linear(bottom * 16, 2 * latent_dim)

        self.from_latent = nn.Linear(latent_dim, bottom * 16)
        up: list[nn.Module] = [_norm(bottom), nn.SiLU()]
        reversed_widths = widths[::-1]
        for i, current in enumerate(reversed_widths):
            out = reversed_widths[i + 1] if i + 1 < len(reversed_widths) else width
            up += [nn.ConvTranspose2d(current, out, 4, 2, 1), _norm(out), nn.SiLU()]
        up.append(nn.Conv2d(width, channels, 3, 1, 1))
        self.decoder = nn.Sequential(*up)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images ``(N, C, R, R)`` in [-1, 1] -> ``(mu, logvar)``, each ``(N, latent_dim)``."""
        features = self.encoder(x)  # (N, bottom, 4, 4)
        stats = self.to_stats(features.flatten(1))  # (N, 2 * latent_dim)
        mu, logvar = stats.chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)  # exp() beyond would under/overflow (literals: TorchScript)

    def decode_raw(self, z: torch.Tensor) -> torch.Tensor:
        """Latents ``(N, latent_dim)`` -> pre-activation ``h`` ``(N, C, R, R)``; image = tanh(h)."""
        x = self.from_latent(z).view(z.shape[0], -1, 4, 4)  # (N, bottom, 4, 4)
        return self.decoder(x)  # (N, C, R, R)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latents ``(N, latent_dim)`` -> images ``(N, C, R, R)`` in [-1, 1]."""
        return torch.tanh(self.decode_raw(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct through the posterior mean: ``(N, C, R, R)`` -> ``(N, C, R, R)`` in [-1, 1]."""
        return self.decode(self.encode(x)[0])

    def kwargs(self) -> dict[str, Any]:
        """The constructor arguments, JSON-able, as stored in native metadata."""
        return {
            "resolution": self.resolution,
            "channels": self.channels,
            "latent_dim": self.latent_dim,
            "width": self.width,
            "max_width": self.max_width,
        }


def build_vae_net(kwargs: Mapping[str, Any]) -> VAENet:
    """Native-format builder: an untrained ``VAENet`` from stored kwargs."""
    return VAENet(**kwargs)
