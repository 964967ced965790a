"""Test-only stand-in for NVIDIA's ``torch_utils.persistence``: writes network pickles.

Written here from the format facts (no NVIDIA code): a persistent network pickles as
``torch_utils.persistence._reconstruct_persistent_obj(meta)``, ``meta = {type: 'class',
version: 6, module_src, class_name, state}`` with ``state`` the module's ``__dict__``
(holding ``_init_args``/``_init_kwargs``); nested kwargs are ``dnnlib.util.EasyDict``;
tensors go through torch's own reduction (``_rebuild_parameter``/``_rebuild_tensor_v2``,
storages as ``torch.storage._load_from_bytes`` legacy blobs); plain torch modules
(``ModuleList``, ``Linear``) are pickled by class, as Python does.

The globals ``torch_utils.persistence``, ``dnnlib.util`` and, for the numpy spelling
asked for, ``numpy.core.*`` or ``numpy._core.*`` are emitted by registering fake modules
in ``sys.modules`` only while dumping (restored afterwards), so pickle writes exactly the
bytes it writes for NVIDIA's objects, and nothing can import them at load time.

    G = TinyNet(...); persistent(G, z_dim=4, mapping_kwargs=EasyDict(num_layers=2))  # or @persistent_class
    dump_network_pickle(path, G_ema=G, D=None, protocol=4, numpy_spelling="numpy.core")
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import pickle
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

PERSISTENCE_VERSION = 6
NUMPY_SPELLINGS = ("numpy.core", "numpy._core")  # numpy 1.x, numpy 2.x


class EasyDict(dict):
    """Stands for ``dnnlib.util.EasyDict``: pickles under that name while dumping."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


EasyDict.__module__ = "dnnlib.util"


def _reconstruct_persistent_obj(meta: dict) -> None:
    raise AssertionError("the stand-in writes pickles only; nothing may reconstruct them")


_reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
RECONSTRUCT = _reconstruct_persistent_obj  # for hand-made reduce tuples (pickles as NVIDIA's global)


def _numpy_fake(name: str, module: str) -> types.FunctionType:
    def fake(*args: Any) -> None:
        raise AssertionError("stand-in numpy global, for writing only")

    fake.__name__ = fake.__qualname__ = name
    fake.__module__ = module
    return fake


def persistent(module: nn.Module, *args: Any, **kwargs: Any) -> nn.Module:
    """Record init args as NVIDIA's decorator does (deep copies, in the module's ``__dict__``)."""
    module._init_args = copy.deepcopy(args)
    module._init_kwargs = copy.deepcopy(kwargs)
    return module


def persistent_class(cls: type) -> type:
    """Class decorator: every instance records its init args, as NVIDIA's ``persistent_class`` does."""
    init = cls.__init__

    def __init__(self: nn.Module, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        persistent(self, *args, **kwargs)

    cls.__init__ = __init__
    return cls


def is_persistent(module: nn.Module) -> bool:
    """Persistent = any module whose class is not torch's own (as NVIDIA decorates all of theirs)."""
    return not type(module).__module__.startswith("torch.")


def _module_source(cls: type) -> str:
    """The source of the whole module defining ``cls``, as NVIDIA stores it (a stub if unavailable)."""
    try:
        return inspect.getsource(sys.modules[cls.__module__])
    except (OSError, TypeError, KeyError):
        return f'"""Source of {cls.__module__} (unavailable)."""\n'


class _NetworkPickler(pickle.Pickler):
    def __init__(self, file: Any, protocol: int, numpy_spelling: str, source: str | None) -> None:
        super().__init__(file, protocol=protocol)
        self.proto = protocol
        self.source = source
        self.numpy_funcs = {
            "_reconstruct": _numpy_fake("_reconstruct", f"{numpy_spelling}.multiarray"),
            "scalar": _numpy_fake("scalar", f"{numpy_spelling}.multiarray"),
            "_frombuffer": _numpy_fake("_frombuffer", f"{numpy_spelling}.numeric"),
        }

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, nn.Module) and is_persistent(obj):
            if "_init_kwargs" not in obj.__dict__:
                persistent(obj)
            source = self.source if self.source is not None else _module_source(type(obj))
            meta = {"type": "class", "version": PERSISTENCE_VERSION, "module_src": source, "class_name": type(obj).__name__, "state": obj.__dict__}
            return (_reconstruct_persistent_obj, (meta,), None)
        if type(obj) is np.ndarray or isinstance(obj, np.generic):
            reduced = list(obj.__reduce_ex__(self.proto))  # numpy's own reduction, with our spelling of its function
            reduced[0] = self.numpy_funcs[reduced[0].__name__]
            return tuple(reduced)
        return NotImplemented


@contextlib.contextmanager
def fake_modules(modules: dict[str, dict[str, Any]]) -> Iterator[None]:
    """Register ``{module name: {attribute: value}}`` in ``sys.modules`` for the block only."""
    saved = {name: sys.modules.get(name) for name in modules}
    try:
        for name, attrs in modules.items():
            module = types.ModuleType(name)
            module.__dict__.update(attrs)
            sys.modules[name] = module
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def dumps_network_pickle(data: Any, protocol: int = 4, numpy_spelling: str = "numpy._core", source: str | None = None,
                         extra_modules: dict[str, dict[str, Any]] | None = None) -> bytes:
    """Pickle ``data`` (any structure holding modules) as NVIDIA's persistence would.

    ``source`` replaces the module source stored for every network (default: the real
    source of the module defining its class); ``extra_modules`` adds fake modules.
    """
    if numpy_spelling not in NUMPY_SPELLINGS:
        raise ValueError(f"numpy_spelling must be one of {NUMPY_SPELLINGS}")
    buffer = io.BytesIO()
    pickler = _NetworkPickler(buffer, protocol, numpy_spelling, source)
    modules: dict[str, dict[str, Any]] = {
        "torch_utils": {},
        "torch_utils.persistence": {"_reconstruct_persistent_obj": _reconstruct_persistent_obj},
        "dnnlib": {},
        "dnnlib.util": {"EasyDict": EasyDict},
    }
    for fake in pickler.numpy_funcs.values():
        modules.setdefault(fake.__module__, {})[fake.__name__] = fake
    for name, attrs in (extra_modules or {}).items():
        modules.setdefault(name, {}).update(attrs)
    with fake_modules(modules):
        pickler.dump(data)
    return buffer.getvalue()


def dump_network_pickle(path: str | Path, G_ema: nn.Module | None, G: nn.Module | None = None, D: nn.Module | None = None,
                        augment_pipe: nn.Module | None = None, training_set_kwargs: dict | None = None, *, protocol: int = 4,
                        numpy_spelling: str = "numpy._core", keys: tuple[str, ...] | None = None, **options: Any) -> Path:
    """Write ``{G, D, G_ema, augment_pipe, training_set_kwargs}`` as NVIDIA's training loop does
    (each network a ``copy.deepcopy(...).eval().requires_grad_(False)``); ``keys`` keeps only those."""
    data: dict[str, Any] = {"G": G, "D": D, "G_ema": G_ema, "augment_pipe": augment_pipe, "training_set_kwargs": training_set_kwargs}
    for key, value in data.items():
        if isinstance(value, nn.Module):
            data[key] = copy.deepcopy(value).eval().requires_grad_(False)
    if keys is not None:
        data = {key: data[key] for key in keys}
    path = Path(path)
    path.write_bytes(dumps_network_pickle(data, protocol=protocol, numpy_spelling=numpy_spelling, **options))
    return path
