"""output_format, VideoSpec validation and find_ffmpeg: the checks made before any frame."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from odyssey.errors import WriterError
from odyssey.writers import FORMATS, VideoSpec, find_ffmpeg, open_writer, output_format
from odyssey.writers.spec import fps_fraction


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.mp4", "mp4"), ("a.webm", "webm"), ("a.gif", "gif"), ("A.MP4", "mp4"), ("frames", "png")],
)
def test_format_from_extension(tmp_path: Path, name: str, expected: str) -> None:
    assert output_format(tmp_path / name) == expected


def test_existing_folder_means_png_even_with_a_dot(tmp_path: Path) -> None:
    folder = tmp_path / "run.v2"
    folder.mkdir()
    assert output_format(folder) == "png"


@pytest.mark.parametrize("name", ["walk.mkv", "walk.avi", "run.v2"])
def test_unknown_extension_names_path_and_choices(tmp_path: Path, name: str) -> None:
    with pytest.raises(WriterError) as info:
        output_format(tmp_path / name)
    message = str(info.value)
    assert name in message and ".mp4" in message and ".webm" in message and ".gif" in message


def test_single_png_file_is_refused_with_the_folder_fix(tmp_path: Path) -> None:
    with pytest.raises(WriterError, match="without an extension"):
        output_format(tmp_path / "frame.png")


def test_explicit_format_wins_unless_it_contradicts_the_extension(tmp_path: Path) -> None:
    assert output_format(tmp_path / "run.v2", "png") == "png"
    assert output_format(tmp_path / "clip", "mp4") == "mp4"
    with pytest.raises(WriterError, match="format"):
        output_format(tmp_path / "clip.mp4", "gif")
    with pytest.raises(WriterError, match="mov"):
        output_format(tmp_path / "clip", "mov")


def test_formats_tuple() -> None:
    assert FORMATS == ("mp4", "webm", "gif", "png")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("width", 0),
        ("width", -3),
        ("width", 32.5),
        ("height", 0),
        ("fps", 0),
        ("fps", -30),
        ("fps", float("nan")),
        ("fps", float("inf")),
        ("fps", 1e-6),
        ("channels", 5),
        ("channels", 2),
        ("crf", 18.5),
        ("preset", ""),
        ("start_number", -1),
    ],
)
def test_spec_rejects_bad_fields_by_name(tmp_path: Path, field: str, value: object) -> None:
    fields = {"path": tmp_path / "a.mp4", "width": 32, "height": 24, "fps": 30.0, field: value}
    with pytest.raises(WriterError, match=f"VideoSpec.{field}"):
        VideoSpec(**fields)


def test_spec_normalises_numpy_numbers_and_str_paths(tmp_path: Path) -> None:
    spec = VideoSpec(str(tmp_path / "a.mp4"), np.int64(32), np.int32(24), np.float32(25.0))
    assert isinstance(spec.path, Path)
    assert type(spec.width) is int and type(spec.height) is int and type(spec.fps) is float


def test_fractional_fps_becomes_a_rational() -> None:
    assert fps_fraction(29.97) == Fraction(2997, 100)
    assert fps_fraction(30000 / 1001) == Fraction(30000, 1001)
    assert fps_fraction(24.0) == Fraction(24)


@pytest.mark.parametrize(
    ("name", "settings", "fragment"),
    [
        ("a.mp4", {"crf": 52}, r"crf 52 is out of range for mp4 output .*a\.mp4 \(0-51\)"),
        ("a.webm", {"crf": 64}, r"crf 64 is out of range for webm output .*a\.webm \(0-63\)"),
        ("a.mp4", {"preset": "fastest"}, r"preset 'fastest' for .*a\.mp4 is not an x264"),
    ],
)
def test_format_settings_are_checked_when_opening(
    tmp_path: Path, name: str, settings: dict, fragment: str
) -> None:
    spec = VideoSpec(tmp_path / name, 32, 24, 30, **settings)
    with pytest.raises(WriterError, match=fragment):
        open_writer(spec)
    assert list(tmp_path.iterdir()) == []


def test_crf_is_ignored_by_gif_and_png(tmp_path: Path) -> None:
    for name in ("a.gif", "frames"):
        with open_writer(VideoSpec(tmp_path / name, 8, 8, 10, crf=99, preset="any")) as writer:
            writer.write(np.zeros((8, 8, 3), np.uint8))
        assert (tmp_path / name).exists()


def test_find_ffmpeg_runs_and_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    find_ffmpeg.cache_clear()
    calls = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):
        calls.append(args[0])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    exe = find_ffmpeg()
    assert exe == imageio_ffmpeg.get_ffmpeg_exe()
    assert find_ffmpeg() == exe
    assert calls == [[exe, "-version"]]


@pytest.mark.parametrize("kind", ["missing", "not-executable", "fails"])
def test_find_ffmpeg_reports_a_broken_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    fake = tmp_path / "ffmpeg"
    if kind == "not-executable":
        fake.write_text("not a program")
    elif kind == "fails":
        fake.write_text("#!/bin/sh\nexit 3\n")
        fake.chmod(0o755)
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", lambda: str(fake))
    find_ffmpeg.cache_clear()
    try:
        with pytest.raises(WriterError, match="imageio-ffmpeg") as info:
            find_ffmpeg()
        assert str(fake) in str(info.value)
        with pytest.raises(WriterError):
            open_writer(VideoSpec(tmp_path / "out" / "a.mp4", 32, 24, 30))
        assert not (tmp_path / "out").exists()  # nothing created before ffmpeg was checked
    finally:
        find_ffmpeg.cache_clear()


def test_find_ffmpeg_reports_imageio_without_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_binary() -> str:
        raise RuntimeError("No ffmpeg exe could be found")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", no_binary)
    find_ffmpeg.cache_clear()
    try:
        with pytest.raises(WriterError, match="pip install"):
            find_ffmpeg()
    finally:
        find_ffmpeg.cache_clear()


@pytest.mark.parametrize("relative", [False, True])
def test_output_needs_a_name_of_its_own(tmp_path: Path, relative: bool) -> None:
    path = Path(".") if relative else tmp_path / ".."
    with pytest.raises(WriterError, match="no name"):
        open_writer(VideoSpec(path, 32, 24, 30))


@pytest.mark.parametrize(("width", "height", "channels"), [(33, 24, 3), (32, 25, 3), (32, 24, 1)])
def test_yuv420p_frames_need_rgb_and_an_even_size(tmp_path: Path, width: int, height: int, channels: int) -> None:
    with pytest.raises(WriterError, match="pixel_format yuv420p needs RGB frames of even width and height.*packed"):
        VideoSpec(tmp_path / "a.mp4", width, height, 30, channels=channels, pixel_format="yuv420p")
    with pytest.raises(WriterError, match="pixel_format must be one of packed, yuv420p"):
        VideoSpec(tmp_path / "a.mp4", 32, 24, 30, pixel_format="nv12")


def test_video_pixel_format_chooses_yuv420p_only_where_it_fits() -> None:
    from odyssey.writers import video_pixel_format

    assert video_pixel_format("mp4", 32, 24, 3) == "yuv420p"
    assert video_pixel_format("webm", 32, 24, 3) == "yuv420p"
    assert video_pixel_format("mp4", 33, 24, 3) == "packed"  # ffmpeg pads odd sizes
    assert video_pixel_format("mp4", 32, 24, 1) == "packed"
    assert video_pixel_format("gif", 32, 24, 3) == "packed"
    assert video_pixel_format("png", 32, 24, 3) == "packed"


@pytest.mark.parametrize("name", ["a.gif", "frames"])
def test_gif_and_png_writers_refuse_yuv420p_frames(tmp_path: Path, name: str) -> None:
    spec = VideoSpec(tmp_path / name, 32, 24, 30, pixel_format="yuv420p")
    with pytest.raises(WriterError, match="takes packed RGB frames, not yuv420p"):
        open_writer(spec)
    assert list(tmp_path.iterdir()) == []


def test_rgba_frames_go_only_into_png_folders(tmp_path):
    with pytest.raises(WriterError, match="RGBA frames .* only as PNG frames"):
        open_writer(VideoSpec(path=tmp_path / "a.mp4", width=16, height=16, fps=10, channels=4))
