"""Write frames in every format and read them back: count, size, pixels, looping, rate."""

from __future__ import annotations

import threading
from pathlib import Path

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from odyssey.errors import WriterError
from odyssey.writers import VideoSpec, open_writer

N = 24
# Mean absolute error bounds on the smooth test frames (measured: mp4 ~2.1, webm ~2.9,
# gif ~2.8 for RGB; ~0.9, ~1.2 and exact for grayscale).
RGB_BOUND = {"mp4": 3.5, "webm": 4.5, "gif": 5.0}
GRAY_BOUND = {"mp4": 1.5, "webm": 2.0, "gif": 1.0}


def mean_abs_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def write_all(path: Path, frames: np.ndarray, **settings) -> Path:
    _, height, width, channels = frames.shape
    spec = VideoSpec(path, width, height, settings.pop("fps", 30), channels=channels, **settings)
    with open_writer(spec) as writer:
        for start in range(0, len(frames), 5):  # several batches
            writer.write(frames[start : start + 5])
    assert writer.frames_written == len(frames)
    return writer.close()  # closing again just returns the path


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_yuv420p_frames_roundtrip(tmp_path, frames, decoded, fmt) -> None:
    """Frames converted on the device (odyssey.renderer.frames) go in as they are and decode like RGB ones."""
    import torch

    from odyssey.renderer.frames import to_yuv420p

    source = frames(N, 24, 32)
    planar = to_yuv420p(torch.from_numpy(source).permute(0, 3, 1, 2).float(), (0.0, 255.0), (32, 24), "bicubic").numpy()
    assert planar.shape == (N, 36, 32)  # (N, 3H/2, W)
    spec = VideoSpec(tmp_path / f"clip.{fmt}", 32, 24, 30, pixel_format="yuv420p")
    with open_writer(spec) as writer:
        assert "scale=" not in " ".join(writer._process.command)  # ffmpeg converts nothing
        writer.write(planar[:5])
        writer.write(planar[5])  # a single frame (3H/2, W)
        writer.write(planar[6:])
        with pytest.raises(WriterError, match=r"expected \(B, 36, 32\) or \(36, 32\)"):
            writer.write(source[:2])  # packed frames into a yuv420p writer
    meta, video = decoded(spec.path)
    assert len(video) == N and video.shape[1:3] == (24, 32)
    assert mean_abs_error(video, source) < RGB_BOUND[fmt]
    assert meta["pix_fmt"].startswith("yuv420p")


def read_pngs(folder: Path) -> tuple[list[str], np.ndarray]:
    names = sorted(entry.name for entry in folder.iterdir())
    return names, np.stack([iio.imread(folder / name) for name in names])


@pytest.mark.parametrize("fmt", ["mp4", "webm", "gif"])
@pytest.mark.parametrize(("height", "width"), [(24, 32), (25, 33)])
def test_video_roundtrip_rgb(tmp_path, frames, decoded, listing, fmt, height, width) -> None:
    source = frames(N, height, width)
    path = write_all(tmp_path / f"clip.{fmt}", source)
    assert path == tmp_path / f"clip.{fmt}"
    assert listing(tmp_path) == [f"clip.{fmt}"]  # no temp files left
    meta, video = decoded(path)
    assert len(video) == N
    assert imageio_ffmpeg.count_frames_and_secs(str(path))[0] == N
    if fmt == "gif":  # any size works, nothing padded
        assert video.shape[1:3] == (height, width)
    else:  # 4:2:0 needs even sizes: padded by one, never rescaled to multiples of 16
        assert video.shape[1:3] == (height + height % 2, width + width % 2)
    assert mean_abs_error(video[:, :height, :width], source) < RGB_BOUND[fmt]
    assert meta["codec"].rstrip(",") == {"mp4": "h264", "webm": "vp9", "gif": "gif"}[fmt]
    if fmt != "gif":
        assert meta["pix_fmt"].startswith("yuv420p")


def test_mp4_index_comes_first_for_streaming(tmp_path, frames) -> None:
    data = write_all(tmp_path / "clip.mp4", frames(N, 24, 32)).read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # -movflags +faststart


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_odd_size_padding_repeats_edge_pixels(tmp_path, frames, decoded, fmt) -> None:
    source = frames(N, 25, 33)
    _, video = decoded(write_all(tmp_path / f"odd.{fmt}", source))
    extra_column, extra_row = video[:, :25, 33], video[:, 25, :33]
    # A black (or otherwise filled) border would be far from the last real pixels.
    assert mean_abs_error(extra_column, source[:, :, 32]) < 6
    assert mean_abs_error(extra_row, source[:, 24, :]) < 6


@pytest.mark.parametrize("fmt", ["mp4", "webm", "gif"])
def test_video_roundtrip_grayscale(tmp_path, frames, decoded, fmt) -> None:
    source = frames(N, 25, 33, channels=1)
    _, video = decoded(write_all(tmp_path / f"gray.{fmt}", source))
    assert len(video) == N
    video = video[:, :25, :33]
    assert mean_abs_error(video, np.repeat(source, 3, axis=-1)) < GRAY_BOUND[fmt]
    assert mean_abs_error(video[..., 0], video[..., 2]) < 0.25  # no tint


def test_gif_loops_forever(tmp_path, frames) -> None:
    path = write_all(tmp_path / "loop.gif", frames(6, 24, 32))
    with Image.open(path) as image:
        assert image.info.get("loop") == 0
        assert image.n_frames == 6
    assert b"NETSCAPE2.0" in path.read_bytes()


def test_fractional_fps_is_kept(tmp_path, frames, decoded) -> None:
    meta, video = decoded(write_all(tmp_path / "ntsc.mp4", frames(N, 24, 32), fps=29.97))
    assert meta["fps"] == pytest.approx(29.97, abs=0.01)
    assert len(video) == N


@pytest.mark.parametrize("channels", [3, 1])
@pytest.mark.parametrize(("height", "width"), [(24, 32), (25, 33)])
def test_png_folder_is_exact(tmp_path, frames, listing, channels, height, width) -> None:
    source = frames(N, height, width, channels=channels)
    path = write_all(tmp_path / "frames", source, start_number=7)
    assert listing(tmp_path) == ["frames"]
    names, images = read_pngs(path)
    assert names == [f"frame_{7 + i:06d}.png" for i in range(N)]
    if channels == 1:
        assert images.ndim == 3  # saved as real grayscale PNGs
        images = images[..., None]
    np.testing.assert_array_equal(images, source)


def test_single_frames_and_non_contiguous_input(tmp_path, frames) -> None:
    source = frames(4, 24, 32)
    flipped = source[:, :, ::-1]  # a view with negative strides
    spec = VideoSpec(tmp_path / "frames", 32, 24, 10)
    with open_writer(spec) as writer:
        writer.write(flipped[0])  # (H, W, C)
        writer.write(flipped[1:3])
        writer.write(flipped[3:3])  # an empty batch is a no-op
        writer.write(np.asfortranarray(flipped[3]))
    assert writer.frames_written == 4
    _, images = read_pngs(spec.path)
    np.testing.assert_array_equal(images, flipped)


def test_percent_in_folder_names_is_literal(tmp_path, frames) -> None:
    source = frames(3, 8, 8)
    path = write_all(tmp_path / "100%d" / "run%03d", source)
    names, images = read_pngs(path)
    assert names == ["frame_000000.png", "frame_000001.png", "frame_000002.png"]
    np.testing.assert_array_equal(images, source)


def test_output_folder_is_created(tmp_path, frames, decoded) -> None:
    path = write_all(tmp_path / "new" / "deeper" / "clip.mp4", frames(3, 24, 32))
    assert len(decoded(path)[1]) == 3


@pytest.mark.parametrize("name", ["clip.gif", "frames"])
def test_write_from_another_thread(tmp_path, frames, decoded, name) -> None:
    source = frames(N, 24, 32)
    errors: list[BaseException] = []
    with open_writer(VideoSpec(tmp_path / name, 32, 24, 30)) as writer:

        def produce() -> None:
            try:
                for frame in source:
                    writer.write(frame)
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        thread = threading.Thread(target=produce)
        thread.start()
        thread.join()
    assert errors == []
    assert writer.frames_written == N
    if name == "frames":
        assert len(read_pngs(tmp_path / name)[0]) == N
    else:
        assert len(decoded(tmp_path / name)[1]) == N


def test_existing_output_is_replaced_on_success(tmp_path, frames, decoded) -> None:
    path = tmp_path / "clip.webm"
    write_all(path, frames(10, 24, 32))
    write_all(path, frames(4, 24, 32))
    assert len(decoded(path)[1]) == 4
