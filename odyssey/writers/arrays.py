"""Arrays: one ``.npy`` written atomically (a temp name, then a rename), for ``odyssey plan --latents``.

``save_array`` writes an array in hand; ``save_array_chunks`` streams one of a known shape
chunk by chunk into a memory-mapped file, so a trajectory of millions of frames never
has to fit in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from odyssey.errors import WriterError
from odyssey.writers.staging import user_path, written_atomically


def save_array(target: str | Path, array: np.ndarray) -> Path:
    """Save ``array`` as .npy atomically (a temp name, then a rename)."""
    return save_array_chunks(target, array.shape, array.dtype, [array])


def save_array_chunks(target: str | Path, shape: tuple[int, ...], dtype: np.dtype | type, chunks: Iterable[np.ndarray]) -> Path:
    """Stream ``chunks`` (consecutive slices along the first axis, adding up to ``shape``) into a
    .npy at ``target``: written under a temp name and renamed when complete; nothing is left
    at ``target`` on any error (or Ctrl-C)."""
    target = user_path(target)
    if target.suffix != ".npy":
        raise WriterError(f"{target}: latents are saved as .npy; give a file name ending in .npy")
    with written_atomically(target, "latents") as partial:
        array = np.lib.format.open_memmap(partial, mode="w+", dtype=dtype, shape=tuple(shape))
        row = 0
        for chunk in chunks:
            array[row : row + len(chunk)] = chunk
            row += len(chunk)
        if row != (shape[0] if shape else 1):
            raise WriterError(f"{target}: got {row} rows for an array of {shape[0]}")
        array.flush()
        del array
    return target
