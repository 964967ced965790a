"""Tiny pytorch_GAN_zoo checkpoints, written here in their layout without their code.

Their files (``models/base_GAN.py`` ``save``) are ``torch.save({"config": BaseConfig,
"netG": ..., "netD": ..., "avgG": ...})``. The names and shapes below are written out
from their ``progressive_conv_net.GNet`` / ``DCGAN_nets.GNet`` by hand, independently of
odyssey's networks, and ``reference_pgan`` is their PGAN forward pass as plain functions,
so the tests compare odyssey against the layout and the maths, not against itself.
(The fidelity against their real code is in docs/models/gan-zoo.md.)
"""

from __future__ import annotations

import math
import sys
import types
from pathlib import Path
from typing import Any
from unittest import mock

import torch
import torch.nn.functional as F


def pgan_state(dim_latent: int = 16, depths: tuple[int, ...] = (16, 8, 8), dim_output: int = 3, seed: int = 0, old_keys: bool = False) -> dict[str, torch.Tensor]:
    """A PGAN generator state dict; ``old_keys``: ``X.weight`` (older files) instead of ``X.module.weight``."""
    gen = torch.Generator().manual_seed(seed)
    mid = "" if old_keys else "module."
    state: dict[str, torch.Tensor] = {}

    def layer(name: str, *shape: int) -> None:
        state[f"{name}.{mid}weight"] = torch.randn(shape, generator=gen)  # equalized: N(0, 1) weights
        state[f"{name}.{mid}bias"] = 0.1 * torch.randn(shape[0], generator=gen)

    for i, (before, after) in enumerate(zip(depths[:-1], depths[1:])):
        layer(f"scaleLayers.{i}.0", after, before, 3, 3)
        layer(f"scaleLayers.{i}.1", after, after, 3, 3)
    for i, depth in enumerate(depths):
        layer(f"toRGBLayers.{i}", dim_output, depth, 1, 1)
    layer("formatLayer", 16 * depths[0], dim_latent)
    layer("groupScale0.0", depths[0], depths[0], 3, 3)
    return state


def dcgan_state(dim_latent: int = 16, dim_g: int = 4, depth: int = 2, dim_output: int = 3, seed: int = 0) -> dict[str, torch.Tensor]:
    """A GAN_zoo DCGAN generator state dict (``formatLayer``, ``main.*``), trained-looking BatchNorm."""
    gen = torch.Generator().manual_seed(seed)
    width = dim_g * 2**depth
    state = {"formatLayer.weight": 0.3 * torch.randn(dim_latent, width, 4, 4, generator=gen)}

    def batchnorm(index: int, channels: int) -> None:
        state[f"main.batchNorm{index}.weight"] = 1 + 0.2 * torch.rand(channels, generator=gen)
        state[f"main.batchNorm{index}.bias"] = 0.1 * torch.randn(channels, generator=gen)
        state[f"main.batchNorm{index}.running_mean"] = 0.2 * torch.randn(channels, generator=gen)
        state[f"main.batchNorm{index}.running_var"] = 0.5 + torch.rand(channels, generator=gen)
        state[f"main.batchNorm{index}.num_batches_tracked"] = torch.tensor(1000)

    batchnorm(0, width)
    for index in range(1, depth + 1):
        state[f"main.convTranspose{index}.weight"] = 0.3 * torch.randn(width, width // 2, 4, 4, generator=gen)
        width //= 2
        batchnorm(index, width)
    state["main.outlayer.weight"] = 0.3 * torch.randn(dim_g, dim_output, 4, 4, generator=gen)
    return state


def pgan_config(dim_latent: int = 16, depths: tuple[int, ...] = (16, 8, 8), **fields: Any) -> dict[str, Any]:
    """The fields their ProgressiveGAN puts in ``self.config`` (defaults as their constructor's)."""
    return {
        "depthScale0": depths[0], "initBiasToZero": True, "leakyReluLeak": 0.2, "depthOtherScales": list(depths[1:]),
        "perChannelNormalization": True, "alpha": 0, "miniBatchStdDev": True, "equalizedlR": True,
        "noiseVectorDim": dim_latent, "dimOutput": 3, "learningRate": 0.001, "attribKeysOrder": None,
        "categoryVectorDim": 0, "weightConditionG": 0.0, "weightConditionD": 0.0, "GDPP": False,
        "latentVectorDim": dim_latent, "lossCriterion": "WGANGP", "lambdaGP": 10.0, "epsilonD": 0.001,
        "logisticGradReal": 0.0, **fields,
    }


def dcgan_config(dim_latent: int = 16, dim_g: int = 4, depth: int = 2, **fields: Any) -> dict[str, Any]:
    return {
        "dimG": dim_g, "dimD": 64, "depth": depth, "noiseVectorDim": dim_latent, "dimOutput": 3, "learningRate": 0.0002,
        "attribKeysOrder": None, "categoryVectorDim": 0, "weightConditionG": 0.0, "weightConditionD": 0.0, "GDPP": False,
        "latentVectorDim": dim_latent, "lossCriterion": "DCGAN", "lambdaGP": 0.0, "epsilonD": 0.0, "logisticGradReal": 0.0,
        **fields,
    }


def save_zoo(path: Path, netG: dict, config: dict | None = None, avgG: dict | None = None, legacy: bool = False, module: str = "models.utils.config") -> Path:
    """``torch.save`` as their ``save()`` does, the config pickled as ``<module>.BaseConfig``."""
    content: dict[str, Any] = {"netG": netG, "netD": {"decisionLayer.module.weight": torch.zeros(1, 4)}}
    if avgG is not None:
        content["avgG"] = avgG
    with _Modules(module) as BaseConfig:
        if config is not None:
            record = BaseConfig()
            vars(record).update(config)
            content = {"config": record, **content}
        torch.save(content, path, _use_new_zipfile_serialization=not legacy)
    return path


class _Modules:
    """A throwaway ``<module>`` holding ``BaseConfig``, in sys.modules only while saving."""

    def __init__(self, module: str) -> None:
        self.module = module

    def __enter__(self) -> type:
        cls = type("BaseConfig", (), {"__module__": self.module})
        parts = self.module.split(".")
        fakes = {".".join(parts[: i + 1]): types.ModuleType(".".join(parts[: i + 1])) for i in range(len(parts))}
        fakes[self.module].BaseConfig = cls
        self.patch = mock.patch.dict(sys.modules, fakes)
        self.patch.start()
        return cls

    def __exit__(self, *exc: object) -> None:
        self.patch.stop()


def reference_pgan(state: dict[str, torch.Tensor], x: torch.Tensor, alpha: float = 0.0, leak: float = 0.2, tanh: bool = False) -> torch.Tensor:
    """Their GNet.forward as plain functions (equalized layers: (Wx + b) * sqrt(2 / fan_in))."""
    def norm(t: torch.Tensor) -> torch.Tensor:
        return t / torch.sqrt((t * t).mean(dim=1, keepdim=True) + 1e-8)

    def eq(name: str, t: torch.Tensor) -> torch.Tensor:
        w, b = state[f"{name}.module.weight"], state[f"{name}.module.bias"]
        scale = math.sqrt(2.0 / math.prod(w.shape[1:]))
        out = F.linear(t, w, b) if w.dim() == 2 else F.conv2d(t, w, b, padding=w.shape[-1] // 2)
        return out * scale

    def up(t: torch.Tensor) -> torch.Tensor:
        return t.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)

    scales = sum(1 for k in state if k.startswith("toRGBLayers.") and k.endswith("weight"))
    h = norm(F.leaky_relu(eq("formatLayer", norm(x)), leak).view(x.shape[0], -1, 4, 4))
    h = norm(F.leaky_relu(eq("groupScale0.0", h), leak))
    low = up(eq(f"toRGBLayers.{scales - 2}", h)) if scales == 2 else None
    for i in range(scales - 1):
        h = up(h)
        h = norm(F.leaky_relu(eq(f"scaleLayers.{i}.0", h), leak))
        h = norm(F.leaky_relu(eq(f"scaleLayers.{i}.1", h), leak))
        if i == scales - 3:
            low = up(eq(f"toRGBLayers.{scales - 2}", h))
    rgb = eq(f"toRGBLayers.{scales - 1}", h)
    if alpha > 0 and low is not None:
        rgb = alpha * low + (1 - alpha) * rgb
    return torch.tanh(rgb) if tanh else rgb


def write_example(folder: Path, family: str) -> Path:
    """A tiny unconditional model for ``paths/your-models/progan-zoo.yaml``: 'gan_zoo-pgan' or 'gan_zoo-dcgan'."""
    if family == "gan_zoo-pgan":
        return save_zoo(folder / "pgan_s2_i100.pt", pgan_state(seed=1), pgan_config(alpha=0.2), avgG=pgan_state(seed=2))
    return save_zoo(folder / "dcgan.pth", dcgan_state(), dcgan_config(), legacy=True)
