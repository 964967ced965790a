"""A Torch7 ``nn.Sequential`` generator of known layers, rebuilt as a torch module (``Torch7Net``).

DCGAN (Radford et al. 2016) as dcgan.torch and art-DCGAN build it in Lua: a chain of
``SpatialFullConvolution`` -> ``SpatialBatchNormalization`` -> ``ReLU`` blocks from
``(N, nz, 1, 1)``, ending in ``SpatialFullConvolution`` -> ``Tanh`` (art-DCGAN: 6 of them,
1 -> 4 -> 8 -> ... -> 128 px). The net is described by a list of layer specs (JSON-able,
the Torch7 field names), one per Torch7 module, so the same list is what ``odyssey convert``
stores. Torch7 semantics, layer by layer (torch/nn ``*.lua`` and ``lib/THNN/generic/*.c``):

* ``SpatialFullConvolution``: weight ``[nInputPlane, nOutputPlane, kH, kW]`` (the layout of
  ``ConvTranspose2d``), stride ``dW, dH``, padding ``padW, padH``, output padding ``adjW,
  adjH``; output side ``(in - 1) * d - 2 * pad + k + adj``;
* ``SpatialConvolution``: weight ``[nOutputPlane, nInputPlane / groups, kH, kW]``, side
  ``floor((in + 2 * pad - k) / d) + 1`` (cudnn's has ``groups``);
* ``SpatialBatchNormalization`` in evaluation: ``(x - running_mean) / sqrt(running_var + eps)
  * weight + bias`` (no weight/bias when ``affine`` is false);
* ``ReLU``, ``LeakyReLU`` (``x`` or ``negval * x`` below 0), ``Tanh``, ``Identity``;
* ``View`` / ``Reshape``: each sample reshaped to ``size`` (one -1 inferred), the batch kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

MAX_SIDE = 16384  # pixels a side of any generator's image
MAX_VALUES = 1 << 28  # values per image in any layer (1 GiB of float32 per sample)
CONV_KEYS = ("nInputPlane", "nOutputPlane", "kW", "kH", "dW", "dH", "padW", "padH")
LAYER_KEYS: dict[str, tuple[str, ...]] = {
    "SpatialFullConvolution": (*CONV_KEYS, "adjW", "adjH", "bias"),
    "SpatialConvolution": (*CONV_KEYS, "groups", "bias"),
    "SpatialBatchNormalization": ("nOutput", "eps", "momentum", "affine"),
    "ReLU": (),
    "LeakyReLU": ("negval",),
    "Tanh": (),
    "Identity": (),
    "View": ("size",),
}


class SampleView(nn.Module):
    """Torch7 ``nn.View`` / ``nn.Reshape`` in a batch: ``(N, ...) -> (N, *size)``."""

    def __init__(self, size: Sequence[int]) -> None:
        super().__init__()
        self.size = tuple(int(s) for s in size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.size)


def _check_spec(spec: Mapping[str, Any]) -> str:
    kind = spec.get("type")
    if kind not in LAYER_KEYS:
        raise ValueError(f"unknown layer type {kind!r}; known: {', '.join(LAYER_KEYS)}")
    keys = set(spec) - {"type"}
    if keys != set(LAYER_KEYS[kind]):
        raise ValueError(f"layer {kind} needs exactly {', '.join(LAYER_KEYS[kind]) or 'no fields'}, got {', '.join(sorted(keys)) or 'none'}")
    return kind


def build_layer(spec: Mapping[str, Any]) -> nn.Module:
    """The torch module for one layer spec (see the module docstring)."""
    kind = _check_spec(spec)
    s = spec
    if kind == "SpatialFullConvolution":
        return nn.ConvTranspose2d(
            s["nInputPlane"], s["nOutputPlane"], (s["kH"], s["kW"]), stride=(s["dH"], s["dW"]),
            padding=(s["padH"], s["padW"]), output_padding=(s["adjH"], s["adjW"]), bias=bool(s["bias"]),
        )
    if kind == "SpatialConvolution":
        return nn.Conv2d(
            s["nInputPlane"], s["nOutputPlane"], (s["kH"], s["kW"]), stride=(s["dH"], s["dW"]),
            padding=(s["padH"], s["padW"]), groups=s["groups"], bias=bool(s["bias"]),
        )
    if kind == "SpatialBatchNormalization":
        return nn.BatchNorm2d(s["nOutput"], eps=float(s["eps"]), momentum=float(s["momentum"]), affine=bool(s["affine"]))
    if kind == "LeakyReLU":
        return nn.LeakyReLU(float(s["negval"]))
    if kind == "View":
        return SampleView(s["size"])
    return {"ReLU": nn.ReLU, "Tanh": nn.Tanh, "Identity": nn.Identity}[kind]()


def trace(layers: Sequence[Mapping[str, Any]], nz: int) -> list[tuple[int, int, int]]:
    """Each layer's output ``(C, H, W)`` from a ``(nz, 1, 1)`` input; ValueError where layers do not chain."""
    c, h, w = nz, 1, 1
    shapes = []
    for i, s in enumerate(layers):
        kind = _check_spec(s)
        where = f"layer {i + 1} ({kind})"
        if kind in ("SpatialFullConvolution", "SpatialConvolution"):
            if s["nInputPlane"] != c:
                raise ValueError(f"{where} takes {s['nInputPlane']} planes but gets {c}")
            if kind == "SpatialFullConvolution":
                if not (0 <= s["adjH"] < max(s["dH"], 1) and 0 <= s["adjW"] < max(s["dW"], 1)):
                    raise ValueError(f"{where}: adjW/adjH ({s['adjW']}, {s['adjH']}) must be below dW/dH ({s['dW']}, {s['dH']})")
                h = (h - 1) * s["dH"] - 2 * s["padH"] + s["kH"] + s["adjH"]
                w = (w - 1) * s["dW"] - 2 * s["padW"] + s["kW"] + s["adjW"]
            else:
                if s["groups"] < 1 or c % s["groups"] or s["nOutputPlane"] % s["groups"]:
                    raise ValueError(f"{where}: {c} and {s['nOutputPlane']} planes do not split into {s['groups']} groups")
                h = (h + 2 * s["padH"] - s["kH"]) // max(s["dH"], 1) + 1
                w = (w + 2 * s["padW"] - s["kW"]) // max(s["dW"], 1) + 1
            c = s["nOutputPlane"]
            if min(s["dH"], s["dW"], s["kH"], s["kW"]) < 1 or min(s["padH"], s["padW"]) < 0:
                raise ValueError(f"{where}: kernel and stride must be at least 1, padding at least 0")
        elif kind == "SpatialBatchNormalization" and s["nOutput"] != c:
            raise ValueError(f"{where} normalises {s['nOutput']} planes but gets {c}")
        elif kind == "View":
            c, h, w = _view_shape(s["size"], c * h * w, where)
        if min(c, h, w) < 1:
            raise ValueError(f"{where} leaves nothing: output {c}x{h}x{w}")
        if c * h * w > MAX_VALUES or max(h, w) > MAX_SIDE:
            raise ValueError(f"{where} makes {c}x{h}x{w} values per image, beyond any generator's (at most {MAX_SIDE} px a side)")
        shapes.append((c, h, w))
    return shapes


def _view_shape(size: Sequence[int], numel: int, where: str) -> tuple[int, int, int]:
    size = [int(v) for v in size]
    known = math.prod(v for v in size if v != -1)
    if size.count(-1) > 1 or any(v < -1 or v == 0 for v in size) or known < 1:
        raise ValueError(f"{where}: size {size} is not a view size")
    if -1 in size:
        size[size.index(-1)] = numel // known
    if math.prod(size) != numel or len(size) != 3:
        raise ValueError(f"{where}: views {numel} values per sample as {size}; odyssey needs a (C, H, W) result")
    return size[0], size[1], size[2]


class Torch7Net(nn.Module):
    """The layers of a Torch7 generator, in order: ``(N, nz, 1, 1)`` -> ``(N, C, H, W)``.

    ``layers``: the specs (``type`` plus the Torch7 fields in ``LAYER_KEYS``); ``noise``: the
    prior its z was trained with (``normal`` or ``uniform`` in [-1, 1]), kept with the net so
    that a converted file draws the same seeds.
    """

    def __init__(self, layers: Sequence[Mapping[str, Any]], noise: str = "normal") -> None:
        super().__init__()
        if not layers or _check_spec(layers[0]) not in ("SpatialFullConvolution", "SpatialConvolution"):
            raise ValueError("the first layer must be a SpatialFullConvolution or SpatialConvolution (it sets nz)")
        if noise not in ("normal", "uniform"):
            raise ValueError(f"noise must be normal or uniform, got {noise!r}")
        self.specs = [dict(spec) for spec in layers]
        self.noise = noise
        self.nz = int(layers[0]["nInputPlane"])
        self.shapes = trace(self.specs, self.nz)
        self.layers = nn.Sequential(*(build_layer(spec) for spec in self.specs))

    @property
    def out_shape(self) -> tuple[int, int, int]:
        return self.shapes[-1]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.layers(z)  # (N, nz, 1, 1) -> (N, C, H, W)

    def kwargs(self) -> dict[str, Any]:
        """The constructor arguments, JSON-able (native metadata)."""
        return {"layers": [dict(spec) for spec in self.specs], "noise": self.noise}


def build_torch7_net(kwargs: Mapping[str, Any]) -> Torch7Net:
    """Native-format builder: an untrained ``Torch7Net`` from stored kwargs."""
    return Torch7Net(**kwargs)
