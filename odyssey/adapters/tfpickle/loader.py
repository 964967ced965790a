"""The ``tfpickle`` adapter: NVIDIA's TensorFlow-era network pickles -> a ``Generator``.

Found by ``format: tfpickle``, or by its contents (a ``.pkl`` whose first global is
``dnnlib.tflib.network.Network`` or ProGAN's ``tfutil.Network``). The file is read by
``reader.read_tf_pickle`` (nothing in it runs, no TensorFlow needed); the network to
render, ``Gs`` by default (option ``key``: ``G``, ``D``...), is dispatched on its build
function to the family that rebuilds it:

    G_main   StyleGAN2 (configs E, F; StyleGAN2-ADA TF)  -> tfpickle.sg2_tf   (native: stylegan2)
    G_style  StyleGAN (v1)                               -> tfpickle.sg1_tf   (native: stylegan1)
    G_paper  ProGAN                                      -> tfpickle.progan_tf

Each family's ``from_tf(gs, where)`` returns a ``Generator`` (eval, CPU, float32) or
raises one ``CheckpointError``. Option ``name`` renames the model.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from odyssey.adapters.registry import Adapter
from odyssey.adapters.tfpickle.reader import is_tf_pickle, read_tf_pickle
from odyssey.adapters.tfpickle.record import TFNetwork
from odyssey.errors import CheckpointError
from odyssey.models.base import Generator

FAMILIES = {
    "G_main": ("odyssey.adapters.tfpickle.sg2_tf", "StyleGAN2"),
    "G_style": ("odyssey.adapters.tfpickle.sg1_tf", "StyleGAN v1"),
    "G_paper": ("odyssey.adapters.tfpickle.progan_tf", "ProGAN"),
}
OPTIONS = ("key", "name")


def family_of(gs: TFNetwork, where: str) -> Callable[[TFNetwork, str], Generator]:
    """The ``from_tf`` of the family that builds ``gs``; CheckpointError naming an unknown build function."""
    if gs.build_func_name not in FAMILIES:
        known = ", ".join(f"{func} ({family})" for func, (_, family) in FAMILIES.items())
        raise CheckpointError(f"{where}: network {gs.name!r} is built by {gs.build_func_name!r}, which odyssey cannot rebuild; it rebuilds {known}")
    module_name, family = FAMILIES[gs.build_func_name]
    try:
        module = importlib.import_module(module_name)  # a family's networks are imported when first needed
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise CheckpointError(f"{where}: {family} TF pickles are not supported yet") from None
    return module.from_tf


def load_tf_pickle(path: Path, options: Mapping[str, Any]) -> Generator:
    """The registry's entry: a TF network pickle -> its ``Gs`` (or ``key``) as a ``Generator``."""
    unknown = [key for key in options if key not in OPTIONS]
    if unknown:
        raise CheckpointError(f"{path}: unknown option {unknown[0]!r} for a TensorFlow network pickle; known: {', '.join(OPTIONS)}")
    key = str(options.get("key", "Gs"))
    networks = read_tf_pickle(path)
    if key not in networks:
        raise CheckpointError(f"{path} has no network {key!r}; it holds {', '.join(networks)}; choose one with the option key")
    generator = family_of(networks[key], str(path))(networks[key], str(path))
    if options.get("name"):
        generator.info = replace(generator.info, name=str(options["name"]))
    return generator


ADAPTER = Adapter(
    name="tfpickle",
    description="an NVIDIA TensorFlow-era network pickle: StyleGAN2, StyleGAN, ProGAN (read safely: nothing in it runs)",
    suffixes=(".pkl",),
    sniff=is_tf_pickle,
    load=load_tf_pickle,
)

__all__ = ["ADAPTER", "FAMILIES", "family_of", "load_tf_pickle"]
