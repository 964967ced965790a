"""StyleGAN3 building blocks: modulated conv, Fourier input, synthesis layer.

Written from "Alias-Free Generative Adversarial Networks" (Karras et al. 2021). Attribute
names (``affine``, ``weight``, ``bias``, ``magnitude_ema``, ``up_filter``, ``down_filter``,
``transform``, ``freqs``, ``phases``) are the names of NVIDIA's checkpoints, so their
state dicts load here by name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .linear import EqualLinear
from .sg3_filters import (
    autocast_dtype,
    autocast_off,
    design_lowpass_filter,
    filter_size,
    filtered_lrelu,
)


def modulated_conv2d(
    x: Tensor,
    weight: Tensor,
    styles: Tensor,
    demodulate: bool = True,
    padding: int = 0,
    input_gain: Tensor | None = None,
) -> Tensor:
    """Convolution whose kernel is scaled per sample by a style (StyleGAN2, sec. 2.2).

    StyleGAN3 normalises the kernel and the styles to unit RMS before modulating, which
    keeps fp16 activations in range; demodulation then restores unit output variance.

    Args:
        x: (N, I, H, W) input; its dtype is the dtype the convolution runs in.
        weight: (O, I, k, k) shared kernel.
        styles: (N, I) per-sample channel scales.
        demodulate: divide each output channel by its kernel's L2 norm.
        padding: zero padding on each side (StyleGAN3 uses k - 1: a "full" convolution).
        input_gain: scalar or (N, I) extra input scale, folded into the kernel.

    Returns:
        (N, O, H + 2 * padding - k + 1, W + 2 * padding - k + 1).
    """
    batch, in_channels = styles.shape
    out_channels, _, kh, kw = weight.shape
    weight, styles = weight.float(), styles.float()
    if demodulate:
        weight = weight * weight.square().mean(dim=[1, 2, 3], keepdim=True).rsqrt()
        styles = styles * styles.square().mean().rsqrt()

    w = weight.unsqueeze(0) * styles.reshape(batch, 1, in_channels, 1, 1)  # (N, O, I, k, k)
    if demodulate:
        w = w * (w.square().sum(dim=[2, 3, 4], keepdim=True) + 1e-8).rsqrt()
    if input_gain is not None:
        w = w * input_gain.float().expand(batch, in_channels).reshape(batch, 1, in_channels, 1, 1)

    # One grouped convolution: the batch becomes groups of channels.
    out = F.conv2d(
        x.reshape(1, batch * in_channels, *x.shape[2:]),
        w.reshape(batch * out_channels, in_channels, kh, kw).to(x.dtype),
        padding=padding,
        groups=batch,
    )  # (1, N * O, H', W')
    return out.reshape(batch, out_channels, *out.shape[2:])


class SynthesisInput(nn.Module):
    """The Fourier-feature input of StyleGAN3 (paper sec. 3.2 and appendix F).

    ``channels`` sinusoids with fixed random frequencies inside a disc of radius
    ``bandwidth`` (cycles per unit of the output image) and random phases, sampled on a
    ``size`` grid at ``sampling_rate`` samples per unit, then mixed by a learned
    (channels, channels) matrix. The first w rotates and translates the whole field (the
    ``affine`` layer predicts (cos, sin, t_x, t_y), initialised to the identity), and
    ``transform`` (3, 3) is a user-set inverse transform of the output image applied on
    top: rotating or translating it moves the generated image continuously.
    """

    def __init__(
        self, w_dim: int, channels: int, size: int | Sequence[int], sampling_rate: float, bandwidth: float
    ) -> None:
        super().__init__()
        self.w_dim, self.channels = w_dim, channels
        self.size = tuple(int(s) for s in np.broadcast_to(np.asarray(size), [2]))  # (width, height)
        self.sampling_rate, self.bandwidth = float(sampling_rate), float(bandwidth)

        # Frequencies roughly uniform in the disc of radius `bandwidth`, phases in [-0.5, 0.5).
        freqs = torch.randn(channels, 2)
        radii = freqs.square().sum(dim=1, keepdim=True).sqrt()
        freqs = freqs / (radii * radii.square().exp().pow(0.25)) * bandwidth
        phases = torch.rand(channels) - 0.5

        self.weight = nn.Parameter(torch.randn(channels, channels))
        self.affine = EqualLinear(w_dim, 4, weight_init=0.0, bias_init=[1.0, 0.0, 0.0, 0.0])
        self.register_buffer("transform", torch.eye(3))
        self.register_buffer("freqs", freqs)  # (C, 2): (f_x, f_y)
        self.register_buffer("phases", phases)  # (C,)

    def forward(self, w: Tensor, transform: Tensor | None = None) -> Tensor:
        """(N, w_dim) -> (N, channels, height, width) float32.

        ``transform`` (3, 3) or (N, 3, 3) replaces the ``transform`` buffer for this call.
        """
        with autocast_off(w.device):  # phases need float32: run the whole input in it
            return self._features(w.float(), self.transform if transform is None else transform)

    def _features(self, w: Tensor, user: Tensor) -> Tensor:
        batch = w.shape[0]
        user = user.to(device=w.device, dtype=torch.float32).expand(batch, 3, 3)

        # The learned similarity: a rotation by t's angle, then a translation by (t_x, t_y).
        t = self.affine(w)  # (N, 4)
        t = t / t[:, :2].norm(dim=1, keepdim=True)
        cos, sin, tx, ty = t.unbind(dim=1)
        zero, one = torch.zeros_like(cos), torch.ones_like(cos)
        rotation = torch.stack([cos, -sin, zero, sin, cos, zero, zero, zero, one], dim=1).reshape(batch, 3, 3)
        translation = torch.stack([one, zero, -tx, zero, one, -ty, zero, zero, one], dim=1).reshape(batch, 3, 3)
        transforms = rotation @ translation @ user  # (N, 3, 3), maps output coords to input coords

        # Transform the sinusoids: x -> A x + b turns (f, p) into (f A, p + f b).
        phases = self.phases + (self.freqs @ transforms[:, :2, 2:]).squeeze(2)  # (N, C)
        freqs = self.freqs @ transforms[:, :2, :2]  # (N, C, 2)

        # Fade out frequencies a user transform pushed beyond the band (linear ramp to Nyquist).
        amplitudes = 1 - (freqs.norm(dim=2) - self.bandwidth) / (self.sampling_rate / 2 - self.bandwidth)
        amplitudes = amplitudes.clamp(0, 1)  # (N, C)

        # Pixel centres in units of the output image, centred on 0.
        width, height = self.size
        xs = (torch.arange(width, device=w.device, dtype=torch.float32) + 0.5 - width / 2) / self.sampling_rate
        ys = (torch.arange(height, device=w.device, dtype=torch.float32) + 0.5 - height / 2) / self.sampling_rate
        fx = freqs[:, None, None, :, 0]  # (N, 1, 1, C)
        fy = freqs[:, None, None, :, 1]
        x = xs[None, None, :, None] * fx + ys[None, :, None, None] * fy  # (N, H, W, C)
        x = torch.sin((x + phases[:, None, None, :]) * (2 * math.pi)) * amplitudes[:, None, None, :]

        x = x @ (self.weight / math.sqrt(self.channels)).t()  # (N, H, W, C): the learned mixing
        return x.permute(0, 3, 1, 2)  # (N, C, H, W)

    def extra_repr(self) -> str:
        return (f"w_dim={self.w_dim}, channels={self.channels}, size={list(self.size)}, "
                f"sampling_rate={self.sampling_rate:g}, bandwidth={self.bandwidth:g}")


class SynthesisLayer(nn.Module):
    """One StyleGAN3 layer: modulated conv, then the alias-free filtered leaky ReLU.

    The layer maps a signal sampled at ``in_sampling_rate`` with cutoff ``in_cutoff`` to
    one sampled at ``out_sampling_rate`` with cutoff ``out_cutoff``. The non-linearity
    runs at ``tmp_sampling_rate = max(in, out) * lrelu_upsampling``; the upsampling filter
    keeps the input band (``in_cutoff``, transition ``2 * in_half_width``), the
    downsampling filter the output band. ToRGB (``is_torgb``) is a 1x1 linear layer
    without demodulation or resampling. ``magnitude_ema`` is the running mean square of
    the input, used to normalise it (``input_gain = magnitude_ema ** -0.5``).
    """

    def __init__(
        self,
        w_dim: int,
        is_torgb: bool,
        is_critically_sampled: bool,
        use_fp16: bool,
        in_channels: int,
        out_channels: int,
        in_size: int | Sequence[int],
        out_size: int | Sequence[int],
        in_sampling_rate: int,
        out_sampling_rate: int,
        in_cutoff: float,
        out_cutoff: float,
        in_half_width: float,
        out_half_width: float,
        conv_kernel: int = 3,
        filter_size: int = 6,
        lrelu_upsampling: int = 2,
        use_radial_filters: bool = False,
        conv_clamp: float | None = 256,
        magnitude_ema_beta: float = 0.999,
    ) -> None:
        super().__init__()
        self.w_dim, self.is_torgb = w_dim, is_torgb
        self.is_critically_sampled, self.use_fp16 = is_critically_sampled, use_fp16
        self.in_channels, self.out_channels = in_channels, out_channels
        self.in_size = np.broadcast_to(np.asarray(in_size), [2]).astype(int)  # (width, height)
        self.out_size = np.broadcast_to(np.asarray(out_size), [2]).astype(int)
        self.in_sampling_rate, self.out_sampling_rate = in_sampling_rate, out_sampling_rate
        self.tmp_sampling_rate = max(in_sampling_rate, out_sampling_rate) * (1 if is_torgb else lrelu_upsampling)
        self.in_cutoff, self.out_cutoff = in_cutoff, out_cutoff
        self.in_half_width, self.out_half_width = in_half_width, out_half_width
        self.conv_kernel = 1 if is_torgb else conv_kernel
        self.conv_clamp = conv_clamp
        self.magnitude_ema_beta = magnitude_ema_beta  # training only; kept for the record

        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, self.conv_kernel, self.conv_kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.register_buffer("magnitude_ema", torch.ones([]))

        # Upsampling filter: keeps the input band at the temporary rate.
        self.up_factor = self._ratio(self.tmp_sampling_rate, in_sampling_rate)
        up_taps = filter_size * self.up_factor if self.up_factor > 1 and not is_torgb else 1
        self.register_buffer("up_filter", design_lowpass_filter(
            up_taps, cutoff=in_cutoff, width=in_half_width * 2, fs=self.tmp_sampling_rate))

        # Downsampling filter: cuts to the output band; radial for R's non-critical layers.
        self.down_factor = self._ratio(self.tmp_sampling_rate, out_sampling_rate)
        down_taps = filter_size * self.down_factor if self.down_factor > 1 and not is_torgb else 1
        self.down_radial = use_radial_filters and not is_critically_sampled
        self.register_buffer("down_filter", design_lowpass_filter(
            down_taps, cutoff=out_cutoff, width=out_half_width * 2, fs=self.tmp_sampling_rate, radial=self.down_radial))

        # Padding of the upsampled image so that exactly out_size samples remain, with the
        # sample points centred as in the continuous interpretation (paper appendix C.3).
        needed = (self.out_size - 1) * self.down_factor + 1  # samples before decimation
        have = (self.in_size + self.conv_kernel - 1) * self.up_factor  # after the full conv and zero insertion
        pad_total = needed - have + up_taps + down_taps - 2  # the two filters shrink the image
        pad_lo = (pad_total + self.up_factor) // 2
        pad_hi = pad_total - pad_lo
        self.padding = [int(pad_lo[0]), int(pad_hi[0]), int(pad_lo[1]), int(pad_hi[1])]  # (x0, x1, y0, y1)

    @staticmethod
    def _ratio(high: float, low: float) -> int:
        factor = int(np.rint(high / low))
        if low * factor != high:
            raise ValueError(f"sampling rates {high} and {low} are not in an integer ratio")
        return factor

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        """(N, in_channels, in_h, in_w), (N, w_dim) -> (N, out_channels, out_h, out_w).

        Under autocast, layers the checkpoint marks ``use_fp16`` run in autocast's dtype
        and the others in float32, as NVIDIA's mixed-precision plan does.
        """
        low = autocast_dtype(x.device)
        dtype = low if (low is not None and self.use_fp16) else torch.float32
        with autocast_off(x.device):
            styles = self.affine(w.float())  # (N, in_channels)
            if self.is_torgb:  # ToRGB is not demodulated: scale styles like an equalized conv
                styles = styles / math.sqrt(self.in_channels * self.conv_kernel**2)
            x = modulated_conv2d(x.to(dtype), self.weight, styles, demodulate=not self.is_torgb,
                                 padding=self.conv_kernel - 1, input_gain=self.magnitude_ema.rsqrt())
            x = filtered_lrelu(x, self.up_filter, self.down_filter, self.bias, up=self.up_factor,
                               down=self.down_factor, padding=self.padding,
                               gain=1.0 if self.is_torgb else math.sqrt(2), slope=1.0 if self.is_torgb else 0.2,
                               clamp=self.conv_clamp)
        return x

    def output_shape(self) -> tuple[int, int]:
        """(height, width) this layer produces, from the filter sizes and padding."""
        (fu_w, fu_h), (fd_w, fd_h) = filter_size(self.up_filter), filter_size(self.down_filter)
        x0, x1, y0, y1 = self.padding
        in_w, in_h = self.in_size + self.conv_kernel - 1
        out_w = (in_w * self.up_factor + x0 + x1 - (fu_w - 1) - (fd_w - 1) + self.down_factor - 1) // self.down_factor
        out_h = (in_h * self.up_factor + y0 + y1 - (fu_h - 1) - (fd_h - 1) + self.down_factor - 1) // self.down_factor
        return int(out_h), int(out_w)

    def extra_repr(self) -> str:
        return (f"in={self.in_channels}x{self.in_size.tolist()}@{self.in_sampling_rate:g}, "
                f"out={self.out_channels}x{self.out_size.tolist()}@{self.out_sampling_rate:g}, "
                f"cutoff={self.in_cutoff:g}->{self.out_cutoff:g}, up={self.up_factor}, down={self.down_factor}, "
                f"radial={self.down_radial}, torgb={self.is_torgb}, fp16={self.use_fp16}")
