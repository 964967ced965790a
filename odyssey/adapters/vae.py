"""VAE decoders as generators: the decoder is the generator, the prior is z ~ N(0, I).

``DecoderGenerator`` puts any decoder network behind the ``Generator`` interface:

* latents ``(N, *latent_shape)`` float32, drawn by ``seed_latent`` from N(0, I), so every
  path type (lerp, slerp, spline) works as it does for a GAN;
* truncation pulls z toward the prior mean: ``z * psi`` (psi per frame, ``(N,)``);
* ``synthesize`` returns ``(N, C, H, W)`` clamped to ``info.output_range``;
* ``encode(images)`` (only with an encoder): images ``(N, C, H, W)`` in ``output_range``
  at ``info.resolution`` -> the mean of q(z|x), ``(N, *latent_shape)``: what an
  ``image:`` keyframe becomes.

``ARCHITECTURE`` rebuilds odyssey's own ``VAENet`` (``odyssey train-vae``) from a native
file (architecture ``vae``, images in [-1, 1]); ``odyssey.adapters.torchscript`` and
``odyssey.adapters.factory`` wrap decoders trained elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from odyssey.adapters.native import Architecture
from odyssey.adapters.vae_net import VAENet, build_vae_net
from odyssey.errors import RenderError
from odyssey.models.base import ModelInfo, ModuleGenerator, NativeForm

Decode = Callable[[torch.Tensor], torch.Tensor]
Encode = Callable[[torch.Tensor], torch.Tensor]


def frozen(net: nn.Module) -> nn.Module:
    """``net`` in eval mode, float32, on the CPU, without gradients (ScriptModules included)."""
    net = net.float().eval().to("cpu")
    for parameter in net.parameters():
        parameter.requires_grad_(False)
    return net


class DecoderGenerator(ModuleGenerator):
    """A decoder (and optionally an encoder) behind the ``Generator`` interface; see the module docstring.

    ``net`` is the module that owns the weights (moved by ``to``); ``decode`` maps
    ``(N, *latent_shape)`` to ``(N, C, H, W)``; ``encode`` maps images to the posterior mean.
    """

    def __init__(self, net: nn.Module, info: ModelInfo, decode: Decode, encode: Encode | None = None) -> None:
        if info.conditional:
            raise ValueError("a VAE decoder takes no class labels; remove class_names")
        self.net = frozen(net)
        self.info = info
        self.device = torch.device("cpu")
        self._decode, self._encode = decode, encode

    def native_form(self) -> NativeForm | None:
        """Architecture ``vae`` for odyssey's own ``VAENet``; None for decoders of other code (TorchScript)."""
        if not isinstance(self.net, VAENet):
            return None
        return NativeForm("vae", self.net.kwargs(), self.net.state_dict())

    @property
    def has_encoder(self) -> bool:
        return self._encode is not None

    def synthesize(
        self, latents: torch.Tensor, labels: torch.Tensor | None = None, truncation: torch.Tensor | None = None
    ) -> torch.Tensor:
        z = latents.to(self.device, torch.float32)  # (N, *latent_shape)
        if tuple(z.shape[1:]) != self.info.latent_shape:
            raise ValueError(f"{self.info.name}: latents must be (N, {self.info.latent_shape}), got {tuple(z.shape)}")
        if labels is not None:
            raise ValueError(f"{self.info.name} is unconditional and takes no labels")
        n = z.shape[0]
        if truncation is not None:
            psi = torch.as_tensor(truncation, dtype=torch.float32, device=self.device).reshape(-1)
            if psi.numel() not in (1, n):
                raise ValueError(f"{self.info.name}: truncation must be (N,) = ({n},), got {tuple(psi.shape)}")
            z = z * psi.view(-1, *([1] * len(self.info.latent_shape)))  # pulled toward the prior mean 0
        with torch.no_grad():
            images = self._decode(z)  # (N, C, H, W)
        expected = (n, self.info.channels, *self.info.resolution)
        if tuple(images.shape) != expected:
            raise RenderError(f"{self.info.name}: the decoder returned {tuple(images.shape)}, expected {expected}")
        low, high = self.info.output_range
        return images.float().clamp(low, high)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        if self._encode is None:
            return super().encode(images)
        x = images.to(self.device, torch.float32)  # (N, C, H, W) in output_range
        expected = (self.info.channels, *self.info.resolution)
        if tuple(x.shape[1:]) != expected:
            raise ValueError(f"{self.info.name}: images must be (N, {', '.join(map(str, expected))}), got {tuple(x.shape)}")
        with torch.no_grad():
            mean = self._encode(x)
        return mean.float().reshape(x.shape[0], *self.info.latent_shape)  # (N, *latent_shape)


def wrap_vae(net: VAENet, info: ModelInfo) -> DecoderGenerator:
    """Native-format wrapper for odyssey's ``VAENet``; ValueError if the metadata disagrees with it."""
    if info.latent_shape != (net.latent_dim,) or info.resolution != (net.resolution, net.resolution) or info.channels != net.channels:
        raise ValueError(
            f"latent_shape {info.latent_shape}, resolution {info.resolution}, channels {info.channels} do not match "
            f"the network's ({net.latent_dim},), {net.resolution}, {net.channels}"
        )
    if info.output_range != (-1.0, 1.0):
        raise ValueError(f"a vae draws images in [-1, 1], not {list(info.output_range)}")
    return DecoderGenerator(net, info, decode=net.decode, encode=lambda x: net.encode(x)[0])


ARCHITECTURE = Architecture(build=build_vae_net, wrap=wrap_vae)
