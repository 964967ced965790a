"""NVIDIA's TF StyleGAN2 ``Gs`` (``G_main`` with ``mapping``/``synthesis`` components) -> the
StyleGAN2 generator of ``adapters.stylegan.sg2``, wrapped as a ``StyleGANGenerator``.

Two TF code bases wrote these pickles, told apart by the synthesis build function:
``G_synthesis_stylegan2`` (NVlabs/stylegan2: configs E and F, and forks of it) and
``G_synthesis`` (NVlabs/stylegan2-ada, the TF version). Their networks are the ones
NVIDIA's PyTorch port computes, so the TF kwargs translate into its constructor
arguments as NVIDIA's converter (``legacy.py``) translates them, and the variables move
over by name (TF layouts: dense ``[in, out]``, conv ``[kh, kw, in, out]``, the
upsampling convs' kernels flipped, style biases stored minus 1):

    Gs:        dlatent_avg [w]                             -> mapping.w_avg   (lod: training only)
    mapping:   Dense{i}/weight, bias; LabelEmbed/weight, bias (ADA)
                                                            -> mapping.fc{i}.*, mapping.embed.*
    synthesis: 4x4/Const/const [1, C, h, w]                -> synthesis.b4.const
               {r}x{r}/{Conv|Conv0_up|Conv1|ToRGB}/{weight, bias, mod_weight, mod_bias, noise_strength}
                                                            -> synthesis.b{r}.{conv1|conv0|conv1|torgb}.*
               {r}x{r}/Skip/weight (resnet)                 -> synthesis.b{r}.skip.weight
               noise{i} [1, 1, h, w]                        -> the noise_const of layer i

Kwargs are read with the defaults of the build function that wrote the file (the
components' own, overridden by what ``G_main`` passes on, as at run time). Kwargs that
only steer training or NVIDIA's ``run`` (truncation defaults, style mixing,
``randomize_noise``, ``fused_modconv``, ``impl``) change nothing here: truncation and noise
come from the path file. Kwargs no known code base takes are ignored with a warning
naming them if the weights still fit the network the rest describe, else refused by
name. Non-square forks (eps696's ``init_res = [h, w]``, or any fork whose 4x4 constant
is ``h x w`` and doubles at every block) load with images of
``(resolution * h / 4, resolution * w / 4)``; forks that resample between layers
(``size``/``scale_type``) are refused by name.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from odyssey.adapters.checked import build_fitting, short
from odyssey.adapters.stylegan.filters import setup_filter
from odyssey.adapters.stylegan.generator import StyleGANGenerator
from odyssey.adapters.stylegan.loader import build_network
from odyssey.adapters.tfpickle.record import TFNetwork
from odyssey.adapters.tfpickle.remap import (
    Kwargs,
    dense,
    tensor,
    tf_array,
    unknown_variable,
    warn_dtype,
)
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo

SYNTHESIS_FUNCS = {"G_synthesis_stylegan2": "NVlabs/stylegan2", "G_synthesis": "NVlabs/stylegan2-ada (TF)"}
G_MAIN = {"truncation_psi", "truncation_cutoff", "truncation_psi_val", "truncation_cutoff_val", "dlatent_avg_beta",
          "style_mixing_prob", "is_training", "is_validation", "return_dlatents", "is_template_graph", "components",
          "mapping_func", "synthesis_func"}  # fmt: skip
MAPPING = {"latent_size", "label_size", "dlatent_size", "dlatent_broadcast", "mapping_layers", "mapping_fmaps",
           "mapping_lrmul", "mapping_nonlinearity", "normalize_latents", "label_fmaps", "dtype"}  # fmt: skip
SYNTHESIS = {"dlatent_size", "num_channels", "resolution", "fmap_base", "fmap_decay", "fmap_min", "fmap_max", "fmap_const",
             "use_noise", "randomize_noise", "architecture", "nonlinearity", "dtype", "num_fp16_res", "conv_clamp",
             "resample_kernel", "fused_modconv", "force_clean_graph", "structure"}  # fmt: skip
FORKS = {"init_res", "size", "scale_type", "impl", "verbose"}  # eps696/stylegan2 (non-square, reference ops)
ACTIVATIONS = ["linear", "relu", "lrelu", "tanh", "sigmoid", "elu", "selu", "softplus", "swish"]
_LAYER = re.compile(r"(\d+)x(\d+)/(Conv|Conv0_up|Conv1|ToRGB)/(weight|bias|mod_weight|mod_bias|noise_strength)")


def _component(gs: TFNetwork, name: str, where: str) -> TFNetwork:
    if name not in gs.components:
        raise CheckpointError(f"{where}: this G_main network has no {name!r} component (it has: {', '.join(gs.components) or 'none'}); the file is corrupt")
    return gs.components[name]


def _nf(stage: int, base: int, decay: float, low: int, high: int) -> int:
    """Feature maps at a stage, as the TF code computes them (resolution ``2 ** (stage + 1)``)."""
    return int(np.clip(int(base / (2.0 ** (stage * decay))), low, high))


def _kwargs(gs: TFNetwork, mapping: TFNetwork, synthesis: TFNetwork, where: str) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """(StyleGAN2Generator kwargs, unknown kwarg names, facts for the description)."""
    top = Kwargs(gs.static_kwargs, where, "G_main")
    passed = {k: v for k, v in top.values.items() if k not in G_MAIN}
    mk = Kwargs({**mapping.static_kwargs, **passed}, where, "G_mapping")
    sk = Kwargs({**synthesis.static_kwargs, **passed}, where, "G_synthesis")
    ada = synthesis.build_func_name == "G_synthesis"
    unknown = sorted((set(top.values) | set(mk.values) | set(sk.values)) - G_MAIN - MAPPING - SYNTHESIS - FORKS)
    warn_dtype(sk, where)
    if not mk.bool("normalize_latents", True):
        raise CheckpointError(f"{where}: G_mapping kwarg normalize_latents=False is not supported (odyssey's StyleGAN2 normalises z)")
    w_dim = mk.int("dlatent_size", 512, 1)
    if sk.int("dlatent_size", 512, 1) != w_dim:
        raise CheckpointError(f"{where}: dlatent_size differs between G_mapping ({w_dim}) and G_synthesis; the file is corrupt")
    resolution = sk.int("resolution", 1024, 4)
    if resolution & (resolution - 1):
        raise CheckpointError(f"{where}: G_synthesis kwarg resolution={resolution} is not a power of two; the file is corrupt")
    log2 = int(math.log2(resolution))
    if mk.values.get("dlatent_broadcast", 2 * log2 - 2) != 2 * log2 - 2:
        raise CheckpointError(f"{where}: G_mapping broadcasts w to {short(mk.values['dlatent_broadcast'])} layers, but {resolution} px has {2 * log2 - 2}; the file is corrupt")
    if sk.values.get("size") is not None or sk.values.get("scale_type") is not None:
        raise CheckpointError(
            f"{where}: G_synthesis kwargs size={short(sk.values.get('size'))}, scale_type={short(sk.values.get('scale_type'))} "
            "(a fork that resamples between layers) are not supported; only layouts that double at every block load"
        )
    # Feature maps: the TF formula must give what the PyTorch one (channel_base // r, capped) gives.
    base, decay = sk.int("fmap_base", 16 << 10, 1), sk.float("fmap_decay", 1.0)
    low, high = sk.int("fmap_min", 1, 1), sk.int("fmap_max", 512, 1)
    tf_maps = [_nf(k - 1, base, decay, low, high) for k in range(2, log2 + 1)]
    pt_maps = [min(2 * base // 2**k, high) for k in range(2, log2 + 1)]
    if tf_maps != pt_maps:
        raise CheckpointError(f"{where}: feature maps with fmap_decay={decay:g}, fmap_min={low} ({tf_maps}) are not supported; only fmap_decay 1 without a floor above the maps")
    if sk.values.get("fmap_const") not in (None, tf_maps[0]):
        raise CheckpointError(f"{where}: G_synthesis kwarg fmap_const={short(sk.values['fmap_const'])} (a 4x4 constant wider than its layer) is not supported")
    kernel = sk.values.get("resample_kernel", [1, 3, 3, 1])
    if kernel is None:
        kernel = [1, 1]  # the TF ops' box filter
    if not isinstance(kernel, (list, tuple)) or not kernel or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in kernel):
        raise CheckpointError(f"{where}: G_synthesis kwarg resample_kernel={short(kernel)} is not a list of taps; the file is corrupt")
    label_size = mk.int("label_size", 0)
    synthesis_kwargs = {
        "channel_base": 2 * base,
        "channel_max": high,
        "num_fp16_res": sk.int("num_fp16_res", 0),
        "conv_clamp": sk.values.get("conv_clamp"),
        "architecture": sk.choice("architecture", "skip", ["orig", "skip", "resnet"]),
        "resample_filter": [float(v) for v in kernel],
        "use_noise": sk.bool("use_noise", True),
        "activation": sk.choice("nonlinearity", "lrelu", ACTIVATIONS),
    }
    if synthesis_kwargs["conv_clamp"] is not None:
        synthesis_kwargs["conv_clamp"] = sk.float("conv_clamp", 0.0)
    init_res = _init_res(sk, synthesis, where)
    if init_res != [4, 4]:
        synthesis_kwargs["init_res"] = init_res
    kwargs = {
        "z_dim": mk.int("latent_size", 512, 1),
        "c_dim": label_size,
        "w_dim": w_dim,
        "img_resolution": resolution,
        "img_channels": sk.int("num_channels", 3, 1),
        "mapping_kwargs": {
            "num_layers": mk.int("mapping_layers", 8, 1),
            "embed_features": (mk.values.get("label_fmaps") or mk.int("latent_size", 512, 1)) if label_size else None,  # TF's default: z's width
            "layer_features": mk.values.get("mapping_fmaps", None if ada else 512),
            "activation": mk.choice("mapping_nonlinearity", "lrelu", ACTIVATIONS),
            "lr_multiplier": mk.float("mapping_lrmul", 0.01),
        },
        "synthesis_kwargs": synthesis_kwargs,
    }
    for name in ("embed_features", "layer_features"):
        value = kwargs["mapping_kwargs"][name]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise CheckpointError(f"{where}: G_mapping kwarg {'label_fmaps' if name == 'embed_features' else 'mapping_fmaps'}={short(value)} is not a positive integer; the file is corrupt")
    facts = {"fmap_base": base, "architecture": synthesis_kwargs["architecture"], "randomize_noise": sk.values.get("randomize_noise")}
    return kwargs, unknown, facts


def _init_res(sk: Kwargs, synthesis: TFNetwork, where: str) -> list[int]:
    """(h, w) of the 4x4 block: eps696's ``init_res`` kwarg, else the stored constant's shape."""
    const = synthesis.variables.get("4x4/Const/const")
    stored = list(const.shape[2:]) if isinstance(const, np.ndarray) and const.ndim == 4 else [4, 4]
    given = sk.values.get("init_res", stored)
    if not isinstance(given, (list, tuple)) or len(given) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 64 for v in given):
        raise CheckpointError(f"{where}: G_synthesis kwarg init_res={short(given)} is not two sizes (h, w); the file is corrupt")
    if list(given) != stored:
        raise CheckpointError(f"{where}: G_synthesis kwarg init_res={list(given)} disagrees with the stored 4x4 constant ({stored}); the file is corrupt")
    return [int(v) for v in given]


def _synthesis_state(synthesis: TFNetwork, where: str) -> dict[str, torch.Tensor]:
    state: dict[str, torch.Tensor] = {}
    for name, value in synthesis.variables.items():
        if (m := re.fullmatch(r"noise(\d+)", name)) and int(m[1]) < 64:
            index = int(m[1])
            res = 2 ** ((index + 5) // 2)
            layer = "b4.conv1" if index == 0 else f"b{res}.{'conv0' if index % 2 else 'conv1'}"
            state[f"synthesis.{layer}.noise_const"] = tensor(tf_array(name, value, where, 4)[0, 0])
        elif name == "4x4/Const/const":
            state["synthesis.b4.const"] = tensor(tf_array(name, value, where, 4)[0])
        elif name.startswith("ToRGB_lod") or name == "lod":
            raise CheckpointError(
                f"{where}: G_synthesis has variable {name!r} of StyleGAN2 configs B-D (progressive growing); "
                "odyssey loads configs E and F (skip, resnet, orig without growing)"
            )
        elif (m := re.fullmatch(r"(\d+)x(\d+)/Skip/weight", name)) and m[1] == m[2]:
            state[f"synthesis.b{m[1]}.skip.weight"] = tensor(tf_array(name, value, where, 4)[::-1, ::-1].transpose(3, 2, 0, 1))
        elif (m := _LAYER.fullmatch(name)) and m[1] == m[2] and (m[3] in ("Conv", "ToRGB") if m[1] == "4" else m[3] != "Conv"):
            res, scope, leaf = m[1], m[3], m[4]
            layer = f"synthesis.b{res}." + {"Conv": "conv1", "Conv0_up": "conv0", "Conv1": "conv1", "ToRGB": "torgb"}[scope]
            if leaf == "weight":
                array = tf_array(name, value, where, 4)
                state[f"{layer}.weight"] = tensor((array[::-1, ::-1] if scope == "Conv0_up" else array).transpose(3, 2, 0, 1))
            elif leaf == "mod_weight":
                state[f"{layer}.affine.weight"] = dense(name, value, where)
            elif leaf == "mod_bias":
                state[f"{layer}.affine.bias"] = tensor(tf_array(name, value, where, 1) + 1)  # TF adds the 1 at run time
            elif leaf == "bias":
                state[f"{layer}.bias"] = tensor(tf_array(name, value, where, 1))
            elif scope != "ToRGB":
                state[f"{layer}.noise_strength"] = torch.from_numpy(np.array(tf_array(name, value, where, 0), dtype=np.float32))  # shape ()
            else:
                raise unknown_variable(name, where, "G_synthesis")
        else:
            raise unknown_variable(name, where, "G_synthesis")
    return state


def _mapping_state(gs: TFNetwork, mapping: TFNetwork, where: str) -> dict[str, torch.Tensor]:
    state: dict[str, torch.Tensor] = {}
    for name, value in mapping.variables.items():
        if name == "LabelConcat/weight":
            raise CheckpointError(
                f"{where}: a conditional StyleGAN2 of NVlabs/stylegan2 (its G_mapping concatenates labels before normalising, "
                "LabelConcat) is not supported; StyleGAN2-ADA's conditional pickles (LabelEmbed) are"
            )
        if m := re.fullmatch(r"(Dense(\d+)|LabelEmbed)/(weight|bias)", name):
            target = "embed" if m[1] == "LabelEmbed" else f"fc{int(m[2])}"
            state[f"mapping.{target}.{m[3]}"] = dense(name, value, where) if m[3] == "weight" else tensor(tf_array(name, value, where, 1))
        else:
            raise unknown_variable(name, where, "G_mapping")
    for name, value in gs.variables.items():
        if name == "dlatent_avg":
            state["mapping.w_avg"] = tensor(tf_array(name, value, where, 1))
        elif name != "lod":  # G_main's lod only steers style mixing while training
            raise unknown_variable(name, where, "G_main")
    return state


def _info(net: nn.Module, where: str, gs: TFNetwork, synthesis: TFNetwork, facts: dict[str, Any]) -> ModelInfo:
    height, width = net.img_size
    c_dim = int(net.c_dim)
    extra = {
        "format": "NVIDIA TensorFlow pickle",
        "build": f"{gs.build_func_name} ({synthesis.build_func_name}, {SYNTHESIS_FUNCS[synthesis.build_func_name]})",
        "build_source_sha256": gs.source_sha256,
        "pickle_version": gs.format_version,
    }
    if facts["randomize_noise"] is not None:
        extra["randomize_noise"] = facts["randomize_noise"]
    return ModelInfo(
        name=Path(where).stem,
        family="stylegan2",
        latent_shape=(int(net.z_dim),),
        resolution=(height, width),
        channels=int(net.img_channels),
        output_range=(-1.0, 1.0),
        class_names=tuple(str(i) for i in range(c_dim)) if c_dim else None,
        description=f"StyleGAN2 (TensorFlow pickle, {facts['architecture']}, fmap_base {facts['fmap_base']}) {width}x{height} px: "
        f"z {net.z_dim}, w {net.w_dim} x {net.num_ws} layers" + (f", {c_dim} classes" if c_dim else ""),
        source=Path(where).name,
        extra=extra,
    )


def from_tf(gs: TFNetwork, where: str) -> StyleGANGenerator:
    """The generator of a TF StyleGAN2 pickle's ``Gs`` (or ``G``); CheckpointError with one line if anything is off."""
    if gs.build_func_name != "G_main":
        raise CheckpointError(f"{where}: network {gs.name!r} is built by {gs.build_func_name!r}, not StyleGAN2's G_main")
    mapping, synthesis = _component(gs, "mapping", where), _component(gs, "synthesis", where)
    if mapping.build_func_name != "G_mapping":
        raise CheckpointError(f"{where}: the mapping component is built by {mapping.build_func_name!r}, not NVIDIA's G_mapping; odyssey cannot rebuild it")
    if synthesis.build_func_name not in SYNTHESIS_FUNCS:
        known = ", ".join(SYNTHESIS_FUNCS)
        raise CheckpointError(f"{where}: the synthesis component is built by {synthesis.build_func_name!r}; odyssey rebuilds {known} (StyleGAN2 configs E and F)")
    kwargs, unknown, facts = _kwargs(gs, mapping, synthesis, where)
    state = {**_mapping_state(gs, mapping, where), **_synthesis_state(synthesis, where)}
    because = f" (it also has build kwargs no StyleGAN2 code base takes: {', '.join(unknown)})" if unknown else ""
    try:
        with torch.device("meta"):  # the FIR filters are buffers of the network, not TF variables
            names = list(build_network("stylegan2", kwargs)[0].state_dict())
        taps = setup_filter(kwargs["synthesis_kwargs"]["resample_filter"])
        state.update({name: taps.clone() for name in names if name.endswith("resample_filter")})
        net = build_fitting(lambda: build_network("stylegan2", kwargs)[0], state, where, "StyleGAN2 generator")
    except CheckpointError as exc:
        raise CheckpointError(f"{exc}{because}") from None
    except (TypeError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise CheckpointError(f"{where}: cannot build the StyleGAN2 generator its kwargs describe ({short(str(exc))}){because}") from None
    net.load_state_dict(state, strict=True)
    if unknown:
        warnings.warn(f"{where}: ignored build kwargs that no StyleGAN2 code base takes (the weights fit without them): {', '.join(unknown)}", stacklevel=2)
    return StyleGANGenerator(net.eval().requires_grad_(False), _info(net, where, gs, synthesis, facts))


__all__ = ["from_tf"]
