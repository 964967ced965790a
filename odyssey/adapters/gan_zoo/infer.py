"""The architecture of a pytorch_GAN_zoo generator, from its tensor shapes and its stored config.

Shapes decide what they can: the number of scales and each scale's width (PGAN's
``toRGBLayers.k``), the input width ``dimLatent`` (``formatLayer``), ``dimOutput``,
DCGAN's ``dimG`` and ``depth``. The config, when the file has one, decides what shapes
cannot, and is checked strictly against them: a field that shapes the network must have
the right type and agree with the weights, or the file is refused naming the field.
Their ``load_state_dict`` fills fields the config lacks from the model's constructor
defaults, and so does this module (``PGAN_DEFAULTS``, ``DCGAN_DEFAULTS``); a file with
no config at all (a bare state dict) gets those defaults too. Other fields (learning
rates, loss weights, ...) do not change the generator and are ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import torch

from odyssey.adapters.gan_zoo.conditioning import parse_attributes

MAX_SCALES = 13  # 4 * 2**12 = 16384 pixels, odyssey's largest side
LOSSES = {"WGANGP": None, "Logistic": None, "DCGAN": "tanh", "MSE": "tanh"}  # their generationActivation
PGAN_DEFAULTS: dict[str, Any] = {"leakyReluLeak": 0.2, "perChannelNormalization": True, "equalizedlR": True, "alpha": 0, "lossCriterion": "WGANGP", "attribKeysOrder": None}
DCGAN_DEFAULTS: dict[str, Any] = {"lossCriterion": "WGANGP", "attribKeysOrder": None}
_RGB = re.compile(r"^toRGBLayers\.(\d+)\.module\.weight$")


class Unfit(ValueError):
    """The weights or config do not describe a generator this module can build (message says why)."""


def family_of(state: Mapping[str, torch.Tensor]) -> str:
    """'pgan' or 'dcgan' from the layer names; Unfit for their StyleGAN or anything else."""
    if "baseScale0" in state or any(k.startswith(("mapping.", "adain")) for k in state):
        raise Unfit("it is a pytorch_GAN_zoo StyleGAN, which odyssey does not load (their PGAN and DCGAN load)")
    if any(k.startswith("toRGBLayers.") for k in state):
        return "pgan"
    if "main.outlayer.weight" in state and "formatLayer.weight" in state:
        return "dcgan"
    raise Unfit(f"not a pytorch_GAN_zoo generator: neither PGAN's toRGBLayers nor DCGAN's main.outlayer (keys: {', '.join(list(state)[:5])})")


def _shape(state: Mapping[str, torch.Tensor], key: str, dims: int) -> tuple[int, ...]:
    if key not in state:
        raise Unfit(f"the generator has no {key}")
    shape = tuple(state[key].shape)
    if len(shape) != dims:
        raise Unfit(f"{key} has shape {shape}, not {dims}-D")
    return shape


def _field(fields: Mapping[str, Any], defaults: Mapping[str, Any], name: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = fields.get(name, defaults.get(name))
    if isinstance(value, bool) and kind is not bool:
        raise Unfit(f"config field {name} is {value!r}, not {what}")
    if not isinstance(value, kind):
        raise Unfit(f"config field {name} is {value!r} ({type(value).__name__}), not {what}")
    if isinstance(value, float) and not math.isfinite(value):
        raise Unfit(f"config field {name} is {value!r}, not a finite number")
    return value


def _same(stored: Any, found: int | list[int]) -> bool:
    """Plain equality of a config value and an int (or list of ints) read from the weights."""
    if isinstance(found, list):
        return isinstance(stored, list) and len(stored) == len(found) and all(_same(s, f) for s, f in zip(stored, found, strict=True))
    return type(stored) is int and stored == found


def _agree(fields: Mapping[str, Any], name: str, found: int | list[int], where: str) -> None:
    if name in fields and not _same(fields[name], found):
        raise Unfit(f"config field {name} is {fields[name]!r} but the weights give {found!r} ({where})")


def _conditioning(fields: Mapping[str, Any], defaults: Mapping[str, Any], dim_latent: int) -> tuple[int, list | None, str]:
    """``(noise_dim, attributes, how)`` from attribKeysOrder and the input width."""
    raw = fields.get("attribKeysOrder", defaults["attribKeysOrder"])
    attributes = None
    if not (raw is None or (isinstance(raw, Mapping) and not raw)):  # theirs treats {} as unconditional too
        try:
            attributes = parse_attributes(raw)
        except ValueError as exc:
            raise Unfit(f"config field attribKeysOrder: {exc}") from None
    categories = sum(len(values) for _, values in attributes or [])
    _agree(fields, "categoryVectorDim", categories, "the attribute values in attribKeysOrder")
    noise = dim_latent - categories
    if noise < 1:
        raise Unfit(f"the input is {dim_latent} wide, too narrow for {categories} attribute values and a z")
    _agree(fields, "noiseVectorDim", noise, f"input width {dim_latent} less {categories} attribute values")
    _agree(fields, "latentVectorDim", dim_latent, "formatLayer's input width")
    how = "unconditional" if not attributes else f"AC-GAN: z of {noise} then one-hot blocks " + ", ".join(f"{n} ({len(v)})" for n, v in attributes)
    return noise, [[n, v] for n, v in attributes] if attributes else None, how


def _activation(fields: Mapping[str, Any], defaults: Mapping[str, Any]) -> str | None:
    loss = _field(fields, defaults, "lossCriterion", str, "a loss name")
    if loss not in LOSSES:
        raise Unfit(f"config field lossCriterion is {loss!r}, not one of {', '.join(LOSSES)}")
    return LOSSES[loss]


def infer_pgan(state: Mapping[str, torch.Tensor], fields: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(ProGANNet kwargs, what was inferred and from where)``; Unfit names the problem."""
    cfg = fields or {}
    indices = sorted(int(m.group(1)) for k in state if (m := _RGB.match(k)))
    if not indices or indices != list(range(len(indices))):
        raise Unfit(f"its toRGBLayers are numbered {indices[:8]}, not 0, 1, 2, ...")
    if len(indices) > MAX_SCALES:
        raise Unfit(f"it has {len(indices)} scales; at most {MAX_SCALES} (16384 pixels) make sense")
    rgb = [_shape(state, f"toRGBLayers.{i}.module.weight", 4) for i in indices]
    depths = [shape[1] for shape in rgb]
    dim_output = rgb[0][0]
    features, dim_latent = _shape(state, "formatLayer.module.weight", 2)
    if features != 16 * depths[0]:
        raise Unfit(f"formatLayer makes {features} features, not 16 x the first scale's {depths[0]} channels")
    _agree(cfg, "depthScale0", depths[0], "toRGBLayers.0")
    _agree(cfg, "depthOtherScales", depths[1:], "toRGBLayers.1..")
    _agree(cfg, "dimOutput", dim_output, "toRGBLayers' output channels")
    noise, attributes, how = _conditioning(cfg, PGAN_DEFAULTS, dim_latent)
    if _field(cfg, PGAN_DEFAULTS, "perChannelNormalization", bool, "true or false") is not True:
        raise Unfit("config field perChannelNormalization is False: their GNet.forward cannot run such a generator (it calls the missing normalisation layer)")
    alpha = float(_field(cfg, PGAN_DEFAULTS, "alpha", (int, float), "a number"))
    if not 0.0 <= alpha <= 1.0:
        raise Unfit(f"config field alpha is {alpha}, not in [0, 1]")
    leak = float(_field(cfg, PGAN_DEFAULTS, "leakyReluLeak", (int, float), "a number"))
    kwargs = {
        "noise_dim": noise,
        "depths": depths,
        "dim_output": dim_output,
        "leakiness": leak,
        "equalized": _field(cfg, PGAN_DEFAULTS, "equalizedlR", bool, "true or false"),
        "alpha": alpha if len(depths) > 1 else 0.0,
        "activation": _activation(cfg, PGAN_DEFAULTS),
        "attributes": attributes,
    }
    source = "config" if fields is not None else "defaults (no config in the file)"
    inferred = {
        "scales": f"{len(depths)} (toRGBLayers), widths {depths}, {4 * 2 ** (len(depths) - 1)} pixels",
        "input": f"{dim_latent} wide (formatLayer): {how}",
        "alpha": f"{kwargs['alpha']} from {source}" + (" (fading in its last scale)" if kwargs["alpha"] > 0 else ""),
        "equalized_lr": f"{kwargs['equalized']} from {source}",
        "leakiness": f"{leak} from {source}",
        "output": ("tanh" if kwargs["activation"] else "no activation, clamped to [-1, 1]") + f" (lossCriterion from {source})",
    }
    return kwargs, inferred


def infer_dcgan(state: Mapping[str, torch.Tensor], fields: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(ZooDCGANNet kwargs, what was inferred)``; Unfit names the problem."""
    cfg = fields or {}
    dim_latent, width = _shape(state, "formatLayer.weight", 4)[:2]
    convs = sorted(int(k[len("main.convTranspose") : -len(".weight")]) for k in state if re.match(r"^main\.convTranspose\d+\.weight$", k))
    if convs != list(range(1, len(convs) + 1)):
        raise Unfit(f"its main.convTranspose layers are numbered {convs[:8]}, not 1, 2, 3, ...")
    depth = len(convs)
    if depth + 3 > 14:
        raise Unfit(f"it has {depth} upsampling layers; at most 11 (16384 pixels) make sense")
    dim_g, dim_output = _shape(state, "main.outlayer.weight", 4)[:2]
    if width != dim_g * 2**depth:
        raise Unfit(f"formatLayer makes {width} channels, not dimG {dim_g} x 2**depth {depth}")
    _agree(cfg, "dimG", dim_g, "main.outlayer")
    _agree(cfg, "depth", depth, "the main.convTranspose layers")
    _agree(cfg, "dimOutput", dim_output, "main.outlayer's output channels")
    noise, attributes, how = _conditioning(cfg, DCGAN_DEFAULTS, dim_latent)
    kwargs = {"noise_dim": noise, "dim_g": dim_g, "depth": depth, "dim_output": dim_output, "activation": _activation(cfg, DCGAN_DEFAULTS), "attributes": attributes}
    source = "config" if fields is not None else "defaults (no config in the file)"
    inferred = {
        "layers": f"dimG {dim_g}, depth {depth} (main.convTranspose*), {2 ** (depth + 3)} pixels",
        "input": f"{dim_latent} wide (formatLayer): {how}",
        "output": ("tanh" if kwargs["activation"] else "no activation, clamped to [-1, 1]") + f" (lossCriterion from {source})",
    }
    return kwargs, inferred
