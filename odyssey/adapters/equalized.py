"""Equalised-learning-rate layers as NVIDIA's TensorFlow code computes them (ProGAN, StyleGAN v1).

"Progressive Growing of GANs" (Karras et al. 2018, sec. 4.1) stores every weight as an
N(0, 1) draw and scales it at run time by He's constant ``gain / sqrt(fan_in)``, so all
layers learn at the same speed ("equalised learning rate"). StyleGAN v1 adds a learning-rate
multiplier: weights are scaled by ``gain * lrmul / sqrt(fan_in)``, biases by ``lrmul``.
Unlike StyleGAN2, the activation's gain lives inside that weight scale: there is no gain
after the activation. Without equalised LR (``use_wscale=False``) the scale is ``lrmul``.

Weights are held in PyTorch layouts -- dense ``(out, in)``, conv ``(out, in, kh, kw)`` --
the TF layouts (``[in, out]``, ``[kh, kw, in, out]``) are transposed once, when a TF pickle
is read (``odyssey.adapters.tfpickle``). Convolutions are TF's 'SAME' convolutions with odd
kernels, i.e. ``padding = k // 2``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

SQRT2 = math.sqrt(2.0)


def weight_scale(fan_in: int, gain: float, use_wscale: bool, lrmul: float) -> float:
    """The run-time factor of a stored weight (NVIDIA's ``get_weight``), computed in float64 as there."""
    return gain / math.sqrt(fan_in) * lrmul if use_wscale else lrmul


def pixel_norm(x: Tensor, epsilon: float = 1e-8) -> Tensor:
    """Scale each feature vector (dim 1) to unit root-mean-square: ProGAN's PixelNorm."""
    return x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + epsilon)


def upscale2d(x: Tensor, factor: int = 2) -> Tensor:
    """Nearest-neighbour upscaling (N, C, H, W) -> (N, C, fH, fW), as NVIDIA's tile-and-reshape."""
    if factor == 1:
        return x
    n, c, h, w = x.shape
    return x[:, :, :, None, :, None].expand(n, c, h, factor, w, factor).reshape(n, c, h * factor, w * factor)


def lerp(a: Tensor, b: Tensor, t: float) -> Tensor:
    """``a + (b - a) * t`` (NVIDIA's ``lerp``)."""
    return a + (b - a) * t


class Dense(nn.Module):
    """``x @ (weight * scale)^T + bias * lrmul``; x (N, in) -> (N, out); weight (out, in)."""

    def __init__(self, in_features: int, out_features: int, gain: float = SQRT2, use_wscale: bool = True, lrmul: float = 1.0, bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        self.scale = weight_scale(in_features, gain, use_wscale, lrmul)
        self.lrmul = lrmul

    def forward(self, x: Tensor) -> Tensor:
        x = F.linear(x, self.weight * self.scale)
        if self.bias is None:
            return x
        return x + (self.bias * self.lrmul if self.lrmul != 1 else self.bias)


class Conv2d(nn.Module):
    """A 'SAME' convolution with an odd kernel and equalised LR, no bias (NVIDIA applies bias
    separately, after noise): (N, in, H, W) -> (N, out, H, W), or (N, out, 2H, 2W) with ``up``.

    ``up`` is the *fused* upscale + conv of both papers: the 3x3 kernel, padded by one and
    summed over its four 1-pixel shifts, becomes a 4x4 kernel applied as a stride-2
    transposed convolution (TF's ``conv2d_transpose``, 'SAME'). That equals nearest upscaling
    followed by the 3x3 convolution with the kernel mirrored (a transposed convolution
    applies its kernel flipped), in one cheaper op; the weights were trained that way.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel: int, gain: float = SQRT2, use_wscale: bool = True, up: bool = False) -> None:
        if kernel < 1 or kernel % 2 == 0:
            raise ValueError(f"kernel must be odd and >= 1, got {kernel}")
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.scale = weight_scale(in_channels * kernel * kernel, gain, use_wscale, 1.0)
        self.kernel, self.up = kernel, up

    def forward(self, x: Tensor) -> Tensor:
        w = self.weight * self.scale  # (out, in, k, k)
        if not self.up:
            return F.conv2d(x, w, padding=self.kernel // 2)
        w = F.pad(w.transpose(0, 1), (1, 1, 1, 1))  # (in, out, k + 2, k + 2)
        w = w[:, :, 1:, 1:] + w[:, :, :-1, 1:] + w[:, :, 1:, :-1] + w[:, :, :-1, :-1]  # (in, out, k + 1, k + 1)
        return F.conv_transpose2d(x, w, stride=2, padding=(self.kernel - 1) // 2)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1]}, {self.weight.shape[0]}, kernel={self.kernel}, up={self.up}"


class ToRGB(nn.Module):
    """1x1 convolution (gain 1) plus bias: features (N, C, H, W) -> image (N, channels, H, W)."""

    def __init__(self, in_channels: int, channels: int, use_wscale: bool = True) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, channels, 1, gain=1.0, use_wscale=use_wscale)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x) + self.bias.reshape(1, -1, 1, 1)


def fmaps(stage: int, fmap_base: int, fmap_decay: float, fmap_max: int) -> int:
    """Feature maps at a stage (NVIDIA's ``nf``): ``min(int(fmap_base / 2 ** (stage * decay)), fmap_max)``."""
    return min(int(fmap_base / (2.0 ** (stage * fmap_decay))), fmap_max)


def blend_lod(images: list[Tensor], lod: float) -> Tensor:
    """The output of a progressively grown network at level of detail ``lod``.

    ``images[k]`` is the ToRGB output of the block ``k`` resolutions below the top (only
    those the formula reads need be there). NVIDIA's 'recursive' structure: at
    ``lod = L + f`` (0 <= f < 1) the image of level L blended with the 2x upscaled image of
    level L + 1 by f, then upscaled by 2**L to full size; lod 0 is the finished network.
    """
    level = int(math.floor(lod))
    frac = lod - level
    img = images[level]
    if frac > 0:
        img = lerp(img, upscale2d(images[level + 1]), frac)
    return upscale2d(img, 2**level)
