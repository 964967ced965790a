"""rosinality stylegan2-pytorch ``.pt`` checkpoints -> a StyleGAN2 ``Generator``, safely.

A file is read with ``reader.load_checkpoint`` (``weights_only``; nothing in it runs), the
generator's state dict picked (``g_ema`` by default, option ``key: g`` for the raw
generator; a bare state dict works too), its architecture read from tensor shapes
(``layout.infer_layout``: size, style_dim, n_mlp, channel table, hence channel_multiplier)
and its weights renamed onto odyssey's StyleGAN2 network (``stylegan/sg2.py``), whose maths
is the same (see ``layout``). lr_mlp cannot be read from shapes: rosinality's default 0.01
is used, option ``lr_mlp`` sets another.

Conventions, where they differ from NVIDIA's (documented in docs/models/rosinality.md):

* **seeds**: rosinality's ``generate.py`` draws ``torch.randn(n, 512, device="cuda")``
  without seeding anything. odyssey's seed s is what that draw gives on the CPU after
  ``torch.manual_seed(s)``: ``torch.randn(1, style_dim)`` (a CPU ``torch.Generator``);
* **truncation centre**: the stored ``latent_avg`` (``convert_weight.py`` files: NVIDIA's
  ``dlatent_avg``), which ``generate.py``'s ``truncation_latent`` stands for; a file
  without one (``train.py`` checkpoints) gets the mean w of 4096 z drawn from torch seed 0,
  as ``generate.py --truncation_mean 4096`` computes it from an unseeded draw;
* **noise**: ``noise: const`` uses the stored ``noises.noise_*`` maps, which is
  rosinality's ``randomize_noise=False``; ``noise: random`` draws fresh noise per frame.

Images are (N, 3, size, size) in [-1, 1] (clamped, as rosinality's ``generate.py`` saves
with ``range=(-1, 1)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from odyssey.adapters.checked import build_fitting, check_kwargs
from odyssey.adapters.registry import Adapter
from odyssey.adapters.rosinality.layout import infer_layout, nvidia_state
from odyssey.adapters.rosinality.reader import check_tensors, is_rosinality_checkpoint, load_checkpoint, plain_args
from odyssey.adapters.stylegan.generator import StyleGANGenerator
from odyssey.adapters.stylegan.loader import build_network
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo, NativeForm, StyleSettings

ARCHITECTURE = "stylegan2-rosinality"  # native files: NVIDIA's network, rosinality's seed convention
OPTIONS = ("key", "name", "lr_mlp")
TRUNCATION_MEAN = 4096  # generate.py's --truncation_mean default
LR_MLP = 0.01


def rosinality_z(seed: int, dim: int) -> torch.Tensor:
    """z for ``seed``: ``torch.manual_seed(seed); torch.randn(1, dim)[0]`` on the CPU, float32 (dim,)."""
    return torch.randn((1, dim), generator=torch.Generator(device="cpu").manual_seed(int(seed)))[0]


class RosinalityGenerator(StyleGANGenerator):
    """A StyleGAN2 read from a rosinality checkpoint: NVIDIA's network, rosinality's seeds."""

    def seed_latent(self, seed: int, label: int | None = None) -> torch.Tensor:
        z = rosinality_z(seed, self.z_dim)  # (z_dim,)
        if self.settings.space == "z":
            return z
        with torch.inference_mode():
            return self._in_space(self._mapped(z[None], None))[0].cpu().clone()

    def in_space(self, settings: StyleSettings) -> "RosinalityGenerator":
        checked = super().in_space(settings)  # validates; a StyleGANGenerator view
        view = RosinalityGenerator(self.net, checked.info, settings)
        view.device = self.device
        return view

    def native_form(self) -> NativeForm:
        return NativeForm(ARCHITECTURE, dict(self.net.native_kwargs), self.net.state_dict())


def _generator_state(obj: Any, key: str, path: Path) -> Mapping[str, torch.Tensor]:
    if isinstance(obj, Mapping) and "style.1.weight" in obj:
        return obj  # a bare generator state_dict()
    if isinstance(obj, Mapping) and isinstance(obj.get(key), Mapping):
        return obj[key]
    keys = ", ".join(str(k) for k in list(obj)[:8]) if isinstance(obj, Mapping) else type(obj).__name__
    raise CheckpointError(f"{path}: no generator state dict under {key!r} (the file holds {keys}); set option key: to the one to load")


def _check_options(path: Path, options: Mapping[str, Any]) -> float:
    unknown = [k for k in options if k not in OPTIONS]
    if unknown:
        raise CheckpointError(f"{path}: unknown option {unknown[0]!r} for a rosinality checkpoint; known: {', '.join(OPTIONS)}")
    lr_mlp = options.get("lr_mlp", LR_MLP)
    if isinstance(lr_mlp, bool) or not isinstance(lr_mlp, (int, float)) or not 0 < lr_mlp <= 1:
        raise CheckpointError(f"{path}: option lr_mlp must be a number in (0, 1] (rosinality's default is 0.01), got {lr_mlp!r}")
    return float(lr_mlp)


def mean_w(net: nn.Module, count: int = TRUNCATION_MEAN, seed: int = 0) -> torch.Tensor:
    """The mean w of ``count`` z drawn from torch seed ``seed`` on the CPU: (w_dim,)."""
    z = torch.randn((count, net.z_dim), generator=torch.Generator().manual_seed(seed))
    with torch.inference_mode():
        ws = torch.cat([net.mapping(z[i : i + 256])[:, 0] for i in range(0, count, 256)])  # (count, w_dim)
    return ws.mean(dim=0).clone()


def load_rosinality(path: Path, options: Mapping[str, Any]) -> RosinalityGenerator:
    """The registry's entry: a rosinality checkpoint -> a z-space generator (see the module docstring)."""
    lr_mlp = _check_options(path, options)
    key = str(options.get("key", "g_ema"))
    obj = load_checkpoint(path)
    state = _generator_state(obj, key, path)
    check_tensors(state, path, key)
    latent_avg = obj.get("latent_avg") if isinstance(obj, Mapping) and state is not obj else None
    if latent_avg is not None:
        check_tensors({"latent_avg": latent_avg}, path, "latent_avg")
    layout = infer_layout(state, path)
    kwargs = layout.nvidia_kwargs(lr_mlp)
    check_kwargs(kwargs, str(path))
    mapped, stored_noise = nvidia_state(state, layout, path, latent_avg)
    net = build_fitting(lambda: build_network("stylegan2", kwargs)[0], mapped, str(path), "StyleGAN2 generator")
    net.load_state_dict(mapped)
    net.eval().requires_grad_(False)
    if latent_avg is None:
        net.mapping.w_avg.copy_(mean_w(net))
    args = plain_args(obj.get("args")) if isinstance(obj, Mapping) and state is not obj else {}
    inferred = {
        "size": layout.size,
        "style_dim": layout.style_dim,
        "n_mlp": layout.n_mlp,
        "channel_multiplier": layout.channel_multiplier,
        "channels": {str(r): c for r, c in layout.channels.items()},
        "lr_mlp": lr_mlp,
        "generator": "the file itself (a bare state dict)" if state is obj else f"{key!r}",
        "truncation_centre": "latent_avg stored in the file" if latent_avg is not None else f"mean w of {TRUNCATION_MEAN} z from torch seed 0 (no latent_avg in the file)",
        "noise_maps": "stored in the file (noises.noise_*)" if stored_noise else "none stored (an old file): drawn once from torch seed 0",
    }
    info = ModelInfo(
        name=str(options.get("name") or path.stem),
        family="stylegan2",
        latent_shape=(layout.style_dim,),
        resolution=(layout.size, layout.size),
        channels=layout.img_channels,
        output_range=(-1.0, 1.0),
        description=(
            f"rosinality stylegan2-pytorch {layout.size} px: z {layout.style_dim}, w {layout.style_dim} x {layout.num_ws} layers, "
            f"{layout.n_mlp}-layer mapping, channel_multiplier {layout.channel_multiplier}"
        ),
        source=path.name,
        extra={
            "format": "rosinality stylegan2-pytorch",
            "checkpoint_keys": [str(k) for k in list(obj)[:16]] if state is not obj else [],
            "inferred": inferred,
            "training_args": args,
        },
    )
    return RosinalityGenerator(net, info)


ADAPTER = Adapter(
    name="rosinality",
    description="a rosinality stylegan2-pytorch checkpoint (g_ema state dict with style.* and convs.* layers; read safely)",
    suffixes=(".pt", ".pth"),
    sniff=is_rosinality_checkpoint,
    load=load_rosinality,
)


def _build_native(kwargs: Mapping[str, Any]) -> nn.Module:
    return build_network("stylegan2", kwargs)[0]


def native_architecture() -> tuple[Callable[[Mapping[str, Any]], nn.Module], Callable[[nn.Module, ModelInfo], RosinalityGenerator]]:
    """(build, wrap) of the native architecture ``stylegan2-rosinality`` (``odyssey convert``)."""
    return _build_native, RosinalityGenerator


__all__ = ["ADAPTER", "ARCHITECTURE", "RosinalityGenerator", "load_rosinality", "mean_w", "native_architecture", "rosinality_z"]
