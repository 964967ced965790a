"""Helpers shared by the TF-pickle mappings of StyleGAN (v1) and ProGAN (``sg1_tf``, ``progan_tf``).

* ``Kwargs``: a network's static kwargs read with NVIDIA's defaults and checked types;
  kwargs the original build function does not know are reported (NVIDIA's functions take
  ``**kwargs`` and ignore them, so they cannot change the network NVIDIA's code builds).
* ``tf_array``/``dense``/``conv``: TF variables -> float32 torch tensors in PyTorch layouts
  (dense ``[in, out]`` -> ``(out, in)``, conv ``[kh, kw, in, out]`` -> ``(out, in, kh, kw)``).
* ``build_checked``: the network built on ``meta`` first and compared with the converted
  weights (``adapters.checked``), then built for real and loaded strictly.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from odyssey.adapters.checked import build_fitting, check_kwargs, short
from odyssey.errors import CheckpointError


class Kwargs:
    """Static kwargs of one build function, read one by one with the function's defaults."""

    def __init__(self, kwargs: Mapping[str, Any], where: str, func: str) -> None:
        if not isinstance(kwargs, Mapping) or not all(isinstance(k, str) for k in kwargs):
            raise CheckpointError(f"{where}: the static kwargs of {func} are not a dict of names; the file is corrupt")
        check_kwargs(dict(kwargs), where)
        self.values, self.where, self.func = dict(kwargs), where, func

    def _fail(self, name: str, want: str) -> CheckpointError:
        return CheckpointError(f"{self.where}: {self.func} kwarg {name}={short(self.values[name])} is not {want}; the file is corrupt")

    def int(self, name: str, default: int, low: int = 0) -> int:
        value = self.values.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self._fail(name, f"an integer >= {low}")
        return value

    def float(self, name: str, default: float) -> float:
        value = self.values.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._fail(name, "a number")
        return float(value)

    def bool(self, name: str, default: bool) -> bool:
        value = self.values.get(name, default)
        if not isinstance(value, (bool, int)):
            raise self._fail(name, "true or false")
        return bool(value)

    def choice(self, name: str, default: Any, allowed: Iterable[Any]) -> Any:
        value = self.values.get(name, default)
        allowed = list(allowed)
        if not any(value == a and type(value) is type(a) for a in allowed):
            raise CheckpointError(
                f"{self.where}: {self.func} kwarg {name}={short(value)} is not supported here (NVIDIA's code takes "
                f"{', '.join(repr(a) for a in allowed)})"
            )
        return value


def warn_unknown(names: Iterable[str], where: str, funcs: str) -> None:
    """Warn once about kwargs that none of ``funcs`` takes (NVIDIA's code ignores them too)."""
    names = sorted(set(names))
    if names:
        warnings.warn(
            f"{where}: ignored build kwargs that NVIDIA's {funcs} do not take (its code ignores them as well): {', '.join(names)}",
            stacklevel=3,
        )


def warn_dtype(kwargs: Kwargs, where: str) -> None:
    dtype = kwargs.values.get("dtype", "float32")
    if dtype != "float32":
        warnings.warn(f"{where}: the network was built to compute in {dtype!r}; odyssey computes in float32", stacklevel=3)


def tf_array(name: str, value: Any, where: str, ndim: int | None) -> np.ndarray:
    """A stored variable as a float array of ``ndim`` dims; CheckpointError naming it otherwise."""
    if isinstance(value, np.generic):  # a scalar variable (lod) comes back from TF as a numpy scalar
        value = np.asarray(value)
    if not isinstance(value, np.ndarray) or not (np.issubdtype(value.dtype, np.floating)):
        raise CheckpointError(f"{where}: TF variable {name} is a {type(value).__name__} of {getattr(value, 'dtype', '?')}, not a float array; the file is corrupt")
    if ndim is not None and value.ndim != ndim:
        raise CheckpointError(f"{where}: TF variable {name} has shape {value.shape}, not {ndim}-D; the file is corrupt or of another architecture")
    return value


def tensor(value: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))


def dense(name: str, value: Any, where: str) -> torch.Tensor:
    """TF dense weight ``[in, out]`` -> ``(out, in)``."""
    return tensor(tf_array(name, value, where, 2).T)


def conv(name: str, value: Any, where: str) -> torch.Tensor:
    """TF conv weight ``[kh, kw, in, out]`` -> ``(out, in, kh, kw)``."""
    return tensor(tf_array(name, value, where, 4).transpose(3, 2, 0, 1))


def scalar(name: str, value: Any, where: str) -> float:
    number = float(tf_array(name, value, where, 0))
    if not np.isfinite(number):
        raise CheckpointError(f"{where}: TF variable {name} is {number}; the file is corrupt")
    return number


def unknown_variable(name: str, where: str, network: str) -> CheckpointError:
    return CheckpointError(f"{where}: {network} has a TF variable {name!r} that NVIDIA's network does not have; the file is of another (forked) architecture")


def build_checked(build: Callable[[], nn.Module], state: dict[str, torch.Tensor], where: str, what: str) -> nn.Module:
    """``build()`` checked on ``meta`` against ``state`` (names and shapes), then loaded strictly, eval mode."""
    try:
        net = build_fitting(build, state, where, what)
    except (TypeError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise CheckpointError(f"{where}: cannot build the {what} its kwargs describe ({short(str(exc))})") from None
    net.load_state_dict(state, strict=True)
    return net.eval().requires_grad_(False)
