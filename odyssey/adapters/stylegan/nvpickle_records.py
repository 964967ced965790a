"""Inert records of the networks in an NVIDIA network pickle: data only, no behaviour.

NVIDIA's ``torch_utils.persistence`` pickles each network as a call
``_reconstruct_persistent_obj(meta)`` whose ``meta['state']`` is the module's
``__dict__``. ``nvpickle_unpickler`` turns that call into a ``NetworkRecord`` and a plain
``torch.nn`` child (pickled by class name plus ``__dict__``) into a ``ModuleRecord``; the
fields below are filled from the ``__dict__`` by ``split_module_state``. Nothing here
imports, instantiates or executes what a file names.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from typing import Any

import torch

from odyssey.errors import CheckpointError

# Keys of nn.Module.__dict__ that are torch's bookkeeping, not the network's attributes.
# Hook stores (``_forward_hooks``, ``_state_dict_pre_hooks``, ... in every torch version)
# are recognised by name; a network's hooks are never restored.
_MODULE_INTERNALS = frozenset(
    {"training", "_parameters", "_buffers", "_non_persistent_buffers_set", "_modules", "_is_full_backward_hook", "_compiled_call_impl"}
)
_PERSISTENT_EXTRAS = frozenset({"_init_args", "_init_kwargs"})


@dataclass(eq=False, repr=False)
class ModuleRecord:
    """A module's contents as plain data.

    ``class_name``: for a plain torch module its qualified name
    (``torch.nn.modules.container.ModuleList``); for a ``NetworkRecord`` NVIDIA's class
    name (``Generator``). ``parameters``/``buffers`` map names to CPU tensors (``None``
    where the module registered ``None``); ``non_persistent`` names the buffers that
    ``state_dict()`` leaves out; ``children`` are the submodules in registration order;
    ``attributes`` is the rest of the module's ``__dict__`` (numbers, strings, tuples,
    dicts, numpy arrays), with torch's hook stores dropped.
    """

    class_name: str = ""
    parameters: dict[str, torch.Tensor | None] = field(default_factory=dict)
    buffers: dict[str, torch.Tensor | None] = field(default_factory=dict)
    non_persistent: frozenset[str] = frozenset()
    children: dict[str, ModuleRecord | None] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    training: bool = False

    def __repr__(self) -> str:  # short: the default would print every tensor
        return (f"{type(self).__name__}({self.class_name!r}, {len(self.parameters)} parameters, {len(self.buffers)} buffers, "
                f"children={list(self.children)})")


@dataclass(eq=False, repr=False)
class NetworkRecord(ModuleRecord):
    """A persistent NVIDIA network (``Generator``, ``MappingNetwork``, ``SynthesisLayer``...).

    ``init_args``/``init_kwargs``: what its constructor was called with (``EasyDict`` as
    ``dict``, numpy scalars as Python numbers, numpy arrays kept). The pickled module
    source is not kept: only ``source_sha256`` (16 hex digits, tells revisions apart),
    ``source_summary`` (its docstring's first line) and, when ``init_args`` is not empty,
    ``init_params``: the constructor's positional parameter names, read from the source
    with ``ast`` (parsed, never run). ``version`` is NVIDIA's persistence format version.
    """

    version: int = 0
    source_sha256: str = ""
    source_summary: str = ""
    init_args: tuple[Any, ...] = ()
    init_kwargs: dict[str, Any] = field(default_factory=dict)
    init_params: tuple[str, ...] | None = None
    origin: str = ""  # the file it was read from, for messages


def _tensor_dict(value: Any, what: str, where: str) -> dict[str, torch.Tensor | None]:
    if not isinstance(value, dict):
        raise CheckpointError(f"{where}: its {what} are a {type(value).__name__}, not a dict; the file is corrupt")
    for name, tensor in value.items():
        if not isinstance(name, str) or not (tensor is None or isinstance(tensor, torch.Tensor)):
            raise CheckpointError(f"{where}: {what} {name!r} is a {type(tensor).__name__}, not a tensor; the file is corrupt")
    return dict(value)


def split_module_state(record: ModuleRecord, state: Any, where: str) -> None:
    """Fill ``record``'s fields from a pickled ``nn.Module.__dict__`` (validated, in place)."""
    if not isinstance(state, dict) or not all(isinstance(key, str) for key in state):
        raise CheckpointError(f"{where}: the state of {record.class_name} is a {type(state).__name__}, not an attribute dict")
    record.parameters = _tensor_dict(state.get("_parameters", {}), "parameters", where)
    record.buffers = _tensor_dict(state.get("_buffers", {}), "buffers", where)
    non_persistent = state.get("_non_persistent_buffers_set", frozenset())
    if not isinstance(non_persistent, (set, frozenset)) or not all(isinstance(n, str) for n in non_persistent):
        raise CheckpointError(f"{where}: the non-persistent buffer names of {record.class_name} are malformed")
    record.non_persistent = frozenset(non_persistent)
    modules = state.get("_modules", {})
    if not isinstance(modules, dict):
        raise CheckpointError(f"{where}: the submodules of {record.class_name} are a {type(modules).__name__}, not a dict")
    for name, child in modules.items():
        if not isinstance(name, str) or not (child is None or isinstance(child, ModuleRecord)):
            raise CheckpointError(f"{where}: submodule {name!r} of {record.class_name} is a {type(child).__name__}, not a module")
    record.children = dict(modules)
    record.training = bool(state.get("training", False))
    skip = _MODULE_INTERNALS | (_PERSISTENT_EXTRAS if isinstance(record, NetworkRecord) else frozenset())
    record.attributes = {k: v for k, v in state.items() if k not in skip and not (k.startswith("_") and "hook" in k)}


def source_summary(source: str) -> str:
    """The first line of a module source's docstring ('' without one); never runs it."""
    for line in source.lstrip("\ufeff").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text[:1] in "\"'" or text[:2].lower() in ("r'", 'r"'):
            return text.lstrip("rR").strip("\"' ")[:120]
        return ""
    return ""


def init_parameter_names(source: str, class_name: str) -> tuple[str, ...] | None:
    """Positional parameter names of ``class_name.__init__`` in ``source`` (parsed with ``ast``)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    names = [arg.arg for arg in item.args.posonlyargs + item.args.args]
                    return tuple(names[1:])  # without self
            return None
    return None


def network_record(meta: Any, where: str) -> NetworkRecord:
    """The record for NVIDIA's ``_reconstruct_persistent_obj(meta)``; its source is not run."""
    if not isinstance(meta, dict):
        raise CheckpointError(f"{where}: a persistent object's metadata is a {type(meta).__name__}, not a dict; the file is corrupt")
    kind, class_name, source, state = meta.get("type"), meta.get("class_name"), meta.get("module_src"), meta.get("state")
    if kind != "class":
        raise CheckpointError(f"{where}: a persistent object of type {kind!r}; odyssey reads NVIDIA's persistent classes only")
    if not isinstance(class_name, str) or not isinstance(source, str) or not isinstance(state, dict):
        raise CheckpointError(f"{where}: a persistent object lacks its class name, source or state; the file is corrupt")
    version = meta.get("version")
    record = NetworkRecord(
        class_name=class_name,
        version=version if isinstance(version, int) else 0,
        source_sha256=hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:16],
        source_summary=source_summary(source),
        origin=where,
    )
    split_module_state(record, state, where)
    args, kwargs = state.get("_init_args", ()), state.get("_init_kwargs", {})
    if not isinstance(args, (tuple, list)) or not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
        raise CheckpointError(f"{where}: the init arguments of {class_name} are malformed")
    record.init_args, record.init_kwargs = tuple(args), dict(kwargs)
    if record.init_args:
        record.init_params = init_parameter_names(source, class_name)
    return record
