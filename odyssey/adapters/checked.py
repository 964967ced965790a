"""Networks built only once the weights are known to fit: kwargs bounded, shapes checked on ``meta``.

A checkpoint names the kwargs its network is built from (a native file's metadata, an
NVIDIA pickle's ``init_kwargs``). A file can lie: kwargs that describe a 40 GB network
would allocate 40 GB before a single stored weight is looked at. So the network is
first built on PyTorch's ``meta`` device (shapes, no memory), its ``state_dict`` is
compared with the stored tensors -- every name, every shape -- and only a network that
fits is built for real. Kwargs themselves are bounded first: plain data, a few levels
deep, no number beyond ``MAX_INT`` (no generator has a dimension of 131,072).
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from odyssey.errors import CheckpointError

MAX_INT = 1 << 17
MAX_DEPTH = 4
MAX_VALUES = 1000

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxdict, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxstring, _SHORT.maxother = 3, 8, 8, 8, 60, 60


def short(value: Any) -> str:
    """A value for an error message: a few items, a few levels, never the whole of a huge one."""
    return _SHORT.repr(value)


def check_kwargs(kwargs: Any, where: str) -> None:
    """CheckpointError unless ``kwargs`` is small plain data (dicts, lists, numbers, strings, None)."""
    count = 0
    stack: list[tuple[Any, int]] = [(kwargs, 0)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_VALUES or depth > MAX_DEPTH:
            raise CheckpointError(f"{where}: its network kwargs are larger or deeper than any generator's; the file is corrupt or malicious")
        if isinstance(value, Mapping):
            stack.extend((v, depth + 1) for v in value.values())
            stack.extend((k, depth + 1) for k in value)
        elif isinstance(value, (list, tuple)):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_INT:
                raise CheckpointError(f"{where}: a network kwarg is {value}, beyond any generator's sizes (at most {MAX_INT}); the file is corrupt or malicious")
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise CheckpointError(f"{where}: a network kwarg is {value}; the file is corrupt")
        else:
            raise CheckpointError(f"{where}: a network kwarg is a {type(value).__name__}, not plain data; the file is corrupt")


def build_fitting(build: Callable[[], nn.Module], state: Mapping[str, torch.Tensor], where: str, what: str) -> nn.Module:
    """``build()`` for real only after a ``meta`` build shows its state_dict has exactly the names
    and shapes of ``state``; CheckpointError naming the first difference otherwise."""
    with torch.device("meta"):
        probe = build()
    own = {name: tuple(tensor.shape) for name, tensor in probe.state_dict().items()}
    del probe
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        detail = (f"missing {', '.join(missing[:4])}" if missing else "") + ("; " if missing and unexpected else "") + (
            f"unexpected {', '.join(unexpected[:4])}" if unexpected else ""
        )
        raise CheckpointError(f"{where}: its weights do not fit the {what} its kwargs describe ({detail}); the file is corrupt or of another architecture")
    for name, shape in own.items():
        if tuple(state[name].shape) != shape:
            raise CheckpointError(
                f"{where}: its weights do not fit the {what} its kwargs describe ({name} has shape {tuple(state[name].shape)}, "
                f"the kwargs give {shape}); the file is corrupt or of another architecture"
            )
    return build()


def check_finite(modules: list[nn.Module], where: str) -> None:
    """CheckpointError if any floating weight or buffer holds NaN or infinity (it would render grey)."""
    for module in modules:
        for name, tensor in module.state_dict().items():
            if tensor.is_floating_point() and tensor.numel() and not bool(torch.isfinite(tensor).all()):
                raise CheckpointError(f"{where}: weight {name} holds NaN or infinite values; the checkpoint is damaged (or was trained into NaN)")
