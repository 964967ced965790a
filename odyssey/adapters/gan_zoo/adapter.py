"""pytorch_GAN_zoo PGAN/DCGAN files -> ``GanZooGenerator``; and their native form.

Loading (``load_gan_zoo``): read the file safely (``zoo_file``), pick the generator
(``avgG``, the moving average their docs advise sampling from, when the file has one;
option ``network: netG`` for the other), normalise its key names, infer the architecture
from the shapes and check the stored config against them (``infer``), build the network
on the meta device and compare every shape before allocating (``checked.build_fitting``),
load strictly. Options: ``network`` (avgG | netG), ``name``.

Seeds: their ``buildNoiseData(n)`` draws ``torch.randn(n, noiseVectorDim)`` from torch's
global CPU generator and nothing in their code seeds it, so ``seed: s`` here is
``torch.manual_seed(s); z, _ = model.buildNoiseData(1)`` (the default
``Generator.seed_latent``: a CPU ``torch.Generator`` seeded with s, ``randn(noiseVectorDim)``).

Output: ``(N, dimOutput, H, W)`` in [-1, 1]: tanh for models trained with lossMode
DCGAN/MSE, else (WGANGP, their PGAN default) the raw output clamped to [-1, 1], which is
what their image savers do (``visualization/visualizer.py``).

BatchNorm (DCGAN only): odyssey runs it in eval mode with the stored running statistics,
so a frame never depends on the rest of its batch. Their ``test()`` never calls
``.eval()``, so their own pictures use the statistics of whatever batch was drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from odyssey.adapters.checked import build_fitting
from odyssey.adapters.gan_zoo.conditioning import class_names
from odyssey.adapters.gan_zoo.dcgan_net import ZooDCGANNet, build_dcgan_zoo_net
from odyssey.adapters.gan_zoo.infer import Unfit, family_of, infer_dcgan, infer_pgan
from odyssey.adapters.gan_zoo.pgan_net import ProGANNet, build_pgan_net
from odyssey.adapters.gan_zoo.zoo_file import NETWORKS, canonical_keys, find_generator, looks_like_gan_zoo, read_zoo_file
from odyssey.adapters.registry import Adapter
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo, ModuleGenerator, NativeForm

OPTIONS = ("network", "name")
ARCHITECTURE = {"pgan": "gan_zoo_pgan", "dcgan": "gan_zoo_dcgan"}
TITLE = {"pgan": "ProGAN (PGAN)", "dcgan": "DCGAN"}


class GanZooGenerator(ModuleGenerator):
    """A ``ProGANNet`` or ``ZooDCGANNet`` behind the ``Generator`` interface; latent_shape ``(noiseVectorDim,)``.

    Labels ``(N, K)`` are soft weights over attribute-value combinations (``conditioning``).
    Truncation psi pulls each frame's input toward that of z = 0 (see the nets' forward).
    """

    def __init__(self, net: ProGANNet | ZooDCGANNet, info: ModelInfo) -> None:
        if info.latent_shape != (net.inputs.noise_dim,) or info.num_classes != net.inputs.num_classes:
            raise ValueError(
                f"GanZooGenerator: latent_shape {info.latent_shape} and {info.num_classes} classes do not match the net's "
                f"z of {net.inputs.noise_dim} and {net.inputs.num_classes} attribute combinations"
            )
        self.net = net.float().eval().requires_grad_(False).to("cpu")
        self.info = info
        self.device = torch.device("cpu")

    def native_form(self) -> NativeForm:
        family = "pgan" if isinstance(self.net, ProGANNet) else "dcgan"
        return NativeForm(ARCHITECTURE[family], self.net.kwargs(), self.net.state_dict())

    def synthesize(self, latents: torch.Tensor, labels: torch.Tensor | None = None, truncation: torch.Tensor | None = None) -> torch.Tensor:
        name, nz = self.info.name, self.info.latent_shape[0]
        z = latents.to(self.device, torch.float32)  # (N, nz)
        if z.dim() != 2 or z.shape[1] != nz:
            raise ValueError(f"{name}: latents must be (N, {nz}), got {tuple(z.shape)}")
        n = z.shape[0]
        psi = None
        if truncation is not None:
            psi = torch.as_tensor(truncation, dtype=torch.float32, device=self.device).reshape(-1)
            if psi.numel() not in (1, n):
                raise ValueError(f"{name}: truncation must be (N,) = ({n},), got {tuple(psi.shape)}")
            psi = psi.expand(n)
        y = None
        if self.info.conditional:
            if labels is None:
                raise ValueError(f"{name} is conditional; pass labels over {', '.join(self.info.class_names[:8])}")
            y = labels.to(self.device, torch.float32)  # (N, K)
            if tuple(y.shape) != (n, self.info.num_classes):
                raise ValueError(f"{name}: labels must be ({n}, {self.info.num_classes}), got {tuple(y.shape)}")
        elif labels is not None:
            raise ValueError(f"{name} is unconditional and takes no labels")
        with torch.no_grad():
            out = self.net(z, y, psi)  # (N, C, H, W)
        return out if self.net.activation == "tanh" else out.clamp(-1.0, 1.0)


def _check_options(options: Mapping[str, Any], path: Path) -> None:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise CheckpointError(f"{path}: unknown gan_zoo option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}")
    if options.get("network") is not None and options["network"] not in NETWORKS:
        raise CheckpointError(f"{path}: option network must be one of {', '.join(NETWORKS)}, got {options['network']!r}")
    if options.get("name") is not None and not isinstance(options["name"], str):
        raise CheckpointError(f"{path}: option name must be a string, got {options['name']!r}")


def _build(family: str, kwargs: dict[str, Any], state: dict[str, torch.Tensor], path: Path) -> nn.Module:
    builder = build_pgan_net if family == "pgan" else build_dcgan_zoo_net
    net = build_fitting(lambda: builder(kwargs), state, str(path), f"pytorch_GAN_zoo {TITLE[family]} generator")
    try:
        net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{path}: weights do not fit ({' '.join(str(exc).split())[:300]})") from None
    return net


def load_gan_zoo(path: Path, options: Mapping[str, Any]) -> GanZooGenerator:
    """Load a pytorch_GAN_zoo PGAN or DCGAN checkpoint (see module docstring)."""
    _check_options(options, path)
    state, fields, which, keys = find_generator(read_zoo_file(path), path, options.get("network"))
    state = canonical_keys(state, path)
    try:
        family = family_of(state)
        kwargs, inferred = (infer_pgan if family == "pgan" else infer_dcgan)(state, fields)
    except Unfit as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    if kwargs["dim_output"] not in (1, 3):
        raise CheckpointError(f"{path}: the generator makes {kwargs['dim_output']} channels; odyssey renders 1 (gray) or 3 (RGB)")
    net = _build(family, kwargs, state, path)
    resolution = net.resolution
    inferred = {"network": which, "file_keys": keys, **inferred}
    if fields is not None:
        shown = ("lossCriterion", "noiseVectorDim", "alpha", "depthScale0", "dimG", "depth")
        inferred["config"] = {k: fields[k] for k in shown if isinstance(fields.get(k), (str, int, float))}
    names = class_names(kwargs["attributes"]) if kwargs["attributes"] else None
    info = ModelInfo(
        name=str(options.get("name") or path.stem),
        family=f"gan_zoo-{family}",
        latent_shape=(kwargs["noise_dim"],),
        resolution=(resolution, resolution),
        channels=kwargs["dim_output"],
        output_range=(-1.0, 1.0),
        class_names=tuple(names) if names else None,
        description=f"pytorch_GAN_zoo {TITLE[family]} generator ({resolution}x{resolution}), {which}",
        source=str(path),
        licence="",
        extra={"architecture": ARCHITECTURE[family], "kwargs": kwargs, "inferred": inferred},
    )
    return GanZooGenerator(net, info)


def native_architectures() -> dict[str, tuple[Any, Any]]:
    """``{architecture: (build(kwargs), wrap(net, info))}`` for ``odyssey.adapters.native``."""
    return {ARCHITECTURE["pgan"]: (build_pgan_net, GanZooGenerator), ARCHITECTURE["dcgan"]: (build_dcgan_zoo_net, GanZooGenerator)}


ADAPTER = Adapter(
    name="gan_zoo",
    description="a facebookresearch/pytorch_GAN_zoo PGAN or DCGAN checkpoint (torch.hub .pth or training .pt)",
    suffixes=(".pth", ".pt"),
    sniff=looks_like_gan_zoo,
    load=load_gan_zoo,
)
