"""The two encodings of Torch7 files (torch7 ``lib/TH/THDiskFile.c``), as cursors over the file's bytes.

``Binary``: little-endian int32, long (8 bytes; 4 in files written on Windows), float64, raw
arrays. ``Ascii`` (``torch.save(f, obj, 'ascii')``): numbers as text (``%d``, ``%ld``, ``%.17g``,
floats ``%.9g``), the values of one write space-separated and ended by a newline, strings and
byte storages as raw bytes followed by a newline. Both check every declared count against
the bytes left before taking anything, and raise ``T7Error`` on a short or malformed file.
"""

from __future__ import annotations

import mmap
import struct
from typing import Any

import numpy as np


class T7Error(ValueError):
    """The bytes are not a Torch7 file this reader accepts (the adapter adds the file name)."""


class Binary:
    """The binary encoding: little-endian int32, long (4 or 8 bytes), float64, raw arrays."""

    def __init__(self, data: bytes | mmap.mmap, long_size: int) -> None:
        self.data, self.pos, self.long_fmt = memoryview(data), 0, "<q" if long_size == 8 else "<i"
        self.long_size = long_size

    def left(self) -> int:
        return len(self.data) - self.pos

    def _take(self, size: int) -> memoryview:
        if size < 0 or size > self.left():
            raise T7Error(f"the file ends early (needs {size} bytes at offset {self.pos}, has {self.left()})")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def int(self) -> int:
        return struct.unpack("<i", self._take(4))[0]

    def long(self) -> int:
        return struct.unpack(self.long_fmt, self._take(self.long_size))[0]

    def double(self) -> float:
        return struct.unpack("<d", self._take(8))[0]

    def chars(self, count: int) -> bytes:
        return bytes(self._take(count))

    def array(self, dtype: np.dtype, count: int) -> np.ndarray:
        if count * dtype.itemsize > self.left():
            raise T7Error(f"a storage declares {count} values ({count * dtype.itemsize} bytes) but the file has {self.left()} bytes left")
        return np.frombuffer(self._take(count * dtype.itemsize), dtype=dtype.newbyteorder("<")).astype(dtype, copy=False)


class Ascii:
    """The ascii encoding: whitespace-separated numbers (``%d``, ``%ld``, ``%.17g``), raw strings."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def left(self) -> int:
        return len(self.data) - self.pos

    def _end_line(self) -> None:  # THDiskFile eats one newline after every read in ascii mode
        if self.data[self.pos : self.pos + 1] == b"\n":
            self.pos += 1

    def _token(self) -> bytes:
        while self.pos < len(self.data) and self.data[self.pos] in b" \t\r\n\v\f":
            self.pos += 1
        start = self.pos
        while self.pos < len(self.data) and self.data[self.pos] not in b" \t\r\n\v\f":
            self.pos += 1
        if start == self.pos:
            raise T7Error(f"the file ends early (a number expected at offset {start})")
        return self.data[start : self.pos]

    def _number(self, kind: type) -> Any:
        token = self._token()
        try:
            return kind(token)
        except ValueError:
            raise T7Error(f"{token[:20]!r} at offset {self.pos - len(token)} is not a number") from None

    def int(self) -> int:
        value = self._number(int)
        self._end_line()
        return value

    long = int

    def double(self) -> float:
        value = self._number(float)
        self._end_line()
        return value

    def chars(self, count: int) -> bytes:
        if count < 0 or count > self.left():
            raise T7Error(f"a string declares {count} bytes but the file has {self.left()} left")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        if count:
            self._end_line()
        return chunk

    def array(self, dtype: np.dtype, count: int) -> np.ndarray:
        if count > self.left():  # every value takes at least one byte
            raise T7Error(f"a storage declares {count} values but the file has {self.left()} bytes left")
        if dtype.itemsize == 1:  # Byte and Char storages are raw bytes in ascii files too
            return np.frombuffer(self.chars(count), dtype=dtype)
        if count == 0:
            return np.zeros(0, dtype=dtype)
        end = self.data.find(b"\n", self.pos)
        end = len(self.data) if end < 0 else end
        parts = self.data[self.pos : end].split()
        if len(parts) == count:  # as written: one line of values
            self.pos = end
        else:  # fscanf also takes values spread over lines
            parts = [self._token() for _ in range(count)]
        self._end_line()
        try:
            return np.array(parts, dtype=np.bytes_).astype(dtype if dtype.kind == "f" else np.int64).astype(dtype)
        except (ValueError, OverflowError):
            raise T7Error(f"a storage before offset {self.pos} holds values that are not numbers") from None
