"""Torch7 ``torch.save`` files (``.t7``) read as inert data: nothing in a file ever runs.

The layout (torch7 ``File.lua`` ``writeObject``, ``generic/Tensor.c``, ``generic/Storage.c``):
every object is an int32 type tag, then

* 0 nil; 1 number: a float64; 5 boolean: an int32 (1 = true);
* 2 string: int32 length, the bytes;
* 3 table: int32 reference index; if the index is new: int32 entry count, then count
  (key object, value object) pairs;
* 4 torch object: int32 reference index; if new: the version string ``"V <n>"`` (files from
  before versioning hold the class name there instead, version 0), the class name, then
  - ``torch.<T>Storage``: a long size, then size raw elements;
  - ``torch.<T>Tensor``: int32 nDimension, long sizes[nDim], long strides[nDim], long
    storageOffset (1-based), then the storage object (nil for an empty tensor);
  - any other class (``nn`` modules): one object, the table of its fields;
* 6 function, 7 and 8 recursive function: Lua bytecode and upvalues. Refused: loading one
  runs ``loadstring`` on bytes from the file.

A reference index already read means "the same object again" (shared storages after
``getParameters``, a module listed twice, cycles): the memo returns the same Python object,
so cycles are kept as cycles and nothing is read twice. Longs are 8 bytes (Linux/macOS; Windows
builds wrote 4, tried when 8 does not parse), little-endian. ``torch.save(f, obj, 'ascii')`` files hold
the same sequence as text: each scalar or array on its own line, arrays space-separated,
strings as raw bytes followed by a newline (both encodings: ``encodings``).

What comes back: ``None``, ``float``, ``str``, ``bool``, ``dict`` (Lua tables; integral number
keys become ``int``), ``TorchObject`` (class name, version, ``fields`` dict or ``array``).
Tensors and storages become read-only numpy arrays. Only classes in ``classes`` (plus the
tensor and storage types) are read; any other class name is refused, since its own ``read``
method could lay out anything. Declared sizes are checked against the bytes left in the
file before anything is allocated; nesting is bounded by ``MAX_DEPTH``.
"""

from __future__ import annotations

import mmap
import re
import struct
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from odyssey.adapters.torch7.encodings import Ascii, Binary, T7Error
from odyssey.errors import CheckpointError

MAX_DEPTH = 64  # a generator nests 6 deep (Sequential > modules > layer > fields > tensor > storage)
MAX_DIMS = 16
NIL, NUMBER, STRING, TABLE, TORCH, BOOLEAN, FUNCTION, LEGACY_RECUR_FUNCTION, RECUR_FUNCTION = range(9)
ELEMENTS = {  # torch type prefix -> numpy dtype; "Long" follows long_size
    "Byte": np.uint8, "Char": np.int8, "Short": np.int16, "Int": np.int32, "Long": np.int64,
    "Float": np.float32, "Double": np.float64, "Half": np.float16,
    "Cuda": np.float32, "CudaByte": np.uint8, "CudaChar": np.int8, "CudaShort": np.int16, "CudaInt": np.int32,
    "CudaLong": np.int64, "CudaDouble": np.float64, "CudaHalf": np.float16,
}
_TYPED = re.compile(r"^torch\.(\w*?)(Tensor|Storage)$")


@dataclass(eq=False)
class TorchObject:
    """An object of a Torch7 class, as data: ``fields`` for modules, ``array`` for tensors and storages."""

    class_name: str
    version: int
    fields: dict[Any, Any] = field(default_factory=dict)
    array: np.ndarray | None = None

    def __repr__(self) -> str:
        shape = "" if self.array is None else f" {tuple(self.array.shape)}"
        return f"<{self.class_name}{shape}>"


class _Reader:
    def __init__(self, source: Binary | Ascii, classes: Collection[str]) -> None:
        self.src, self.classes, self.memo = source, frozenset(classes), {}

    def string(self) -> str:
        return self.src.chars(self.src.int()).decode("utf-8", errors="replace")

    def read(self, where: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise T7Error(f"objects nest more than {MAX_DEPTH} deep at {where}; no network is built like that")
        tag = self.src.int()
        if tag == NIL:
            return None
        if tag == NUMBER:
            return self.src.double()
        if tag == BOOLEAN:
            return self.src.int() == 1
        if tag == STRING:
            return self.string()
        if tag in (FUNCTION, LEGACY_RECUR_FUNCTION, RECUR_FUNCTION):
            raise T7Error(f"it holds a Lua function (compiled code) at {where}; refused, nothing was run")
        if tag not in (TABLE, TORCH):
            raise T7Error(f"unknown type tag {tag} at {where} (offset {self.src.pos - 4}); not a Torch7 file, or a damaged one")
        index = self.src.int()
        if index in self.memo:
            return self.memo[index]
        if tag == TABLE:
            return self._table(index, where, depth)
        return self._torch(index, where, depth)

    def _table(self, index: int, where: str, depth: int) -> dict:
        count = self.src.int()
        if count < 0 or 8 * count > self.src.left():  # each entry is at least two type tags
            raise T7Error(f"a table at {where} declares {count} entries, more than the file holds")
        table: dict[Any, Any] = {}
        self.memo[index] = table
        for _ in range(count):
            key = self.read(f"{where}.<key>", depth + 1)
            if isinstance(key, float) and key.is_integer():
                key = int(key)
            if not isinstance(key, (str, int, float, bool)):
                raise T7Error(f"a table at {where} has a key of type {type(key).__name__}; not a network's data")
            table[key] = self.read(f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]", depth + 1)
        return table

    def _torch(self, index: int, where: str, depth: int) -> TorchObject:
        head = self.string()
        match = re.fullmatch(r"V (\d+)", head)
        version, name = (int(match.group(1)), self.string()) if match else (0, head)
        typed = _TYPED.match(name)
        if typed and typed.group(1) in ELEMENTS:
            obj = TorchObject(name, version)
            self.memo[index] = obj
            prefix, kind = typed.groups()
            obj.array = self._storage(prefix, where) if kind == "Storage" else self._tensor(prefix, where, depth)
            return obj
        if name not in self.classes:
            raise T7Error(f"it holds an object of Torch class {name!r} at {where}, which odyssey does not read; refused")
        obj = TorchObject(name, version)
        self.memo[index] = obj
        fields = self.read(f"{where}<{name}>", depth + 1)
        if not isinstance(fields, dict):
            raise T7Error(f"the {name} at {where} stores {type(fields).__name__} instead of a table of fields")
        obj.fields = fields
        return obj

    def _dtype(self, prefix: str) -> np.dtype:
        if prefix.endswith("Long") and isinstance(self.src, Binary) and self.src.long_size == 4:
            return np.dtype(np.int32)
        return np.dtype(ELEMENTS[prefix])

    def _storage(self, prefix: str, where: str) -> np.ndarray:
        size = self.src.long()
        if size < 0:
            raise T7Error(f"a storage at {where} declares {size} values")
        array = self.src.array(self._dtype(prefix), size)
        array.flags.writeable = False
        return array

    def _tensor(self, prefix: str, where: str, depth: int) -> np.ndarray:
        ndim = self.src.int()
        if not 0 <= ndim <= MAX_DIMS:
            raise T7Error(f"a tensor at {where} declares {ndim} dimensions")
        sizes = [self.src.long() for _ in range(ndim)]
        strides = [self.src.long() for _ in range(ndim)]
        offset = self.src.long() - 1
        storage = self.read(f"{where}.<storage>", depth + 1)
        dtype = self._dtype(prefix)
        numel = 1
        for size in sizes:
            numel *= max(size, 0)
        if ndim == 0 or numel == 0:
            if any(s < 0 for s in sizes):
                raise T7Error(f"a tensor at {where} declares sizes {sizes}")
            return np.zeros(sizes if ndim else (0,), dtype=dtype)
        if not isinstance(storage, TorchObject) or storage.class_name != f"torch.{prefix}Storage":
            raise T7Error(f"a torch.{prefix}Tensor at {where} points at {storage!r}, not a torch.{prefix}Storage")
        data = storage.array
        if any(s < 0 for s in sizes) or any(s < 0 for s in strides) or offset < 0:
            raise T7Error(f"a tensor at {where} declares sizes {sizes}, strides {strides}, offset {offset + 1}")
        if numel > data.size:  # only zero strides do that: a copy would allocate what the file never held
            raise T7Error(f"a tensor at {where} of sizes {sizes} claims {numel} values from a storage of {data.size}")
        last = offset + sum((size - 1) * stride for size, stride in zip(sizes, strides))
        if last >= data.size:
            raise T7Error(
                f"a tensor at {where} of sizes {sizes} (strides {strides}, offset {offset + 1}) reaches past its storage of {data.size} values"
            )
        view = np.lib.stride_tricks.as_strided(
            data[offset:], shape=sizes, strides=[s * data.itemsize for s in strides], writeable=False
        )
        return view


def read_t7(path: str | Path, classes: Collection[str], long_size: int | None = None) -> Any:
    """The object a Torch7 file holds, as inert data (see the module docstring).

    ``classes``: the non-tensor Torch classes to accept. ``long_size``: 8 or 4; None tries 8,
    then 4 (files written on Windows) when 8 does not parse. CheckpointError (one line,
    naming the file) for a refused or malformed file.
    """
    path = Path(path)
    try:  # mapped, not read: storages nobody uses (gradWeight) are never paged in
        with open(path, "rb") as handle:
            if not handle.read(16):
                raise CheckpointError(f"{path}: the file is empty")
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if is_ascii_t7(data[:16]):
        sources: list[Binary | Ascii] = [Ascii(data[:])]
    else:
        sources = [Binary(data, size) for size in ((long_size,) if long_size else (8, 4))]
    first: T7Error | None = None
    for source in sources:
        try:
            value = _Reader(source, classes).read("the top", 0)
            if source is not sources[0] and source.left():  # a guess must account for every byte
                raise T7Error(f"{source.left()} bytes follow the object")
            return value
        except T7Error as exc:
            first = first or exc
    raise CheckpointError(f"{path}: {first}") from None


def is_ascii_t7(head: bytes) -> bool:
    """Whether ``head`` opens an ascii Torch7 file (a table or torch object with index 1)."""
    return re.match(rb"^[34]\n1\n", head) is not None


def looks_like_t7(path: str | Path) -> bool:
    """A cheap sniff: a Torch7 file whose top object is a table or a Torch object (binary or ascii)."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    if is_ascii_t7(head):
        return True
    if len(head) < 12:
        return False
    tag, index, length = struct.unpack_from("<iii", head)
    if tag == TABLE:
        return index == 1 and 0 <= length < 1 << 24
    return tag == TORCH and index == 1 and 0 < length <= 48 and head[12 : 12 + length].isascii()
