"""Helpers for the segment tests: path files, decoding, a killable model and a fake ffmpeg."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import torch
from PIL import Image

from odyssey.writers.ffmpeg import find_ffmpeg
from tests.conftest import REPO, tutorial_dcgan, write_path_file

HERE = Path(__file__).resolve().parent
# 40 frames at 10 fps in segments of 1 s: four segments of 10 frames, three batches each.
BODY = "fps: 10\nbatch_size: 4\nsegment_seconds: 1\npath: {keyframes: [1, 2, 3], loop: true, duration: 40f}\n"


def killer_model_spec(folder: Path, schedule: list[tuple[int, str]] = (), marker: Path | None = None) -> str:
    """A ``model:`` value for killer_model.build over the tiny DCGAN (saved whole in ``folder``)."""
    net = folder / "net.pt"
    if not net.exists():
        torch.save(tutorial_dcgan(nz=100, ngf=4, layers=3), net)
    steps = ", ".join(f"[{call}, {action}]" for call, action in schedule)
    kwargs = f"{{schedule: [{steps}], marker: '{marker or ''}'}}"
    return (
        f"{{path: {net}, format: factory, options: {{factory: 'killer_model:build', trust_code: true, "
        f"latent_shape: [100], output_range: [-1, 1], kwargs: {kwargs}}}}}"
    )


def killer_path_file(folder: Path, schedule: list[tuple[int, str]] = (), marker: Path | None = None, *, body: str = BODY, name: str = "k.yaml") -> Path:
    """A path file of four 10-frame segments over the killer model; ``schedule`` as in killer_model."""
    return write_path_file(folder, killer_model_spec(folder, schedule, marker), body, name)


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for ``python -m odyssey.cli`` runs: this checkout and killer_model importable."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(HERE)]), **extra}


def cli_command(*args: object) -> list[str]:
    return [sys.executable, "-m", "odyssey.cli", *(str(a) for a in args)]


def unstamped(path: Path) -> bytes:
    """The bytes of a rendered file with its render key (odyssey.writers.provenance) blanked: for
    comparing renders of path files that differ in what changes no frame (a kill schedule)."""
    return re.sub(rb"odyssey render [0-9a-f]{64}", b"odyssey render " + b"0" * 64, path.read_bytes())


def decode_video(path: Path) -> np.ndarray:
    """All frames of a video file as (n, H, W, 3) uint8."""
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    meta = next(reader)
    width, height = meta["size"]
    return np.stack([np.frombuffer(raw, np.uint8).reshape(height, width, 3) for raw in reader])


def read_png_folder(folder: Path) -> tuple[list[str], np.ndarray]:
    names = sorted(p.name for p in folder.iterdir())
    return names, np.stack([np.asarray(Image.open(folder / name)) for name in names])


@pytest.fixture
def fake_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``make(fail_on=..., pause_on=...)``: a wrapper around the real ffmpeg, set as IMAGEIO_FFMPEG_EXE.

    A command line containing ``fail_on`` prints a disk-full error and exits 1 (ffmpeg
    dying); one containing ``pause_on`` writes its pid to ``<wrapper>.paused`` and sleeps
    before running. Returns (wrapper path, paused-marker path).
    """
    real = find_ffmpeg()

    def make(fail_on: str = "", pause_on: str = "") -> tuple[Path, Path]:
        wrapper = tmp_path / "fake-ffmpeg.sh"
        paused = tmp_path / "fake-ffmpeg.paused"
        lines = ["#!/bin/sh"]
        if fail_on:
            lines.append(f'case "$*" in *{fail_on}*) echo "av_interleaved_write_frame(): No space left on device" >&2; exit 1;; esac')
        if pause_on:
            lines.append(f'case "$*" in *{pause_on}*) echo $$ > "{paused}"; sleep 60;; esac')
        lines.append(f'exec "{real}" "$@"')
        wrapper.write_text("\n".join(lines) + "\n")
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(wrapper))
        find_ffmpeg.cache_clear()
        return wrapper, paused

    yield make
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    find_ffmpeg.cache_clear()
