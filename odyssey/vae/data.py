"""Image folders -> one uint8 tensor for training; single images -> tensors for image keyframes.

Every image goes through ``load_image``: EXIF rotation applied, transparency composited
over white (drawings are usually ink on paper), converted to grayscale (``L``) or RGB,
centre-cropped to a square and resized (Lanczos) to ``resolution`` x ``resolution``,
giving ``(C, R, R)`` uint8. Training and image keyframes share this one path, so a
drawing is encoded exactly as the training images were seen.

A folder is read once into memory (``N * C * R * R`` bytes: 1,000 RGB images at 256 px
are 197 MB). Unreadable files and odd sizes (a side under ``MIN_SIDE`` px, or one side
more than ``MAX_ASPECT`` times the other, where a centre crop would keep little of the
picture) are skipped and listed in ``ImageFolder.skipped``; they never stop a run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from tqdm import tqdm

from odyssey.vae.errors import TrainingError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MIN_SIDE = 8
MAX_ASPECT = 4.0


class ImageProblem(ValueError):
    """One image cannot be used; the message says why (shown next to the file name)."""


@dataclass
class ImageFolder:
    """A loaded folder: ``images`` ``(N, C, R, R)`` uint8, their files, and what was skipped."""

    images: torch.Tensor
    files: list[Path]
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def load_image(path: Path, resolution: int, channels: int) -> np.ndarray:
    """One image file -> ``(channels, resolution, resolution)`` uint8; ImageProblem if unusable."""
    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)
            image.load()
    except UnidentifiedImageError:
        raise ImageProblem("not an image file Pillow can read") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        detail = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ImageProblem(f"cannot read it ({detail})") from None
    width, height = image.size
    if min(width, height) < MIN_SIDE:
        raise ImageProblem(f"odd size {width}x{height}: sides under {MIN_SIDE} px")
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageProblem(f"odd size {width}x{height}: more than {MAX_ASPECT:g}:1, crop it closer to square")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    image = image.convert("L" if channels == 1 else "RGB")
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    image = image.crop((left, top, left + side, top + side)).resize((resolution, resolution), Image.Resampling.LANCZOS)
    array = np.array(image, dtype=np.uint8)  # (R, R) or (R, R, 3), writable
    return array[None] if channels == 1 else array.transpose(2, 0, 1).copy()  # (C, R, R)


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


def to_unit_range(images: torch.Tensor, low: float = -1.0, high: float = 1.0) -> torch.Tensor:
    """uint8 ``(N, C, H, W)`` -> float32 in ``[low, high]`` (0 -> low, 255 -> high)."""
    return images.float().mul_((high - low) / 255.0).add_(low)


def image_tensor(path: str | Path, resolution: tuple[int, int], channels: int, output_range: tuple[float, float]) -> torch.Tensor:
    """An image keyframe: ``(1, channels, H, W)`` float32 in ``output_range``; ImageProblem if unusable.

    Square models take the same crop and resize as training; a non-square model gets
    its image resized to ``(H, W)`` after the square crop.
    """
    height, width = resolution
    array = load_image(Path(path), max(height, width), channels)  # (C, S, S)
    tensor = to_unit_range(torch.from_numpy(array)[None], *output_range)  # (1, C, S, S)
    if (height, width) != tuple(tensor.shape[-2:]):
        tensor = torch.nn.functional.interpolate(tensor, size=(height, width), mode="area")
    return tensor
