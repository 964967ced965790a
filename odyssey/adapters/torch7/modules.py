"""Torch7 nn/cudnn modules (their fields, as ``reader`` returns them) -> ``Torch7Net`` layer specs and weights.

Each known module becomes one layer spec (``sequential.LAYER_KEYS``) and its tensors the
state-dict entries ``layers.<i>.weight`` etc., float32. Defaults are those of the Lua
constructors (``dW = dH = 1``, ``pad = 0``, ``adj = 0``, ``eps = 1e-5``, ``negval = 1/100``);
fields nn added later are read as nn's ``read``/``backCompatibility`` does (``padding`` before
``padW``/``padH``; ``running_std`` of a version-1 BatchNorm, ``running_var = running_std^-2 - eps``).
A field that is not what the layer needs raises ``Unfit`` naming the module and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from odyssey.adapters.checked import MAX_INT
from odyssey.adapters.torch7.reader import TorchObject

LAYERS = {  # Torch7 class -> layer type (nn.* as written on a CPU, cudnn.* as trained on a GPU)
    "nn.SpatialFullConvolution": "SpatialFullConvolution", "cudnn.SpatialFullConvolution": "SpatialFullConvolution",
    "nn.SpatialConvolution": "SpatialConvolution", "cudnn.SpatialConvolution": "SpatialConvolution",
    "nn.SpatialBatchNormalization": "SpatialBatchNormalization", "cudnn.SpatialBatchNormalization": "SpatialBatchNormalization",
    "nn.ReLU": "ReLU", "cudnn.ReLU": "ReLU", "nn.LeakyReLU": "LeakyReLU", "nn.Tanh": "Tanh", "cudnn.Tanh": "Tanh",
    "nn.Identity": "Identity", "nn.View": "View", "nn.Reshape": "View",
}


class Unfit(ValueError):
    """A module's fields do not describe a layer odyssey can build (the loader names the file)."""


def _int(fields: Mapping, key: str, where: str, default: int | None = None) -> int:
    value = fields.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -MAX_INT <= value <= MAX_INT or value != int(value):
        raise Unfit(f"{where}: field {key} is {value!r}, not a size")  # (NaN fails the range test)
    return int(value)


def _number(fields: Mapping, key: str, where: str, default: float) -> float:
    value = fields.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise Unfit(f"{where}: field {key} is {value!r}, not a number")
    return float(value)


def _tensor(fields: Mapping, key: str, where: str, shape: tuple[int, ...] | None) -> torch.Tensor | None:
    """Field ``key`` as a float32 tensor of ``shape`` (None where the field is nil); types recorded by the caller."""
    value = fields.get(key)
    if value is None:
        return None
    if not isinstance(value, TorchObject) or value.array is None or not value.class_name.endswith("Tensor"):
        raise Unfit(f"{where}: field {key} is {value!r}, not a tensor")
    if value.array.dtype.kind != "f":
        raise Unfit(f"{where}: field {key} is a {value.class_name}, not a floating-point tensor")
    array = value.array
    if shape is not None and tuple(array.shape) != shape:
        if array.size != int(np.prod(shape)):
            raise Unfit(f"{where}: {key} has shape {tuple(array.shape)}, the layer needs {shape}")
        array = array.reshape(shape)  # old SpatialConvolution weights: (nOut, nIn * kH * kW)
    return torch.tensor(np.ascontiguousarray(array), dtype=torch.float32)


def _conv(kind: str, f: Mapping, where: str, prefix: str, state: dict) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": kind}
    for key in ("nInputPlane", "nOutputPlane", "kW", "kH"):
        spec[key] = _int(f, key, where)
    spec.update(dW=_int(f, "dW", where, 1), dH=_int(f, "dH", where, 1))
    pad = f.get("padding", 0)  # nn before 2015 had one "padding"
    spec.update(padW=_int(f, "padW", where, pad), padH=_int(f, "padH", where, f.get("padW", pad)))
    if kind == "SpatialFullConvolution":
        spec.update(adjW=_int(f, "adjW", where, 0), adjH=_int(f, "adjH", where, 0))
        shape = (spec["nInputPlane"], spec["nOutputPlane"], spec["kH"], spec["kW"])
    else:
        spec["groups"] = _int(f, "groups", where, 1)
        if spec["groups"] < 1 or spec["nInputPlane"] % spec["groups"]:
            raise Unfit(f"{where}: groups {spec['groups']} does not divide {spec['nInputPlane']} planes")
        shape = (spec["nOutputPlane"], spec["nInputPlane"] // spec["groups"], spec["kH"], spec["kW"])
    if min(shape) < 1:
        raise Unfit(f"{where}: sizes {shape} are not a convolution's")
    state[f"{prefix}.weight"] = _tensor(f, "weight", where, shape)
    if state[f"{prefix}.weight"] is None:
        raise Unfit(f"{where}: the convolution has no weight")
    bias = _tensor(f, "bias", where, (spec["nOutputPlane"],))
    spec["bias"] = bias is not None
    if bias is not None:
        state[f"{prefix}.bias"] = bias
    return spec


def _batchnorm(obj: TorchObject, where: str, prefix: str, state: dict) -> dict[str, Any]:
    f = obj.fields
    mean = _tensor(f, "running_mean", where, None)
    if mean is None or mean.dim() != 1:
        raise Unfit(f"{where}: running_mean is missing or not a vector")
    n, eps = mean.shape[0], _number(f, "eps", where, 1e-5)
    var = _tensor(f, "running_var", where, (n,))
    if var is None and obj.version < 2 and f.get("running_std") is not None:  # nn's BatchNormalization:read
        var = _tensor(f, "running_std", where, (n,)).pow(-2) - eps
    if var is None:
        raise Unfit(f"{where}: running_var is missing")
    weight, bias = _tensor(f, "weight", where, (n,)), _tensor(f, "bias", where, (n,))
    affine = weight is not None
    if affine != (bias is not None) or f.get("affine", affine) is not affine:
        raise Unfit(f"{where}: affine is {f.get('affine')!r} but weight/bias are {weight is not None}/{bias is not None}")
    state.update({f"{prefix}.running_mean": mean, f"{prefix}.running_var": var, f"{prefix}.num_batches_tracked": torch.tensor(0)})
    if affine:
        state.update({f"{prefix}.weight": weight, f"{prefix}.bias": bias})
    return {"type": "SpatialBatchNormalization", "nOutput": n, "eps": eps, "momentum": _number(f, "momentum", where, 0.1), "affine": affine}


def layer_spec(obj: TorchObject, index: int, state: dict) -> dict[str, Any]:
    kind, f, where = LAYERS[obj.class_name], obj.fields, f"module {index + 1} ({obj.class_name})"
    prefix = f"layers.{index}"
    if kind in ("SpatialFullConvolution", "SpatialConvolution"):
        return _conv(kind, f, where, prefix, state)
    if kind == "SpatialBatchNormalization":
        return _batchnorm(obj, where, prefix, state)
    if kind == "ReLU" and (_number(f, "threshold", where, 0) != 0 or _number(f, "val", where, 0) != 0):
        raise Unfit(f"{where}: a threshold of {f.get('threshold')} (value {f.get('val')}) is not a ReLU")
    if kind == "LeakyReLU":
        return {"type": kind, "negval": _number(f, "negval", where, 0.01)}
    if kind == "View":
        size = f.get("size")
        if not isinstance(size, TorchObject) or size.array is None or size.array.dtype.kind not in "iu" or size.array.ndim != 1:
            raise Unfit(f"{where}: field size is {size!r}, not a torch.LongStorage")
        if not 1 <= size.array.size <= 4:
            raise Unfit(f"{where}: views as {size.array.size} dimensions; odyssey needs (C, H, W)")
        return {"type": kind, "size": [int(v) for v in size.array]}
    return {"type": kind}


def summary(spec: Mapping[str, Any]) -> str:
    """One layer in a few words, for ``odyssey models``: ``SpatialFullConvolution 512->256 k4 d2 pad1``."""
    kind = spec["type"]
    if "nInputPlane" in spec:
        adj = f" adj{spec['adjW']}" if spec.get("adjW") or spec.get("adjH") else ""
        return f"{kind} {spec['nInputPlane']}->{spec['nOutputPlane']} k{spec['kH']}x{spec['kW']} d{spec['dH']} pad{spec['padH']}{adj}" + (" +bias" if spec["bias"] else "")
    if kind == "SpatialBatchNormalization":
        return f"{kind} {spec['nOutput']} eps {spec['eps']:g}" + ("" if spec["affine"] else " (no affine)")
    return f"{kind} {spec['negval']:g}" if kind == "LeakyReLU" else f"{kind} {spec['size']}" if kind == "View" else kind
