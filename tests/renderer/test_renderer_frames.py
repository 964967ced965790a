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
