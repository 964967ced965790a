"""A path file's data moved between folders: its file names made absolute, or relative again.

A path file names files relative to itself. ``odyssey explore`` edits path files as dicts
(whose file names count from the current folder) and writes them elsewhere, so it makes
every file name absolute when it reads a file, and relative to the new file's folder,
where they lie under it, when it writes one. Which values are file names is decided by
the same rule as ``--set`` (``loading._files_from``): file fields (vector, file, image, a
direction's .npy), a model given as a file, the output.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from odyssey.config.files import FILE_FIELDS
from odyssey.config.loading import _files_from


def absolute_files(data: dict, base: Path) -> dict:
    """A copy of path-file ``data`` with its relative file names made absolute against ``base``."""
    return {key: _files_from(base, str(key), value, top=True) for key, value in data.items()}


def relative_files(data: dict, folder: Path) -> dict:
    """A copy of ``data`` with absolute file names under ``folder`` written relative to it
    (the others stay absolute), for a path file saved in ``folder``."""
    root = folder.resolve()

    def visit(name: str, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: visit(str(k), v) for k, v in value.items()}
        if isinstance(value, list):
            return [visit(name, item) for item in value]
        if isinstance(value, str) and name in (*FILE_FIELDS, "axes") and os.path.isabs(value):
            path = Path(value).resolve()
            if root in path.parents:
                return path.relative_to(root).as_posix()
        return value

    return {key: visit(str(key), value) for key, value in data.items()}
