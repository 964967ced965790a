"""A render killed at any moment resumes to exactly the frames of an uninterrupted render.

``odyssey render`` runs in a subprocess whose model (killer_model) stops it at a chosen
generator call -- SIGKILL right after a segment finished or in the middle of one, or a
pause for Ctrl-C -- one kill per run, so each rerun resumes and is stopped again further
on. A fake ffmpeg holds the join still so a kill can land during it. The last rerun (in
this process: the same code path without the start-up) must give PNG frames equal to an
uninterrupted render's and, since x264 with pinned settings and threads is deterministic,
the same MP4 bytes.

Each segment is 10 frames in generator calls of 4, 4 and 2 frames, and counting restarts
in every process: call 4 of a run is the first batch of its second segment, call 5 the
middle of it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from odyssey import api
from odyssey.writers.ffmpeg import find_ffmpeg
from tests.segments.conftest import cli_command, killer_path_file, read_png_folder, subprocess_env, unstamped

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX signals")


@pytest.fixture(scope="module")
def references(tmp_path_factory) -> dict[str, Path]:
    """Uninterrupted renders of the same frames: a PNG folder and an MP4."""
    folder = tmp_path_factory.mktemp("reference")
    path_file = killer_path_file(folder)
    return {fmt: api.render_file(path_file, (), folder / name, progress=False) for fmt, name in (("png", "frames"), ("mp4", "ref.mp4"))}


def finished(out: Path) -> list[int]:
    """Indices of the segments recorded as finished in the render's work folder."""
    folders = list((out.parent / ".odyssey-work").iterdir())
    assert len(folders) == 1
    return sorted(json.loads(p.read_text())["index"] for p in folders[0].glob("seg_*.json"))


def run_killed(path_file: Path, out: Path) -> None:
    done = subprocess.run(cli_command("render", path_file, "--out", out, "--quiet"), env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert not out.exists()


def start(path_file: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(cli_command("render", path_file, "--out", out, "--quiet"), env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, "timed out"
        time.sleep(0.02)


def test_mp4_killed_mid_segment_after_a_segment_and_in_the_join(tmp_path, references, fake_ffmpeg, monkeypatch):
    marker = tmp_path / "step"
    path_file = killer_path_file(tmp_path, [(5, "kill"), (4, "kill")], marker)
    out = tmp_path / "out" / "o.mp4"
    run_killed(path_file, out)  # in the middle of segment 1
    assert finished(out) == [0]
    run_killed(path_file, out)  # resumed at segment 1, killed as segment 2 began
    assert finished(out) == [0, 1]
    _, paused = fake_ffmpeg(pause_on="concat")  # the join's ffmpeg waits, so the kill lands in the join
    proc = start(path_file, out)
    wait_for(paused, proc)
    proc.kill()
    proc.communicate(timeout=30)
    os.kill(int(paused.read_text()), signal.SIGKILL)  # and the waiting ffmpeg
    assert not out.exists() and finished(out) == [0, 1, 2, 3]
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE")
    find_ffmpeg.cache_clear()
    report = api.render_segments(path_file, (), out, progress=False)
    assert report.rendered == [] and report.joined
    assert unstamped(out) == unstamped(references["mp4"])  # the same bytes but for the render key (other path file)
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # work folder and leftovers gone


def test_png_killed_then_interrupted_resumes_to_the_exact_frames(tmp_path, references):
    marker = tmp_path / "step"
    path_file = killer_path_file(tmp_path, [(5, "kill"), (5, "sleep")], marker)
    out = tmp_path / "out" / "frames"
    run_killed(path_file, out)  # in the middle of segment 1
    assert finished(out) == [0]
    proc = start(path_file, out)  # resumed at segment 1; pauses in the middle of segment 2
    wait_for(Path(f"{marker}.1"), proc)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr
    assert f"interrupted: nothing was written to {out}; 2 of 4 segments are finished and kept in" in stderr
    assert "run the same command to resume" in stderr
    work = next((out.parent / ".odyssey-work").iterdir())
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".")) == []  # no temp files
    report = api.render_segments(path_file, (), out, progress=False)
    assert report.rendered == [2, 3]
    names, frames = read_png_folder(out)
    ref_names, ref_frames = read_png_folder(references["png"])
    assert names == ref_names and np.array_equal(frames, ref_frames)
