"""NVIDIA's TF StyleGAN (v1) ``Gs`` (``G_style`` with ``mapping``/``synthesis`` components)
-> ``StyleGAN1Generator`` (``adapters.stylegan.sg1``).

The network is rebuilt from the static kwargs with the defaults of NVIDIA's ``G_mapping`` /
``G_synthesis`` (the kwargs ``G_style`` passes on override the components' own, as at run
time), built on ``meta`` and compared with the stored variables, then loaded. Variable names
are NVIDIA's, local to each network:

    Gs:        lod, dlatent_avg [w]                      -> synthesis.lod, mapping.w_avg
    mapping:   LabelConcat/weight [c, z]; Dense{i}/weight [in, out], Dense{i}/bias
    synthesis: lod; noise{i} [1, 1, r, r]; 4x4/Const/const [1, nf, 4, 4] (or 4x4/Dense/weight);
               {r}x{r}/{Const|Dense|Conv|Conv0_up|Conv1}/{weight, bias, Noise/weight, StyleMod/weight, StyleMod/bias};
               ToRGB_lod{k}/weight [1, 1, nf, C], ToRGB_lod{k}/bias

What ``G_style`` itself takes (truncation_psi 0.7 / cutoff 8, dlatent_avg_beta,
style_mixing_prob, ...) does not change the network: truncation comes from odyssey's path
file instead. ``randomize_noise`` likewise: odyssey's ``noise:`` decides. The ``lod`` of
``Gs`` is the one NVIDIA's code renders with (it overwrites the synthesis network's).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import torch

from odyssey.adapters.stylegan.sg1 import StyleGAN1Network
from odyssey.adapters.stylegan.sg1_generator import StyleGAN1Generator, stylegan1_info
from odyssey.adapters.tfpickle.record import TFNetwork
from odyssey.adapters.tfpickle.remap import Kwargs, build_checked, conv, dense, scalar, tensor, tf_array, unknown_variable, warn_dtype, warn_unknown
from odyssey.errors import CheckpointError

G_STYLE = {"truncation_psi", "truncation_cutoff", "truncation_psi_val", "truncation_cutoff_val", "dlatent_avg_beta",
           "style_mixing_prob", "is_training", "is_validation", "is_template_graph", "components"}  # fmt: skip
G_MAPPING = {"latent_size", "label_size", "dlatent_size", "dlatent_broadcast", "mapping_layers", "mapping_fmaps",
             "mapping_lrmul", "mapping_nonlinearity", "use_wscale", "normalize_latents", "dtype"}  # fmt: skip
G_SYNTHESIS = {"dlatent_size", "num_channels", "resolution", "fmap_base", "fmap_decay", "fmap_max", "use_styles",
               "const_input_layer", "use_noise", "randomize_noise", "nonlinearity", "use_wscale", "use_pixel_norm",
               "use_instance_norm", "dtype", "fused_scale", "blur_filter", "structure", "is_template_graph", "force_clean_graph"}  # fmt: skip
_LAYER = re.compile(r"^(\d+)x(\d+)/(Const|Dense|Conv|Conv0_up|Conv1)/(const|weight|bias|Noise/weight|StyleMod/weight|StyleMod/bias)$")


def _component(gs: TFNetwork, name: str, func: str, where: str) -> TFNetwork:
    if name not in gs.components:
        raise CheckpointError(f"{where}: this G_style network has no {name!r} component (it has: {', '.join(gs.components) or 'none'}); the file is corrupt")
    part = gs.components[name]
    if part.build_func_name != func:
        raise CheckpointError(f"{where}: the {name} component is built by {part.build_func_name!r}, not NVIDIA's {func}; odyssey cannot rebuild it")
    return part


def _network_kwargs(gs: TFNetwork, mapping: TFNetwork, synthesis: TFNetwork, where: str) -> dict:
    top = Kwargs(gs.static_kwargs, where, "G_style")
    passed = {k: v for k, v in top.values.items() if k not in G_STYLE}
    mk = Kwargs({**mapping.static_kwargs, **passed}, where, "G_mapping")
    sk = Kwargs({**synthesis.static_kwargs, **passed}, where, "G_synthesis")
    warn_unknown((set(top.values) | set(mk.values) | set(sk.values)) - G_STYLE - G_MAPPING - G_SYNTHESIS, where, "G_style/G_mapping/G_synthesis")
    warn_dtype(sk, where)
    if not sk.bool("use_styles", True):
        raise CheckpointError(f"{where}: G_synthesis kwarg use_styles=False (no style inputs) is not supported; odyssey loads style-based generators")
    if mk.bool("use_wscale", True) != sk.bool("use_wscale", True):
        raise CheckpointError(f"{where}: use_wscale differs between G_mapping and G_synthesis, which NVIDIA's code never does; the file is corrupt")
    w_dim = mk.int("dlatent_size", 512, 1)
    if sk.int("dlatent_size", 512, 1) != w_dim:
        raise CheckpointError(f"{where}: dlatent_size differs between G_mapping ({w_dim}) and G_synthesis; the file is corrupt")
    resolution = sk.int("resolution", 1024, 4)
    if resolution & (resolution - 1):
        raise CheckpointError(f"{where}: G_synthesis kwarg resolution={resolution} is not a power of two; the file is corrupt")
    num_ws = 2 * int(math.log2(resolution)) - 2
    if mk.values.get("dlatent_broadcast", num_ws) != num_ws:
        raise CheckpointError(f"{where}: G_mapping broadcasts w to {mk.values['dlatent_broadcast']} layers, but {resolution} px has {num_ws}; the file is corrupt")
    sk.choice("structure", "auto", ["auto", "linear", "recursive", "fixed"])
    blur = sk.values.get("blur_filter", [1, 2, 1])
    if blur is not None and not isinstance(blur, (list, tuple)):
        raise CheckpointError(f"{where}: G_synthesis kwarg blur_filter={blur!r} is not a list of taps; the file is corrupt")
    return {
        "z_dim": mk.int("latent_size", 512, 1), "c_dim": mk.int("label_size", 0), "w_dim": w_dim,
        "img_resolution": resolution, "img_channels": sk.int("num_channels", 3, 1),
        "mapping_layers": mk.int("mapping_layers", 8, 1), "mapping_fmaps": mk.int("mapping_fmaps", 512, 1),
        "mapping_lrmul": mk.float("mapping_lrmul", 0.01), "mapping_nonlinearity": mk.choice("mapping_nonlinearity", "lrelu", ["lrelu", "relu"]),
        "normalize_latents": mk.bool("normalize_latents", True), "use_wscale": sk.bool("use_wscale", True),
        "fmap_base": sk.int("fmap_base", 8192, 1), "fmap_decay": sk.float("fmap_decay", 1.0), "fmap_max": sk.int("fmap_max", 512, 1),
        "nonlinearity": sk.choice("nonlinearity", "lrelu", ["lrelu", "relu"]), "use_noise": sk.bool("use_noise", True),
        "use_pixel_norm": sk.bool("use_pixel_norm", False), "use_instance_norm": sk.bool("use_instance_norm", True),
        "const_input_layer": sk.bool("const_input_layer", True), "fused_scale": sk.choice("fused_scale", "auto", [True, False, "auto"]),
        "blur_filter": None if not blur else [list(t) if isinstance(t, (list, tuple)) else t for t in blur],
    }  # fmt: skip


def _synthesis_state(synthesis: TFNetwork, where: str) -> tuple[dict[str, torch.Tensor], int]:
    """(state dict of ``synthesis.*``, number of ToRGB layers)."""
    state: dict[str, torch.Tensor] = {}
    rgb = -1
    for name, value in synthesis.variables.items():
        if name == "lod":
            continue  # G_style overwrites it with Gs/lod before rendering
        if m := re.fullmatch(r"noise(\d+)", name):
            state[f"synthesis.layers.{int(m[1])}.noise_const"] = tensor(tf_array(name, value, where, 4))
        elif m := re.fullmatch(r"ToRGB_lod(\d+)/(weight|bias)", name):
            rgb = max(rgb, int(m[1]))
            state[f"synthesis.to_rgb.{int(m[1])}.{'conv.weight' if m[2] == 'weight' else 'bias'}"] = (
                conv(name, value, where) if m[2] == "weight" else tensor(tf_array(name, value, where, 1))
            )
        elif (m := _LAYER.fullmatch(name)) and m[1] == m[2]:
            res, scope, leaf = int(m[1]), m[3], m[4]
            if (res == 4) != (scope in ("Const", "Dense", "Conv")) or res & (res - 1) or res > 1 << 17:
                raise unknown_variable(name, where, "G_synthesis")
            index = {"Const": 0, "Dense": 0, "Conv": 1}.get(scope, 2 * int(math.log2(res)) - (4 if scope == "Conv0_up" else 3))
            prefix = f"synthesis.layers.{index}"
            if leaf == "const" and scope == "Const":
                state["synthesis.const"] = tensor(tf_array(name, value, where, 4))
            elif leaf == "weight" and scope == "Dense":
                state["synthesis.dense.weight"] = dense(name, value, where)
            elif leaf == "weight" and scope != "Const":
                state[f"{prefix}.conv.weight"] = conv(name, value, where)
            elif leaf in ("bias", "Noise/weight", "StyleMod/bias"):
                target = {"bias": "bias", "Noise/weight": "noise_strength", "StyleMod/bias": "affine.bias"}[leaf]
                state[f"{prefix}.{target}"] = tensor(tf_array(name, value, where, 1))
            elif leaf == "StyleMod/weight":
                state[f"{prefix}.affine.weight"] = dense(name, value, where)
            else:
                raise unknown_variable(name, where, "G_synthesis")
        else:
            raise unknown_variable(name, where, "G_synthesis")
    return state, rgb + 1


def _mapping_state(gs: TFNetwork, mapping: TFNetwork, where: str) -> tuple[dict[str, torch.Tensor], float]:
    """(state dict of ``mapping.*``, Gs's lod)."""
    state: dict[str, torch.Tensor] = {}
    for name, value in mapping.variables.items():
        if name == "LabelConcat/weight":
            state["mapping.embed"] = tensor(tf_array(name, value, where, 2))
        elif m := re.fullmatch(r"Dense(\d+)/(weight|bias)", name):
            state[f"mapping.fc.{int(m[1])}.{m[2]}"] = dense(name, value, where) if m[2] == "weight" else tensor(tf_array(name, value, where, 1))
        else:
            raise unknown_variable(name, where, "G_mapping")
    lod = 0.0
    for name, value in gs.variables.items():
        if name == "dlatent_avg":
            state["mapping.w_avg"] = tensor(tf_array(name, value, where, 1))
        elif name == "lod":
            lod = scalar(name, value, where)
        else:
            raise unknown_variable(name, where, "G_style")
    return state, lod


def from_tf(gs: TFNetwork, where: str) -> StyleGAN1Generator:
    """The generator of a TF StyleGAN (v1) pickle's ``Gs`` (or ``G``); CheckpointError with one line if anything is off."""
    if gs.build_func_name != "G_style":
        raise CheckpointError(f"{where}: network {gs.name!r} is built by {gs.build_func_name!r}, not StyleGAN's G_style")
    mapping = _component(gs, "mapping", "G_mapping", where)
    synthesis = _component(gs, "synthesis", "G_synthesis", where)
    kwargs = _network_kwargs(gs, mapping, synthesis, where)
    state, lod = _mapping_state(gs, mapping, where)
    synthesis_state, rgb_lods = _synthesis_state(synthesis, where)
    state.update(synthesis_state)
    fixed = synthesis.static_kwargs.get("structure") == "fixed" or gs.static_kwargs.get("structure") == "fixed"
    kwargs.update(lod=0.0 if fixed else lod, rgb_lods=rgb_lods)  # 'fixed' ignores lod and has one ToRGB
    net = build_checked(lambda: StyleGAN1Network(**kwargs), state, where, "StyleGAN (v1) generator")
    extra = {"format": "NVIDIA TensorFlow pickle (StyleGAN v1)", "build_function": gs.build_func_name, "build_source_sha256": gs.source_sha256}
    return StyleGAN1Generator(net, stylegan1_info(net, name=Path(where).stem, source=Path(where).name, extra=extra))


__all__ = ["from_tf"]
