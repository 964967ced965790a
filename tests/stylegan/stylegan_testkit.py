"""Tiny random StyleGAN2/3 networks written as NVIDIA-format pickles, for tests.

Networks are built with odyssey's own classes (same parameter names as NVIDIA's), their
zero-initialised parameters and buffers (biases, w_avg, noise strengths) filled with
small random values so that every tensor matters, and written by the test-only
persistence stand-in with the init kwargs NVIDIA's training stores.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import torch
from torch import nn

from odyssey.adapters.stylegan.sg2 import StyleGAN2Generator
from odyssey.adapters.stylegan.sg3 import StyleGAN3Generator
from persistence_standin import EasyDict, dump_network_pickle, persistent

BASE = dict(z_dim=16, w_dim=16, img_resolution=16, img_channels=3)
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "sg2-skip": ("stylegan2", dict(mapping_kwargs=EasyDict(num_layers=2), synthesis_kwargs=EasyDict(channel_base=256, channel_max=32, architecture="skip"))),
    "sg2-orig": ("stylegan2", dict(mapping_kwargs=EasyDict(num_layers=2), synthesis_kwargs=EasyDict(channel_base=256, channel_max=32, architecture="orig"))),
    "sg2-resnet": ("stylegan2", dict(mapping_kwargs=EasyDict(num_layers=2), synthesis_kwargs=EasyDict(channel_base=256, channel_max=32, architecture="resnet", conv_clamp=256))),
    "sg3-t": ("stylegan3", dict(mapping_kwargs=EasyDict(num_layers=2), channel_base=256, channel_max=32, num_layers=4)),
    "sg3-r": ("stylegan3", dict(mapping_kwargs=EasyDict(num_layers=2), channel_base=512, channel_max=64, num_layers=4, conv_kernel=1, use_radial_filters=True)),
}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def build(variant: str, c_dim: int = 0, seed: int = 0) -> tuple[nn.Module, dict[str, Any]]:
    """(network with random weights, its init kwargs as NVIDIA stores them)."""
    family, extra = VARIANTS[variant]
    kwargs = {**BASE, "c_dim": c_dim, **extra}
    cls = StyleGAN2Generator if family == "stylegan2" else StyleGAN3Generator
    torch.manual_seed(seed)
    net = cls(**_plain(kwargs))
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, tensor in [*net.named_parameters(), *net.named_buffers()]:
            if not tensor.is_floating_point() or name.endswith(("transform", "filter", "up_filter", "down_filter", "freqs", "phases")):
                continue
            if name.endswith("magnitude_ema"):
                tensor.copy_(0.5 + torch.rand(tensor.shape, generator=gen))
            elif tensor.abs().sum() == 0 or name.endswith(("w_avg", "noise_strength")):
                tensor.copy_(0.1 * torch.randn(tensor.shape, generator=gen))
    return net.eval(), kwargs


def nvidia_like(net: nn.Module) -> nn.Module:
    """A copy without the helper objects odyssey's classes keep as attributes (NVIDIA's hold
    only modules, tensors, numbers, arrays and kwargs), so the pickle has NVIDIA's globals."""
    copy_ = copy.deepcopy(net)
    for module in copy_.modules():
        for name, value in list(vars(module).items()):
            if not name.startswith("_") and type(value).__module__.startswith("odyssey."):
                delattr(module, name)
    return copy_


def write_pickle(path: Path, variant: str, c_dim: int = 0, seed: int = 0, **options: Any) -> tuple[Path, nn.Module]:
    """A tiny network pickle at ``path`` (``G``, ``D``, ``G_ema``...) and the network itself."""
    net, kwargs = build(variant, c_dim, seed)
    stored = persistent(nvidia_like(net), **kwargs)
    dump_network_pickle(path, G_ema=stored, G=stored, training_set_kwargs=EasyDict(resolution=16), **options)
    return path, net
