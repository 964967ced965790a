"""Image folders -> one uint8 tensor for VAE training.

Each picture is prepared by ``odyssey.models.images.load_image`` (the same preparation
image keyframes get). A folder is read once into memory (``N * C * R * R`` bytes: 1,000
RGB images at 256 px are 197 MB). Unreadable files and odd sizes are skipped and listed
in ``ImageFolder.skipped``; they never stop a run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from odyssey.models.images import IMAGE_SUFFIXES, ImageProblem, load_image
from odyssey.train.errors import TrainingError


@dataclass
class ImageFolder:
    """A loaded folder: ``images`` ``(N, C, R, R)`` uint8, their files, and what was skipped."""

    images: torch.Tensor
    files: list[Path]
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def image_files(folder: Path) -> list[Path]:
    """Image files under ``folder`` (recursively, hidden ones left out), in sorted order."""
    found = [
        p for p in folder.rglob("*")
        if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found)


def load_folder(folder: str | Path, resolution: int, channels: int, progress: bool = False) -> ImageFolder:
    """Read every usable image of ``folder`` (a progress bar on stderr if ``progress``); TrainingError if none."""
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise TrainingError(f"{folder}: no such folder; give the folder that holds your training images")
    if not folder.is_dir():
        raise TrainingError(f"{folder} is a file, not a folder; give the folder that holds your training images")
    files = image_files(folder)
    if not files:
        kinds = ", ".join(IMAGE_SUFFIXES)
        raise TrainingError(f"{folder}: no image files found (looked for {kinds}, in subfolders too)")
    arrays, kept, skipped = [], [], []
    bar = tqdm(files, desc="reading images", unit="image", disable=not progress, file=sys.stderr, leave=False)
    for path in bar:
        try:
            arrays.append(load_image(path, resolution, channels))
            kept.append(path)
        except ImageProblem as problem:
            skipped.append((path, str(problem)))
    if not arrays:
        first = f"{skipped[0][0].name}: {skipped[0][1]}"
        raise TrainingError(f"{folder}: none of the {len(files)} image files could be used (e.g. {first}); check the files")
    return ImageFolder(torch.from_numpy(np.stack(arrays)), kept, skipped)


def skipped_summary(skipped: list[tuple[Path, str]], total: int, shown: int = 5) -> str:
    """One line: how many images were skipped, and why for the first ``shown``."""
    parts = [f"{path.name} ({reason})" for path, reason in skipped[:shown]]
    more = f" and {len(skipped) - shown} more" if len(skipped) > shown else ""
    return f"skipped {len(skipped)} of {total} images: {'; '.join(parts)}{more}"
