"""Frame conversion on the device: packed RGB and planar yuv420p, checked against ffmpeg's own."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from odyssey.renderer.frames import convert, to_uint8, to_yuv420p
from odyssey.writers.ffmpeg import find_ffmpeg
from odyssey.writers.video import video_filter


def smooth_images(n: int = 3, side: int = 16) -> torch.Tensor:
    """(n, 3, side, side) smooth colour fields inside [-1, 1], like a generator's output."""
    torch.manual_seed(0)
    coarse = torch.rand(n, 3, 3, 3) * 1.6 - 0.8
    return F.interpolate(coarse, size=(side, side), mode="bicubic", align_corners=False).clamp(-1, 1)


def ffmpeg_yuv420p(rgb: np.ndarray) -> np.ndarray:
    """What the MP4 writer's ffmpeg makes of packed RGB frames (n, H, W, 3): (n, 3H/2, W) yuv420p."""
    n, height, width, _ = rgb.shape
    command = [
        find_ffmpeg(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-i", "-",
        "-vf", video_filter(width, height, 3), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-",
    ]  # fmt: skip
    out = subprocess.run(command, input=rgb.tobytes(), capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(n, height * 3 // 2, width)


@pytest.mark.parametrize(
    ("rgb", "expected"),
    [((1, 0, 0), (63, 102, 240)), ((0, 1, 0), (173, 42, 26)), ((0, 0, 1), (32, 240, 118)), ((1, 1, 1), (235, 128, 128)), ((0, 0, 0), (16, 128, 128))],
)
def test_bt709_limited_range_of_pure_colours(rgb, expected):
    images = torch.tensor(rgb, dtype=torch.float32).view(1, 3, 1, 1).expand(2, 3, 4, 6)  # (2, 3, 4, 6) in [0, 1]
    frames = to_yuv420p(images, (0.0, 1.0), (6, 4), "bicubic")
    assert frames.shape == (2, 6, 6) and frames.dtype == torch.uint8  # (N, 3H/2, W)
    flat = frames.reshape(2, -1)
    luma, cb, cr = flat[:, :24], flat[:, 24:30], flat[:, 30:]
    assert (luma == expected[0]).all() and (cb == expected[1]).all() and (cr == expected[2]).all()


@pytest.mark.parametrize(("side", "size"), [(16, (16, 16)), (16, (48, 32)), (64, (48, 40))])  # native, up, down
@pytest.mark.parametrize("mode", ["bicubic", "bilinear", "area"])  # area: the float (GPU) path
def test_yuv420p_agrees_with_ffmpegs_conversion_of_the_packed_frames(side, size, mode):
    images = smooth_images(3, side)
    ours = to_yuv420p(images, (-1.0, 1.0), size, mode).numpy().astype(int)
    reference = ffmpeg_yuv420p(to_uint8(images, (-1.0, 1.0), size, mode).numpy()).astype(int)
    height = size[1]
    for plane in (slice(0, height), slice(height, None)):  # luma, then both chroma planes
        diff = np.abs(ours[:, plane] - reference[:, plane])
        assert diff.max() <= 3 and diff.mean() < 0.6, (plane, diff.max(), diff.mean())
    assert abs((ours - reference).mean()) < 0.2  # no colour shift


def test_convert_names_its_layouts():
    images = smooth_images(2, 8)
    assert convert(images, (-1.0, 1.0), (8, 8), "bicubic", "packed").shape == (2, 8, 8, 3)
    assert convert(images, (-1.0, 1.0), (8, 8), "bicubic", "yuv420p").shape == (2, 12, 8)
    with pytest.raises(ValueError, match="unknown pixel format"):
        convert(images, (-1.0, 1.0), (8, 8), "bicubic", "rgb48")


@pytest.mark.parametrize(("channels", "size"), [(3, (9, 8)), (3, (8, 7)), (1, (8, 8))])
def test_yuv420p_needs_rgb_and_an_even_size(channels, size):
    with pytest.raises(ValueError, match="even size"):
        to_yuv420p(torch.zeros(1, channels, 8, 8), (0.0, 1.0), size, "bicubic")


def test_conversion_leaves_the_generator_output_alone():
    images = smooth_images(1, 8)
    before = images.clone()
    to_yuv420p(images, (-1.0, 1.0), (8, 8), "bicubic")
    to_uint8(images, (-1.0, 1.0), (8, 8), "bicubic")
    assert torch.equal(images, before)


# -- fit: a size of another aspect than the model's ---------------------------------------


def _wide(images: torch.Tensor, fit: str, pixel_format: str) -> torch.Tensor:
    return convert(images, (-1.0, 1.0), (96, 48), "bicubic", pixel_format, fit)


def test_pad_keeps_the_whole_picture_between_black_bars():
    images = torch.rand(2, 3, 32, 32) * 2 - 1
    packed = _wide(images, "pad", "packed")  # 32x32 fits 48x48 inside 96x48: bars of 24 px left and right
    assert packed.shape == (2, 48, 96, 3)
    assert packed[:, :, :24].eq(0).all() and packed[:, :, 72:].eq(0).all()
    assert torch.equal(packed[:, :, 24:72], to_uint8(images, (-1.0, 1.0), (48, 48), "bicubic"))
    yuv = _wide(images, "pad", "yuv420p").reshape(2, -1)
    luma = yuv[:, : 96 * 48].reshape(2, 48, 96)
    chroma = yuv[:, 96 * 48 :].reshape(2, 2, 24, 48)
    assert luma[:, :, :24].eq(16).all() and luma[:, :, 72:].eq(16).all()  # limited-range black
    assert chroma[..., :12].eq(128).all() and chroma[..., 36:].eq(128).all()
    inner = to_yuv420p(images, (-1.0, 1.0), (48, 48), "bicubic").reshape(2, -1)
    assert torch.equal(luma[:, :, 24:72].reshape(2, -1), inner[:, : 48 * 48])


def test_crop_fills_the_frame_with_the_middle_of_the_picture():
    images = torch.rand(1, 3, 32, 32) * 2 - 1
    cropped = _wide(images, "crop", "packed")
    assert cropped.shape == (1, 48, 96, 3) and not cropped[:, :, :8].eq(0).all()
    assert torch.equal(cropped, to_uint8(images[..., 8:24, :], (-1.0, 1.0), (96, 48), "bicubic"))  # the middle 32x16


def test_stretch_distorts_and_same_aspect_is_never_fitted():
    images = torch.rand(1, 3, 32, 32) * 2 - 1
    assert torch.equal(_wide(images, "stretch", "packed"), to_uint8(images, (-1.0, 1.0), (96, 48), "bicubic"))
    plain = to_uint8(images, (-1.0, 1.0), (64, 64), "bicubic")
    for fit in ("pad", "crop"):
        assert torch.equal(convert(images, (-1.0, 1.0), (64, 64), "bicubic", "packed", fit), plain)
    wide = torch.rand(1, 3, 32, 48) * 2 - 1  # 48x32 at size: 100 is 100x67 (rounded): its own aspect, no bars
    assert torch.equal(convert(wide, (-1.0, 1.0), (100, 67), "bicubic", "packed", "pad"), to_uint8(wide, (-1.0, 1.0), (100, 67), "bicubic"))
    with pytest.raises(ValueError, match="unknown fit"):
        convert(images, (-1.0, 1.0), (8, 8), "bicubic", "packed", "zoom")
