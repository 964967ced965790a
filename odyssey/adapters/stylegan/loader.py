"""NVIDIA StyleGAN pickles -> ``StyleGANGenerator``, safely; and their native form.

Safe path (the default): ``nvpickle`` reads the file into inert records, nothing in it
runs. The family is inferred from the weights (``synthesis.input.freqs`` exists only in
StyleGAN3), the network is rebuilt here from the stored init kwargs (keyword names
NVIDIA's classes take; our classes supply the same defaults), and the weights load by
name, strictly. Kwargs a fork added that these networks do not know are dropped with a
warning naming them; if the weights then do not fit, the error says so.

``odyssey convert`` (``adapters.convert``) writes the same network as an odyssey
``.safetensors`` file (architecture ``stylegan2``/``stylegan3`` plus the kwargs the
network was built with, ``StyleGANGenerator.native_form``), which loads without any
pickle and renders identical frames.

Escape hatch: ``trust_pickle: true`` unpickles with Python's own ``pickle``, running
the file's code and needing NVIDIA's ``torch_utils``/``dnnlib`` (and any fork's modules)
on PYTHONPATH; for architectures not written here (StyleGAN-XL, forks).
"""

from __future__ import annotations

import copy
import importlib
import re
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import torch
from torch import nn

from odyssey.adapters.checked import build_fitting, check_kwargs, short
from odyssey.adapters.registry import Adapter
from odyssey.adapters.stylegan.generator import StyleGANGenerator
from odyssey.adapters.stylegan.nvpickle import flatten_state, is_network_pickle, read_network_pickle, record_kwargs
from odyssey.adapters.stylegan.trusted import load_trusted_pickle
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo

FAMILIES = {"stylegan2": ("odyssey.adapters.stylegan.sg2", "StyleGAN2Generator"), "stylegan3": ("odyssey.adapters.stylegan.sg3", "StyleGAN3Generator")}
OPTIONS = ("trust_pickle", "key", "name")
_UNEXPECTED = re.compile(r"unexpected keyword argument '(\w+)'")


def infer_family(state: Mapping[str, torch.Tensor]) -> str:
    """'stylegan3' if the weights have a Fourier-feature input, 'stylegan2' if a 4x4 const."""
    if "synthesis.input.freqs" in state:
        return "stylegan3"
    if "synthesis.b4.const" in state:
        return "stylegan2"
    raise ValueError("its generator has neither StyleGAN3's synthesis.input nor StyleGAN2's synthesis.b4.const")


def _drop(kwargs: dict[str, Any], name: str) -> bool:
    """Remove ``name`` from nested kwargs first (mapping_kwargs, synthesis_kwargs), else the top."""
    for value in kwargs.values():
        if isinstance(value, dict) and name in value:
            del value[name]
            return True
    return kwargs.pop(name, _MISSING) is not _MISSING


_MISSING = object()


def build_network(family: str, kwargs: Mapping[str, Any]) -> tuple[nn.Module, dict[str, Any], list[str]]:
    """(network, the kwargs used, names dropped). Unknown kwargs are dropped one by one."""
    module, name = FAMILIES[family]
    cls: Callable[..., nn.Module] = getattr(importlib.import_module(module), name)  # imported when first needed
    used = copy.deepcopy(dict(kwargs))
    dropped: list[str] = []
    while True:
        try:
            net = cls(**used)
            net.native_kwargs = copy.deepcopy(used)  # what ``odyssey convert`` stores (StyleGANGenerator.native_form)
            return net, used, dropped
        except TypeError as exc:
            match = _UNEXPECTED.search(str(exc))
            if not match or not _drop(used, match.group(1)):
                raise
            dropped.append(match.group(1))


def _info(path: Path, net: nn.Module, family: str, name: str | None) -> ModelInfo:
    res, c_dim = int(net.img_resolution), int(net.c_dim)
    variant = family
    if family == "stylegan3":
        variant += "-R" if bool(getattr(net.synthesis, "use_radial_filters", False)) else "-T"
    return ModelInfo(
        name=name or path.stem,
        family=family,
        latent_shape=(int(net.z_dim),),
        resolution=(res, res),
        channels=int(net.img_channels),
        output_range=(-1.0, 1.0),
        class_names=tuple(str(i) for i in range(c_dim)) if c_dim else None,
        description=f"{variant} {res} px: z {net.z_dim}, w {net.w_dim} x {net.num_ws} layers" + (f", {c_dim} classes" if c_dim else ""),
        source=str(path.name),
    )


def wrap_network(net: nn.Module, info: ModelInfo) -> StyleGANGenerator:
    """A built network with its weights loaded -> a z-space ``StyleGANGenerator``."""
    return StyleGANGenerator(net, info)


def _check_options(path: Path, options: Mapping[str, Any]) -> None:
    unknown = [key for key in options if key not in OPTIONS]
    if unknown:
        raise CheckpointError(f"{path}: unknown option {unknown[0]!r} for a StyleGAN pickle; known: {', '.join(OPTIONS)}")


def load_network(path: Path, key: str = "G_ema") -> tuple[nn.Module, str, dict[str, Any]]:
    """(network with weights, family, kwargs used) from a pickle, read safely."""
    record = read_network_pickle(path, key=key)
    state = flatten_state(record)
    try:
        family = infer_family(state)
    except ValueError as exc:
        raise CheckpointError(f"{path}: {exc}; odyssey builds StyleGAN2/3 generators only (try trust_pickle: true for other architectures)") from None
    kwargs = record_kwargs(record)
    check_kwargs(kwargs, str(path))
    built: list[tuple[dict[str, Any], list[str]]] = []

    def build() -> nn.Module:
        net, used, dropped = build_network(family, kwargs)
        built.append((used, dropped))
        return net

    try:
        net = build_fitting(build, state, str(path), f"{family} generator")  # checked on 'meta' before any allocation
    except (TypeError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise CheckpointError(f"{path}: cannot build a {family} generator from its kwargs {short(kwargs)} ({short(str(exc))})") from None
    used, dropped = built[-1]
    if dropped:
        warnings.warn(f"{path}: ignored init kwargs this {family} generator does not know: {', '.join(dropped)}", stacklevel=2)
    own = net.state_dict()
    net.load_state_dict({name: state[name].to(torch.float32) if state[name].is_floating_point() else state[name] for name in own})
    return net.eval().requires_grad_(False), family, used


def load_stylegan_pickle(path: Path, options: Mapping[str, Any]) -> StyleGANGenerator:
    """The registry's entry: a network pickle -> a z-space generator (see the module docstring)."""
    _check_options(path, options)
    key = str(options.get("key", "G_ema"))
    if options.get("trust_pickle") is True:
        net = load_trusted_pickle(path, key)
        return StyleGANGenerator(net, _info(path, net, "stylegan3" if hasattr(net.synthesis, "input") else "stylegan2", options.get("name")))
    net, family, _ = load_network(path, key)
    return StyleGANGenerator(net, _info(path, net, family, options.get("name")))


def is_stylegan_pickle(path: Path) -> bool:
    """A cheap sniff: does the file look like an NVIDIA network pickle? Never unpickles."""
    return is_network_pickle(path)


ADAPTER = Adapter(
    name="stylegan",
    description="an NVIDIA StyleGAN2-ADA / StyleGAN3 network pickle (read safely: nothing in it runs)",
    suffixes=(".pkl",),
    sniff=is_network_pickle,
    load=load_stylegan_pickle,
)


def native_architectures() -> dict[str, tuple[Callable[[Mapping[str, Any]], nn.Module], Callable[[nn.Module, ModelInfo], StyleGANGenerator]]]:
    """(build, wrap) for the native architectures ``stylegan2`` and ``stylegan3`` (``odyssey convert``)."""
    return {family: (_native_builder(family), wrap_network) for family in FAMILIES}


__all__ = ["ADAPTER", "FAMILIES", "native_architectures", "build_network", "infer_family", "is_stylegan_pickle", "load_network", "load_stylegan_pickle", "wrap_network"]


def _native_builder(family: str) -> Callable[[Mapping[str, Any]], nn.Module]:
    def build(kwargs: Mapping[str, Any]) -> nn.Module:
        return build_network(family, kwargs)[0]

    return build
