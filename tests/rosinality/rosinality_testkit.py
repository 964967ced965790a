"""Tiny rosinality stylegan2-pytorch checkpoints, written as its ``train.py`` and ``convert_weight.py`` save them.

``make_state`` returns a generator state dict with rosinality's names and shapes (``style.i``,
``input.input``, ``conv1``, ``convs.j``, ``to_rgb1``, ``to_rgbs.k``, ``noises.noise_j``, blur
kernels), random values everywhere (biases and noise strengths too, so every tensor
matters). ``reference_w`` / ``reference_images`` compute what rosinality's ``Generator``
computes, written here from its maths independently of odyssey's StyleGAN2 network
(transposed convolution + blur with rosinality's paddings, its noise and bias order), so a
loaded generator can be checked against the weights that wrote the file. Channels may be
smaller than rosinality's 512 (a fork's table) to keep tests fast.
"""

from __future__ import annotations

import argparse
import math
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn.functional as F

LR_MLP = 0.01


def small_channels(size: int, top: int = 32) -> dict[int, int]:
    """``top`` channels up to 8 px, halving above: a (base, max) table like rosinality's, but tiny."""
    return {2**k: min(top, top * 8 // 2**k) for k in range(2, int(math.log2(size)) + 1)}


def blur_kernel(gain: float = 4.0) -> torch.Tensor:
    taps = torch.tensor([1.0, 3.0, 3.0, 1.0])
    kernel = torch.outer(taps, taps)
    return kernel / kernel.sum() * gain  # (4, 4)


def make_state(size: int = 16, style_dim: int = 16, n_mlp: int = 2, channels: dict[int, int] | None = None, seed: int = 0) -> OrderedDict:
    """A random generator state dict in rosinality's layout."""
    channels = channels or small_channels(size)
    gen = torch.Generator().manual_seed(seed)

    def randn(*shape: int, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
        return torch.randn(shape, generator=gen) * scale + shift

    state: OrderedDict = OrderedDict()
    for i in range(1, n_mlp + 1):
        state[f"style.{i}.weight"] = randn(style_dim, style_dim, scale=1 / LR_MLP)
        state[f"style.{i}.bias"] = randn(style_dim, scale=0.1 / LR_MLP)
    state["input.input"] = randn(1, channels[4], 4, 4)

    def styled(prefix: str, cin: int, cout: int, up: bool) -> None:
        state[f"{prefix}.conv.weight"] = randn(1, cout, cin, 3, 3)
        if up:
            state[f"{prefix}.conv.blur.kernel"] = blur_kernel()
        state[f"{prefix}.conv.modulation.weight"] = randn(cin, style_dim)
        state[f"{prefix}.conv.modulation.bias"] = randn(cin, scale=0.1, shift=1.0)
        state[f"{prefix}.noise.weight"] = randn(1, scale=0.2)
        state[f"{prefix}.activate.bias"] = randn(cout, scale=0.1)

    def torgb(prefix: str, cin: int, up: bool) -> None:
        state[f"{prefix}.bias"] = randn(1, 3, 1, 1, scale=0.1)
        if up:
            state[f"{prefix}.upsample.kernel"] = blur_kernel()
        state[f"{prefix}.conv.weight"] = randn(1, 3, cin, 1, 1)
        state[f"{prefix}.conv.modulation.weight"] = randn(cin, style_dim)
        state[f"{prefix}.conv.modulation.bias"] = randn(cin, scale=0.1, shift=1.0)

    styled("conv1", channels[4], channels[4], up=False)
    torgb("to_rgb1", channels[4], up=False)
    levels = int(math.log2(size)) - 2
    for k in range(levels):
        res = 2 ** (k + 3)
        styled(f"convs.{2 * k}", channels[res // 2], channels[res], up=True)
        styled(f"convs.{2 * k + 1}", channels[res], channels[res], up=False)
        torgb(f"to_rgbs.{k}", channels[res], up=True)
    for j in range(2 * levels + 1):
        res = 2 ** ((j + 5) // 2)
        state[f"noises.noise_{j}"] = randn(1, 1, res, res)
    return state


# -- rosinality's forward, from its maths ----------------------------------------------


def _linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, lr_mul: float, act: bool) -> torch.Tensor:
    out = x @ (weight * (lr_mul / math.sqrt(weight.shape[1]))).t() + bias * lr_mul
    return F.leaky_relu(out, 0.2) * math.sqrt(2) if act else out


def reference_w(state: dict, z: torch.Tensor) -> torch.Tensor:
    """PixelNorm, then the EqualLinear stack: z (N, D) -> w (N, D)."""
    x = z * torch.rsqrt((z**2).mean(dim=1, keepdim=True) + 1e-8)
    i = 1
    while f"style.{i}.weight" in state:
        x = _linear(x, state[f"style.{i}.weight"], state[f"style.{i}.bias"], LR_MLP, act=True)
        i += 1
    return x


def _fir(x: torch.Tensor, pad0: int, pad1: int) -> torch.Tensor:
    channels = x.shape[1]
    x = F.pad(x, [pad0, pad1, pad0, pad1])
    return F.conv2d(x, blur_kernel().flip([0, 1]).expand(channels, 1, 4, 4).contiguous(), groups=channels)


def _modconv(state: dict, prefix: str, x: torch.Tensor, w: torch.Tensor, demodulate: bool, up: bool) -> torch.Tensor:
    weight = state[f"{prefix}.weight"][0]  # (O, I, k, k)
    style = _linear(w, state[f"{prefix}.modulation.weight"], state[f"{prefix}.modulation.bias"], 1.0, act=False)  # (N, I)
    fan_in = weight.shape[1] * weight.shape[2] * weight.shape[3]
    outs = []
    for n in range(x.shape[0]):  # one sample at a time: its own kernel
        kernel = weight / math.sqrt(fan_in) * style[n].reshape(1, -1, 1, 1)
        if demodulate:
            kernel = kernel * torch.rsqrt(kernel.pow(2).sum(dim=[1, 2, 3], keepdim=True) + 1e-8)
        if up:  # zero-stuffing convolution, then the [1, 3, 3, 1] blur (x 4), pads (1, 1)
            outs.append(_fir(F.conv_transpose2d(x[n : n + 1], kernel.transpose(0, 1), stride=2), 1, 1))
        else:
            outs.append(F.conv2d(x[n : n + 1], kernel, padding=kernel.shape[-1] // 2))
    return torch.cat(outs)


def _upsample_image(img: torch.Tensor) -> torch.Tensor:
    n, c, h, w = img.shape
    stuffed = img.new_zeros(n, c, 2 * h, 2 * w)
    stuffed[:, :, ::2, ::2] = img  # a zero after every pixel
    return _fir(stuffed, 2, 1)


def reference_images(state: dict, ws: torch.Tensor, noise: list[torch.Tensor] | None = None) -> torch.Tensor:
    """ws (N, num_ws, D) -> images (N, 3, size, size), unclamped; ``noise`` defaults to the stored maps."""
    noise = noise if noise is not None else [state[f"noises.noise_{j}"] for j in range(ws.shape[1] - 1)]

    def styled(prefix: str, x: torch.Tensor, w: torch.Tensor, j: int, up: bool) -> torch.Tensor:
        x = _modconv(state, f"{prefix}.conv", x, w, demodulate=True, up=up)
        x = x + state[f"{prefix}.noise.weight"] * noise[j]
        return F.leaky_relu(x + state[f"{prefix}.activate.bias"].reshape(1, -1, 1, 1), 0.2) * math.sqrt(2)

    def torgb(prefix: str, x: torch.Tensor, w: torch.Tensor, skip: torch.Tensor | None) -> torch.Tensor:
        out = _modconv(state, f"{prefix}.conv", x, w, demodulate=False, up=False) + state[f"{prefix}.bias"]
        return out if skip is None else out + _upsample_image(skip)

    x = state["input.input"].repeat(ws.shape[0], 1, 1, 1)
    x = styled("conv1", x, ws[:, 0], 0, up=False)
    skip = torgb("to_rgb1", x, ws[:, 1], None)
    k = 0
    while f"convs.{2 * k}.conv.weight" in state:
        x = styled(f"convs.{2 * k}", x, ws[:, 2 * k + 1], 2 * k + 1, up=True)
        x = styled(f"convs.{2 * k + 1}", x, ws[:, 2 * k + 2], 2 * k + 2, up=False)
        skip = torgb(f"to_rgbs.{k}", x, ws[:, 2 * k + 3], skip)
        k += 1
    return skip


def num_ws(state: dict) -> int:
    return sum(1 for name in state if name.startswith("noises.")) + 1


# -- files -------------------------------------------------------------------------------


def write_train_checkpoint(path: Path, state: dict | None = None, legacy: bool = False, **extra: object) -> Path:
    """What rosinality's ``train.py`` saves: g, d, g_ema, optimiser states, args (a Namespace), ada_aug_p."""
    state = state if state is not None else make_state()
    generator = OrderedDict((k, v.clone()) for k, v in state.items())
    disc = OrderedDict({"convs.0.0.weight": torch.randn(8, 3, 1, 1), "final_linear.1.bias": torch.zeros(1)})
    optim = {"state": {0: {"step": torch.tensor(10.0), "exp_avg": torch.zeros(4)}}, "param_groups": [{"lr": 0.002, "betas": (0.0, 0.99), "params": [0]}]}
    args = argparse.Namespace(path="/data/lmdb", arch="stylegan2", iter=800000, batch=16, size=16, channel_multiplier=2, latent=16, n_mlp=2, start_iter=0, distributed=False, augment=False)
    contents = {"g": generator, "d": disc, "g_ema": state, "g_optim": optim, "d_optim": optim, "args": args, "ada_aug_p": 0.0, **extra}
    torch.save(contents, path, _use_new_zipfile_serialization=not legacy)
    return path


def write_converted_checkpoint(path: Path, state: dict | None = None, latent_avg: torch.Tensor | None = None, legacy: bool = False) -> Path:
    """What rosinality's ``convert_weight.py`` saves: ``{"g_ema": state, "latent_avg": (D,)}``."""
    state = state if state is not None else make_state()
    if latent_avg is None:
        latent_avg = 0.1 * torch.randn(state["style.1.weight"].shape[0], generator=torch.Generator().manual_seed(7))
    torch.save({"g_ema": state, "latent_avg": latent_avg}, path, _use_new_zipfile_serialization=not legacy)
    return path


def write_example(folder: Path, family: str) -> Path:
    """A tiny checkpoint for tests/test_examples.py: ``rosinality-train`` (zip) or ``rosinality-converted`` (legacy)."""
    if family == "rosinality-train":
        return write_train_checkpoint(folder / "000100.pt")
    return write_converted_checkpoint(folder / "stylegan2-tiny.pt", legacy=True)
