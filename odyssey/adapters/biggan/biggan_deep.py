"""BigGAN-deep's generator, as pytorch-pretrained-BigGAN publishes it (Brock, Donahue and
Simonyan, "Large Scale GAN Training for High Fidelity Natural Image Synthesis", ICLR 2019).

Written here from the paper and the published state dicts; every parameter and buffer has
the published name, so a ``pytorch_model.bin`` loads with ``load_state_dict(strict=True)``:

* ``embeddings.weight`` (z_dim, num_classes): a bias-free linear map of soft one-hot
  labels (N, K) to class embeddings (N, z_dim); the conditioning vector is
  ``cond = [z, embed]`` (N, 2 z_dim).
* ``generator.gen_z``: spectrally normalised linear, cond -> (N, 4*4*16ch), viewed
  channels-last as TensorFlow laid it out, then (N, 16ch, 4, 4).
* ``generator.layers.i``: ``GenBlock`` s (the deep bottleneck residual block: BN-ReLU-1x1
  conv to in/4 channels, BN-ReLU-[nearest 2x up]-3x3, BN-ReLU-3x3, BN-ReLU-1x1 to out; the
  shortcut keeps the first out channels and is upsampled alike) with one ``SelfAttn`` at
  ``attention_layer_position``.
* ``generator.bn`` (unconditional), ReLU, ``generator.conv_to_rgb`` (ch -> ch, 3x3), the
  first 3 channels, tanh -> images (N, 3, H, W) in [-1, 1].

Spectral normalisation is evaluated as torch's ``spectral_norm`` does in eval mode: the
stored ``weight_orig``, ``weight_u``, ``weight_v`` give ``sigma = u . (W v)`` and the layer
uses ``W / sigma`` (no power iteration, so inference changes nothing).

Batch-norm statistics depend on truncation: each BN keeps ``n_stats`` rows of running
means and variances, measured for truncations ``0, 1/(n_stats-1), ..., 1``. ``Truncation``
picks, per sample, the row (or blend of two rows) for its psi exactly as the original
``BigGANBatchNorm.forward`` does for a scalar truncation (see ``truncation_stats``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

BN_MODES = ("original", "linear")


class SNLinear(nn.Module):
    """``nn.Linear`` under spectral normalisation (``weight_orig`` (out, in), ``weight_u`` (out,), ``weight_v`` (in,))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.weight_orig = nn.Parameter(torch.empty(out_features, in_features).normal_(0, 0.02))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        self.register_buffer("weight_u", torch.full((out_features,), out_features**-0.5))  # unit vectors; loaded weights replace them
        self.register_buffer("weight_v", torch.full((in_features,), in_features**-0.5))

    def weight(self) -> torch.Tensor:
        matrix = self.weight_orig.reshape(self.weight_orig.shape[0], -1)
        sigma = torch.dot(self.weight_u, torch.mv(matrix, self.weight_v))
        return self.weight_orig / sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight(), self.bias)


class SNConv2d(SNLinear):
    """``nn.Conv2d`` (stride 1) under spectral normalisation; ``weight_v`` has in*k*k values."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, bias: bool = True) -> None:
        super().__init__(in_channels * kernel * kernel, out_channels, bias)
        self.weight_orig = nn.Parameter(self.weight_orig.data.reshape(out_channels, in_channels, kernel, kernel))
        self.padding = kernel // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight(), self.bias, padding=self.padding)


@dataclass(frozen=True)
class Truncation:
    """Per-sample truncation for one forward pass: ``points`` are (row, coef) per distinct
    psi, ``index`` (N,) says which point each sample uses, ``mode`` how rows blend."""

    points: tuple[tuple[int, float], ...]
    index: torch.Tensor
    mode: str = "original"

    @classmethod
    def of(cls, psi: Sequence[float] | torch.Tensor, n_stats: int, mode: str = "original") -> "Truncation":
        """``psi`` (N,) in [0, 1]. A float32 psi is read as the shortest decimal that gives it
        (0.3f -> 0.3), so it selects what the original selects for the Python float 0.3."""
        values = np.asarray(torch.as_tensor(psi, dtype=torch.float32).cpu(), dtype=np.float32).reshape(-1)
        distinct, inverse = np.unique(values, return_inverse=True)
        step = 1.0 / (n_stats - 1)
        points = tuple(truncation_stats(float(str(v)), step, n_stats) for v in distinct)
        return cls(points, torch.from_numpy(inverse.reshape(-1).astype(np.int64)), mode)

    def row(self, table: torch.Tensor, point: int) -> torch.Tensor:
        """The statistics (C,) of ``points[point]`` from ``table`` (n_stats, C)."""
        start, coef = self.points[point]
        if coef == 0.0:
            return table[start]
        if self.mode == "original":  # the original's blend: row start weighs coef, start+1 weighs 1-coef
            return table[start] * coef + table[start + 1] * (1 - coef)
        return table[start] * (1 - coef) + table[start + 1] * coef

    def select(self, table: torch.Tensor) -> torch.Tensor:
        """``table`` (n_stats, C) -> per-sample statistics (N, C)."""
        rows = torch.stack([self.row(table, point) for point in range(len(self.points))])  # (P, C)
        return rows[self.index.to(table.device)]


def truncation_stats(truncation: float, step: float, n_stats: int) -> tuple[int, float]:
    """(row, coef) for a truncation, as ``BigGANBatchNorm.forward``: ``coef, row =
    math.modf(truncation / step)``; a non-zero coef blends rows ``row`` and ``row + 1``.

    Note the original weighs row ``row`` by coef (not 1 - coef): just above a stored
    truncation it takes mostly the next row, so the statistics jump at every stored value.
    ``Truncation`` with ``mode="linear"`` blends the usual way (continuous in psi) instead.
    """
    coef, start = math.modf(truncation / step)
    start = int(start)
    if start >= n_stats - 1:  # psi = 1 (or a hair above by rounding): the last row
        return n_stats - 1, 0.0
    return start, coef


class BigGANBatchNorm(nn.Module):
    """Batch norm with truncation-indexed statistics; conditional: gain ``1 + scale(cond)``,
    bias ``offset(cond)`` (spectrally normalised linears); else learned ``weight``/``bias``."""

    def __init__(self, channels: int, cond_dim: int | None, n_stats: int, eps: float) -> None:
        super().__init__()
        self.eps = float(eps)
        self.register_buffer("running_means", torch.zeros(n_stats, channels))
        self.register_buffer("running_vars", torch.ones(n_stats, channels))
        self.conditional = cond_dim is not None
        if cond_dim is not None:
            self.scale = SNLinear(cond_dim, channels, bias=False)
            self.offset = SNLinear(cond_dim, channels, bias=False)
        else:
            self.weight = nn.Parameter(torch.ones(channels))
            self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, trunc: Truncation, cond: torch.Tensor | None = None) -> torch.Tensor:
        if self.conditional:
            mean = trunc.select(self.running_means)[:, :, None, None]  # (N, C, 1, 1)
            var = trunc.select(self.running_vars)[:, :, None, None]
            gain = 1 + self.scale(cond)[:, :, None, None]
            bias = self.offset(cond)[:, :, None, None]
            return (x - mean) / torch.sqrt(var + self.eps) * gain + bias

        def norm(part: torch.Tensor, point: int) -> torch.Tensor:
            mean, var = trunc.row(self.running_means, point), trunc.row(self.running_vars, point)
            return F.batch_norm(part, mean, var, self.weight, self.bias, training=False, momentum=0.0, eps=self.eps)

        if len(trunc.points) == 1:
            return norm(x, 0)
        out = torch.empty_like(x)  # F.batch_norm takes one set of statistics: once per distinct psi
        index = trunc.index.to(x.device)
        for point in range(len(trunc.points)):
            rows = (index == point).nonzero().flatten()
            out[rows] = norm(x[rows], point)
        return out


class SelfAttn(nn.Module):
    """SAGAN self-attention: queries at every pixel, keys/values max-pooled 2x; ``x + gamma * o``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.snconv1x1_theta = SNConv2d(channels, channels // 8, 1, bias=False)
        self.snconv1x1_phi = SNConv2d(channels, channels // 8, 1, bias=False)
        self.snconv1x1_g = SNConv2d(channels, channels // 2, 1, bias=False)
        self.snconv1x1_o_conv = SNConv2d(channels // 2, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, ch, h, w = x.shape
        theta = self.snconv1x1_theta(x).reshape(-1, ch // 8, h * w)  # (N, C/8, HW)
        phi = F.max_pool2d(self.snconv1x1_phi(x), 2, 2).reshape(-1, ch // 8, h * w // 4)  # (N, C/8, HW/4)
        attn = torch.softmax(torch.bmm(theta.permute(0, 2, 1), phi), dim=-1)  # (N, HW, HW/4)
        g = F.max_pool2d(self.snconv1x1_g(x), 2, 2).reshape(-1, ch // 2, h * w // 4)  # (N, C/2, HW/4)
        attn_g = torch.bmm(g, attn.permute(0, 2, 1)).reshape(-1, ch // 2, h, w)  # (N, C/2, H, W)
        return x + self.gamma * self.snconv1x1_o_conv(attn_g)


class GenBlock(nn.Module):
    """BigGAN-deep's residual block: in -> in/4 -> in/4 -> out channels, optionally 2x larger."""

    def __init__(self, in_size: int, out_size: int, cond_dim: int, up: bool, n_stats: int, eps: float) -> None:
        super().__init__()
        middle = in_size // 4
        self.up = up
        self.out_size = out_size
        self.bn_0 = BigGANBatchNorm(in_size, cond_dim, n_stats, eps)
        self.conv_0 = SNConv2d(in_size, middle, 1)
        self.bn_1 = BigGANBatchNorm(middle, cond_dim, n_stats, eps)
        self.conv_1 = SNConv2d(middle, middle, 3)
        self.bn_2 = BigGANBatchNorm(middle, cond_dim, n_stats, eps)
        self.conv_2 = SNConv2d(middle, middle, 3)
        self.bn_3 = BigGANBatchNorm(middle, cond_dim, n_stats, eps)
        self.conv_3 = SNConv2d(middle, out_size, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor, trunc: Truncation) -> torch.Tensor:
        h = self.conv_0(torch.relu(self.bn_0(x, trunc, cond)))
        h = torch.relu(self.bn_1(h, trunc, cond))
        if self.up:
            h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = self.conv_1(h)
        h = self.conv_2(torch.relu(self.bn_2(h, trunc, cond)))
        h = self.conv_3(torch.relu(self.bn_3(h, trunc, cond)))
        if x.shape[1] != self.out_size:  # the shortcut keeps the first half of the channels
            x = x[:, : x.shape[1] // 2]
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        return h + x


class BigGANGeneratorNet(nn.Module):
    """``generator.*``: cond (N, 2 z_dim) -> images (N, 3, H, W) in [-1, 1]."""

    def __init__(self, z_dim: int, channel_width: int, layers: Sequence[Sequence], attention_layer_position: int, n_stats: int, eps: float) -> None:
        super().__init__()
        ch = channel_width
        self.channel_width = ch
        self.gen_z = SNLinear(2 * z_dim, 4 * 4 * 16 * ch)
        blocks: list[nn.Module] = []
        for i, (up, in_mult, out_mult) in enumerate(layers):
            if i == attention_layer_position:
                blocks.append(SelfAttn(ch * in_mult))
            blocks.append(GenBlock(ch * in_mult, ch * out_mult, 2 * z_dim, bool(up), n_stats, eps))
        self.layers = nn.ModuleList(blocks)
        self.bn = BigGANBatchNorm(ch, None, n_stats, eps)
        self.conv_to_rgb = SNConv2d(ch, ch, 3)

    def forward(self, cond: torch.Tensor, trunc: Truncation) -> torch.Tensor:
        x = self.gen_z(cond).reshape(-1, 4, 4, 16 * self.channel_width).permute(0, 3, 1, 2).contiguous()  # (N, 16ch, 4, 4)
        for layer in self.layers:
            x = layer(x, cond, trunc) if isinstance(layer, GenBlock) else layer(x)
        x = self.conv_to_rgb(torch.relu(self.bn(x, trunc)))  # (N, ch, H, W)
        return torch.tanh(x[:, :3])


class BigGANNet(nn.Module):
    """The whole published model: ``embeddings`` and ``generator``; kwargs are the config.json's
    fields (see ``biggan.config``) plus ``bn_stats`` (``original`` or ``linear``)."""

    def __init__(
        self,
        z_dim: int,
        channel_width: int,
        num_classes: int,
        layers: Sequence[Sequence],
        attention_layer_position: int,
        n_stats: int,
        eps: float,
        bn_stats: str = "original",
    ) -> None:
        super().__init__()
        if bn_stats not in BN_MODES:
            raise ValueError(f"bn_stats must be one of {', '.join(BN_MODES)}, not {bn_stats!r}")
        self.z_dim, self.num_classes, self.n_stats, self.bn_stats = int(z_dim), int(num_classes), int(n_stats), bn_stats
        self.resolution = 4 * 2 ** sum(bool(layer[0]) for layer in layers)
        self.embeddings = nn.Linear(num_classes, z_dim, bias=False)
        self.generator = BigGANGeneratorNet(z_dim, channel_width, layers, attention_layer_position, n_stats, eps)
        self.config = {
            "z_dim": int(z_dim),
            "channel_width": int(channel_width),
            "num_classes": int(num_classes),
            "layers": [[bool(u), int(i), int(o)] for u, i, o in layers],
            "attention_layer_position": int(attention_layer_position),
            "n_stats": int(n_stats),
            "eps": float(eps),
            "bn_stats": bn_stats,
        }

    def kwargs(self) -> dict:
        """The constructor arguments, JSON-able (native metadata)."""
        return dict(self.config)

    def condition(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """z (N, z_dim), soft one-hot labels (N, K) -> the conditioning vector (N, 2 z_dim)."""
        return torch.cat((z, self.embeddings(labels)), dim=1)

    def forward(self, cond: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
        """cond (N, 2 z_dim) with z already scaled by psi, psi (N,) in [0, 1] -> (N, 3, H, W)."""
        return self.generator(cond, Truncation.of(psi, self.n_stats, self.bn_stats))
