"""Whole-process behaviour: Ctrl-C mid-render and memory that does not grow with length."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, write_path_file

RSS_SCRIPT = """
import resource, sys
import odyssey
odyssey.render_file(sys.argv[1], ["path.duration=" + sys.argv[2] + "f"], sys.argv[3], progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run_odyssey(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "odyssey.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def ffmpeg_children(pid: int) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")[0].decode()
            except OSError:
                continue
            if "ffmpeg" in cmd and str(pid) in (proc / "status").read_text():
                found.append(proc.name)
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="uses /proc and POSIX signals")
def test_ctrl_c_leaves_nothing_and_stops_ffmpeg(tmp_path, tiny_dcgan):
    path_file = write_path_file(tmp_path, tiny_dcgan, "size: 256\npath: {keyframes: [1, 2, 3], duration: 20000f}\n")
    out = tmp_path / "out" / "o.mp4"
    proc = run_odyssey("render", str(path_file), "--out", str(out), "--quiet")
    deadline = time.time() + 60
    while time.time() < deadline and not (out.parent.exists() and any(out.parent.rglob(".seg_*.partial.mp4"))):
        time.sleep(0.1)  # wait until ffmpeg is writing its temporary file (a segment's, in the work folder)
    assert proc.poll() is None, proc.communicate()
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    # Nothing at the output, and nothing beside it: no segment was finished, so there was nothing to keep
    # (a render stopped after a finished segment keeps its work folder: tests/segments/test_segments_kill.py).
    assert not out.exists() and list(out.parent.iterdir()) == []
    time.sleep(0.2)
    assert ffmpeg_children(proc.pid) == []


def peak_rss_kb(path_file: Path, frames: int, out: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", RSS_SCRIPT, str(path_file), str(frames), str(out)], env=env, capture_output=True, text=True, check=True)
    return int(done.stdout.strip().splitlines()[-1])


def test_memory_does_not_grow_with_frame_count(tmp_path, tiny_dcgan):
    # 256x256 frames: 1200 of them held in memory would add ~235 MB to a ~400 MB process.
    path_file = write_path_file(tmp_path, tiny_dcgan, "size: 256\nvideo: {preset: ultrafast}\npath: {keyframes: [1, 2, 3], loop: true}\n")
    short = peak_rss_kb(path_file, 120, tmp_path / "short.mp4")
    long = peak_rss_kb(path_file, 1200, tmp_path / "long.mp4")
    assert long <= 1.1 * short, (short, long)
