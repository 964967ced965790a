"""rosinality's StyleGAN2 generator, read from tensor shapes and renamed into NVIDIA's layout.

rosinality/stylegan2-pytorch (``model.py``, ``Generator``) computes exactly what NVIDIA's
StyleGAN2 config F generator computes (odyssey's ``stylegan/sg2.py``, 'skip' architecture,
no fp16, no clamp), term by term:

==========================  ============================================  ==========================================
what                        rosinality                                     NVIDIA layout (``sg2.py``)
==========================  ============================================  ==========================================
z normalisation             ``PixelNorm``: x rsqrt(mean x^2 + 1e-8)        ``normalize_2nd_moment``: the same
mapping layer i             ``style.{i+1}``: EqualLinear, lr_mul 0.01,     ``mapping.fc{i}``: lr_multiplier 0.01,
                            leaky ReLU 0.2 x sqrt 2                        lrelu, gain sqrt 2
constant input              ``input.input`` (1, C, 4, 4)                   ``b4.const`` (C, 4, 4)
style (affine)              ``conv.modulation``, bias_init 1               ``affine``, bias_init 1
modulated conv              weight (1, O, I, k, k) x 1/sqrt(I k k) x s,    weight (O, I, k, k) x s, demodulated (the
                            demodulated with eps 1e-8                      constant 1/sqrt(I k k) cancels up to eps)
up-sampling conv            conv_transpose stride 2, then [1,3,3,1] blur   the same: pads (1, 1), gain 4
                            x 4, pads (1, 1)
noise                       ``noise.weight`` (1,) x ``noises.noise_j``     ``noise_strength`` () x ``noise_const``
                            (1, 1, R, R), before the bias                  (R, R), before the bias
bias + activation           ``activate``: FusedLeakyReLU, bias, 0.2,       ``bias`` + lrelu, gain sqrt 2
                            scale sqrt 2
ToRGB                       1x1 modulated, no demod, x 1/sqrt(I), bias     ``torgb``: the same (styles x weight_gain)
                            (1, 3, 1, 1)                                   bias (3,)
skip image                  [1,3,3,1] x 4 up-sampling, pads (2, 1)         ``upsample2d``: pads (2, 1), gain 4
w per layer                 ``n_latent = 2 log2(size) - 2``; conv j uses   ``num_ws``, the same order (ToRGB shares
                            w_j, ToRGB k uses w_{2k+1}                     the next block's first w)
truncation                  ``c + psi (w - c)``, c = ``truncation_latent``  ``w_avg`` (odyssey: ``c + psi (w - c)``)
==========================  ============================================  ==========================================

So the weights are renamed (and squeezed) onto ``StyleGAN2Generator`` with
``channel_base = channels[size] * size`` and ``channel_max = channels[4]``; the stored blur
kernels are checked to be the [1, 3, 3, 1] filter the NVIDIA layout builds. rosinality's
channel table (512 up to 32 px, then ``256 * channel_multiplier * 64 / res``) is one such
table for multipliers 1 and 2; a table that no (base, max) gives (multiplier 4) is refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from odyssey.adapters.stylegan.filters import setup_filter
from odyssey.errors import CheckpointError

BLUR_TAPS = (1.0, 3.0, 3.0, 1.0)
MAX_DIM = 8192  # style_dim and channels: rosinality's largest are 512 and 1024
MAX_LOG_SIZE = 13  # 8192 px
MAX_MLP = 64


def rosinality_channels(size: int, channel_multiplier: int) -> dict[int, int]:
    """rosinality's ``Generator.channels`` table for one multiplier (2048 px as forks extend it)."""
    table = {4: 512, 8: 512, 16: 512, 32: 512}
    for log in range(6, int(math.log2(size)) + 1):
        table[2**log] = (256 >> (log - 6)) * channel_multiplier
    return {res: table[res] for res in (2**log for log in range(2, int(math.log2(size)) + 1))}


@dataclass(frozen=True)
class Layout:
    """The architecture a rosinality generator's tensors describe."""

    size: int
    style_dim: int
    n_mlp: int
    channels: dict[int, int]  # resolution -> feature maps
    img_channels: int

    @property
    def num_ws(self) -> int:
        return 2 * int(math.log2(self.size)) - 2

    @property
    def channel_multiplier(self) -> int | str:
        """rosinality's ``channel_multiplier`` (1, 2, 4), 'any' below 64 px, or 'custom'."""
        if self.size <= 32 and set(self.channels.values()) == {512}:
            return "any (no layer below 64 px depends on it)"
        for multiplier in (1, 2, 4):
            if rosinality_channels(self.size, multiplier) == self.channels:
                return multiplier
        return "custom"

    def nvidia_kwargs(self, lr_mlp: float) -> dict[str, Any]:
        """``StyleGAN2Generator`` kwargs (JSON-able) that build this network in NVIDIA's layout."""
        return {
            "z_dim": self.style_dim,
            "c_dim": 0,
            "w_dim": self.style_dim,
            "img_resolution": self.size,
            "img_channels": self.img_channels,
            "mapping_kwargs": {"num_layers": self.n_mlp, "lr_multiplier": lr_mlp},
            "synthesis_kwargs": {
                "channel_base": self.channels[self.size] * self.size,
                "channel_max": self.channels[4],
                "architecture": "skip",
                "resample_filter": list(BLUR_TAPS),
                "num_fp16_res": 0,
                "conv_clamp": None,
            },
        }


def _shape(state: Mapping[str, torch.Tensor], name: str, path: Path) -> tuple[int, ...]:
    if name not in state:
        raise CheckpointError(f"{path}: the generator has no {name}; it is not a rosinality StyleGAN2 generator (or is damaged)")
    return tuple(state[name].shape)


def _count(state: Mapping[str, torch.Tensor], template: str, start: int) -> int:
    count = start
    while template.format(count) in state:
        count += 1
    return count - start


def infer_layout(state: Mapping[str, torch.Tensor], path: Path) -> Layout:
    """The architecture, from shapes alone (works on meta tensors); CheckpointError if not one."""
    if any(name.startswith("iwt.") or ".iwt." in name for name in state):
        raise CheckpointError(f"{path}: a SWAGAN (wavelet) generator (train.py --arch swagan); odyssey builds rosinality's StyleGAN2 generator only")
    n_mlp = _count(state, "style.{}.weight", 1)
    if not 1 <= n_mlp <= MAX_MLP:
        raise CheckpointError(f"{path}: its mapping has {n_mlp} layers (style.1 ... style.N); expected 1 to {MAX_MLP}")
    style_dim = _shape(state, "style.1.weight", path)[-1]
    n_convs = _count(state, "convs.{}.conv.weight", 0)
    if n_convs % 2 or not 0 <= n_convs // 2 <= MAX_LOG_SIZE - 2:
        raise CheckpointError(f"{path}: {n_convs} synthesis convs (convs.0 ...); a StyleGAN2 generator has two per resolution above 4 px")
    log_size = n_convs // 2 + 2
    channels = {4: _shape(state, "input.input", path)[1]}
    for i in range(n_convs // 2):
        channels[2 ** (i + 3)] = _shape(state, f"convs.{2 * i}.conv.weight", path)[1]
    img_channels = _shape(state, "to_rgb1.conv.weight", path)[1]
    if img_channels not in (1, 3):
        swagan = " (12 is SWAGAN's wavelet output, not supported)" if img_channels == 12 else ""
        raise CheckpointError(f"{path}: its ToRGB layers make {img_channels} channels{swagan}; odyssey renders 1 or 3")
    for value in (style_dim, *channels.values()):
        if not 1 <= value <= MAX_DIM:
            raise CheckpointError(f"{path}: a layer of width {value}, beyond any StyleGAN2's (1 to {MAX_DIM}); the file is corrupt or forged")
    layout = Layout(2**log_size, int(style_dim), n_mlp, {r: int(c) for r, c in channels.items()}, int(img_channels))
    kwargs = layout.nvidia_kwargs(0.01)["synthesis_kwargs"]
    built = {res: min(kwargs["channel_base"] // res, kwargs["channel_max"]) for res in channels}
    if built != layout.channels:
        raise CheckpointError(
            f"{path}: its channel table {layout.channels} (channel_multiplier {layout.channel_multiplier}) is not one "
            "StyleGAN2's synthesis network can build (channels = min(base / resolution, max)); not supported"
        )
    return layout


def _blur_ok(kernel: torch.Tensor) -> bool:
    expected = setup_filter(BLUR_TAPS) * 4  # rosinality's make_kernel(k) * factor**2
    return tuple(kernel.shape) == (4, 4) and torch.allclose(kernel.float(), expected, atol=1e-6)


def nvidia_state(
    state: Mapping[str, torch.Tensor], layout: Layout, path: Path, latent_avg: torch.Tensor | None
) -> tuple[dict[str, torch.Tensor], bool]:
    """(the weights renamed into ``StyleGAN2Generator``'s state dict, float32; whether noise maps were stored).

    Every rosinality name must be used: an unknown tensor means a fork with other layers,
    refused by name rather than ignored. ``w_avg`` is ``latent_avg`` or zeros (the caller
    fills in the mean w); missing noise maps (files before December 2019) are drawn from
    torch seed 0.
    """
    out: dict[str, torch.Tensor] = {}
    used: set[str] = set()
    noise_gen = torch.Generator().manual_seed(0)
    has_noise = "noises.noise_0" in state

    def take(name: str, shape: tuple[int, ...] | None = None) -> torch.Tensor:
        used.add(name)
        tensor = state[name].to(torch.float32)
        return tensor if shape is None else tensor.reshape(shape)

    def layer(src: str, dst: str, noise_index: int, res: int) -> None:
        out[f"{dst}.weight"] = take(f"{src}.conv.weight").squeeze(0)  # (O, I, 3, 3)
        out[f"{dst}.affine.weight"] = take(f"{src}.conv.modulation.weight")
        out[f"{dst}.affine.bias"] = take(f"{src}.conv.modulation.bias")
        out[f"{dst}.noise_strength"] = take(f"{src}.noise.weight", ())
        out[f"{dst}.bias"] = take(f"{src}.activate.bias")
        noise = f"noises.noise_{noise_index}"
        out[f"{dst}.noise_const"] = take(noise, (res, res)) if has_noise else torch.randn((res, res), generator=noise_gen)
        out[f"{dst}.resample_filter"] = setup_filter(BLUR_TAPS)
        if f"{src}.conv.blur.kernel" in state:
            used.add(f"{src}.conv.blur.kernel")
            if not _blur_ok(state[f"{src}.conv.blur.kernel"]):
                raise CheckpointError(f"{path}: {src}.conv.blur.kernel is not the [1, 3, 3, 1] blur; other blur kernels are not supported")

    def torgb(src: str, dst: str) -> None:
        out[f"{dst}.weight"] = take(f"{src}.conv.weight").squeeze(0)  # (C, I, 1, 1)
        out[f"{dst}.affine.weight"] = take(f"{src}.conv.modulation.weight")
        out[f"{dst}.affine.bias"] = take(f"{src}.conv.modulation.bias")
        out[f"{dst}.bias"] = take(f"{src}.bias").reshape(-1)
        if f"{src}.upsample.kernel" in state:
            used.add(f"{src}.upsample.kernel")
            if not _blur_ok(state[f"{src}.upsample.kernel"]):
                raise CheckpointError(f"{path}: {src}.upsample.kernel is not the [1, 3, 3, 1] up-sampling filter; not supported")

    try:
        for i in range(layout.n_mlp):
            out[f"mapping.fc{i}.weight"] = take(f"style.{i + 1}.weight")
            out[f"mapping.fc{i}.bias"] = take(f"style.{i + 1}.bias")
        centre = torch.zeros(layout.style_dim) if latent_avg is None else latent_avg.to(torch.float32).reshape(layout.style_dim)
        out["mapping.w_avg"] = centre
        out["synthesis.b4.const"] = take("input.input").squeeze(0)  # (C, 4, 4)
        out["synthesis.b4.resample_filter"] = setup_filter(BLUR_TAPS)
        layer("conv1", "synthesis.b4.conv1", 0, 4)
        torgb("to_rgb1", "synthesis.b4.torgb")
        for k in range(int(math.log2(layout.size)) - 2):
            res, block = 2 ** (k + 3), f"synthesis.b{2 ** (k + 3)}"
            out[f"{block}.resample_filter"] = setup_filter(BLUR_TAPS)
            layer(f"convs.{2 * k}", f"{block}.conv0", 2 * k + 1, res)
            layer(f"convs.{2 * k + 1}", f"{block}.conv1", 2 * k + 2, res)
            torgb(f"to_rgbs.{k}", f"{block}.torgb")
    except KeyError as exc:
        raise CheckpointError(f"{path}: the generator has no {exc.args[0]}; the file is damaged or of another architecture") from None
    except RuntimeError as exc:  # a reshape that does not fit: shapes disagree
        raise CheckpointError(f"{path}: a tensor has the wrong shape ({str(exc).splitlines()[0][:200]}); the file is corrupt") from None
    if has_noise:
        used.update(f"noises.noise_{j}" for j in range(layout.num_ws - 1))
    unknown = sorted(set(state) - used)
    if unknown:
        raise CheckpointError(
            f"{path}: the generator has tensors rosinality's StyleGAN2 does not ({', '.join(unknown[:4])}"
            f"{', ...' if len(unknown) > 4 else ''}); a fork with other layers is not supported"
        )
    return out, has_noise
