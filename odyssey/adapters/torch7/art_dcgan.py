"""Torch7 ``.t7`` DCGAN generators (art-DCGAN, dcgan.torch) -> ``Torch7Generator``.

art-DCGAN (robbiebarrat/art-DCGAN, a fork of soumith/dcgan.torch) trains in Lua and saves
``torch.save('..._net_G.t7', netG:clearState())``: an ``nn.Sequential`` of
``SpatialFullConvolution``/``SpatialBatchNormalization``/``ReLU`` blocks ending in ``Tanh``.
A net trained on a GPU holds ``cudnn.*`` modules and ``torch.CudaTensor`` weights unless
``utils/gpu2cpu.lua`` (``cudnn.convert(net, nn):float()``) was run; older dcgan.torch nets
start with an ``nn.View`` that ``generate.lua`` removes (so is it here), and older
``SpatialBatchNormalization`` (version 1) kept ``running_std``, converted as nn's ``read``
does (``running_var = running_std^-2 - eps``). Binary and ascii files both load.

Loading: ``reader.read_t7`` reads the file as inert data, accepting only the Torch classes
below (anything else is refused by name, a Lua function always); each module becomes a
layer spec of ``sequential.Torch7Net``; the net is built on the meta device, compared with
the file's tensors, then built and loaded. Options: ``name``, ``noisetype`` (normal |
uniform, as in ``generate.lua``).

Generator: latent ``(nz,)``, fed as ``(N, nz, 1, 1)``; output ``(N, C, H, W)`` in [-1, 1]
(the final ``Tanh``). BatchNorm runs on the stored running statistics. ``seed_latent(s)``
is ``torch.manualSeed(s); torch.FloatTensor(nz):normal(0, 1)`` in Torch7, bit for bit
(``th_random``); with ``noisetype: uniform`` it is ``:uniform(-1, 1)``. Truncation: ``z * psi``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from odyssey.adapters.checked import build_fitting
from odyssey.adapters.dcgan import load_strict
from odyssey.adapters.registry import Adapter
from odyssey.adapters.torch7.modules import LAYERS, Unfit, layer_spec, summary
from odyssey.adapters.torch7.reader import TorchObject, looks_like_t7, read_t7
from odyssey.adapters.torch7.sequential import Torch7Net, build_torch7_net
from odyssey.adapters.torch7.th_random import torch7_normal, torch7_uniform
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo, ModuleGenerator, NativeForm

ARCHITECTURE = "torch7_dcgan"
OPTIONS = ("name", "noisetype")
READABLE = {"nn.Sequential", "nn.Sigmoid", "cudnn.Sigmoid", *LAYERS}  # Sigmoid: read only to name a discriminator


class Torch7Generator(ModuleGenerator):
    """A ``Torch7Net`` behind the ``Generator`` interface; latent_shape ``(nz,)``, output in [-1, 1]."""

    def __init__(self, net: Torch7Net, info: ModelInfo) -> None:
        if info.latent_shape != (net.nz,) or info.conditional:
            raise ValueError(f"Torch7Generator: latent_shape {info.latent_shape} does not match the net's nz {net.nz}")
        self.net = net.float().eval().requires_grad_(False).to("cpu")
        self.info = info
        self.device = torch.device("cpu")

    def seed_latent(self, seed: int, label: int | None = None) -> torch.Tensor:
        """Torch7's ``torch.manualSeed(seed)`` then ``noise:normal(0, 1)`` (or ``:uniform(-1, 1)``), ``(nz,)``."""
        draw = torch7_uniform if self.net.noise == "uniform" else torch7_normal
        return torch.from_numpy(draw(int(seed), self.net.nz))

    def sample_latents(self, count: int, generator: torch.Generator) -> torch.Tensor:
        if self.net.noise == "uniform":
            return torch.rand((count, self.net.nz), generator=generator) * 2 - 1
        return torch.randn((count, self.net.nz), generator=generator)

    def native_form(self) -> NativeForm:
        return NativeForm(ARCHITECTURE, self.net.kwargs(), self.net.state_dict())

    def synthesize(self, latents: torch.Tensor, labels: torch.Tensor | None = None, truncation: torch.Tensor | None = None) -> torch.Tensor:
        name, nz = self.info.name, self.net.nz
        z = latents.to(self.device, torch.float32)  # (N, nz)
        if z.dim() != 2 or z.shape[1] != nz:
            raise ValueError(f"{name}: latents must be (N, {nz}), got {tuple(z.shape)}")
        if labels is not None:
            raise ValueError(f"{name} is unconditional and takes no labels")
        n = z.shape[0]
        if truncation is not None:
            psi = torch.as_tensor(truncation, dtype=torch.float32, device=self.device).reshape(-1)
            if psi.numel() not in (1, n):
                raise ValueError(f"{name}: truncation must be (N,) = ({n},), got {tuple(psi.shape)}")
            z = z * psi.view(-1, 1)  # toward the prior's mean 0 (normal and uniform alike)
        with torch.no_grad():
            return self.net(z.reshape(n, nz, 1, 1))  # (N, C, H, W) in [-1, 1]


def _modules(seq: TorchObject, path: Path, depth: int = 0) -> list[TorchObject]:
    """The modules of an ``nn.Sequential``, nested Sequentials flattened (same maths)."""
    if depth > 8:
        raise CheckpointError(f"{path}: its nn.Sequential nests more than 8 deep (or holds itself); not a generator")
    table = seq.fields.get("modules")
    if not isinstance(table, dict) or not all(type(k) is int for k in table) or set(table) != set(range(1, len(table) + 1)):
        raise CheckpointError(f"{path}: its nn.Sequential has no list of modules; the file is damaged")
    found: list[TorchObject] = []
    for key in range(1, len(table) + 1):
        module = table[key]
        if isinstance(module, TorchObject) and module.class_name == "nn.Sequential":
            found += _modules(module, path, depth + 1)
        elif isinstance(module, TorchObject) and module.class_name in LAYERS:
            found.append(module)
        else:
            name = module.class_name if isinstance(module, TorchObject) else type(module).__name__
            hint = "; it ends like a discriminator (_net_D.t7): give the generator (_net_G.t7)" if "Sigmoid" in name else ""
            raise CheckpointError(f"{path}: module {key} is {name}, which odyssey does not build{hint}")
    return found


def _check_options(options: Mapping[str, Any], path: Path) -> None:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise CheckpointError(f"{path}: unknown torch7 option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}")
    if options.get("noisetype", "normal") not in ("normal", "uniform"):
        raise CheckpointError(f"{path}: option noisetype must be normal or uniform, got {options['noisetype']!r}")
    if not isinstance(options.get("name", ""), str):
        raise CheckpointError(f"{path}: option name must be a string, got {options['name']!r}")


def load_torch7(path: Path, options: Mapping[str, Any]) -> Torch7Generator:
    """Load a Torch7 DCGAN generator file (see the module docstring)."""
    _check_options(options, path)
    top = read_t7(path, READABLE)
    if not isinstance(top, TorchObject) or top.class_name != "nn.Sequential":
        raise CheckpointError(f"{path}: holds {top!r}, not an nn.Sequential generator (torch.save(..., netG))")
    modules = _modules(top, path)
    dropped = []
    while modules and LAYERS[modules[0].class_name] in ("View", "Identity"):  # generate.lua removes a leading nn.View
        dropped.append(modules.pop(0).class_name)
    state: dict[str, torch.Tensor] = {}
    try:
        specs = [layer_spec(module, i, state) for i, module in enumerate(modules)]
    except Unfit as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    if not specs or specs[-1]["type"] != "Tanh":
        raise CheckpointError(f"{path}: the net does not end in Tanh, so its output range is unknown; not a DCGAN generator")
    noise = str(options.get("noisetype", "normal"))
    try:
        net = build_fitting(lambda: Torch7Net(specs, noise), state, str(path), "Torch7 generator")
    except ValueError as exc:
        raise CheckpointError(f"{path}: its layers do not chain: {exc}") from None
    load_strict(net, state, path)
    channels, height, width = net.out_shape
    if channels not in (1, 3):
        raise CheckpointError(f"{path}: the generator makes {channels} channels; odyssey renders 1 (gray) or 3 (RGB)")
    types = sorted({m.fields[k].class_name for m in modules for k in ("weight", "running_mean") if isinstance(m.fields.get(k), TorchObject)})
    inferred = {
        "classes": sorted({m.class_name for m in modules}),
        "tensor_types": types,
        "dropped_leading": dropped,
        "saved_in_training_mode": bool(top.fields.get("train", False)),
        "noisetype": noise,
    }
    info = ModelInfo(
        name=str(options.get("name") or path.stem),
        family="torch7-dcgan",
        latent_shape=(net.nz,),
        resolution=(height, width),
        channels=channels,
        output_range=(-1.0, 1.0),
        description=f"Torch7 DCGAN generator ({width}x{height}, nz {net.nz}, {len(specs)} layers)",
        source=str(path),
        licence="",
        extra={"architecture": ARCHITECTURE, "layers": [summary(spec) for spec in specs], "inferred": inferred},
    )
    return Torch7Generator(net, info)


def native_architecture() -> tuple[Any, Any]:
    """``(build(kwargs), wrap(net, info))`` for ``odyssey.adapters.native``."""
    return build_torch7_net, Torch7Generator


ADAPTER = Adapter(
    name="torch7",
    description="a Torch7 .t7 DCGAN generator (art-DCGAN, dcgan.torch: torch.save of an nn.Sequential)",
    suffixes=(".t7",),
    sniff=looks_like_t7,
    load=load_torch7,
)
