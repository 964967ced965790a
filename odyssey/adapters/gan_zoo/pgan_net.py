"""ProGAN's generator (Karras et al. 2018, "Progressive Growing of GANs") as pytorch_GAN_zoo builds it.

``ProGANNet`` mirrors their ``models/networks/progressive_conv_net.GNet`` layer for layer,
with the same parameter names, so their state dicts load strictly:

* input ``(N, dim_latent)`` = z, then any AC-GAN one-hot blocks (``conditioning``);
  pixel-normalised as a whole (labels included, as theirs is);
* ``formatLayer``: equalized Linear ``dim_latent -> 16 * depths[0]``, LeakyReLU, reshaped
  to ``(N, depths[0], 4, 4)``, pixel norm;
* ``groupScale0.0``: equalized 3x3 conv, LeakyReLU, pixel norm (4x4);
* ``scaleLayers.i`` (i = 0 .. S-2): nearest 2x upsampling, two equalized 3x3 convs
  (``depths[i] -> depths[i+1] -> depths[i+1]``), each LeakyReLU + pixel norm;
* ``toRGBLayers.k``: equalized 1x1 conv ``depths[k] -> dim_output``; only the last is used,
  unless ``alpha`` > 0 (a model saved while fading in its last scale): then the image is
  ``alpha * up2(toRGB[-2](features one scale lower)) + (1 - alpha) * toRGB[-1](features)``;
* ``activation``: ``"tanh"`` for models trained with lossMode DCGAN/MSE, else none
  (WGANGP, Logistic): the output is unbounded and the adapter clamps it to [-1, 1], as
  their image savers do.

Equalized learning rate: every layer's output, bias included, is multiplied by He's
constant ``sqrt(2 / fan_in)`` (fan_in = in_channels * kh * kw), as their
``ConstrainedLayer`` does; ``equalized=False`` leaves the layers plain. Output
``(N, dim_output, 4 * 2**(S-1), same)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from odyssey.adapters.gan_zoo.conditioning import AttributeInput

ACTIVATIONS = (None, "tanh")


def pixel_norm(x: torch.Tensor, epsilon: float = 1e-8) -> torch.Tensor:
    """Each position's feature vector scaled to unit mean square over dim 1 (their NormalizationLayer)."""
    return x * (((x**2).mean(dim=1, keepdim=True) + epsilon).rsqrt())


class Equalized(nn.Module):
    """A Conv2d or Linear (``self.module``) whose output is scaled by sqrt(2 / fan_in) when equalized."""

    def __init__(self, module: nn.Conv2d | nn.Linear, equalized: bool) -> None:
        super().__init__()
        self.module = module
        fan_in = math.prod(module.weight.shape[1:])
        self.scale = math.sqrt(2.0 / fan_in) if equalized else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.module(x)
        return y * self.scale if self.scale is not None else y


def _conv(cin: int, cout: int, kernel: int, equalized: bool) -> Equalized:
    return Equalized(nn.Conv2d(cin, cout, kernel, padding=kernel // 2), equalized)


class ProGANNet(nn.Module):
    """The GAN_zoo PGAN generator (see module docstring); ``depths`` are the scales' widths."""

    def __init__(
        self,
        noise_dim: int,
        depths: Sequence[int],
        dim_output: int = 3,
        leakiness: float = 0.2,
        equalized: bool = True,
        alpha: float = 0.0,
        activation: str | None = None,
        attributes: Sequence[Sequence[Any]] | None = None,
    ) -> None:
        super().__init__()
        if not depths:
            raise ValueError("ProGANNet: at least one scale")
        if activation not in ACTIVATIONS:
            raise ValueError(f"ProGANNet: activation must be one of {ACTIVATIONS}, got {activation!r}")
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"ProGANNet: alpha must be in [0, 1], got {alpha}")
        self.inputs = AttributeInput(noise_dim, attributes)
        self.depths = [int(d) for d in depths]
        self.dim_output = int(dim_output)
        self.leakiness = float(leakiness)
        self.equalized = bool(equalized)
        self.alpha = float(alpha) if len(self.depths) > 1 else 0.0  # theirs sets alpha only once a scale is added
        self.activation = activation
        d0 = self.depths[0]
        self.formatLayer = Equalized(nn.Linear(self.inputs.width, 16 * d0), self.equalized)
        self.groupScale0 = nn.ModuleList([_conv(d0, d0, 3, self.equalized)])
        self.scaleLayers = nn.ModuleList(
            nn.ModuleList([_conv(before, after, 3, self.equalized), _conv(after, after, 3, self.equalized)])
            for before, after in zip(self.depths[:-1], self.depths[1:], strict=True)
        )
        self.toRGBLayers = nn.ModuleList(_conv(d, self.dim_output, 1, self.equalized) for d in self.depths)
        self.resolution = 4 * 2 ** (len(self.depths) - 1)

    def kwargs(self) -> dict[str, Any]:
        """The constructor arguments, JSON-able, as stored in native metadata."""
        return {
            "noise_dim": self.inputs.noise_dim,
            "depths": self.depths,
            "dim_output": self.dim_output,
            "leakiness": self.leakiness,
            "equalized": self.equalized,
            "alpha": self.alpha,
            "activation": self.activation,
            "attributes": self.inputs.attributes or None,
        }

    def _act(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x, self.leakiness)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None, psi: torch.Tensor | None = None) -> torch.Tensor:
        """z ``(N, noise_dim)``, labels ``(N, K)`` or None, psi ``(N,)`` or None -> ``(N, C, H, W)``.

        Truncation blends the pixel-normalised input toward that of z = 0 (the prior mean):
        scaling z before the normalisation would change nothing, the norm undoes it.
        """
        x, mean = self.inputs(z, labels)
        x = pixel_norm(x)  # (N, dim_latent)
        if psi is not None:
            weight = psi.view(-1, 1)
            x = weight * x + (1.0 - weight) * pixel_norm(mean)
        x = self._act(self.formatLayer(x)).view(x.shape[0], -1, 4, 4)
        x = pixel_norm(x)  # (N, depths[0], 4, 4)
        for conv in self.groupScale0:
            x = pixel_norm(self._act(conv(x)))
        low = None
        for index, group in enumerate(self.scaleLayers):
            if self.alpha > 0 and index == len(self.scaleLayers) - 1:
                low = F.interpolate(self.toRGBLayers[-2](x), scale_factor=2, mode="nearest")
            x = F.interpolate(x, scale_factor=2, mode="nearest")  # (N, depths[index], 2H, 2W)
            for conv in group:
                x = pixel_norm(self._act(conv(x)))
        rgb = self.toRGBLayers[-1](x)  # (N, dim_output, resolution, resolution)
        if low is not None:
            rgb = self.alpha * low + (1.0 - self.alpha) * rgb
        return torch.tanh(rgb) if self.activation == "tanh" else rgb


def build_pgan_net(kwargs: dict[str, Any]) -> ProGANNet:
    """Native-format builder: an untrained ``ProGANNet`` from stored kwargs."""
    return ProGANNet(**kwargs)
