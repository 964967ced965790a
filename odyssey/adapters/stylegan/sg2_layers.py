"""StyleGAN2 building blocks: equalised layers, modulated convolution, styled layers.

Written from "Analyzing and Improving the Image Quality of StyleGAN" (Karras et al. 2020)
and "Training Generative Adversarial Networks with Limited Data" (Karras et al. 2020):

* **equalised learning rate** (ProGAN, sec. 4.1; ``odyssey.adapters.stylegan.linear``,
  shared with StyleGAN3): weights are scaled at run time by ``1 / sqrt(fan_in)``;
* **weight modulation / demodulation** (StyleGAN2, sec. 2.2, eq. 1-3): every sample's
  style ``s`` (N, I) scales the input channels of the shared kernel ``w`` (O, I, k, k),
  ``w'_oi.. = s_i w_oi..``, then each output filter is rescaled to unit L2 norm,
  ``w''_o = w'_o / sqrt(sum w'_o^2 + eps)``; the batch runs as one grouped convolution
  (N groups) so every sample gets its own kernel at the cost of a single conv;
* **noise inputs**: per-pixel Gaussian noise, one map broadcast over channels, scaled by a
  learned scalar ``noise_strength``; ``noise_const`` is a fixed stored map for repeatable
  images;
* **conv_clamp** (ADA, appendix D.2): activations are clamped to ``+-conv_clamp`` after
  the activation gain, which keeps float16 layers from overflowing.

Attribute names (``affine``, ``weight``, ``bias``, ``noise_const``, ``noise_strength``,
``resample_filter``, ``fc{i}``, ``embed``, ``w_avg``) are those of NVIDIA's checkpoints,
so their state dicts load by name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .filters import filter_size, setup_filter, upfirdn2d
from .linear import EqualLinear, activation_of, bias_act

NoiseGenerator = torch.Generator | Sequence[torch.Generator] | None  # see draw_noise

def conv2d_resampled(x: Tensor, weight: Tensor, f: Tensor | None, up: int = 1, padding: int = 0, groups: int = 1) -> Tensor:
    """``(N, I, H, W)`` -> ``(N, O, H*up, W*up)``: a 'same' convolution, upsampled first.

    ``up == 1`` is a plain cross-correlation (``F.conv2d``). For ``up > 1`` the kernel acts
    as a true convolution on the zero-stuffed input, which is what a strided transposed
    convolution computes without materialising the zeros; the FIR filter ``f`` then
    removes the images of the spectrum that zero insertion created (gain ``up**2``
    restores the magnitude). weight: ``(O, I / groups, k, k)``.
    """
    if up == 1:
        return F.conv2d(x, weight, padding=padding, groups=groups)
    out_ch, in_per_group, kh, kw = weight.shape
    fw, fh = filter_size(f)
    # conv_transpose2d wants (in, out / groups, k, k): swap O and I inside each group.
    w_t = weight.reshape(groups, out_ch // groups, in_per_group, kh, kw).transpose(1, 2)
    w_t = w_t.reshape(groups * in_per_group, out_ch // groups, kh, kw)
    x = F.conv_transpose2d(x, w_t, stride=up, groups=groups)  # (N, O, (H-1)*up + kh, ...)
    # Pad/crop so that filtering lands exactly on H*up x W*up with the conv centred.
    pad = [
        padding + (fw + up - 1) // 2 - (kw - 1),
        padding + (fw - up) // 2 - (kw - up),
        padding + (fh + up - 1) // 2 - (kh - 1),
        padding + (fh - up) // 2 - (kh - up),
    ]
    return upfirdn2d(x, f, padding=pad, gain=up**2)


def modulated_conv2d(
    x: Tensor,
    weight: Tensor,
    styles: Tensor,
    demodulate: bool = True,
    up: int = 1,
    padding: int = 0,
    resample_filter: Tensor | None = None,
) -> Tensor:
    """Convolve each sample with its own style-scaled kernel.

    Args:
        x: ``(N, I, H, W)``.
        weight: ``(O, I, k, k)``, shared by the batch.
        styles: ``(N, I)``, one scale per input channel and sample.
        demodulate: rescale every output filter to unit norm (StyleGAN2 eq. 3).
    Returns:
        ``(N, O, H*up, W*up)`` (for ``padding = k // 2``) in ``x``'s dtype.

    The per-sample kernels are built in float32 with autocast off (their squared sums
    overflow float16), then cast to ``x``'s dtype for the convolution.

    Two equal forms: on CUDA (and for one sample) a grouped convolution with one kernel
    per sample, as NVIDIA's fused path; elsewhere the activations are scaled instead,
    ``((x * s) conv W) * d``, so the whole batch shares one convolution, which CPUs run
    far faster than N small groups (the same image to float rounding).
    """
    n, in_ch, h, w = x.shape
    out_ch, _, kh, kw = weight.shape
    if n > 1 and x.device.type != "cuda":
        with torch.autocast(device_type=x.device.type, enabled=False):
            styles32 = styles.float()
            dcoefs = None
            if demodulate:  # sum over i, k of (w s)^2 = s^2 @ (sum_k w^2)^T
                dcoefs = (styles32.square() @ weight.float().square().sum(dim=[2, 3]).t() + 1e-8).rsqrt()  # (N, O)
        x = x * styles32.to(x.dtype).reshape(n, in_ch, 1, 1)
        x = conv2d_resampled(x, weight.to(x.dtype), resample_filter, up, padding, groups=1)  # (N, O, H', W')
        return x if dcoefs is None else x * dcoefs.to(x.dtype).reshape(n, out_ch, 1, 1)
    with torch.autocast(device_type=x.device.type, enabled=False):
        wgt = weight.float()[None] * styles.float().reshape(n, 1, in_ch, 1, 1)  # (N, O, I, k, k)
        if demodulate:
            dcoefs = (wgt.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()  # (N, O)
            wgt = wgt * dcoefs.reshape(n, out_ch, 1, 1, 1)
    x = x.reshape(1, n * in_ch, h, w)  # the batch becomes N groups of I channels
    x = conv2d_resampled(x, wgt.reshape(n * out_ch, in_ch, kh, kw).to(x.dtype), resample_filter, up, padding, groups=n)
    return x.reshape(n, out_ch, *x.shape[2:])  # (N, O, H', W')


class EqualConv2d(nn.Module):
    """Convolution with equalised learning rate, optional FIR upsampling (``Conv2dLayer``).

    The generator uses it for the resnet architecture's 1x1 shortcut.
    x: (N, I, H, W) -> (N, O, H*up, W*up).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        bias: bool = True,
        activation: str = "linear",
        up: int = 1,
        resample_filter: Sequence[float] = (1, 3, 3, 1),
        conv_clamp: float | None = None,
        channels_last: bool = False,
    ) -> None:
        super().__init__()
        self.activation, self.act_gain = activation, activation_of(activation)[1]
        self.up, self.conv_clamp, self.padding = up, conv_clamp, kernel_size // 2
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size).to(memory_format=fmt))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x: Tensor, gain: float = 1) -> Tensor:
        w = (self.weight * self.weight_gain).to(x.dtype)
        x = conv2d_resampled(x, w, self.resample_filter, self.up, self.padding)
        clamp = None if self.conv_clamp is None else self.conv_clamp * gain
        return bias_act(x, self.bias, self.activation, gain=self.act_gain * gain, clamp=clamp)


def draw_noise(shape: Sequence[int], device: torch.device, generator: NoiseGenerator) -> Tensor:
    """Standard normal noise ``(N, 1, H, W)`` on ``device``.

    ``generator`` may be ``None`` (global RNG), one ``torch.Generator`` for the batch, or
    one per sample (length N): then sample i's noise depends only on generator i, so a
    frame renders the same in any batch. Draws happen on the generator's device.
    """
    if generator is None:
        return torch.randn(list(shape), device=device)
    if isinstance(generator, torch.Generator):
        return torch.randn(list(shape), generator=generator, device=generator.device).to(device)
    if len(generator) != shape[0]:
        raise ValueError(f"got {len(generator)} noise generators for a batch of {shape[0]}")
    return torch.cat([torch.randn([1, *shape[1:]], generator=g, device=g.device).to(device) for g in generator])


class StyledConv(nn.Module):
    """One synthesis layer (NVIDIA's ``SynthesisLayer``): affine style, modulated conv
    (optionally 2x upsampling), noise, bias, activation, clamp.

    x: (N, in_channels, R/up, R/up), w: (N, w_dim) -> (N, out_channels, R, R). ``resolution``
    may be a pair ``(H, W)`` for the non-square layouts of TF-era forks.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        resolution: int | Sequence[int],
        kernel_size: int = 3,
        up: int = 1,
        use_noise: bool = True,
        activation: str = "lrelu",
        resample_filter: Sequence[float] = (1, 3, 3, 1),
        conv_clamp: float | None = None,
        channels_last: bool = False,
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.resolution = in_channels, out_channels, resolution
        self.size = (resolution, resolution) if isinstance(resolution, int) else (int(resolution[0]), int(resolution[1]))  # (H, W)
        self.up, self.use_noise, self.conv_clamp, self.padding = up, use_noise, conv_clamp, kernel_size // 2
        self.activation, self.act_gain = activation, activation_of(activation)[1]
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1)  # styles start at 1: no modulation
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size).to(memory_format=fmt))
        if use_noise:
            self.register_buffer("noise_const", torch.randn(self.size))
            self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(
        self, x: Tensor, w: Tensor, noise_mode: str = "const", gain: float = 1, noise_generator: NoiseGenerator = None,
        noise_gain: Tensor | None = None,
    ) -> Tensor:
        if noise_mode not in ("const", "random", "none"):
            raise ValueError(f"noise_mode must be 'const', 'random' or 'none', not {noise_mode!r}")
        expected = (self.size[0] // self.up, self.size[1] // self.up)
        if x.shape[1] != self.in_channels or x.shape[2:] != expected:
            raise ValueError(f"expected (N, {self.in_channels}, {expected[0]}, {expected[1]}) input, got {tuple(x.shape)}")
        styles = self.affine(w)  # (N, in_channels)
        x = modulated_conv2d(x, self.weight, styles, up=self.up, padding=self.padding, resample_filter=self.resample_filter)
        strength = self.noise_strength if noise_gain is None else self.noise_strength * noise_gain.reshape(-1, 1, 1, 1)  # (N, 1, 1, 1): per sample
        if self.use_noise and noise_mode == "random":
            shape = (x.shape[0], 1, *self.size)
            x = x + (draw_noise(shape, x.device, noise_generator) * strength).to(x.dtype)
        elif self.use_noise and noise_mode == "const":
            x = x + (self.noise_const * strength).to(x.dtype)  # (R, R) broadcast over N, C
        clamp = None if self.conv_clamp is None else self.conv_clamp * gain
        return bias_act(x, self.bias, self.activation, gain=self.act_gain * gain, clamp=clamp)

    def extra_repr(self) -> str:
        return f"{self.in_channels} -> {self.out_channels}, resolution={self.resolution}, up={self.up}"


class ToRGB(nn.Module):
    """Modulated 1x1 projection to image channels, no demodulation (``ToRGBLayer``).

    x: (N, in_channels, R, R), w: (N, w_dim) -> (N, img_channels, R, R).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        kernel_size: int = 1,
        conv_clamp: float | None = None,
        channels_last: bool = False,
    ) -> None:
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1)
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size).to(memory_format=fmt))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        styles = self.affine(w) * self.weight_gain  # equalised lr folded into the styles
        x = modulated_conv2d(x, self.weight, styles, demodulate=False)
        return bias_act(x, self.bias, "linear", clamp=self.conv_clamp)
