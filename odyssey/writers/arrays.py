"""Arrays: one ``.npy`` written atomically (a temp name, then a rename), for ``odyssey plan --latents``."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from odyssey.errors import WriterError


def save_array(target: str | Path, array: np.ndarray) -> Path:
    """Save ``array`` as .npy atomically (a temp name, then a rename)."""
    target = Path(target)
    if target.suffix != ".npy":
        raise WriterError(f"{target}: latents are saved as .npy; give a file name ending in .npy")
    partial = target.with_name(f".{target.name}.partial.npy")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        np.save(partial, array)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise WriterError(f"{target}: cannot write ({exc.strerror or exc}); choose a writable folder") from None
    return target
