"""FIR resampling of image batches: the ``upfirdn2d`` primitive and its helpers.

StyleGAN2 ("Analyzing and Improving the Image Quality of StyleGAN", Karras et al. 2020)
resamples feature maps with a small low-pass FIR filter instead of nearest/bilinear
interpolation (the "[1, 3, 3, 1]" binomial filter of the StyleGAN papers), and StyleGAN3
builds its alias-free layers on the same primitive. The semantics follow
``scipy.signal.upfirdn`` extended to 2-D, which is also what NVIDIA's checkpoints assume:

1. **up**: insert ``up - 1`` zeros after every pixel (per axis);
2. **pad**: pad with zeros on each side, or crop where the padding is negative;
3. **fir**: convolve with the filter (a true convolution, i.e. the kernel is flipped,
   unless ``flip_filter``), keeping only outputs whose footprint lies inside the image;
4. **down**: keep every ``down``-th pixel.

A 1-D filter ``(taps,)`` is applied separably (rows, then columns); a 2-D filter
``(fh, fw)`` directly. Only standard torch ops are used, so everything runs on CPU and
CUDA, in float32, float16 and bfloat16 (the filter is cast to the input's dtype).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

Scale = int | Sequence[int]  # n, or (x, y)
Pad = int | Sequence[int]  # p, (x, y), or (x_before, x_after, y_before, y_after)
FilterLike = Tensor | np.ndarray | Sequence[float] | Sequence[Sequence[float]] | float | None

__all__ = ["downsample2d", "filter2d", "filter_size", "setup_filter", "upfirdn2d", "upsample2d"]


def _scale_xy(scale: Scale) -> tuple[int, int]:
    """``n`` or ``(x, y)`` -> ``(sx, sy)``, both integers >= 1."""
    sx, sy = (scale, scale) if isinstance(scale, int) else tuple(scale)
    if not (int(sx) == sx >= 1 and int(sy) == sy >= 1):
        raise ValueError(f"resampling factors must be integers >= 1, got {scale!r}")
    return int(sx), int(sy)


def _pad_xxyy(padding: Pad) -> tuple[int, int, int, int]:
    """``p``, ``(x, y)`` or ``(x0, x1, y0, y1)`` -> ``(x0, x1, y0, y1)``."""
    if isinstance(padding, int):
        return padding, padding, padding, padding
    padding = [int(p) for p in padding]
    if len(padding) == 2:
        return padding[0], padding[0], padding[1], padding[1]
    if len(padding) != 4:
        raise ValueError(f"padding must be an int, (x, y) or (x0, x1, y0, y1), got {padding!r}")
    return padding[0], padding[1], padding[2], padding[3]


def filter_size(f: Tensor | None) -> tuple[int, int]:
    """``(width, height)`` of a filter from :func:`setup_filter` (``(1, 1)`` for ``None``)."""
    if f is None:
        return 1, 1
    if f.ndim not in (1, 2):
        raise ValueError(f"a filter is 1-D (separable) or 2-D, got shape {tuple(f.shape)}")
    return int(f.shape[-1]), int(f.shape[0])


def setup_filter(
    f: FilterLike,
    normalize: bool = True,
    flip_filter: bool = False,
    gain: float = 1,
    separable: bool | None = None,
) -> Tensor:
    """Turn filter taps into the float32 tensor that :func:`upfirdn2d` expects.

    Args:
        f: taps ``(k,)`` (the 2-D filter is their outer product), a 2-D filter
            ``(fh, fw)``, a scalar, or ``None`` (identity, i.e. ``[1]``).
        normalize: divide by the sum, so a constant image keeps its value (unit DC gain).
        flip_filter: flip the taps along every axis.
        gain: overall magnitude factor of the filtered signal (spread evenly over the two
            passes of a separable filter: each 1-D pass gets ``sqrt(gain)``).
        separable: keep a 1-D filter 1-D (applied as two passes) instead of expanding it
            to its 2-D outer product. ``None`` picks separable for 1-D filters of 8 or
            more taps, as NVIDIA's code does (short filters are cheaper as one 2-D pass).

    Returns:
        float32 ``(k,)`` if separable, else ``(fh, fw)``.
    """
    t = torch.as_tensor(1.0 if f is None else f, dtype=torch.float32).clone()
    if t.numel() == 0 or t.ndim > 2:
        raise ValueError(f"a filter needs 1 or more taps in at most 2 dimensions, got shape {tuple(t.shape)}")
    t = t.reshape(1) if t.ndim == 0 else t
    if separable is None:
        separable = t.ndim == 1 and t.numel() >= 8
    if t.ndim == 1 and not separable:
        t = torch.outer(t, t)  # (k, k)
    if t.ndim != (1 if separable else 2):
        raise ValueError("a 2-D filter cannot be made separable")
    if normalize:
        t = t / t.sum()
    if flip_filter:
        t = t.flip(list(range(t.ndim)))
    return t * (gain ** (t.ndim / 2))


def upfirdn2d(
    x: Tensor,
    f: Tensor | None,
    up: Scale = 1,
    down: Scale = 1,
    padding: Pad = 0,
    flip_filter: bool = False,
    gain: float = 1,
) -> Tensor:
    """Upsample (zero insertion), pad/crop, FIR-filter and downsample every channel.

    Args:
        x: ``(N, C, H, W)``, any float dtype.
        f: filter from :func:`setup_filter`: ``(k,)`` separable, ``(fh, fw)``, or ``None``.
        up, down: integer factors, the same for both axes or ``(x, y)``.
        padding: zeros added around the *upsampled* image (negative crops), as ``p``,
            ``(px, py)`` or ``(x0, x1, y0, y1)``.
        flip_filter: ``False`` convolves (kernel flipped), ``True`` correlates.
        gain: multiplies the output.

    Returns:
        ``(N, C, H', W')`` with ``W' = (W * up_x + x0 + x1 - fw) // down_x + 1`` (same for H).
    """
    if x.ndim != 4:
        raise ValueError(f"upfirdn2d expects NCHW, got shape {tuple(x.shape)}")
    n, c, h, w = x.shape
    upx, upy = _scale_xy(up)
    downx, downy = _scale_xy(down)
    x0, x1, y0, y1 = _pad_xxyy(padding)
    if f is None:
        f = torch.ones(1, 1, dtype=torch.float32, device=x.device)

    # 1. Zero insertion: (N, C, H, 1, W, 1) -> pad the unit axes -> (N, C, H*upy, W*upx).
    if upx > 1 or upy > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, upx - 1, 0, 0, 0, upy - 1])
        x = x.reshape(n, c, h * upy, w * upx)

    # 2. Pad where positive, crop where negative.
    x = F.pad(x, [max(x0, 0), max(x1, 0), max(y0, 0), max(y1, 0)])
    x = x[:, :, max(-y0, 0) : x.shape[2] - max(-y1, 0), max(-x0, 0) : x.shape[3] - max(-x1, 0)]

    # 3. Depthwise FIR. conv2d correlates, so a convolution needs the flipped kernel.
    k = (f * (gain ** (f.ndim / 2))).to(device=x.device, dtype=x.dtype)
    if not flip_filter:
        k = k.flip(list(range(k.ndim)))
    if k.ndim == 2:
        x = F.conv2d(x, k[None, None].expand(c, 1, *k.shape), groups=c)  # (fh, fw) kernel
    else:
        x = F.conv2d(x, k.reshape(1, 1, 1, -1).expand(c, 1, 1, k.numel()), groups=c)  # along W
        x = F.conv2d(x, k.reshape(1, 1, -1, 1).expand(c, 1, k.numel(), 1), groups=c)  # along H

    # 4. Decimate.
    if downx > 1 or downy > 1:
        x = x[:, :, ::downy, ::downx]
    return x


def filter2d(x: Tensor, f: Tensor | None, padding: Pad = 0, flip_filter: bool = False, gain: float = 1) -> Tensor:
    """Filter without resampling; the output has the input's size, plus ``padding``
    (given with respect to the output; negative crops). Pixels outside are zero."""
    x0, x1, y0, y1 = _pad_xxyy(padding)
    fw, fh = filter_size(f)
    pad = [x0 + fw // 2, x1 + (fw - 1) // 2, y0 + fh // 2, y1 + (fh - 1) // 2]
    return upfirdn2d(x, f, padding=pad, flip_filter=flip_filter, gain=gain)


def upsample2d(
    x: Tensor, f: Tensor | None, up: Scale = 2, padding: Pad = 0, flip_filter: bool = False, gain: float = 1
) -> Tensor:
    """Upsample ``(N, C, H, W)`` -> ``(N, C, H*up_y, W*up_x)`` (plus ``padding``, given
    with respect to the output) through zero insertion and the FIR filter.

    Zero insertion keeps one pixel in ``up_x * up_y``, so the signal is scaled by that
    factor (times ``gain``) to keep the magnitude of a constant image.
    """
    upx, upy = _scale_xy(up)
    x0, x1, y0, y1 = _pad_xxyy(padding)
    fw, fh = filter_size(f)
    pad = [x0 + (fw + upx - 1) // 2, x1 + (fw - upx) // 2, y0 + (fh + upy - 1) // 2, y1 + (fh - upy) // 2]
    return upfirdn2d(x, f, up=(upx, upy), padding=pad, flip_filter=flip_filter, gain=gain * upx * upy)


def downsample2d(
    x: Tensor, f: Tensor | None, down: Scale = 2, padding: Pad = 0, flip_filter: bool = False, gain: float = 1
) -> Tensor:
    """Downsample ``(N, C, H, W)`` -> ``(N, C, H/down_y, W/down_x)`` (plus ``padding``,
    given with respect to the output): FIR low-pass, then keep every ``down``-th pixel."""
    downx, downy = _scale_xy(down)
    x0, x1, y0, y1 = _pad_xxyy(padding)
    fw, fh = filter_size(f)
    pad = [
        x0 + (fw - downx + 1) // 2,
        x1 + (fw - downx) // 2,
        y0 + (fh - downy + 1) // 2,
        y1 + (fh - downy) // 2,
    ]
    return upfirdn2d(x, f, down=(downx, downy), padding=pad, flip_filter=flip_filter, gain=gain)
