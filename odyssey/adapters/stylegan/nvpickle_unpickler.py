"""The restricted unpickler behind ``nvpickle``: an explicit allow-list and a guarded VM.

Python's pickle is a small stack machine whose only ways to run code are to look up a
global (``GLOBAL``/``STACK_GLOBAL``/``EXT*``/``INST``) and then call it (``REDUCE``,
``NEWOBJ``, ``INST``/``OBJ``) or call a method of what it built (``BUILD`` ->
``__setstate__``). ``SafeUnpickler`` runs on the pure-Python ``pickle._Unpickler`` so
that each of those opcodes can be checked, not just the global lookup:

* ``find_class`` answers only the globals in ``ALLOWED`` (each mapped to a function
  written here that checks its arguments, never to the function the file names: torch's
  own ``_load_from_bytes`` would ``torch.load`` with ``weights_only=False``), plain
  ``torch.nn`` module classes (answered by an inert stand-in, never the class) and torch
  dtypes; any other global raises ``CheckpointError`` naming it, before anything runs;
* ``REDUCE`` calls only the checking functions above; ``NEWOBJ`` only creates a ``dict``
  (NVIDIA's ``EasyDict``) or an empty ``ModuleRecord``; ``BUILD`` only fills a
  ``ModuleRecord`` or sets a numpy array's or dtype's state (object dtypes refused);
* ``INST``/``OBJ`` (protocols 0-1), ``EXT*`` (the process-wide extension registry) and
  persistent ids are refused outright.

Each tensor storage is a separate legacy ``torch.save`` blob; it is read with
``torch.load(weights_only=True, map_location="cpu")``.
"""

from __future__ import annotations

import collections
import io
import pickle
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from odyssey.errors import CheckpointError

from .nvpickle_records import ModuleRecord, network_record, split_module_state

RECONSTRUCTOR = ("torch_utils.persistence", "_reconstruct_persistent_obj")
TF_MODULE_PREFIX = "dnnlib.tflib"  # TensorFlow StyleGAN / StyleGAN2 pickles
_RENAMED_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}  # protocol-2 spellings


class _Newable:
    """What ``find_class`` returns for a class NEWOBJ may create: an inert stand-in."""

    __slots__ = ("make", "name")

    def __init__(self, name: str, make: Callable[[], Any]) -> None:
        self.name, self.make = name, make


def _is_int_tuple(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)


def _check_dtype(dtype: Any, what: str) -> np.dtype:
    if not isinstance(dtype, np.dtype):
        raise CheckpointError(f"{what} with a dtype that is a {type(dtype).__name__}; the file is corrupt")
    if dtype.hasobject:
        raise CheckpointError(f"{what} of object dtype {dtype}: it would hold arbitrary Python objects, refused")
    return dtype


class SafeUnpickler(pickle._Unpickler):  # the pure-Python VM, so that opcodes can be guarded
    """Unpickle an NVIDIA network pickle into records and plain data; see the module docstring."""

    dispatch = dict(pickle._Unpickler.dispatch)  # noqa: RUF012 - pickle looks opcodes up here

    def __init__(self, file: Any, where: str) -> None:
        super().__init__(file)
        self.where = where
        allowed: dict[tuple[str, str], Any] = {
            RECONSTRUCTOR: self._reconstruct_persistent_obj,
            ("dnnlib.util", "EasyDict"): _Newable("dnnlib.util.EasyDict", dict),
            ("dnnlib", "EasyDict"): _Newable("dnnlib.EasyDict", dict),
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("builtins", "set"): set,
            ("builtins", "frozenset"): frozenset,
            ("builtins", "bytes"): self._bytes,
            ("builtins", "bytearray"): self._bytearray,
            ("_codecs", "encode"): self._codecs_encode,
            ("torch.storage", "_load_from_bytes"): self._load_from_bytes,
            ("torch._utils", "_rebuild_tensor_v2"): self._rebuild_tensor_v2,
            ("torch._utils", "_rebuild_parameter"): self._rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): self._rebuild_parameter,
            ("torch", "Size"): self._size,
            ("numpy", "ndarray"): np.ndarray,
            ("numpy", "dtype"): self._np_dtype,
        }
        for core in ("numpy.core", "numpy._core"):  # numpy 1.x and 2.x spellings
            for module in (f"{core}.multiarray", f"{core}._multiarray_umath"):
                allowed[(module, "_reconstruct")] = self._np_reconstruct
                allowed[(module, "scalar")] = self._np_scalar
            allowed[(f"{core}.numeric", "_frombuffer")] = self._np_frombuffer
        self.allowed = allowed
        # Only these may be called by REDUCE; numpy.ndarray and torch dtypes are arguments only.
        self._callable_ids = {id(v) for v in allowed.values() if not isinstance(v, _Newable) and v is not np.ndarray}
        self._names = {id(v): f"{m}.{n}" for (m, n), v in allowed.items()}
        self._built: set[int] = set()

    # -- globals --------------------------------------------------------------------

    def find_class(self, module: str, name: str) -> Any:
        module = _RENAMED_MODULES.get(module, module)
        found = self.allowed.get((module, name))
        if found is not None:
            return found
        if module == "torch" and isinstance(vars(torch).get(name), torch.dtype):  # vars: no lazy torch imports
            return vars(torch)[name]
        if module.startswith("torch.nn.modules.") and "." not in name:
            cls = getattr(sys.modules.get(module), name, None)  # only modules torch already imported
            if isinstance(cls, type) and issubclass(cls, torch.nn.Module):
                qualified = f"{module}.{name}"
                return _Newable(qualified, lambda: ModuleRecord(class_name=qualified))
        if module == TF_MODULE_PREFIX or module.startswith(TF_MODULE_PREFIX + ".") or (module, name) == ("tfutil", "Network"):
            raise CheckpointError(
                f"{self.where} is a TensorFlow-era network pickle (it holds {module}.{name}), not a PyTorch one; "
                "odyssey loads it safely with format: tfpickle (or leave format: out and it is found by its contents)"
            )
        raise CheckpointError(
            f"{self.where}: refused global {module}.{name}: odyssey reads NVIDIA network pickles without running code and "
            "allows only their networks, tensors, numpy arrays and plain containers (if you trust this file and it needs "
            "its own code, load it with trust_pickle: true)"
        )

    def _name(self, obj: Any) -> str:
        if isinstance(obj, _Newable):
            return obj.name
        if isinstance(obj, torch.dtype):
            return str(obj)
        return self._names.get(id(obj), f"a {type(obj).__name__}")

    # -- guarded opcodes ----------------------------------------------------------------

    def _refuse_opcode(self) -> None:
        raise CheckpointError(f"{self.where}: uses pickle opcodes NVIDIA's network pickles never contain (INST/OBJ/EXT/persistent ids); refused")

    def load_reduce(self) -> None:
        args = self.stack.pop()
        func = self.stack[-1]
        if id(func) not in self._callable_ids or not isinstance(args, tuple):
            raise CheckpointError(f"{self.where}: refused to call {self._name(func)}; the file is corrupt or malicious")
        self.stack[-1] = func(*args)

    def load_newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new(cls, args, {}))

    def load_newobj_ex(self) -> None:
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new(cls, args, kwargs))

    def _new(self, cls: Any, args: Any, kwargs: Any) -> Any:
        if not isinstance(cls, _Newable) or not (isinstance(args, tuple) and not args and isinstance(kwargs, dict) and not kwargs):
            raise CheckpointError(f"{self.where}: refused to create {self._name(cls)}; the file is corrupt or malicious")
        return cls.make()

    def load_build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is ModuleRecord and id(inst) not in self._built:
            self._built.add(id(inst))
            split_module_state(inst, state, self.where)
        elif type(inst) is np.ndarray and isinstance(state, tuple) and len(state) in (4, 5) and isinstance(state[-1], (bytes, bytearray)):
            _check_dtype(state[-3], "a numpy array")
            inst.__setstate__(state)
        elif isinstance(inst, np.dtype):
            inst.__setstate__(state)
            _check_dtype(inst, "a numpy dtype")
        elif isinstance(inst, dict) and (state is None or (isinstance(state, dict) and not state)):  # an EasyDict's empty __dict__
            pass
        else:
            raise CheckpointError(f"{self.where}: refused to set the state of a {type(inst).__name__}; the file is corrupt or malicious")

    for _op, _method in ((pickle.REDUCE, load_reduce), (pickle.NEWOBJ, load_newobj), (pickle.NEWOBJ_EX, load_newobj_ex), (pickle.BUILD, load_build)):
        dispatch[_op[0]] = _method
    for _op in (pickle.INST, pickle.OBJ, pickle.EXT1, pickle.EXT2, pickle.EXT4, pickle.PERSID, pickle.BINPERSID):
        dispatch[_op[0]] = _refuse_opcode
    del _op, _method

    # -- the allowed callables ------------------------------------------------------------

    def _corrupt(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.where}: {what}; the file is corrupt")

    def _reconstruct_persistent_obj(self, meta: Any) -> ModuleRecord:
        return network_record(meta, self.where)

    def _load_from_bytes(self, blob: Any) -> Any:
        if not isinstance(blob, (bytes, bytearray)):
            raise self._corrupt(f"a tensor storage is a {type(blob).__name__}, not bytes")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # TypedStorage deprecation
                storage = torch.load(io.BytesIO(blob), weights_only=True, map_location="cpu")
        except pickle.UnpicklingError as exc:
            raise CheckpointError(f"{self.where}: a tensor storage was refused by torch.load(weights_only=True) ({str(exc).splitlines()[0]})") from None
        except Exception as exc:  # noqa: BLE001 - any failure of a blob means a corrupt file
            raise self._corrupt(f"a tensor storage cannot be read ({type(exc).__name__}: {exc})") from None
        if not isinstance(storage, torch.storage.TypedStorage):
            raise self._corrupt(f"a tensor storage blob holds a {type(storage).__name__}")
        return storage

    def _rebuild_tensor_v2(self, storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any = False,
                           backward_hooks: Any = None, metadata: Any = None) -> torch.Tensor:
        if not isinstance(storage, torch.storage.TypedStorage) or not isinstance(offset, int) or not _is_int_tuple(size) or not _is_int_tuple(stride):
            raise self._corrupt("a tensor has malformed storage, offset, size or stride")
        if len(size) != len(stride) or offset < 0 or any(v < 0 for v in (*size, *stride)):
            raise self._corrupt(f"a tensor has size {tuple(size)}, stride {tuple(stride)}, offset {offset}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            untyped = storage.untyped()
        available = untyped.nbytes() // max(1, torch.empty((), dtype=storage.dtype).element_size())
        needed = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
        if needed > available or offset > available:  # set_ would grow the storage: uninitialised memory
            raise self._corrupt(f"a tensor of size {tuple(size)}, stride {tuple(stride)}, offset {offset} needs {needed} values but its storage holds {available}")
        try:
            return torch.empty((0,), dtype=storage.dtype).set_(untyped, offset, tuple(size), tuple(stride))
        except RuntimeError as exc:
            raise self._corrupt(f"a tensor does not fit its storage ({str(exc).splitlines()[0]})") from None

    def _rebuild_parameter(self, data: Any, requires_grad: Any = False, backward_hooks: Any = None, state: Any = None) -> torch.Tensor:
        if not isinstance(data, torch.Tensor):
            raise self._corrupt(f"a parameter holds a {type(data).__name__}, not a tensor")
        return data  # a plain tensor: records are data, not modules

    def _size(self, dims: Any = ()) -> torch.Size:
        if not _is_int_tuple(dims):
            raise self._corrupt("a torch.Size holds non-integers")
        return torch.Size(dims)

    def _bytes(self, *args: Any) -> bytes:
        if not args:
            return b""
        if len(args) == 1 and isinstance(args[0], (bytes, bytearray)):
            return bytes(args[0])
        raise self._corrupt("bytes() with unexpected arguments")

    def _bytearray(self, *args: Any) -> bytearray:
        if not args:
            return bytearray()
        if len(args) == 1 and isinstance(args[0], (bytes, bytearray)):
            return bytearray(args[0])
        if len(args) == 2 and isinstance(args[0], str) and args[1] in ("latin1", "latin-1"):
            return bytearray(args[0], "latin-1")
        raise self._corrupt("bytearray() with unexpected arguments")

    def _codecs_encode(self, text: Any, encoding: Any = "utf-8") -> bytes:
        if isinstance(text, str) and encoding in ("latin1", "latin-1"):  # protocol 2 writes bytes this way
            return text.encode("latin-1")
        raise self._corrupt("_codecs.encode with unexpected arguments")

    def _np_dtype(self, spec: Any, align: Any = False, copy: Any = False) -> np.dtype:
        if not isinstance(spec, str):
            raise self._corrupt(f"a numpy dtype is described by a {type(spec).__name__}")
        try:
            dtype = np.dtype(spec, align=bool(align), copy=True)  # never numpy's shared instance: BUILD sets its state
        except TypeError as exc:
            raise self._corrupt(f"unknown numpy dtype {spec!r} ({exc})") from None
        return _check_dtype(dtype, "a numpy dtype")

    def _np_reconstruct(self, subtype: Any, shape: Any = (0,), code: Any = b"b") -> np.ndarray:
        if subtype is not np.ndarray:
            raise CheckpointError(f"{self.where}: refused numpy array of type {self._name(subtype)}")
        return np.empty((0,), dtype=np.int8)  # BUILD then sets shape, dtype and data

    def _np_scalar(self, dtype: Any, data: Any = None) -> int | float | complex | bool:
        dtype = _check_dtype(dtype, "a numpy scalar")
        if dtype.kind not in "biufc" or not isinstance(data, (bytes, bytearray)) or len(data) != dtype.itemsize:
            raise self._corrupt(f"a numpy scalar of dtype {dtype} with {type(data).__name__} data")
        return np.frombuffer(bytes(data), dtype=dtype)[0].item()  # numpy scalars become Python numbers

    def _np_frombuffer(self, buffer: Any, dtype: Any, shape: Any, order: Any = "C") -> np.ndarray:
        dtype = _check_dtype(dtype, "a numpy array")
        if not isinstance(buffer, (bytes, bytearray)) or not _is_int_tuple(shape) or order not in ("C", "F"):
            raise self._corrupt("a numpy array (protocol 5) has malformed data, shape or order")
        try:
            return np.frombuffer(buffer, dtype=dtype).reshape(tuple(shape), order=order).copy(order="K")
        except ValueError as exc:
            raise self._corrupt(f"a numpy array does not fit its data ({exc})") from None


def allowed_globals() -> list[str]:
    """The allow-list, as 'module.name' strings (plus torch dtypes and torch.nn module classes)."""
    return sorted(f"{m}.{n}" for m, n in SafeUnpickler(io.BytesIO(), "").allowed)
