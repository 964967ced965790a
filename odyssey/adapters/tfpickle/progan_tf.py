"""NVIDIA's TF ProGAN ``Gs`` (``tfutil.Network`` built by ``networks.G_paper``) -> ``ProGANGenerator``.

The network is rebuilt from the static kwargs with ``G_paper``'s defaults, built on ``meta``
and compared with the stored variables, then loaded. Variable names are NVIDIA's:

    lod                                   the level of detail NVIDIA's code renders with (0 when finished)
    4x4/Dense/weight [z + c, 16 nf], 4x4/Dense/bias [nf]      -> dense.weight, dense_bias
    4x4/Conv/weight [3, 3, nf, nf], bias                      -> blocks.b4.conv1, bias1
    {r}x{r}/Conv0_up/weight [3, 3, out, in] (fused: *out before in*), or Conv0/weight [3, 3, in, out]
    {r}x{r}/Conv1/weight, the biases                          -> blocks.b{r}.conv0_up|conv0|conv1, bias0|bias1
    ToRGB_lod{k}/weight [1, 1, nf, C], ToRGB_lod{k}/bias      -> to_rgb.{k}

``structure`` ('linear'/'recursive') and ``dtype`` do not change the network (odyssey computes
in float32; a warning says so for float16 networks).
"""

from __future__ import annotations

import re
from pathlib import Path

import torch

from odyssey.adapters.equalized import fmaps
from odyssey.adapters.progan import ProGANGenerator, ProGANNetwork
from odyssey.adapters.tfpickle.record import TFNetwork
from odyssey.adapters.tfpickle.remap import Kwargs, build_checked, conv, dense, scalar, tensor, tf_array, unknown_variable, warn_dtype, warn_unknown
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo

G_PAPER = {"num_channels", "resolution", "label_size", "fmap_base", "fmap_decay", "fmap_max", "latent_size", "normalize_latents",
           "use_wscale", "use_pixelnorm", "pixelnorm_epsilon", "use_leakyrelu", "dtype", "fused_scale", "structure", "is_template_graph"}  # fmt: skip
_LAYER = re.compile(r"^(\d+)x(\d+)/(Dense|Conv|Conv0|Conv0_up|Conv1)/(weight|bias)$")


def _kwargs(gs: TFNetwork, where: str) -> dict:
    kw = Kwargs(gs.static_kwargs, where, "G_paper")
    warn_unknown(set(kw.values) - G_PAPER, where, "G_paper")
    warn_dtype(kw, where)
    kw.choice("structure", None, [None, "linear", "recursive"])
    fmap_base, fmap_decay, fmap_max = kw.int("fmap_base", 8192, 1), kw.float("fmap_decay", 1.0), kw.int("fmap_max", 512, 1)
    latent = gs.static_kwargs.get("latent_size")
    return {
        "z_dim": fmaps(0, fmap_base, fmap_decay, fmap_max) if latent is None else kw.int("latent_size", 0, 1),
        "c_dim": kw.int("label_size", 0), "img_resolution": kw.int("resolution", 32, 4), "img_channels": kw.int("num_channels", 1, 1),
        "fmap_base": fmap_base, "fmap_decay": fmap_decay, "fmap_max": fmap_max,
        "normalize_latents": kw.bool("normalize_latents", True), "use_wscale": kw.bool("use_wscale", True),
        "use_pixelnorm": kw.bool("use_pixelnorm", True), "pixelnorm_epsilon": kw.float("pixelnorm_epsilon", 1e-8),
        "use_leakyrelu": kw.bool("use_leakyrelu", True), "fused_scale": kw.bool("fused_scale", True),
    }  # fmt: skip


def _state(gs: TFNetwork, where: str) -> tuple[dict[str, torch.Tensor], float]:
    """(state dict of ``ProGANNetwork``, lod)."""
    state: dict[str, torch.Tensor] = {}
    lod = 0.0
    for name, value in gs.variables.items():
        if name == "lod":
            lod = scalar(name, value, where)
        elif m := re.fullmatch(r"ToRGB_lod(\d+)/(weight|bias)", name):
            key = f"to_rgb.{int(m[1])}." + ("conv.weight" if m[2] == "weight" else "bias")
            state[key] = conv(name, value, where) if m[2] == "weight" else tensor(tf_array(name, value, where, 1))
        elif (m := _LAYER.fullmatch(name)) and m[1] == m[2]:
            res, scope, leaf = int(m[1]), m[3], m[4]
            if (res == 4) != (scope in ("Dense", "Conv")):
                raise unknown_variable(name, where, "G_paper")
            if scope == "Dense":
                state["dense.weight" if leaf == "weight" else "dense_bias"] = dense(name, value, where) if leaf == "weight" else tensor(tf_array(name, value, where, 1))
                continue
            part = {"Conv": ("conv1", "bias1"), "Conv1": ("conv1", "bias1"), "Conv0": ("conv0", "bias0"), "Conv0_up": ("conv0_up", "bias0")}[scope]
            if leaf == "bias":
                state[f"blocks.b{res}.{part[1]}"] = tensor(tf_array(name, value, where, 1))
            elif scope == "Conv0_up":  # stored [k, k, out, in] for conv2d_transpose
                state[f"blocks.b{res}.conv0_up.weight"] = tensor(tf_array(name, value, where, 4).transpose(2, 3, 0, 1))
            else:
                state[f"blocks.b{res}.{part[0]}.weight"] = conv(name, value, where)
        else:
            raise unknown_variable(name, where, "G_paper")
    return state, lod


def progan_info(net: ProGANNetwork, name: str, source: str, extra: dict | None = None) -> ModelInfo:
    res = net.img_resolution
    return ModelInfo(
        name=name,
        family="progan",
        latent_shape=(net.z_dim,),
        resolution=(res, res),
        channels=net.img_channels,
        output_range=(-1.0, 1.0),
        class_names=tuple(str(i) for i in range(net.c_dim)) if net.c_dim else None,
        description=f"ProGAN {res} px: z {net.z_dim}" + (f", {net.c_dim} classes" if net.c_dim else "")
        + (f", saved mid-training at lod {net.lod:g}" if net.lod else ""),
        source=source,
        extra=dict(extra or {}),
    )


def from_tf(gs: TFNetwork, where: str) -> ProGANGenerator:
    """The generator of a TF ProGAN pickle's ``Gs`` (or ``G``); CheckpointError with one line if anything is off."""
    if gs.build_func_name != "G_paper":
        raise CheckpointError(f"{where}: network {gs.name!r} is built by {gs.build_func_name!r}, not ProGAN's G_paper")
    if gs.components:
        raise CheckpointError(f"{where}: a G_paper network has no components, this one has {', '.join(gs.components)}; the file is corrupt")
    kwargs = _kwargs(gs, where)
    state, lod = _state(gs, where)
    kwargs["lod"] = lod
    net = build_checked(lambda: ProGANNetwork(**kwargs), state, where, "ProGAN generator")
    extra = {"format": "NVIDIA TensorFlow pickle (ProGAN)", "build_function": gs.build_func_name, "build_source_sha256": gs.source_sha256}
    return ProGANGenerator(net, progan_info(net, name=Path(where).stem, source=Path(where).name, extra=extra))


__all__ = ["from_tf", "progan_info"]
