"""Tiny random BigGAN-deep checkpoints in pytorch-pretrained-BigGAN's published layout.

Written by this code, not by odyssey's network: the state dict names are spelled out here
from the published layout (``embeddings.weight``, ``generator.gen_z.weight_orig``,
``generator.layers.{i}.bn_0.scale.weight_u``, ...), so a test that loads them also checks
odyssey's names. ``config.json`` is written as ``BigGANConfig.to_json_string()`` writes it
(sorted keys, indent 2, newline); the weights as ``torch.save(model.state_dict())`` (zip),
the pre-1.6 legacy format the 2019 files use, or safetensors.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

TINY: dict[str, Any] = {  # 32 px: 4 ch wide, 16 -> 8 -> 4 -> 2 -> 1 multipliers, attention at block 2
    "output_dim": 32,
    "z_dim": 8,
    "class_embed_dim": 8,
    "channel_width": 4,
    "num_classes": 1000,
    "layers": [[True, 16, 8], [True, 8, 4], [True, 4, 2], [False, 2, 1]],
    "attention_layer_position": 2,
    "eps": 1e-4,
    "n_stats": 51,
}


def config_json(config: dict[str, Any]) -> str:
    """As ``BigGANConfig.to_json_string()``."""
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


class _Weights:
    """Fills a state dict with random, well-conditioned values under published names."""

    def __init__(self, config: dict[str, Any], seed: int) -> None:
        self.gen = torch.Generator().manual_seed(seed)
        self.config = config
        self.state: OrderedDict[str, torch.Tensor] = OrderedDict()
        self.versions: dict[str, dict] = {"": {"version": 1}}

    def randn(self, *shape: int, scale: float = 1.0) -> torch.Tensor:
        return torch.randn(*shape, generator=self.gen) * scale

    def uniform(self, low: float, high: float, *shape: int) -> torch.Tensor:
        return low + (high - low) * torch.rand(*shape, generator=self.gen)

    def spectral(self, prefix: str, out: int, fan_in: tuple[int, ...], bias: bool) -> None:
        """weight_orig, weight_u, weight_v (u, v after a few power iterations, as converted), bias."""
        weight = self.randn(out, *fan_in, scale=0.1)
        matrix = weight.reshape(out, -1)
        u = F.normalize(self.randn(out), dim=0)
        for _ in range(5):
            v = F.normalize(matrix.t() @ u, dim=0)
            u = F.normalize(matrix @ v, dim=0)
        if bias:
            self.state[f"{prefix}.bias"] = self.randn(out, scale=0.1)
        self.state[f"{prefix}.weight_orig"] = weight
        self.state[f"{prefix}.weight_u"] = u
        self.state[f"{prefix}.weight_v"] = v
        self.versions[prefix] = {"version": 1, "spectral_norm": {"version": 1}}

    def batch_norm(self, prefix: str, channels: int, conditional: bool) -> None:
        n_stats, cond = self.config["n_stats"], 2 * self.config["z_dim"]
        self.state[f"{prefix}.running_means"] = self.randn(n_stats, channels, scale=0.3)
        self.state[f"{prefix}.running_vars"] = self.uniform(0.3, 2.0, n_stats, channels)
        if conditional:
            self.spectral(f"{prefix}.scale", channels, (cond,), bias=False)
            self.spectral(f"{prefix}.offset", channels, (cond,), bias=False)
        else:
            self.state[f"{prefix}.weight"] = self.uniform(0.5, 1.5, channels)
            self.state[f"{prefix}.bias"] = self.randn(channels, scale=0.2)


def published_state_dict(config: dict[str, Any] = TINY, seed: int = 0) -> OrderedDict[str, torch.Tensor]:
    """A random state dict with exactly the names and shapes BigGAN(config).state_dict() has."""
    w = _Weights(config, seed)
    ch, z_dim, cond = config["channel_width"], config["z_dim"], 2 * config["z_dim"]
    w.state["embeddings.weight"] = w.randn(z_dim, config["num_classes"], scale=0.5)
    w.spectral("generator.gen_z", 4 * 4 * 16 * ch, (cond,), bias=True)
    index = 0
    for i, (_, in_mult, out_mult) in enumerate(config["layers"]):
        if i == config["attention_layer_position"]:
            c, p = ch * in_mult, f"generator.layers.{index}"
            w.spectral(f"{p}.snconv1x1_theta", c // 8, (c, 1, 1), bias=False)
            w.spectral(f"{p}.snconv1x1_phi", c // 8, (c, 1, 1), bias=False)
            w.spectral(f"{p}.snconv1x1_g", c // 2, (c, 1, 1), bias=False)
            w.spectral(f"{p}.snconv1x1_o_conv", c, (c // 2, 1, 1), bias=False)
            w.state[f"{p}.gamma"] = torch.tensor([0.7])
            index += 1
        p, c_in, c_out = f"generator.layers.{index}", ch * in_mult, ch * out_mult
        middle = c_in // 4
        w.batch_norm(f"{p}.bn_0", c_in, True)
        w.spectral(f"{p}.conv_0", middle, (c_in, 1, 1), bias=True)
        w.batch_norm(f"{p}.bn_1", middle, True)
        w.spectral(f"{p}.conv_1", middle, (middle, 3, 3), bias=True)
        w.batch_norm(f"{p}.bn_2", middle, True)
        w.spectral(f"{p}.conv_2", middle, (middle, 3, 3), bias=True)
        w.batch_norm(f"{p}.bn_3", middle, True)
        w.spectral(f"{p}.conv_3", c_out, (middle, 1, 1), bias=True)
        index += 1
    w.batch_norm("generator.bn", ch, False)
    w.spectral("generator.conv_to_rgb", ch, (ch, 3, 3), bias=True)
    w.state._metadata = w.versions  # what nn.Module.state_dict() attaches, spectral-norm versions included
    return w.state


def write_biggan(
    folder: Path,
    config: dict[str, Any] | None = None,
    layout: str = "zip",
    prefix: str = "",
    seed: int = 0,
    state: dict[str, torch.Tensor] | None = None,
) -> tuple[Path, Path]:
    """Write ``{prefix}config.json`` and its weights into ``folder``; (config path, weights path).

    ``layout``: ``zip`` (torch.save today), ``legacy`` (torch.save before 1.6, as the 2019
    files were written) or ``safetensors`` (``{prefix}model.safetensors``).
    """
    config = dict(TINY if config is None else config)
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / f"{prefix}config.json"
    config_path.write_text(config_json(config), encoding="utf-8")
    state = published_state_dict(config, seed) if state is None else state
    if layout == "safetensors":
        weights = folder / f"{prefix}model.safetensors"
        save_file({k: v.contiguous() for k, v in state.items()}, str(weights))
    else:
        weights = folder / f"{prefix}pytorch_model.bin"
        torch.save(state, weights, _use_new_zipfile_serialization=layout == "zip")
    return config_path, weights
