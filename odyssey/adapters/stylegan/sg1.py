"""StyleGAN (v1): the generator of "A Style-Based Generator Architecture for Generative
Adversarial Networks" (Karras et al. 2019), as NVIDIA's TensorFlow ``G_style`` computes it.

    mapping network f:
        z (N, z_dim) [, c (N, c_dim) @ embed] ─concat─▶ PixelNorm ─▶ 8 x Dense (lrelu, lrmul 0.01)
        ─▶ w (N, w_dim) ─broadcast─▶ ws (N, num_ws, w_dim)          num_ws = 2 log2(R) - 2
    synthesis network g, two layers per resolution, each ending in the same epilogue:
        4x4:   learned const (1, nf, 4, 4)   [or a Dense from ws[:, 0]]      layer 0
               Conv 3x3                                                      layer 1
        r x r: 2x upscale + Conv 3x3 (one fused transposed conv at r >= 128), Blur [1,2,1]   layer 2i
               Conv 3x3                                                      layer 2i + 1
        epilogue: + noise x B (per-channel strength), + bias, leaky ReLU 0.2, InstanceNorm,
                  style modulation (AdaIN): y = x * (1 + ys) + yb, (ys, yb) = A(ws[:, layer])
        ToRGB: 1x1 conv + bias at the finished resolution -> image (N, C, R, R), nominally [-1, 1]

Details follow NVIDIA's code exactly: equalised LR with the gain inside the weight scale
(``adapters.equalized``), 'SAME' padding, the blur applied *after* the upscaling conv, the
style ``1 +`` offset, per-layer noise images ``noise_const`` (NVIDIA's ``noise{i}``
variables) used by ``noise_mode='const'``. A network saved mid-training (``lod > 0``) blends
two coarser ToRGB outputs as NVIDIA's code does; released networks have lod 0.

Truncation is *not* part of this network (NVIDIA's ``Gs`` applies psi 0.7 to the first 8
layers by default): odyssey's ``StyleGANGenerator`` applies what the path file asks,
``w_avg + psi (w - w_avg)``, with ``mapping.w_avg`` = NVIDIA's ``dlatent_avg``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from odyssey.adapters.equalized import SQRT2, Conv2d, Dense, ToRGB, blend_lod, fmaps, pixel_norm, upscale2d

from .sg2_layers import NoiseGenerator, draw_noise

ACTIVATIONS = ("lrelu", "relu")


def _act(x: Tensor, name: str) -> Tensor:
    return F.leaky_relu(x, 0.2) if name == "lrelu" else torch.relu(x)


def blur_kernel(blur_filter: Sequence[Any]) -> Tensor:
    """NVIDIA's ``_blur2d`` filter: 1-D taps -> their outer product, normalised to sum 1 (float32)."""
    f = np.array(blur_filter, dtype=np.float32)
    if f.ndim == 1:
        f = f[:, np.newaxis] * f[np.newaxis, :]
    if f.ndim != 2 or f.size == 0 or max(f.shape) > 16 or not np.isfinite(f).all() or float(np.sum(f)) == 0:
        raise ValueError(f"blur_filter must be up to 16 finite taps (1-D or 2-D) with a non-zero sum, got {blur_filter!r}")
    f /= np.sum(f)
    return torch.from_numpy(f)


class StyleGAN1Mapping(nn.Module):
    """z (N, z_dim) [+ c (N, c_dim)] -> ws (N, num_ws, w_dim) (NVIDIA's ``G_mapping``)."""

    def __init__(
        self, z_dim: int, c_dim: int, w_dim: int, num_ws: int, mapping_layers: int = 8, mapping_fmaps: int = 512,
        mapping_lrmul: float = 0.01, mapping_nonlinearity: str = "lrelu", use_wscale: bool = True, normalize_latents: bool = True,
    ) -> None:  # fmt: skip
        if mapping_nonlinearity not in ACTIVATIONS or mapping_layers < 1:
            raise ValueError(f"mapping needs >= 1 layers and an activation in {ACTIVATIONS}, got {mapping_layers}, {mapping_nonlinearity!r}")
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim, self.num_ws = z_dim, c_dim, w_dim, num_ws
        self.nonlinearity, self.normalize_latents = mapping_nonlinearity, normalize_latents
        if c_dim:
            self.embed = nn.Parameter(torch.randn(c_dim, z_dim))  # NVIDIA's LabelConcat/weight: c @ embed, no scaling
        features = [z_dim * (2 if c_dim else 1)] + [mapping_fmaps] * (mapping_layers - 1) + [w_dim]
        self.fc = nn.ModuleList(Dense(features[i], features[i + 1], gain=SQRT2, use_wscale=use_wscale, lrmul=mapping_lrmul) for i in range(mapping_layers))
        self.register_buffer("w_avg", torch.zeros(w_dim))  # NVIDIA's Gs/dlatent_avg: the centre of truncation

    def forward(self, z: Tensor, c: Tensor | None = None) -> Tensor:
        x = z.float()
        if self.c_dim:
            if c is None:
                raise ValueError(f"this mapping network is conditional: give c (N, {self.c_dim})")
            x = torch.cat([x, c.float() @ self.embed], dim=1)  # (N, 2 z_dim)
        if self.normalize_latents:
            x = pixel_norm(x)
        for layer in self.fc:
            x = _act(layer(x), self.nonlinearity)
        return x.unsqueeze(1).repeat(1, self.num_ws, 1)  # (N, num_ws, w_dim)


class StyleLayer(nn.Module):
    """One synthesis layer: [conv (up)] [blur], then noise, bias, act, [PixelNorm], [InstanceNorm], AdaIN.

    x (N, in, r', r') -> (N, out, r, r); ``conv`` is None (the const / dense input layer),
    "same" or "up" (2x upscale: fused transposed conv or nearest upscale + conv).
    """

    def __init__(
        self, in_channels: int, out_channels: int, w_dim: int, resolution: int, conv: str | None, fused: bool,
        blur: Tensor | None, nonlinearity: str, use_wscale: bool, use_noise: bool, use_pixel_norm: bool, use_instance_norm: bool,
    ) -> None:  # fmt: skip
        super().__init__()
        self.conv_kind, self.fused = conv, fused
        self.nonlinearity, self.use_noise = nonlinearity, use_noise
        self.use_pixel_norm, self.use_instance_norm = use_pixel_norm, use_instance_norm
        if conv is not None:
            self.conv = Conv2d(in_channels, out_channels, 3, gain=SQRT2, use_wscale=use_wscale, up=conv == "up" and fused)
        self.register_buffer("blur", blur if conv == "up" else None, persistent=False)
        if use_noise:
            self.noise_strength = nn.Parameter(torch.zeros(out_channels))  # "B": per-channel noise scaling
            self.register_buffer("noise_const", torch.randn(1, 1, resolution, resolution))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.affine = Dense(w_dim, 2 * out_channels, gain=1.0, use_wscale=use_wscale)  # "A": w -> (ys, yb)

    def _blur(self, x: Tensor) -> Tensor:
        kh, kw = self.blur.shape
        weight = self.blur.to(x.dtype)[None, None].expand(x.shape[1], 1, kh, kw)
        x = F.pad(x, ((kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2))  # TF 'SAME': the extra pixel after
        return F.conv2d(x, weight, groups=x.shape[1])

    def forward(self, x: Tensor, w: Tensor, noise_mode: str = "const", noise_generator: NoiseGenerator = None, noise_gain: Tensor | None = None) -> Tensor:
        if self.conv_kind == "up":
            x = self.conv(x) if self.fused else self.conv(upscale2d(x))
            if self.blur is not None:
                x = self._blur(x)
        elif self.conv_kind == "same":
            x = self.conv(x)
        if self.use_noise and noise_mode != "none":
            if noise_mode == "const":
                noise = self.noise_const.to(x.dtype)  # (1, 1, r, r)
            else:
                noise = draw_noise((x.shape[0], 1, x.shape[2], x.shape[3]), x.device, noise_generator).to(x.dtype)
            strength = self.noise_strength.reshape(1, -1, 1, 1)  # "B": per channel
            if noise_gain is not None:
                strength = strength * noise_gain.reshape(-1, 1, 1, 1).to(strength.dtype)  # (N, C, 1, 1): per sample
            x = x + noise * strength
        x = _act(x + self.bias.reshape(1, -1, 1, 1), self.nonlinearity)
        if self.use_pixel_norm:
            x = pixel_norm(x)
        if self.use_instance_norm:
            x = x - x.mean(dim=(2, 3), keepdim=True)
            x = x * torch.rsqrt(x.square().mean(dim=(2, 3), keepdim=True) + 1e-8)
        style = self.affine(w).reshape(-1, 2, x.shape[1], 1, 1)  # (N, 2, C, 1, 1)
        return x * (style[:, 0] + 1) + style[:, 1]


class StyleGAN1Synthesis(nn.Module):
    """ws (N, num_ws, w_dim) -> images (N, C, R, R) float32, unclamped (NVIDIA's ``G_synthesis``)."""

    def __init__(
        self, w_dim: int, img_resolution: int, img_channels: int, fmap_base: int = 8192, fmap_decay: float = 1.0,
        fmap_max: int = 512, nonlinearity: str = "lrelu", use_wscale: bool = True, use_noise: bool = True,
        use_pixel_norm: bool = False, use_instance_norm: bool = True, const_input_layer: bool = True,
        fused_scale: bool | str = "auto", blur_filter: Sequence[Any] | None = (1, 2, 1), lod: float = 0.0, rgb_lods: int | None = None,
    ) -> None:  # fmt: skip
        log2 = int(math.log2(img_resolution)) if img_resolution >= 1 else 0
        if img_resolution < 4 or img_resolution != 2**log2:
            raise ValueError(f"img_resolution must be a power of two >= 4, got {img_resolution}")
        if nonlinearity not in ACTIVATIONS or fused_scale not in (True, False, "auto"):
            raise ValueError(f"nonlinearity must be one of {ACTIVATIONS} and fused_scale True, False or 'auto'; got {nonlinearity!r}, {fused_scale!r}")
        rgb_lods = log2 - 1 if rgb_lods is None else rgb_lods
        if not 1 <= rgb_lods <= log2 - 1 or not 0 <= lod <= rgb_lods - 1:
            raise ValueError(f"lod {lod} needs ToRGB layers 0..{math.ceil(lod)}, of {rgb_lods} (at most {log2 - 1} at {img_resolution} px)")
        super().__init__()
        self.w_dim, self.img_resolution, self.img_channels, self.lod = w_dim, img_resolution, img_channels, float(lod)
        self.num_ws = 2 * log2 - 2
        nf = {2**r: fmaps(r - 1, fmap_base, fmap_decay, fmap_max) for r in range(2, log2 + 1)}
        blur = blur_kernel(blur_filter) if blur_filter else None
        common = {"w_dim": w_dim, "nonlinearity": nonlinearity, "use_wscale": use_wscale, "use_noise": use_noise,
                  "use_pixel_norm": use_pixel_norm, "use_instance_norm": use_instance_norm}  # fmt: skip
        if const_input_layer:
            self.const = nn.Parameter(torch.ones(1, nf[4], 4, 4))
        else:  # "tweak gain to match the official implementation of Progressive GAN"
            self.dense = Dense(w_dim, nf[4] * 16, gain=SQRT2 / 4, use_wscale=use_wscale, bias=False)
        layers = [StyleLayer(0, nf[4], resolution=4, conv=None, fused=False, blur=None, **common),
                  StyleLayer(nf[4], nf[4], resolution=4, conv="same", fused=False, blur=None, **common)]  # fmt: skip
        for r in range(3, log2 + 1):
            res = 2**r
            fused = res >= 128 if fused_scale == "auto" else bool(fused_scale)
            layers.append(StyleLayer(nf[res // 2], nf[res], resolution=res, conv="up", fused=fused, blur=blur, **common))
            layers.append(StyleLayer(nf[res], nf[res], resolution=res, conv="same", fused=False, blur=None, **common))
        self.layers = nn.ModuleList(layers)
        self.to_rgb = nn.ModuleList(ToRGB(nf[2 ** (log2 - k)], img_channels, use_wscale=use_wscale) for k in range(rgb_lods))

    def forward(self, ws: Tensor, noise_mode: str = "const", noise_generator: NoiseGenerator = None, noise_gain: Tensor | None = None) -> Tensor:
        if ws.ndim != 3 or ws.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"ws must have shape (N, {self.num_ws}, {self.w_dim}), got {tuple(ws.shape)}")
        ws = ws.float()
        top = self.num_ws // 2 - 1  # levels of detail above 4x4
        level = int(math.floor(self.lod))
        if hasattr(self, "const"):
            x = self.const.expand(ws.shape[0], -1, -1, -1)
        else:
            x = self.dense(ws[:, 0]).reshape(ws.shape[0], -1, 4, 4)
        images: dict[int, Tensor] = {}
        for i, layer in enumerate(self.layers[: 2 * (top - level + 1)]):
            x = layer(x, ws[:, i], noise_mode=noise_mode, noise_generator=noise_generator, noise_gain=noise_gain)
            k = top - i // 2  # this layer's level of detail
            if i % 2 == 1 and k in (level, level + 1) and k < len(self.to_rgb):
                images[k] = self.to_rgb[k](x)
        return blend_lod(images, self.lod)


class StyleGAN1Network(nn.Module):
    """The StyleGAN v1 generator: ``mapping`` (z, c -> ws) and ``synthesis`` (ws -> image).

    Takes NVIDIA's ``G_mapping``/``G_synthesis`` keyword arguments under odyssey's names for
    the sizes (``z_dim`` = latent_size, ``c_dim`` = label_size, ``w_dim`` = dlatent_size,
    ``img_resolution`` = resolution, ``img_channels`` = num_channels), plus ``lod`` (the
    network's stored level of detail) and ``rgb_lods`` (ToRGB layers stored: one per
    resolution, or 1 for NVIDIA's 'fixed' structure).
    """

    has_input = False  # no StyleGAN3 input transform (StyleGANGenerator asks)

    def __init__(self, z_dim: int, c_dim: int, w_dim: int, img_resolution: int, img_channels: int, **kwargs: Any) -> None:
        mapping_names = ("mapping_layers", "mapping_fmaps", "mapping_lrmul", "mapping_nonlinearity", "normalize_latents")
        mapping = {k: v for k, v in kwargs.items() if k in mapping_names}
        if "use_wscale" in kwargs:
            mapping["use_wscale"] = kwargs["use_wscale"]
        synthesis = {k: v for k, v in kwargs.items() if k not in mapping_names}
        super().__init__()
        self.synthesis = StyleGAN1Synthesis(w_dim, img_resolution, img_channels, **synthesis)
        self.mapping = StyleGAN1Mapping(z_dim, c_dim, w_dim, self.synthesis.num_ws, **mapping)
        self.z_dim, self.c_dim, self.w_dim, self.num_ws = z_dim, c_dim, w_dim, self.synthesis.num_ws
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self._kwargs = {"z_dim": z_dim, "c_dim": c_dim, "w_dim": w_dim, "img_resolution": img_resolution, "img_channels": img_channels, **kwargs}

    def kwargs(self) -> dict[str, Any]:
        """The constructor arguments, JSON-able (native metadata)."""
        return dict(self._kwargs)

    def forward(self, z: Tensor, c: Tensor | None = None, noise_mode: str = "const") -> Tensor:
        """z (N, z_dim) -> images (N, C, R, R), no truncation."""
        return self.synthesis(self.mapping(z, c), noise_mode=noise_mode)


def build_stylegan1_net(kwargs: Mapping[str, Any]) -> StyleGAN1Network:
    """Native-format builder: an untrained ``StyleGAN1Network`` from stored kwargs."""
    return StyleGAN1Network(**kwargs)


__all__ = ["StyleGAN1Mapping", "StyleGAN1Network", "StyleGAN1Synthesis", "StyleLayer", "blur_kernel", "build_stylegan1_net"]
