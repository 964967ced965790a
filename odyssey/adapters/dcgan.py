"""The DCGAN family: the PyTorch DCGAN-tutorial generator that countless checkpoints use.

Architecture (``DCGANNet``), from a ``(N, nz [+ K], 1, 1)`` input:

* ``blocks.0``: ConvTranspose2d(k=4, s=1, p=0) 1x1 -> 4x4, BatchNorm2d, ReLU;
* ``blocks.i``: ConvTranspose2d(k=4, s=2, p=1) doubling H and W, BatchNorm2d, ReLU;
* ``to_rgb``: ConvTranspose2d(k=4, s=2, p=1) to 1 or 3 channels, then Tanh -> [-1, 1].

So ``L`` transposed convolutions give ``4 * 2**(L-1)`` pixels square. Dropout layers that
some checkpoints place between blocks are no-ops in eval mode and carry no tensors, so
they are left out. A conditional DCGAN takes a one-hot label of ``K`` classes
concatenated after z (z first, then label).

Raw ``.pt/.pth/.tar/.ckpt`` files are read by ``dcgan_raw`` (layout from tensor
shapes). The split of the input width into nz and K cannot be read from shapes:
options ``nz`` / ``num_classes`` / ``class_names`` decide it, else a common nz
(64, 100, 128, 256, 512) means unconditional, else a width > 100 means nz=100 plus
one-hot classes ``class_0..``, else unconditional. ``describe()`` reports the decision
under ``extra["inferred"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from odyssey.adapters.dcgan_raw import find_layout, infer_conditioning
from odyssey.adapters.registry import Adapter
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo, ModuleGenerator, NativeForm
from odyssey.models.checkpoint import load_torch_file, looks_like_torch_file

KERNEL = 4
RAW_SUFFIXES = (".pt", ".pth", ".tar", ".ckpt")
RAW_OPTIONS = ("nz", "num_classes", "class_names", "name")


class DCGANBlock(nn.Module):
    """ConvTranspose2d(k=4) -> BatchNorm2d -> ReLU; the first maps 1x1 to 4x4, others double."""

    def __init__(self, in_channels: int, out_channels: int, first: bool, bias: bool) -> None:
        super().__init__()
        stride, padding = (1, 0) if first else (2, 1)
        self.conv = nn.ConvTranspose2d(in_channels, out_channels, KERNEL, stride, padding, bias=bias)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.conv(x)))  # (N, in, H, W) -> (N, out, 2H, 2W) or 1x1 -> 4x4


class DCGANNet(nn.Module):
    """The DCGAN generator stack; ``widths`` are the block output channels, e.g. [512, 256, 128, 64]."""

    def __init__(
        self,
        in_channels: int,
        widths: Sequence[int],
        out_channels: int = 3,
        bias: bool | Sequence[bool] = False,
    ) -> None:
        super().__init__()
        convs = len(widths) + 1
        biases = [bool(bias)] * convs if isinstance(bias, bool) else [bool(b) for b in bias]
        if len(biases) != convs:
            raise ValueError(f"DCGANNet: {len(biases)} bias flags for {convs} convolutions")
        chain = [in_channels, *widths]
        self.blocks = nn.ModuleList(
            DCGANBlock(chain[i], chain[i + 1], first=i == 0, bias=biases[i]) for i in range(len(widths))
        )
        stride, padding = (1, 0) if not widths else (2, 1)
        self.to_rgb = nn.ConvTranspose2d(chain[-1], out_channels, KERNEL, stride, padding, bias=biases[-1])
        self.in_channels = int(in_channels)
        self.widths = [int(w) for w in widths]
        self.out_channels = int(out_channels)
        self.bias: bool | list[bool] = biases[0] if len(set(biases)) == 1 else biases
        self.resolution = 4 * 2 ** (convs - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, in_channels, 1, 1)
        for block in self.blocks:
            x = block(x)  # block i: (N, widths[i], 4 * 2**i, 4 * 2**i)
        return torch.tanh(self.to_rgb(x))  # (N, out_channels, resolution, resolution) in [-1, 1]

    def kwargs(self) -> dict[str, Any]:
        """The constructor arguments, JSON-able, as stored in native metadata."""
        return {
            "in_channels": self.in_channels,
            "widths": self.widths,
            "out_channels": self.out_channels,
            "bias": self.bias,
        }


def build_dcgan_net(kwargs: Mapping[str, Any]) -> DCGANNet:
    """Native-format builder: a randomly initialised ``DCGANNet`` from stored kwargs."""
    return DCGANNet(**kwargs)


class DCGANGenerator(ModuleGenerator):
    """A ``DCGANNet`` behind the ``Generator`` interface; latent_shape ``(nz,)``.

    Truncation scales z toward the prior mean 0 (``z * psi``), which is the whole of
    truncation for a model without a mapping network. Labels are ``(N, K)`` soft one-hot
    weights, concatenated after z.
    """

    def __init__(self, net: DCGANNet, info: ModelInfo) -> None:
        if len(info.latent_shape) != 1 or info.latent_shape[0] + info.num_classes != net.in_channels:
            raise ValueError(
                f"DCGANGenerator: latent_shape {info.latent_shape} + {info.num_classes} classes "
                f"does not match the net's input width {net.in_channels}"
            )
        self.net = net.float().eval().requires_grad_(False).to("cpu")
        self.info = info
        self.device = torch.device("cpu")

    def native_form(self) -> NativeForm:
        return NativeForm("dcgan", self.net.kwargs(), self.net.state_dict())

    def synthesize(
        self,
        latents: torch.Tensor,
        labels: torch.Tensor | None = None,
        truncation: torch.Tensor | None = None,
    ) -> torch.Tensor:
        z = latents.to(self.device, torch.float32)  # (N, nz)
        if z.dim() != 2 or tuple(z.shape[1:]) != self.info.latent_shape:
            raise ValueError(
                f"{self.info.name}: latents must be (N, {self.info.latent_shape[0]}), got {tuple(z.shape)}"
            )
        n = z.shape[0]
        if truncation is not None:
            psi = torch.as_tensor(truncation, dtype=torch.float32, device=self.device).reshape(-1)
            if psi.numel() not in (1, n):
                raise ValueError(
                    f"{self.info.name}: truncation must be (N,) = ({n},), got {tuple(psi.shape)}"
                )
            z = z * psi.view(-1, 1)  # (N, nz), pulled toward the mean 0
        if self.info.conditional:
            if labels is None:
                raise ValueError(
                    f"{self.info.name} is conditional; pass labels over {', '.join(self.info.class_names)}"
                )
            y = labels.to(self.device, torch.float32)  # (N, K)
            if tuple(y.shape) != (n, self.info.num_classes):
                raise ValueError(
                    f"{self.info.name}: labels must be ({n}, {self.info.num_classes}), got {tuple(y.shape)}"
                )
            z = torch.cat([z, y], dim=1)  # (N, nz + K)
        elif labels is not None:
            raise ValueError(f"{self.info.name} is unconditional and takes no labels")
        with torch.no_grad():
            return self.net(z.reshape(n, -1, 1, 1))  # (N, C, H, W) in [-1, 1]


def load_strict(net: nn.Module, state_dict: Mapping[str, torch.Tensor], path: Path) -> None:
    """``load_state_dict(strict=True)``, float tensors upcast to float32; errors name the file."""
    upcast = {k: v.float() if v.is_floating_point() else v for k, v in state_dict.items()}
    try:
        net.load_state_dict(upcast, strict=True)
    except RuntimeError as exc:
        detail = " ".join(str(exc).split())
        raise CheckpointError(
            f"{path}: weights do not fit the architecture ({detail[:400]}); re-convert the file"
        ) from exc


def _check_options(options: Mapping[str, Any], path: Path) -> None:
    unknown = sorted(set(options) - set(RAW_OPTIONS))
    if unknown:
        raise CheckpointError(
            f"{path}: unknown dcgan option(s) {', '.join(unknown)}; known: {', '.join(RAW_OPTIONS)}"
        )
    for key in ("nz", "num_classes"):
        value = options.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise CheckpointError(f"{path}: option {key} must be a non-negative integer, got {value!r}")
    name = options.get("name")
    if name is not None and not isinstance(name, str):
        raise CheckpointError(f"{path}: option name must be a string, got {name!r}")
    names = options.get("class_names")
    if names is not None and (isinstance(names, str) or not all(isinstance(n, str) for n in names)):
        raise CheckpointError(f"{path}: option class_names must be a list of names, got {names!r}")


def load_raw_dcgan(path: Path, options: Mapping[str, Any]) -> DCGANGenerator:
    """Load a raw DCGAN state dict saved with torch.save (see module docstring)."""
    _check_options(options, path)
    layout = find_layout(load_torch_file(path), path)
    nz, class_names, how = infer_conditioning(layout.in_channels, options, path)
    net = DCGANNet(layout.in_channels, layout.widths, layout.out_channels, layout.bias)
    load_strict(net, layout.state_dict, path)
    chain = " -> ".join(str(c) for c in [layout.in_channels, *layout.widths, layout.out_channels])
    convs = len(layout.widths) + 1
    inferred = {
        "state_dict": f"found at {layout.found_at}, key prefix {layout.prefix!r}",
        "layers": f"{convs} ConvTranspose2d 4x4, channels {chain}",
        "resolution": f"4 * 2**({convs}-1) = {net.resolution}",
        "conv_bias": layout.bias,
        "conditioning": how,
        "notes": layout.notes,
    }
    info = ModelInfo(
        name=str(options.get("name") or path.stem),
        family="dcgan",
        latent_shape=(nz,),
        resolution=(net.resolution, net.resolution),
        channels=layout.out_channels,
        output_range=(-1.0, 1.0),
        class_names=tuple(class_names) if class_names else None,
        description=f"DCGAN generator read from a raw state dict ({net.resolution}x{net.resolution})",
        source=str(path),
        licence="",
        extra={"architecture": "dcgan", "kwargs": net.kwargs(), "inferred": inferred},
    )
    return DCGANGenerator(net, info)


ADAPTER = Adapter(
    name="dcgan",
    description="a DCGAN-tutorial generator state dict saved with torch.save",
    suffixes=RAW_SUFFIXES,
    sniff=looks_like_torch_file,
    load=load_raw_dcgan,
)
