"""The DCGAN generator (Radford et al. 2016) as pytorch_GAN_zoo builds it (``models/networks/DCGAN_nets.GNet``).

Same parameter names as theirs, so their state dicts load strictly. From an input
``(N, dim_latent)`` = z then any AC-GAN one-hot blocks (``conditioning``), seen as
``(N, dim_latent, 1, 1)``:

* ``formatLayer``: ConvTranspose2d(k=4, s=1, p=0, no bias) -> ``(N, dim_g * 2**depth, 4, 4)``;
* ``main``: ``batchNorm0``, ReLU, then ``depth`` times ``convTransposeI`` (k=4, s=2, p=1,
  no bias, halving the channels) + ``batchNormI`` + ReLU;
* ``main.outlayer``: ConvTranspose2d(k=4, s=2, p=1, no bias) ``dim_g -> dim_output``;
* ``activation``: ``"tanh"`` (lossMode DCGAN or MSE, their training default) or none
  (WGANGP/Logistic; the adapter clamps to [-1, 1] as their image savers do).

Output ``(N, dim_output, 2**(depth + 3), same)``. BatchNorm runs in eval mode with the
stored running statistics (see the adapter's docstring for why).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from odyssey.adapters.gan_zoo.conditioning import AttributeInput

ACTIVATIONS = (None, "tanh")


class ZooDCGANNet(nn.Module):
    """The GAN_zoo DCGAN generator (see module docstring)."""

    def __init__(
        self,
        noise_dim: int,
        dim_g: int,
        depth: int = 3,
        dim_output: int = 3,
        activation: str | None = "tanh",
        attributes: Sequence[Sequence[Any]] | None = None,
    ) -> None:
        super().__init__()
        if depth < 0:
            raise ValueError(f"ZooDCGANNet: depth must be at least 0, got {depth}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"ZooDCGANNet: activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.inputs = AttributeInput(noise_dim, attributes)
        self.dim_g, self.depth, self.dim_output = int(dim_g), int(depth), int(dim_output)
        self.activation = activation
        width = self.dim_g * 2**self.depth
        self.formatLayer = nn.ConvTranspose2d(self.inputs.width, width, 4, 1, 0, bias=False)
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        layers["batchNorm0"] = nn.BatchNorm2d(width)
        layers["relu0"] = nn.ReLU()
        for index in range(1, self.depth + 1):
            layers[f"convTranspose{index}"] = nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False)
            layers[f"batchNorm{index}"] = nn.BatchNorm2d(width // 2)
            layers[f"relu{index}"] = nn.ReLU()
            width //= 2
        layers["outlayer"] = nn.ConvTranspose2d(self.dim_g, self.dim_output, 4, 2, 1, bias=False)
        self.main = nn.Sequential(layers)
        self.resolution = 2 ** (self.depth + 3)

    def kwargs(self) -> dict[str, Any]:
        """The constructor arguments, JSON-able, as stored in native metadata."""
        return {
            "noise_dim": self.inputs.noise_dim,
            "dim_g": self.dim_g,
            "depth": self.depth,
            "dim_output": self.dim_output,
            "activation": self.activation,
            "attributes": self.inputs.attributes or None,
        }

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None, psi: torch.Tensor | None = None) -> torch.Tensor:
        """z ``(N, noise_dim)``, labels ``(N, K)`` or None, psi ``(N,)`` or None -> ``(N, C, H, W)``.

        Truncation pulls the input toward that of z = 0: ``z * psi``, labels unchanged.
        """
        x, mean = self.inputs(z, labels)  # (N, dim_latent)
        if psi is not None:
            weight = psi.view(-1, 1)
            x = weight * x + (1.0 - weight) * mean
        x = self.main(self.formatLayer(x.view(x.shape[0], -1, 1, 1)))  # (N, dim_output, H, W)
        return torch.tanh(x) if self.activation == "tanh" else x


def build_dcgan_zoo_net(kwargs: dict[str, Any]) -> ZooDCGANNet:
    """Native-format builder: an untrained ``ZooDCGANNet`` from stored kwargs."""
    return ZooDCGANNet(**kwargs)
