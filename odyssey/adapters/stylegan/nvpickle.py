"""NVIDIA StyleGAN network pickles (StyleGAN2-ADA, StyleGAN3), read without running their code.

A network pickle (``network-snapshot-*.pkl``, NVIDIA's published models) is a ``dict``
with ``G``, ``D``, ``G_ema``, ``augment_pipe`` and ``training_set_kwargs`` (any may be
``None`` or absent). NVIDIA's ``torch_utils.persistence`` pickles every network as
``_reconstruct_persistent_obj(meta)``, ``meta`` holding the network's module *source
code*, class name and ``__dict__``: loading it with Python's ``pickle`` executes that
source. Here nothing runs: ``nvpickle_unpickler.SafeUnpickler`` allows a fixed list of
globals and turns each network into an inert ``NetworkRecord`` (see
``nvpickle_records``); anything else, e.g. ``os.system`` hidden in a ``__reduce__``,
is refused with a ``CheckpointError`` naming it and the file.

    record = read_network_pickle("stylegan3-t-ffhq-1024x1024.pkl")     # G_ema
    state = flatten_state(record)      # {"mapping.fc0.weight": tensor, ...} = G_ema.state_dict()
    kwargs = record_kwargs(record)     # = G_ema.init_kwargs, as plain dicts
    print(describe_record(record))

``flatten_state`` gives what ``nn.Module.state_dict()`` of NVIDIA's network gives:
parameters and persistent buffers (``w_avg``, ``noise_const``, ``magnitude_ema``,
``up_filter``...) under dotted names; buffers registered as ``None`` are left out, and so
are non-persistent buffers (NVIDIA's StyleGAN2-ADA and StyleGAN3 register none; pass
``include_non_persistent=True`` for a fork that does).

TensorFlow-era pickles (the original StyleGAN/StyleGAN2 releases, ProGAN) are not read
here: they load through ``adapters.tfpickle`` (``format: tfpickle``), and this reader
refuses them saying so.
"""

from __future__ import annotations

from collections.abc import Iterator

import copy
import io
import pickle
import pickletools
from pathlib import Path
from typing import Any

import torch

from odyssey.config.bounds import tree_problem
from odyssey.errors import CheckpointError
from odyssey.models.checkpoint import looks_like_torch_file

from .nvpickle_records import ModuleRecord, NetworkRecord
from .nvpickle_unpickler import (
    RECONSTRUCTOR,
    SafeUnpickler,
    allowed_globals,
)

__all__ = [
    "ModuleRecord",
    "NetworkRecord",
    "allowed_globals",
    "describe_record",
    "flatten_state",
    "is_network_pickle",
    "read_network_pickle",
    "read_network_pickle_data",
    "record_kwargs",
]

NETWORK_KEYS = ("G", "D", "G_ema", "augment_pipe")
_SNIFF_BYTES = 1 << 16
# Positional parameters shared by every revision of NVIDIA's classes, used only when the
# names cannot be read from the pickled source (StyleGAN2-ADA's Generator alone takes a
# 7th, synthesis_kwargs; StyleGAN3's takes **synthesis_kwargs).
_KNOWN_INIT_PARAMS = {
    "Generator": ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs", "synthesis_kwargs"),
    "MappingNetwork": ("z_dim", "c_dim", "w_dim", "num_ws", "num_layers"),
    "SynthesisNetwork": ("w_dim", "img_resolution", "img_channels", "channel_base", "channel_max"),
}


def _check_file(path: Path) -> bytes:
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a network pickle; give the path of the .pkl file itself")
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        raise CheckpointError(f"network pickle {path} does not exist; check the path") from None
    except OSError as exc:
        raise CheckpointError(f"cannot read {path} ({exc})") from None
    if not head:
        raise CheckpointError(f"{path} is empty; re-download it")
    if looks_like_torch_file(path) or head.startswith(b"PK\x03\x04"):
        raise CheckpointError(f"{path} is a torch.save file or zip archive, not an NVIDIA network pickle; load it with format: torch (or the matching adapter)")
    if head[0] != pickle.PROTO[0] or len(head) < 2 or not 2 <= head[1] <= 5:
        raise CheckpointError(f"{path} is not a pickle of protocol 2-5, so not an NVIDIA network pickle; check that it is the .pkl file")
    return head


def read_network_pickle_data(path: str | Path) -> dict[str, Any]:
    """The whole top-level dict of a network pickle: records for networks, plain data otherwise."""
    path = Path(path)
    _check_file(path)
    try:
        with open(path, "rb") as handle:
            data = SafeUnpickler(handle, str(path)).load()
    except CheckpointError:
        raise
    except EOFError:
        raise CheckpointError(f"{path} is truncated (the pickle ends early); re-download it") from None
    except pickle.UnpicklingError as exc:
        if "truncated" in str(exc) or "exhausted" in str(exc):
            raise CheckpointError(f"{path} is truncated (the pickle ends early); re-download it") from None
        raise CheckpointError(f"{path} is a corrupt pickle ({exc}); re-download it") from None
    except RecursionError:
        raise CheckpointError(f"{path} is nested too deeply to read; it is corrupt or malicious") from None
    except Exception as exc:  # noqa: BLE001 - malformed opcodes: stack underflow, bad types, bad lengths...
        raise CheckpointError(f"{path} is a corrupt pickle ({type(exc).__name__}: {exc}); re-download it") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} holds a {type(data).__name__}, not NVIDIA's dict of networks (G, D, G_ema, ...); is it a network pickle?")
    check_bounds(data, str(path))
    return data


MAX_DEPTH = 64  # a StyleGAN's modules nest a few levels; its kwargs a few more
MAX_VALUES = 1_000_000  # values once shared references are expanded (weights count one each)


def _parts(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    if isinstance(value, ModuleRecord):
        parts = [value.parameters, value.buffers, value.children, value.attributes]
        if isinstance(value, NetworkRecord):
            parts += [value.init_args, value.init_kwargs]
        return parts
    return []


def check_bounds(data: Any, where: str) -> None:
    """CheckpointError if what was unpickled nests deeper than ``MAX_DEPTH`` or holds more than
    ``MAX_VALUES`` values with shared references expanded (a "billion laughs" list, a chain of
    200,000 modules), before anything recursive walks, copies or prints it."""
    problem = tree_problem(data, _parts, MAX_DEPTH, MAX_VALUES)
    if problem == "deep":
        raise CheckpointError(f"{where}: nested more than {MAX_DEPTH} levels deep, which no network pickle is; the file is corrupt or malicious")
    if problem == "cycle":
        raise CheckpointError(f"{where}: holds a value that contains itself; the file is corrupt or malicious")
    if problem == "big":
        raise CheckpointError(f"{where}: holds more than {MAX_VALUES} values once its shared references are expanded (a pickle bomb?); refused")


def read_network_pickle(path: str | Path, key: str = "G_ema") -> NetworkRecord:
    """The network stored under ``key`` (``G_ema`` by default: the generator to render with).

    Raises ``CheckpointError`` for a missing, empty, truncated or corrupt file, a file that
    is not a pickle, a TensorFlow pickle (pointing at ``format: tfpickle``), any global
    outside the allow-list (naming it), and a missing or empty ``key`` (listing the
    networks the file does hold).
    """
    data = read_network_pickle_data(path)
    networks = [str(k) for k, v in data.items() if isinstance(v, NetworkRecord)]
    held = f"it holds networks {', '.join(networks)}" if networks else "it holds no networks"
    if key not in data:
        raise CheckpointError(f"{path} has no {key!r}; {held}; choose one with the option key")
    record = data[key]
    if record is None:
        raise CheckpointError(f"{path}: {key!r} is None in this file; {held}; choose one with the option key")
    if not isinstance(record, NetworkRecord):
        raise CheckpointError(f"{path}: {key!r} is a {type(record).__name__}, not a network; {held}")
    return record


def pickle_globals(path: str | Path) -> Iterator[tuple[str, str]]:
    """The ``(module, name)`` globals among a pickle's first 64 KiB, in order; nothing if the
    file cannot be read or is no pickle. Walks opcodes with ``pickletools.genops``, which
    decodes and runs nothing: the cheap sniff of both NVIDIA pickle adapters."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return
    if len(head) < 2 or head[0] != pickle.PROTO[0] or not 2 <= head[1] <= 5:
        return
    strings: list[str] = []
    try:
        for opcode, arg, _ in pickletools.genops(io.BytesIO(head)):
            if opcode.name == "GLOBAL":
                module, _, name = str(arg).partition(" ")
            elif opcode.name == "STACK_GLOBAL" and len(strings) == 2:
                module, name = strings
            else:
                if isinstance(arg, str):
                    strings = [*strings[-1:], arg]
                continue
            yield module, name
    except Exception:  # noqa: BLE001, S110 - the head ends inside an opcode, or it is not a pickle after all
        return


def is_network_pickle(path: str | Path) -> bool:
    """A cheap sniff: does the file start like an NVIDIA PyTorch network pickle (a global that
    is the persistence reconstructor)? Never unpickles; TensorFlow-era pickles are
    ``adapters.tfpickle``'s."""
    return any(found == RECONSTRUCTOR for found in pickle_globals(path))


def flatten_state(record: ModuleRecord, include_non_persistent: bool = False) -> dict[str, torch.Tensor]:
    """``{dotted name: tensor}`` in ``state_dict()`` order: each module's parameters, then its
    buffers, then its children's; ``None`` entries and non-persistent buffers left out."""
    state: dict[str, torch.Tensor] = {}

    def visit(rec: ModuleRecord, prefix: str, active: frozenset[int]) -> None:
        if id(rec) in active:
            raise CheckpointError(f"{getattr(record, 'origin', '') or 'a network'}: module {prefix.rstrip('.')} contains itself; the file is corrupt")
        for name, tensor in rec.parameters.items():
            if tensor is not None:
                state[prefix + name] = tensor
        for name, tensor in rec.buffers.items():
            if tensor is not None and (include_non_persistent or name not in rec.non_persistent):
                state[prefix + name] = tensor
        for name, child in rec.children.items():
            if child is not None:
                visit(child, f"{prefix}{name}.", active | {id(rec)})

    visit(record, "", frozenset())
    return state


def record_kwargs(record: NetworkRecord) -> dict[str, Any]:
    """The network's constructor keywords: ``init_kwargs`` (a deep copy) with any positional
    ``init_args`` named by the constructor's parameter order (read from the pickled source,
    else NVIDIA's known order); ``CheckpointError`` if they cannot be named unambiguously."""
    kwargs = copy.deepcopy(record.init_kwargs)
    args = copy.deepcopy(record.init_args)
    if not args:
        return kwargs
    where = record.origin or "the network pickle"
    names = record.init_params or _KNOWN_INIT_PARAMS.get(record.class_name)
    if names is None or len(args) > len(names):
        raise CheckpointError(
            f"{where}: {record.class_name} was built with {len(args)} positional arguments that cannot be named from its "
            "source; load it with trust_pickle: true"
        )
    named = dict(zip(names, args))
    clash = sorted(set(named) & set(kwargs))
    if clash:
        raise CheckpointError(f"{where}: {record.class_name} got {clash[0]!r} both positionally and by keyword; the file is corrupt")
    return {**named, **kwargs}


def _count(record: ModuleRecord) -> str:
    state = flatten_state(record)
    values = sum(t.numel() for t in state.values())
    dtypes = sorted({str(t.dtype).replace("torch.", "") for t in state.values()})
    return f"{len(state)} tensors, {values:,} values" + (f" ({', '.join(dtypes)})" if dtypes else "")


def describe_record(record: ModuleRecord) -> str:
    """A few lines for a person: class, source revision, kwargs, weights, children."""
    if isinstance(record, NetworkRecord):
        summary = f": {record.source_summary}" if record.source_summary else ""
        lines = [f"{record.class_name}: NVIDIA persistent network (persistence v{record.version}, source {record.source_sha256}{summary})"]
        try:
            kwargs = ", ".join(f"{k}={v!r}" for k, v in record_kwargs(record).items())
        except CheckpointError:
            kwargs = f"{len(record.init_args)} unnamed positional args, " + ", ".join(f"{k}={v!r}" for k, v in record.init_kwargs.items())
        lines.append("  kwargs: " + (kwargs if len(kwargs) <= 400 else kwargs[:397] + "..."))
    else:
        lines = [f"{record.class_name}: plain torch module"]
    lines.append(f"  weights: {_count(record)}")
    children = [f"{name} ({child.class_name.rsplit('.', 1)[-1]})" for name, child in record.children.items() if child is not None]
    if children:
        lines.append("  children: " + ", ".join(children))
    return "\n".join(lines)
