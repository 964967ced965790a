"""Tiny random ProGAN and StyleGAN (v1) networks as NVIDIA's TF pickles hold them, for tests.

``progan_record`` / ``sg1_record`` return ``TFNetwork`` records with NVIDIA's variable names,
TF layouts and shapes (``[in, out]`` dense, ``[kh, kw, in, out]`` conv, ProGAN's fused
``Conv0_up`` as ``[kh, kw, out, in]``) and the static kwargs NVIDIA's training stores,
written from the papers' descriptions of ``G_paper`` / ``G_style`` (not from odyssey's
networks). Every variable gets seeded random values, biases and noise strengths too, so
every tensor matters.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from odyssey.adapters.tfpickle.record import TFNetwork
from tests.tfpickle.tf_testkit import write_tf_pickle


def nf(stage: int, fmap_base: int, fmap_max: int, fmap_decay: float = 1.0) -> int:
    return min(int(fmap_base / (2.0 ** (stage * fmap_decay))), fmap_max)


class _Vars:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.RandomState(seed)
        self.vars: dict[str, np.ndarray] = {}

    def add(self, name: str, shape: tuple[int, ...], scale: float = 1.0) -> None:
        self.vars[name] = (self.rng.randn(*shape) * scale).astype(np.float32)


def progan_record(
    resolution: int = 16, num_channels: int = 3, label_size: int = 0, fmap_base: int = 64, fmap_max: int = 16,
    fused_scale: bool = True, lod: float = 0.0, seed: int = 0, **extra: Any,
) -> TFNetwork:  # fmt: skip
    """A ProGAN ``Gs`` (G_paper): latent size nf(0) unless ``latent_size`` is given in ``extra``."""
    kwargs = {"num_channels": num_channels, "resolution": resolution, "label_size": label_size, "fmap_base": fmap_base, "fmap_max": fmap_max, **extra}
    if not fused_scale:
        kwargs["fused_scale"] = False
    latent = extra.get("latent_size") or nf(0, fmap_base, fmap_max)
    v = _Vars(seed)
    v.vars["lod"] = np.float32(lod)
    v.add("4x4/Dense/weight", (latent + label_size, nf(1, fmap_base, fmap_max) * 16))
    v.add("4x4/Dense/bias", (nf(1, fmap_base, fmap_max),), 0.2)
    v.add("4x4/Conv/weight", (3, 3, nf(1, fmap_base, fmap_max), nf(1, fmap_base, fmap_max)))
    v.add("4x4/Conv/bias", (nf(1, fmap_base, fmap_max),), 0.2)
    log2 = int(math.log2(resolution))
    for r in range(3, log2 + 1):
        cin, cout, name = nf(r - 2, fmap_base, fmap_max), nf(r - 1, fmap_base, fmap_max), f"{2**r}x{2**r}"
        if fused_scale:
            v.add(f"{name}/Conv0_up/weight", (3, 3, cout, cin))
        else:
            v.add(f"{name}/Conv0/weight", (3, 3, cin, cout))
        v.add(f"{name}/Conv0{'_up' if fused_scale else ''}/bias", (cout,), 0.2)
        v.add(f"{name}/Conv1/weight", (3, 3, cout, cout))
        v.add(f"{name}/Conv1/bias", (cout,), 0.2)
    for lod_k in range(log2 - 1):
        v.add(f"ToRGB_lod{lod_k}/weight", (1, 1, nf(log2 - 1 - lod_k, fmap_base, fmap_max), num_channels))
        v.add(f"ToRGB_lod{lod_k}/bias", (num_channels,), 0.2)
    return TFNetwork(name="Gs", build_func_name="G_paper", static_kwargs=kwargs, variables=v.vars, module_name="networks")


def sg1_record(
    resolution: int = 16, num_channels: int = 3, label_size: int = 0, fmap_base: int = 64, fmap_max: int = 16,
    latent_size: int = 16, dlatent_size: int = 16, mapping_layers: int = 2, mapping_fmaps: int = 16,
    const_input_layer: bool = True, use_noise: bool = True, structure: str | None = None, lod: float = 0.0, seed: int = 0, **extra: Any,
) -> TFNetwork:  # fmt: skip
    """A StyleGAN (v1) ``Gs`` (G_style) with its ``mapping`` and ``synthesis`` components."""
    kwargs = {"num_channels": num_channels, "resolution": resolution, "label_size": label_size, "fmap_base": fmap_base, "fmap_max": fmap_max,
              "latent_size": latent_size, "dlatent_size": dlatent_size, "mapping_layers": mapping_layers, "mapping_fmaps": mapping_fmaps, **extra}  # fmt: skip
    if not const_input_layer:
        kwargs["const_input_layer"] = False
    if not use_noise:
        kwargs["use_noise"] = False
    if structure:
        kwargs["structure"] = structure
    log2 = int(math.log2(resolution))
    num_layers = 2 * log2 - 2
    m, s, g = _Vars(seed), _Vars(seed + 1), _Vars(seed + 2)
    if label_size:
        m.add("LabelConcat/weight", (label_size, latent_size))
    features = [latent_size * (2 if label_size else 1)] + [mapping_fmaps] * (mapping_layers - 1) + [dlatent_size]
    for i in range(mapping_layers):
        m.add(f"Dense{i}/weight", (features[i], features[i + 1]), 100.0)  # stored / lrmul 0.01, as trained
        m.add(f"Dense{i}/bias", (features[i + 1],), 20.0)
    s.vars["lod"] = np.float32(0.0)
    if use_noise:
        for i in range(num_layers):
            res = 2 ** (i // 2 + 2)
            s.add(f"noise{i}", (1, 1, res, res))

    def epilogue(scope: str, channels: int) -> None:
        if use_noise:
            s.add(f"{scope}/Noise/weight", (channels,), 0.3)
        s.add(f"{scope}/bias", (channels,), 0.3)
        s.add(f"{scope}/StyleMod/weight", (dlatent_size, 2 * channels), 0.3)  # styles near 1, as trained
        s.add(f"{scope}/StyleMod/bias", (2 * channels,), 0.3)

    c4 = nf(1, fmap_base, fmap_max)
    if const_input_layer:
        s.add("4x4/Const/const", (1, c4, 4, 4))
        epilogue("4x4/Const", c4)
    else:
        s.add("4x4/Dense/weight", (dlatent_size, c4 * 16))
        epilogue("4x4/Dense", c4)
    s.add("4x4/Conv/weight", (3, 3, c4, c4))
    epilogue("4x4/Conv", c4)
    for r in range(3, log2 + 1):
        cin, cout, name = nf(r - 2, fmap_base, fmap_max), nf(r - 1, fmap_base, fmap_max), f"{2**r}x{2**r}"
        s.add(f"{name}/Conv0_up/weight", (3, 3, cin, cout))  # v1 stores [k, k, in, out] even when fused
        epilogue(f"{name}/Conv0_up", cout)
        s.add(f"{name}/Conv1/weight", (3, 3, cout, cout))
        epilogue(f"{name}/Conv1", cout)
    for lod_k in range(1 if structure == "fixed" else log2 - 1):
        s.add(f"ToRGB_lod{lod_k}/weight", (1, 1, nf(log2 - 1 - lod_k, fmap_base, fmap_max), num_channels), 0.5)
        s.add(f"ToRGB_lod{lod_k}/bias", (num_channels,), 0.2)
    g.vars["lod"] = np.float32(lod)
    g.add("dlatent_avg", (dlatent_size,), 0.5)
    module = "training.networks_stylegan"
    mapping = TFNetwork("G_mapping", "G_mapping", {"dlatent_broadcast": num_layers, **kwargs}, m.vars, module_name=module)
    synthesis = TFNetwork("G_synthesis", "G_synthesis", dict(kwargs), s.vars, module_name=module)
    return TFNetwork("Gs", "G_style", dict(kwargs), g.vars, {"mapping": mapping, "synthesis": synthesis}, module_name=module)



def write_v1_pickle(path: Path, gs: TFNetwork, protocol: int = 3) -> Path:
    """``(G, D, Gs)`` at ``path`` as NVIDIA's training loops pickle them: ``tfutil.Network``
    for a ProGAN record, ``dnnlib.tflib.network.Network`` for a StyleGAN one (the TF-pickle
    test kit of tests/tfpickle writes the bytes)."""
    return write_tf_pickle(path, gs, protocol=protocol, progan=gs.build_func_name == "G_paper")
