"""Alias-free resampling for StyleGAN3: filter design and the filtered leaky ReLU.

Written from "Alias-Free Generative Adversarial Networks" (Karras et al. 2021), sections
3.2 and appendix C/D:

* every layer works on a discrete grid of sampling rate ``s`` that represents a continuous
  signal band-limited to the cutoff ``f_c``;
* a pointwise non-linearity creates frequencies above ``f_c``, so it is applied at a
  temporarily higher rate (``lrelu_upsampling`` x) between an ideal-as-possible upsampling
  filter and a downsampling filter back to the output rate;
* both filters are Kaiser-windowed sincs (separable, designed with ``scipy.signal.firwin``)
  or, for config R's non-critical layers, a radially symmetric jinc windowed by the outer
  product of two Kaiser windows, so that rotations do not favour the pixel axes.

The buffers these functions design are stored in the checkpoints too (``up_filter``,
``down_filter``); designing them again here yields the same float32 values, which is what
lets a state dict load with ``strict=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext

import numpy as np
import scipy.signal
import scipy.special
import torch
import torch.nn.functional as F
from torch import Tensor

from .filters import filter_size, upfirdn2d

__all__ = ["autocast_dtype", "autocast_off", "design_lowpass_filter", "filter_size", "filtered_lrelu"]

Padding = Sequence[int]  # (x_before, x_after, y_before, y_after)


def design_lowpass_filter(numtaps: int, cutoff: float, width: float, fs: float, radial: bool = False) -> Tensor | None:
    """A low-pass FIR filter with a Kaiser window, or ``None`` for the identity.

    Args:
        numtaps: filter length; 1 means "no filtering" and returns ``None``.
        cutoff: cutoff frequency ``f_c`` (same units as ``fs``; the -6 dB point).
        width: transition band width, ``2 * f_h``; sets the Kaiser window's beta.
        fs: sampling rate the filter runs at.
        radial: False gives a 1-D separable windowed sinc ``(numtaps,)``; True gives a
            2-D rotation-invariant windowed jinc ``(numtaps, numtaps)`` summing to 1.
    """
    if numtaps < 1:
        raise ValueError(f"numtaps must be >= 1, got {numtaps}")
    if numtaps == 1:
        return None
    if not radial:
        taps = scipy.signal.firwin(numtaps=numtaps, cutoff=cutoff, width=width, fs=fs)
        return torch.as_tensor(taps, dtype=torch.float32)

    # Ideal 2-D disc low-pass: its impulse response is a jinc, J1(2 pi f_c r) / (pi r).
    grid = (np.arange(numtaps) - (numtaps - 1) / 2) / fs
    radius = np.hypot(*np.meshgrid(grid, grid))
    safe = np.where(radius == 0, 1.0, radius)
    jinc = scipy.special.j1(2 * np.pi * cutoff * safe) / (np.pi * safe)
    jinc = np.where(radius == 0, cutoff, jinc)  # the limit at r = 0 (only for odd numtaps)
    # Window it with the separable Kaiser window that firwin would pick for this band.
    attenuation = scipy.signal.kaiser_atten(numtaps, width / (fs / 2))
    window = np.kaiser(numtaps, scipy.signal.kaiser_beta(attenuation))
    taps = jinc * np.outer(window, window)
    taps /= taps.sum()
    return torch.as_tensor(taps, dtype=torch.float32)


def filtered_lrelu(
    x: Tensor,
    up_filter: Tensor | None,
    down_filter: Tensor | None,
    bias: Tensor,
    up: int,
    down: int,
    padding: Padding,
    gain: float,
    slope: float,
    clamp: float | None,
) -> Tensor:
    """Bias, upsample, leaky ReLU at the high rate, low-pass and downsample.

    The alias-free non-linearity of the paper (Fig. 3): the activation runs on a grid
    ``up`` times finer than the input so the harmonics it creates can be removed by the
    downsampling filter before decimation.

    Args:
        x: (N, C, H, W) feature maps, any float dtype (the filters follow it).
        up_filter / down_filter: 1-D separable, 2-D, or ``None`` (identity) FIR filters.
        bias: (C,) added before upsampling (a constant commutes with the low-pass).
        up / down: integer resampling factors.
        padding: (x0, x1, y0, y1) applied to the upsampled image; negative crops.
        gain: multiplies the activation's output (sqrt 2 keeps the variance of lrelu).
        slope: negative-side slope (1 makes the activation linear, as for ToRGB).
        clamp: clip the activation's output to [-clamp, clamp]; None disables.

    Returns:
        (N, C, H', W') with ``W' = (W * up + x0 + x1 - (fu_w - 1) - (fd_w - 1) + down - 1) // down``.
    """
    x = x + bias.to(x.dtype).reshape(1, -1, 1, 1)

    # Upsample: zero insertion, padding and the up filter, scaled by up^2 to keep DC gain.
    if up_filter is None and up == 1:
        x = F.pad(x, list(padding))  # negative padding crops
    else:
        x = upfirdn2d(x, up_filter, up=up, padding=list(padding), gain=up**2)

    # Leaky ReLU at the temporary rate, then the gain and the clamp.
    if slope != 1:
        x = F.leaky_relu(x, negative_slope=slope)
    if gain != 1:
        x = x * gain
    if clamp is not None:
        x = x.clamp(-clamp, clamp)

    # Downsample: low-pass with the down filter, keep every down-th sample.
    if down_filter is not None or down != 1:
        x = upfirdn2d(x, down_filter, down=down)
    return x


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """The dtype autocast casts to on ``device`` right now, or None when it is off."""
    kind = device.type
    try:
        if not torch.is_autocast_enabled(kind):
            return None
        return torch.get_autocast_dtype(kind)
    except (TypeError, AttributeError, RuntimeError):  # torch < 2.4: per-device functions
        if kind == "cuda" and torch.is_autocast_enabled():
            return torch.get_autocast_gpu_dtype()
        if kind == "cpu" and torch.is_autocast_cpu_enabled():
            return torch.get_autocast_cpu_dtype()
        return None


def autocast_off(device: torch.device) -> AbstractContextManager:
    """A context that runs the enclosed ops in the dtypes they are given, not autocast's."""
    if autocast_dtype(device) is None:
        return nullcontext()
    return torch.autocast(device_type=device.type, enabled=False)
