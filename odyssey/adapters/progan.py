"""ProGAN: the generator of "Progressive Growing of GANs for Improved Quality, Stability, and
Variation" (Karras et al. 2018), as NVIDIA's TensorFlow ``G_paper`` computes it.

    [z (N, z_dim), c (N, c_dim)] ──concat──▶ PixelNorm ──▶ [truncation] ──▶
    4x4:   Dense (gain sqrt(2)/4) ─reshape (N, nf, 4, 4)─▶ bias, act, PixelNorm ─▶ Conv 3x3, bias, act, PixelNorm
    r x r: 2x upscale + Conv 3x3 (fused into one transposed conv where ``fused_scale``), bias, act, PixelNorm
           ─▶ Conv 3x3, bias, act, PixelNorm             (r = 8 .. resolution)
    ToRGB: 1x1 conv + bias at the finished resolution ─▶ image (N, channels, R, R), nominally [-1, 1]

Every layer has equalised learning rate (``adapters.equalized``); act is leaky ReLU 0.2 (or
ReLU). Feature maps at resolution 2**r: ``min(int(fmap_base / 2**((r - 1) * fmap_decay)), fmap_max)``.
A network saved mid-training has ``lod > 0``: the image is then the blend of two coarser
ToRGB outputs, upscaled (``equalized.blend_lod``), as NVIDIA's code renders it; released
networks have lod 0. One ToRGB per resolution is kept (``to_rgb[k]``: k levels below the top).

Truncation (``ProGANGenerator``): ProGAN has no w space, so psi scales the latent toward
the prior mean 0. Because ``G_paper`` pixel-normalises its input, scaling z *before* that
would be undone; psi is therefore applied to the normalised input, pulling it toward that
of z = 0 (for a conditional model: of z = 0 with the same label). psi 1 changes nothing,
psi 0 gives the one "mean" image (per label).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from odyssey.adapters.equalized import SQRT2, Conv2d, Dense, ToRGB, blend_lod, fmaps, pixel_norm, upscale2d
from odyssey.models.base import ModelInfo, ModuleGenerator, NativeForm


class ProGANNetwork(nn.Module):
    """z (N, z_dim) [+ one-hot c (N, c_dim)] -> images (N, img_channels, R, R), float32, unclamped.

    Constructor arguments are ``G_paper``'s (odyssey's names for the first four: ``z_dim`` =
    latent_size, ``c_dim`` = label_size, ``img_resolution`` = resolution, ``img_channels`` =
    num_channels), plus ``lod``, the network's stored level of detail.
    """

    def __init__(
        self,
        z_dim: int,
        c_dim: int,
        img_resolution: int,
        img_channels: int,
        fmap_base: int = 8192,
        fmap_decay: float = 1.0,
        fmap_max: int = 512,
        normalize_latents: bool = True,
        use_wscale: bool = True,
        use_pixelnorm: bool = True,
        pixelnorm_epsilon: float = 1e-8,
        use_leakyrelu: bool = True,
        fused_scale: bool = True,
        lod: float = 0.0,
    ) -> None:
        log2 = int(math.log2(img_resolution)) if img_resolution >= 1 else 0
        if img_resolution < 4 or img_resolution != 2**log2:
            raise ValueError(f"img_resolution must be a power of two >= 4, got {img_resolution}")
        if not 0 <= lod <= log2 - 2:
            raise ValueError(f"lod must be within 0..{log2 - 2} for {img_resolution} px, got {lod}")
        super().__init__()
        self.z_dim, self.c_dim, self.img_resolution, self.img_channels = z_dim, c_dim, img_resolution, img_channels
        self.normalize_latents, self.use_pixelnorm, self.pixelnorm_epsilon = normalize_latents, use_pixelnorm, pixelnorm_epsilon
        self.use_leakyrelu, self.lod = use_leakyrelu, float(lod)
        self._kwargs = {
            "z_dim": z_dim, "c_dim": c_dim, "img_resolution": img_resolution, "img_channels": img_channels,
            "fmap_base": fmap_base, "fmap_decay": fmap_decay, "fmap_max": fmap_max, "normalize_latents": normalize_latents,
            "use_wscale": use_wscale, "use_pixelnorm": use_pixelnorm, "pixelnorm_epsilon": pixelnorm_epsilon,
            "use_leakyrelu": use_leakyrelu, "fused_scale": fused_scale, "lod": float(lod),
        }  # fmt: skip
        self.resolutions = [2**r for r in range(2, log2 + 1)]
        nf = {2**r: fmaps(r - 1, fmap_base, fmap_decay, fmap_max) for r in range(2, log2 + 1)}
        self.dense = Dense(z_dim + c_dim, nf[4] * 16, gain=SQRT2 / 4, use_wscale=use_wscale, bias=False)  # "gain/4 as in the Theano original"
        self.dense_bias = nn.Parameter(torch.zeros(nf[4]))
        self.blocks = nn.ModuleDict()
        for res in self.resolutions:
            block = nn.Module()
            if res > 4:
                if fused_scale:
                    block.conv0_up = Conv2d(nf[res // 2], nf[res], 3, use_wscale=use_wscale, up=True)
                else:
                    block.conv0 = Conv2d(nf[res // 2], nf[res], 3, use_wscale=use_wscale)
                block.bias0 = nn.Parameter(torch.zeros(nf[res]))
            block.conv1 = Conv2d(nf[res], nf[res], 3, use_wscale=use_wscale)
            block.bias1 = nn.Parameter(torch.zeros(nf[res]))
            self.blocks[f"b{res}"] = block
        self.to_rgb = nn.ModuleList(ToRGB(nf[res], img_channels, use_wscale=use_wscale) for res in reversed(self.resolutions))

    def kwargs(self) -> dict[str, Any]:
        """The constructor arguments, JSON-able (native metadata)."""
        return dict(self._kwargs)

    def _epilogue(self, x: Tensor, bias: Tensor) -> Tensor:
        """bias, activation, PixelNorm: what follows every conv of G_paper."""
        x = x + bias.reshape(1, -1, 1, 1)
        x = torch.nn.functional.leaky_relu(x, 0.2) if self.use_leakyrelu else torch.relu(x)
        return pixel_norm(x, self.pixelnorm_epsilon) if self.use_pixelnorm else x

    def network_input(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        """[z, c] (N, z_dim + c_dim), pixel-normalised where the network does that: what the 4x4 dense sees."""
        x = z if self.c_dim == 0 else torch.cat([z, c], dim=1)
        return pixel_norm(x, self.pixelnorm_epsilon) if self.normalize_latents else x

    def synthesis(self, x: Tensor) -> Tensor:
        """The dense input (N, z_dim + c_dim) -> images (N, C, R, R)."""
        level = int(math.floor(self.lod))
        last = len(self.resolutions) - 1 - level  # the finest block the output reads
        images: dict[int, Tensor] = {}
        x = self.dense(x).reshape(x.shape[0], -1, 4, 4)  # (N, nf, 4, 4), channel-major as TF's reshape
        x = self._epilogue(x, self.dense_bias)
        for i, res in enumerate(self.resolutions[: last + 1]):
            block = self.blocks[f"b{res}"]
            if res > 4:
                x = self._epilogue(block.conv0_up(x) if hasattr(block, "conv0_up") else block.conv0(upscale2d(x)), block.bias0)
            x = self._epilogue(block.conv1(x), block.bias1)
            k = len(self.resolutions) - 1 - i  # levels below the top
            if k in (level, level + 1):
                images[k] = self.to_rgb[k](x)
        return blend_lod(images, self.lod)

    def forward(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        return self.synthesis(self.network_input(z, c))


def build_progan_net(kwargs: Mapping[str, Any]) -> ProGANNetwork:
    """Native-format builder: an untrained ``ProGANNetwork`` from stored kwargs."""
    return ProGANNetwork(**kwargs)


class ProGANGenerator(ModuleGenerator):
    """A ``ProGANNetwork`` behind odyssey's ``Generator``: latents z ``(N, z_dim)``, images in [-1, 1].

    Seeds follow NVIDIA's ProGAN scripts: ``np.random.RandomState(seed).randn(z_dim)``, the
    first latent ``util_scripts.generate_fake_images`` draws with ``random_seed=seed``.
    Truncation: see the module docstring. Output is clamped to [-1, 1], as NVIDIA's
    scripts clip when saving.
    """

    def __init__(self, net: ProGANNetwork, info: ModelInfo) -> None:
        if info.latent_shape != (net.z_dim,) or info.num_classes != net.c_dim:
            raise ValueError(f"latent_shape {info.latent_shape} and {info.num_classes} classes do not fit the network (z {net.z_dim}, {net.c_dim} labels)")
        self.net = net.float().eval().requires_grad_(False)
        self.info = info
        self.device = torch.device("cpu")
        self.cpu_batch_limit = max(1, 2**16 // (net.img_resolution**2))

    def seed_latent(self, seed: int, label: int | None = None) -> torch.Tensor:
        return torch.from_numpy(np.random.RandomState(int(seed)).randn(self.net.z_dim).astype(np.float32))  # (z_dim,)

    def native_form(self) -> NativeForm:
        return NativeForm("progan", self.net.kwargs(), self.net.state_dict())

    def synthesize(self, latents: Tensor, labels: Tensor | None = None, truncation: Tensor | None = None) -> Tensor:
        n = latents.shape[0]
        z = latents.to(self.device, torch.float32)
        if z.ndim != 2 or z.shape[1] != self.net.z_dim:
            raise ValueError(f"{self.info.name}: latents must be (N, {self.net.z_dim}), got {tuple(z.shape)}")
        c = None
        if self.net.c_dim:
            if labels is None:
                raise ValueError(f"{self.info.name} is conditional; pass labels over its {self.net.c_dim} classes")
            c = labels.to(self.device, torch.float32).reshape(n, self.net.c_dim)
        elif labels is not None:
            raise ValueError(f"{self.info.name} is unconditional and takes no labels")
        with torch.no_grad():
            x = self.net.network_input(z, c)  # (N, z_dim + c_dim)
            if truncation is not None:
                psi = truncation.to(self.device, torch.float32).reshape(-1, 1)  # (N, 1)
                centre = self.net.network_input(torch.zeros_like(z), c)  # the input of z = 0
                x = torch.where(psi == 1, x, centre + psi * (x - centre))  # psi 1 leaves x exactly as it is
            return self.net.synthesis(x).clamp(-1.0, 1.0)  # (N, C, R, R)


def wrap_progan(net: ProGANNetwork, info: ModelInfo) -> ProGANGenerator:
    """Native-format wrapper."""
    return ProGANGenerator(net, info)


__all__ = ["ProGANGenerator", "ProGANNetwork", "build_progan_net", "wrap_progan"]
