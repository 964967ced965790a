"""The native adapter: odyssey's own ``.safetensors`` files (see ``odyssey.models.checkpoint``).

A native file names its ``architecture`` and the ``kwargs`` to build it, so loading is:
read the header, build the net from ``ARCHITECTURES[architecture]``, load the weights
strictly (fp16 upcast to float32), wrap it with ``ModelInfo`` from the metadata. No
shape guessing happens here; that is done once, at conversion time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from odyssey.adapters.checked import build_fitting, check_kwargs, short
from odyssey.adapters.dcgan import DCGANGenerator, build_dcgan_net, load_strict
from odyssey.adapters.registry import Adapter
from odyssey.errors import CheckpointError
from odyssey.models.base import Generator, ModelInfo
from odyssey.models.checkpoint import is_native, native_info, read_native


@dataclass(frozen=True)
class Architecture:
    """How to rebuild one architecture: kwargs -> untrained net, (net, info) -> Generator."""

    build: Callable[[Mapping[str, Any]], nn.Module]
    wrap: Callable[[Any, ModelInfo], Generator]


ARCHITECTURES: dict[str, Architecture] = {
    "dcgan": Architecture(build=build_dcgan_net, wrap=DCGANGenerator),
}


def load_native(path: Path, options: Mapping[str, Any]) -> Generator:
    """Load a native file; options are refused (the file carries its own metadata)."""
    if options:
        raise CheckpointError(
            f"{path} is a native file and takes no options (got {', '.join(options)}); remove them"
        )
    state_dict, meta = read_native(path)
    info = native_info(meta, path)
    arch = ARCHITECTURES.get(str(meta["architecture"]))
    if arch is None:
        known = ", ".join(ARCHITECTURES)
        raise CheckpointError(
            f"{path} needs architecture {meta['architecture']!r}, which this odyssey does not "
            f"know (known: {known}); upgrade odyssey"
        )
    if not isinstance(meta["kwargs"], dict):
        raise CheckpointError(
            f"{path}: metadata kwargs must be an object, got {short(meta['kwargs'])}; re-convert the file"
        )
    check_kwargs(meta["kwargs"], str(path))
    try:  # built on 'meta' and compared with the stored weights before any allocation
        net = build_fitting(lambda: arch.build(meta["kwargs"]), state_dict, str(path), f"{meta['architecture']} network")
    except (TypeError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise CheckpointError(
            f"{path}: cannot build {meta['architecture']} from kwargs {short(meta['kwargs'])} ({short(str(exc))}); "
            "re-convert the file"
        ) from None
    load_strict(net, state_dict, path)
    try:
        return arch.wrap(net, info)
    except ValueError as exc:
        raise CheckpointError(
            f"{path}: metadata disagrees with the weights ({exc}); re-convert the file"
        ) from exc


ADAPTER = Adapter(
    name="native",
    description="an odyssey native .safetensors file (odyssey metadata in its header)",
    suffixes=(".safetensors",),
    sniff=is_native,
    load=load_native,
)
