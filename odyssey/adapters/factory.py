"""Python factory decoders: ``module:function`` builds the decoder. This RUNS YOUR CODE, so it is opt-in.

For decoders that are neither odyssey files nor TorchScript: a function of yours
builds the network (and loads its weights from the checkpoint file however it likes).
Because that imports and executes Python, odyssey refuses unless the path file says so
explicitly, and it is never chosen by file name or contents, only by ``format: factory``::

    model:
      path: weights/decoder.pt        # passed to your function (relative to the path file)
      format: factory
      options:
        factory: my_decoders:build    # module:function; the module is looked up on sys.path,
                                      # then in the checkpoint's folder
        trust_code: true              # required: you trust this code
        kwargs: {latent_dim: 64}      # optional keyword arguments for the function
        latent_shape: [64]            # required: what the decoder takes
        output_range: [0, 1]          # required: what its images span

``build(path, **kwargs)`` returns either an ``nn.Module`` decoder, treated as a
TorchScript decoder is (``decode`` or ``forward``: ``(N, *latent_shape)`` -> ``(N, C, H, W)``;
an ``encode`` method enables image keyframes), or a ready ``odyssey.Generator``.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torch import nn

from odyssey.adapters.registry import Adapter
from odyssey.adapters.torchscript import DECLARED, check_options, wrap_decoder
from odyssey.errors import CheckpointError
from odyssey.models.base import Generator

OPTIONS = ("factory", "trust_code", "kwargs", *DECLARED)
_SPEC = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*)$")


def _import(module_name: str, folder: Path, path: Path) -> Any:
    """Import ``module_name`` from sys.path, else from ``folder`` (added to sys.path only while importing)."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise  # a module that the factory's module itself imports is missing: report it below
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise CheckpointError(
                f"{path}: cannot import factory module {module_name!r} (looked on sys.path and in {folder}); "
                "check the name or put the module next to the checkpoint"
            ) from None
        raise
    finally:
        sys.path.remove(str(folder))


def load_factory(path: Path, options: Mapping[str, Any]) -> Generator:
    """Build a decoder with the user's ``module:function`` (see module docstring)."""
    check_options(path, options, OPTIONS, "factory")
    spec = options.get("factory")
    if not isinstance(spec, str) or not _SPEC.match(spec):
        raise CheckpointError(f"{path}: format factory needs options.factory as 'module:function', e.g. my_decoders:build; got {spec!r}")
    if options.get("trust_code") is not True:
        raise CheckpointError(
            f"{path}: format factory imports and runs Python code ({spec}); if you trust that code, add "
            "trust_code: true to the model's options"
        )
    kwargs = options.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise CheckpointError(f"{path}: options.kwargs must be a mapping of keyword arguments, got {kwargs!r}")
    module_name, function_name = _SPEC.match(spec).groups()  # type: ignore[union-attr]
    try:
        module = _import(module_name, path.parent, path)
        function = getattr(module, function_name, None)
        if not callable(function):
            raise CheckpointError(f"{path}: factory module {module_name} has no function {function_name!r}; check options.factory")
        result = function(path, **kwargs)
    except CheckpointError:
        raise
    except Exception as exc:  # the user's code: report whatever it raised, in one line
        detail = " ".join(str(exc).split())[:300]
        raise CheckpointError(f"{path}: factory {spec} failed: {type(exc).__name__}: {detail}") from exc
    if isinstance(result, Generator):
        return result
    if isinstance(result, nn.Module):
        return wrap_decoder(path, result, options, {}, "factory")
    raise CheckpointError(
        f"{path}: factory {spec} returned {type(result).__name__}; it must return an nn.Module decoder or an odyssey Generator"
    )


def _never(path: Path) -> bool:
    """Never chosen by sniffing: running code needs ``format: factory``."""
    return False


ADAPTER = Adapter(
    name="factory",
    description="a decoder built by your Python function (format: factory, opt-in)",
    suffixes=(),
    sniff=_never,
    load=load_factory,
)
