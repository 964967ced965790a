"""NVIDIA's TensorFlow network pickles read without TensorFlow and without running anything.

A TF-era pickle (StyleGAN, StyleGAN2, StyleGAN2-ADA-TF: ``dnnlib.tflib.network.Network``;
ProGAN: ``tfutil.Network``) is the tuple ``(G, D, Gs)``. Each network pickles as
``NEWOBJ(Network)`` + ``BUILD(state)``, the ``state`` being what NVIDIA's
``Network.__getstate__`` returns:

    {"version": 2..5, "name": "Gs", "static_kwargs": {...}, "components": {"mapping": Network, ...},
     "build_module_src": "<the Python source of the build module>", "build_func_name": "G_main",
     "variables": [("dlatent_avg", ndarray), ...]}        # ProGAN: no components; v5 adds shapes/names

Loading it with Python's ``pickle`` and NVIDIA's code *executes* ``build_module_src``
(``Network.__setstate__`` calls ``exec``). Here nothing runs: the guarded VM of
``stylegan.nvpickle_unpickler`` is given another allow-list (the two ``Network`` classes,
answered by inert shells; numpy arrays and scalars under ``numpy.core`` and
``numpy._core``; ``dnnlib`` EasyDicts, ``OrderedDict``, plain containers) and every shell
becomes a ``TFNetwork`` whose source is kept only as its sha256. Any other global, or a
call of anything outside the list, is refused with one ``CheckpointError`` naming the
file and the global; sizes are bounded before they are allocated (declared byte strings
and arrays longer than what is left of the file, arrays over ``MAX_ARRAY_BYTES``,
nesting deeper than ``MAX_DEPTH``, more than ``MAX_VALUES`` values).

    networks = read_tf_pickle("stylegan2-ffhq-config-f.pkl")   # {"G": ..., "D": ..., "Gs": ...}
    gs = networks["Gs"]; gs.build_func_name                    # "G_main"
    gs.component("synthesis").variables["4x4/Const/const"]     # ndarray [1, 512, 4, 4]
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from odyssey.adapters.checked import check_kwargs, short
from odyssey.adapters.stylegan.nvpickle_unpickler import (
    SafeUnpickler,
    _check_dtype,
    _Newable,
)
from odyssey.adapters.stylegan.nvpickle import pickle_globals
from odyssey.adapters.tfpickle.record import TFNetwork
from odyssey.config.bounds import tree_problem
from odyssey.errors import CheckpointError

NETWORK_CLASSES = {("dnnlib.tflib.network", "Network"): "StyleGAN/StyleGAN2", ("tfutil", "Network"): "ProGAN"}
TOP_LEVEL_KEYS = ("G", "D", "Gs")
MAX_ARRAY_BYTES = 1 << 30  # one variable; StyleGAN2's largest at 1024 px is 9 MB
MAX_DEPTH = 64
MAX_VALUES = 1_000_000
_SNIFF_BYTES = 1 << 16
_STATE_KEYS = {"version", "name", "static_kwargs", "components", "build_module_src", "build_func_name", "variables",
               "input_shapes", "output_shapes", "input_names", "output_names"}  # fmt: skip


class _NetworkShell:
    """What NEWOBJ makes of a ``Network``: nothing but the state BUILD gives it, once."""

    __slots__ = ("kind", "state")

    def __init__(self, kind: str) -> None:
        self.kind, self.state = kind, None


class _BoundedFile:
    """A file whose reads may not ask for more bytes than are left: a declared length of 2**60
    fails here, before pickle allocates a buffer for it."""

    def __init__(self, handle: BinaryIO, where: str) -> None:
        self.handle, self.where = handle, where
        self.size = os.fstat(handle.fileno()).st_size

    def left(self) -> int:
        return self.size - self.handle.tell()

    def read(self, n: int = -1) -> bytes:
        if n is not None and n > self.left():
            raise CheckpointError(f"{self.where}: declares {n} bytes where {self.left()} remain; the file is truncated or malicious")
        return self.handle.read(n)

    def readinto(self, buffer: Any) -> int:
        return self.handle.readinto(buffer)

    def readline(self) -> bytes:
        return self.handle.readline()


class TFUnpickler(SafeUnpickler):
    """``SafeUnpickler``'s guarded opcodes with the allow-list of TF-era network pickles."""

    dispatch = dict(SafeUnpickler.dispatch)  # noqa: RUF012 - pickle looks opcodes up here

    def __init__(self, file: _BoundedFile, where: str) -> None:
        super().__init__(file, where)
        self.bounded = file
        keep = {("dnnlib.util", "EasyDict"), ("dnnlib", "EasyDict"), ("collections", "OrderedDict"), ("builtins", "set"),
                ("builtins", "frozenset"), ("builtins", "bytes"), ("builtins", "bytearray"), ("_codecs", "encode"),
                ("numpy", "ndarray"), ("numpy", "dtype")}  # fmt: skip
        allowed = {key: value for key, value in self.allowed.items() if key in keep or key[0].startswith(("numpy.core.", "numpy._core."))}
        for core in ("numpy.core", "numpy._core"):
            for module in (f"{core}.multiarray", f"{core}._multiarray_umath"):
                allowed[(module, "scalar")] = self._np_scalar_array
        for module, name in NETWORK_CLASSES:
            allowed[(module, name)] = _Newable(f"{module}.{name}", lambda kind=f"{module}.{name}": _NetworkShell(kind))
        self.allowed = allowed
        self._callable_ids = {id(v) for v in allowed.values() if not isinstance(v, _Newable) and v is not np.ndarray}
        self._names = {id(v): f"{m}.{n}" for (m, n), v in allowed.items()}

    def find_class(self, module: str, name: str) -> Any:
        module = {"__builtin__": "builtins", "copy_reg": "copyreg"}.get(module, module)
        found = self.allowed.get((module, name))
        if found is None:
            raise CheckpointError(
                f"{self.where}: refused global {module}.{name}: odyssey reads NVIDIA's TensorFlow network pickles without "
                "running code and allows only their Network records, numpy arrays and plain containers"
            )
        return found

    def load_build(self) -> None:
        state, inst = self.stack[-1], self.stack[-2]
        if type(inst) is _NetworkShell:
            self.stack.pop()
            if inst.state is not None or not isinstance(state, dict):
                raise CheckpointError(f"{self.where}: a {inst.kind} is given a {type(state).__name__} state (or twice); the file is corrupt or malicious")
            inst.state = state
            return
        if type(inst) is np.ndarray:
            self._check_array_state(state)
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build

    def _left(self) -> int:
        """Bytes left to read: of the current frame (protocol 4+) while it lasts, else of the file."""
        frame = self._unframer.current_frame
        in_frame = frame.getbuffer().nbytes - frame.tell() if frame is not None else 0
        return in_frame if in_frame > 0 else self.bounded.left()

    def load_bytearray8(self) -> None:  # pickle allocates the bytearray before reading it
        (size,) = np.frombuffer(self.read(8), dtype="<u8").tolist()
        if size > self._left():
            raise CheckpointError(f"{self.where}: declares a {size}-byte buffer where {self._left()} bytes remain; the file is truncated or malicious")
        buffer = bytearray(size)
        self.readinto(buffer)
        self.append(buffer)

    dispatch[pickle.BYTEARRAY8[0]] = load_bytearray8

    def _check_array_state(self, state: Any) -> None:
        """An array's BUILD state ``(version, shape, dtype, fortran, raw)``: its declared size is
        bounded and must equal its data before numpy sees it."""
        if not (isinstance(state, tuple) and len(state) in (4, 5)):
            return  # the parent refuses it
        shape, dtype, raw = state[-4], state[-3], state[-1]
        if not isinstance(shape, tuple) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape) or len(shape) > 32:
            raise CheckpointError(f"{self.where}: a numpy array declares shape {short(shape)}; the file is corrupt")
        dtype = _check_dtype(dtype, "a numpy array")
        nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize if shape else dtype.itemsize
        if nbytes > MAX_ARRAY_BYTES:
            raise CheckpointError(
                f"{self.where}: declares a numpy array of shape {shape} ({nbytes:,} bytes), beyond any network's weights "
                f"(at most {MAX_ARRAY_BYTES:,} bytes); the file is corrupt or malicious"
            )
        if not isinstance(raw, (bytes, bytearray)) or len(raw) != nbytes:
            raise CheckpointError(f"{self.where}: a numpy array of shape {shape} holds {len(raw) if isinstance(raw, (bytes, bytearray)) else '?'} bytes, not {nbytes}; the file is corrupt")

    def _np_scalar_array(self, dtype: Any, data: Any = None) -> np.ndarray:
        """``numpy.core.multiarray.scalar``: TF returns 0-d variables (noise strengths) as numpy
        scalars; they stay arrays of their dtype (shape ``()``)."""
        dtype = _check_dtype(dtype, "a numpy scalar")
        if dtype.kind not in "biuf" or not isinstance(data, (bytes, bytearray)) or len(data) != dtype.itemsize:
            raise self._corrupt(f"a numpy scalar of dtype {dtype} with {type(data).__name__} data")
        return np.frombuffer(bytes(data), dtype=dtype).reshape(()).copy()

    def _np_frombuffer(self, buffer: Any, dtype: Any, shape: Any, order: Any = "C") -> np.ndarray:
        dtype = _check_dtype(dtype, "a numpy array")
        if isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape):
            nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if nbytes > MAX_ARRAY_BYTES:
                raise CheckpointError(f"{self.where}: declares a numpy array of shape {shape} ({nbytes:,} bytes), beyond any network's weights; the file is corrupt or malicious")
        return super()._np_frombuffer(buffer, dtype, shape, order)


def _parts(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    if isinstance(value, _NetworkShell):
        return [value.state]
    return []


def _plain(value: Any) -> Any:
    """Static kwargs as plain Python: numpy scalars (0-d arrays here) become numbers."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _record(shell: Any, where: str, label: str) -> TFNetwork:
    """One shell (and its components) -> ``TFNetwork``; CheckpointError naming what is malformed."""
    if not isinstance(shell, _NetworkShell):
        raise CheckpointError(f"{where}: {label} is a {type(shell).__name__}, not a TF network")
    state = shell.state
    if state is None:
        raise CheckpointError(f"{where}: {label} ({shell.kind}) has no state; the file is corrupt")

    def field(key: str, kind: type | tuple[type, ...], default: Any = None, required: bool = True) -> Any:
        if key not in state:
            if required:
                raise CheckpointError(f"{where}: {label} has no {key!r} in its state; the file is corrupt or not NVIDIA's")
            return default
        value = state[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
            raise CheckpointError(f"{where}: {label}'s {key!r} is a {type(value).__name__}; the file is corrupt")
        return value

    unknown = sorted(str(k) for k in state if k not in _STATE_KEYS)
    if unknown:
        raise CheckpointError(f"{where}: {label} has state entries NVIDIA's Network never writes ({', '.join(unknown[:4])}); the file is corrupt or not NVIDIA's")
    name = field("name", str)
    func = field("build_func_name", str)
    source = field("build_module_src", str)
    version = field("version", int, 0, required=False)
    kwargs = _plain(field("static_kwargs", dict))
    if not all(isinstance(k, str) for k in kwargs):
        raise CheckpointError(f"{where}: {label}'s static kwargs have non-string names; the file is corrupt")
    check_kwargs(kwargs, where)
    variables: dict[str, np.ndarray] = {}
    for item in field("variables", (list, tuple)):
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str)):
            raise CheckpointError(f"{where}: {label} has a variable entry that is not a (name, array) pair; the file is corrupt")
        var, value = item
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = np.asarray(value, dtype=np.float32)
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            raise CheckpointError(f"{where}: {label} variable {var!r} is a {type(value).__name__}, not a numeric array; the file is corrupt")
        if var in variables:
            raise CheckpointError(f"{where}: {label} has variable {var!r} twice; the file is corrupt")
        variables[var] = value
    components = {}
    for key, child in field("components", dict, {}, required=False).items():
        if not isinstance(key, str):
            raise CheckpointError(f"{where}: {label} has a component named by a {type(key).__name__}; the file is corrupt")
        components[key] = _record(child, where, f"{label}/{key}")
    module, _, local = func.rpartition(".")
    return TFNetwork(
        name=name,
        build_func_name=local,
        static_kwargs=kwargs,
        variables=variables,
        components=components,
        module_name=module,
        source_sha256=hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest(),
        format_version=version,
    )


def _open(path: Path) -> BinaryIO:
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a network pickle; give the .pkl file itself")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise CheckpointError(f"network pickle {path} does not exist; check the path") from None
    except OSError as exc:
        raise CheckpointError(f"cannot read {path} ({exc})") from None
    head = handle.read(2)
    handle.seek(0)
    if len(head) < 2 or head[0] != pickle.PROTO[0] or not 2 <= head[1] <= 5:
        handle.close()
        raise CheckpointError(f"{path} is not a pickle of protocol 2-5, so not an NVIDIA TensorFlow network pickle; check that it is the .pkl file")
    return handle


def read_tf_pickle(path: str | Path) -> dict[str, TFNetwork]:
    """``{"G": ..., "D": ..., "Gs": ...}`` of a TF-era network pickle (see the module docstring).

    A file holding one network gives ``{"Gs": net}``; one holding a dict of networks keeps
    its keys. CheckpointError for anything else, naming the file and what was refused.
    """
    path = Path(path)
    where = str(path)
    with _open(path) as handle:
        try:
            data = TFUnpickler(_BoundedFile(handle, where), where).load()
        except CheckpointError as exc:
            if where in str(exc):
                raise
            raise CheckpointError(f"{where}: {exc}") from None  # the shared numpy checks do not name the file
        except EOFError:
            raise CheckpointError(f"{path} is truncated (the pickle ends early); re-download it") from None
        except RecursionError:
            raise CheckpointError(f"{path} is nested too deeply to read; it is corrupt or malicious") from None
        except Exception as exc:  # noqa: BLE001 - malformed opcodes: stack underflow, bad types, bad lengths...
            raise CheckpointError(f"{path} is a corrupt pickle ({type(exc).__name__}: {short(str(exc))}); re-download it") from None
    problem = tree_problem(data, _parts, MAX_DEPTH, MAX_VALUES)
    if problem is not None:
        what = {"deep": f"nested more than {MAX_DEPTH} levels deep", "cycle": "holds a value that contains itself",
                "big": f"holds more than {MAX_VALUES:,} values once shared references are expanded"}[problem]  # fmt: skip
        raise CheckpointError(f"{path}: {what}, which no network pickle does; the file is corrupt or malicious")
    if isinstance(data, _NetworkShell):
        data = {"Gs": data}
    elif isinstance(data, (tuple, list)) and len(data) == 3 and all(isinstance(v, _NetworkShell) for v in data):
        data = dict(zip(TOP_LEVEL_KEYS, data))
    if not isinstance(data, dict) or not data or not all(isinstance(k, str) and isinstance(v, _NetworkShell) for k, v in data.items()):
        raise CheckpointError(f"{path} holds {short(data) if not isinstance(data, _NetworkShell) else 'a network'}, not NVIDIA's (G, D, Gs) networks; is it a TF network pickle?")
    return {key: _record(shell, where, key) for key, shell in data.items()}


def is_tf_pickle(path: str | Path) -> bool:
    """A cheap sniff, never unpickling: is the first global of the file's first 64 KiB a TF ``Network``?"""
    return next(pickle_globals(path), None) in NETWORK_CLASSES


__all__ = ["MAX_ARRAY_BYTES", "NETWORK_CLASSES", "TFNetwork", "TFUnpickler", "is_tf_pickle", "read_tf_pickle"]
