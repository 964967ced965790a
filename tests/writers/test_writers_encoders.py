"""Encoder choice: NVENC when it works, libx264 otherwise; encoder thread caps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import odyssey.writers.video as video_module
from odyssey.errors import WriterError
from odyssey.writers import VideoSpec, open_writer
from odyssey.writers.ffmpeg import encoder_works
from tests.writers.conftest import decode


def write(path: Path, frames, **settings) -> Path:
    _, height, width, _ = frames.shape
    with open_writer(VideoSpec(path, width, height, 30, **settings)) as writer:
        writer.write(frames)
    return path


def test_libx264_always_works_and_nonsense_does_not():
    assert encoder_works("libx264")
    assert not encoder_works("no_such_encoder")


@pytest.mark.parametrize("codec", ["auto", "h264_nvenc", "hevc_nvenc"])
def test_nvenc_falls_back_to_libx264_where_it_cannot_open(tmp_path, frames, codec, monkeypatch):
    monkeypatch.setattr(video_module, "encoder_works", lambda name: False)  # as on a machine without an NVIDIA GPU
    meta, decoded = decode(write(tmp_path / "a.mp4", frames(6, 24, 32), codec=codec))
    assert meta["codec"].startswith("h264") and len(decoded) == 6


def test_nvenc_is_chosen_where_it_works(monkeypatch):
    monkeypatch.setattr(video_module, "encoder_works", lambda name: name == "hevc_nvenc")
    assert video_module.mp4_codec("hevc_nvenc") == "hevc_nvenc"
    assert video_module.mp4_codec("auto") == "libx264"  # auto tries h264_nvenc only
    assert video_module.mp4_codec("libx264") == "libx264"


def test_real_nvenc_when_this_machine_has_it(tmp_path, frames):
    if not encoder_works("h264_nvenc"):
        pytest.skip("no NVENC here (needs an NVIDIA GPU and driver)")
    meta, decoded = decode(write(tmp_path / "a.mp4", frames(6, 24, 32), codec="h264_nvenc"))
    assert len(decoded) == 6


def test_thread_cap_reaches_ffmpeg_and_encodes(tmp_path, frames):
    spec = VideoSpec(tmp_path / "a.mp4", 32, 24, 30, threads=1)
    with open_writer(spec) as writer:
        command = writer._process.command
        assert command[command.index("-threads") + 1] == "1"
        writer.write(frames(4, 24, 32))
    assert len(decode(spec.path)[1]) == 4


def test_x264_gets_at_least_8_threads_unless_told(tmp_path, frames):
    with open_writer(VideoSpec(tmp_path / "a.mp4", 32, 24, 30)) as writer:
        command = writer._process.command
        assert int(command[command.index("-threads") + 1]) == max(8, (os.cpu_count() or 1) * 3 // 2)
        writer.write(frames(2, 24, 32))
    with open_writer(VideoSpec(tmp_path / "a.webm", 32, 24, 30)) as writer:  # libvpx keeps its default
        assert "-threads" not in writer._process.command
        writer.write(frames(2, 24, 32))


@pytest.mark.parametrize("bad", [{"codec": "h265"}, {"threads": 0}])
def test_bad_encoder_settings(tmp_path, bad):
    with pytest.raises(WriterError, match="VideoSpec"):
        VideoSpec(tmp_path / "a.mp4", 32, 24, 30, **bad)
