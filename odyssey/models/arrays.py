"""Saved latents read safely: ``.npy`` / ``.npz`` whose headers are checked before any allocation.

``numpy.load`` trusts a ``.npy`` header: a file of a few bytes that declares a shape of
10^12 values makes it allocate terabytes. ``read_array`` reads the header first and
refuses a shape larger than ``MAX_VALUES`` (a latent has thousands of values; a w+ of a
1024 px StyleGAN 9,216) or larger than the bytes the file holds, and never unpickles.
Device files and pipes are refused before they are opened (reading one never ends).
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

MAX_VALUES = 1 << 22  # 4 M values: far more than any latent, far less than memory


class ArrayProblem(ValueError):
    """A saved array cannot be used; the message says why (shown after the file name)."""


def file_problem(path: Path) -> str | None:
    """None if ``path`` is a regular file; else what it is instead."""
    if path.is_file():
        return None
    if path.is_dir():
        return "is a folder, not a file"
    if path.exists():
        return "is a device or a pipe, not a file"
    return "does not exist"


def read_array(path: Path, key: str | None = "w") -> np.ndarray:
    """The array in a ``.npy``, or in a ``.npz`` (under ``key`` or alone); ArrayProblem otherwise."""
    problem = file_problem(path)
    if problem:
        raise ArrayProblem(problem)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        magic = handle.read(6)
        handle.seek(0)
        if magic == b"\x93NUMPY":
            return _read_npy(handle, size)
    if not zipfile.is_zipfile(path):
        raise ArrayProblem("is neither a .npy nor a .npz array; save it with numpy.save")
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.endswith(".npy")]
        stems = [n[: -len(".npy")] for n in names]
        if not names:
            raise ArrayProblem("is a zip file without arrays; save the latent with numpy.save or numpy.savez")
        if key in stems:
            name = names[stems.index(key)]
        elif len(names) == 1:
            name = names[0]
        else:
            raise ArrayProblem(f"holds arrays {stems}; save the latent under the key '{key}' (or alone)")
        info = archive.getinfo(name)
        with archive.open(name) as member:
            return _read_npy(member, info.file_size)


def _read_npy(handle: BinaryIO, size: int) -> np.ndarray:
    try:
        version = np.lib.format.read_magic(handle)
        reader = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if reader is None:
            raise ArrayProblem(f"is a .npy of format {version[0]}.{version[1]}; save it with numpy.save (format 1.0 or 2.0)")
        shape, fortran, dtype = reader(handle)  # the header only, bounded in size by numpy
    except (ValueError, OSError, SyntaxError) as exc:
        raise ArrayProblem(f"has an unreadable .npy header ({exc})") from None
    if dtype.hasobject:
        raise ArrayProblem("holds Python objects, which are never unpickled; save a plain numeric array")
    count = math.prod(shape)
    if count > MAX_VALUES:
        raise ArrayProblem(f"declares {count} values (shape {shape}); a latent has at most {MAX_VALUES}")
    if count * dtype.itemsize > size:
        raise ArrayProblem(f"declares shape {shape} of {dtype}, {count * dtype.itemsize} bytes, but holds only {size}; it is cut short or corrupt")
    data = handle.read(count * dtype.itemsize)
    if len(data) < count * dtype.itemsize:
        raise ArrayProblem("is cut short: fewer bytes than its header declares")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return (array.reshape(shape[::-1]).T if fortran else array.reshape(shape)).copy()
