"""Pictures as model inputs: one image file -> a square uint8 array or a float tensor.

Every picture odyssey reads goes through ``load_image``: EXIF rotation applied,
transparency composited over white (drawings are usually ink on paper), converted to
grayscale (``L``) or RGB, centre-cropped to a square and resized (Lanczos) to
``resolution`` x ``resolution``, giving ``(C, R, R)`` uint8. VAE training
(``odyssey.train.data``) and image keyframes (``odyssey.plan.images``) share this one
path, so a drawing is encoded exactly as the training images were seen. Odd sizes (a side
under ``MIN_SIDE`` px, or one side more than ``MAX_ASPECT`` times the other, where a
centre crop would keep little of the picture) are refused with ``ImageProblem``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MIN_SIDE = 8
MAX_ASPECT = 4.0


class ImageProblem(ValueError):
    """One image cannot be used; the message says why (shown next to the file name)."""


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
