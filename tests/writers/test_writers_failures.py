"""Failures: nothing half-written at the output, no temp files, clear errors, ffmpeg stopped."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import odyssey
import odyssey.writers.gif as gif_module
import odyssey.writers.staging as staging
import odyssey.writers.video as video_module
from odyssey.errors import FFmpegError, WriterError
from odyssey.writers import VideoSpec, open_writer
from odyssey.writers.ffmpeg import KILL_TIMEOUT_S

ALL_OUTPUTS = ["clip.mp4", "clip.webm", "clip.gif", "frames"]


class Boom(Exception):
    """Stands in for a failure in the renderer."""


def spec_for(path: Path, **settings) -> VideoSpec:
    return VideoSpec(path, 32, 24, 30, **settings)


def snapshot(path: Path) -> dict[str, bytes]:
    """The contents of a file or of a folder of files, for before/after comparisons."""
    if path.is_dir():
        return {entry.name: entry.read_bytes() for entry in sorted(path.iterdir())}
    return {path.name: path.read_bytes()}


def write_complete(path: Path, frames: np.ndarray) -> None:
    with open_writer(spec_for(path)) as writer:
        writer.write(frames)


@pytest.mark.parametrize("name", ALL_OUTPUTS)
@pytest.mark.parametrize("error", [Boom, KeyboardInterrupt])
def test_exception_inside_with_leaves_nothing(tmp_path, frames, listing, name, error) -> None:
    with pytest.raises(error):
        with open_writer(spec_for(tmp_path / name)) as writer:
            process = writer._process
            for _ in range(200):  # until ffmpeg has created its temporary output
                writer.write(frames(5, 24, 32))
                if listing(tmp_path):
                    break
                time.sleep(0.01)
            assert listing(tmp_path) != []
            raise error()
    assert listing(tmp_path) == []
    assert not process.running()
    with pytest.raises(WriterError, match="aborted"):
        writer.write(frames(1, 24, 32))


@pytest.mark.parametrize("name", ALL_OUTPUTS)
def test_existing_output_survives_a_failed_rewrite(tmp_path, frames, listing, name) -> None:
    path = tmp_path / name
    write_complete(path, frames(6, 24, 32))
    before = snapshot(path)
    with pytest.raises(Boom):
        with open_writer(spec_for(path)) as writer:
            writer.write(frames(9, 24, 32)[::-1])
            raise Boom()
    assert snapshot(path) == before
    assert listing(tmp_path) == [name]


def test_png_folder_from_an_earlier_run_is_replaced(tmp_path, frames, listing) -> None:
    path = tmp_path / "frames"
    write_complete(path, frames(6, 24, 32))
    (path / ".DS_Store").write_bytes(b"finder")
    write_complete(path, frames(2, 24, 32))
    assert listing(path) == ["frame_000000.png", "frame_000001.png"]  # stale frames gone
    assert listing(tmp_path) == ["frames"]


def test_png_folder_with_other_files_is_refused(tmp_path, listing) -> None:
    path = tmp_path / "renders"
    path.mkdir()
    (path / "holiday.mp4").write_bytes(b"precious")
    with pytest.raises(WriterError, match="holiday.mp4"):
        open_writer(spec_for(path))
    assert listing(path) == ["holiday.mp4"]
    assert listing(tmp_path) == ["renders"]


def test_file_output_path_that_is_a_folder_is_refused(tmp_path) -> None:
    (tmp_path / "clip.mp4").mkdir()
    with pytest.raises(WriterError, match="is a folder"):
        open_writer(spec_for(tmp_path / "clip.mp4", format="mp4"))


def test_uncreatable_folder(tmp_path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(WriterError, match="cannot create output folder") as info:
        open_writer(spec_for(blocker / "sub" / "clip.mp4"))
    assert str(blocker / "sub") in str(info.value)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores modes")
def test_unwritable_folder_by_permissions(tmp_path, listing) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(WriterError, match="not writable"):
            open_writer(spec_for(locked / "clip.mp4"))
    finally:
        locked.chmod(0o700)
    assert listing(locked) == []


def test_unwritable_folder_read_only_filesystem(tmp_path, monkeypatch, listing) -> None:
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(staging.tempfile, "TemporaryFile", read_only)
    with pytest.raises(WriterError, match="not writable") as info:
        open_writer(spec_for(tmp_path / "clip.gif"))
    assert str(tmp_path) in str(info.value) and "Read-only" in str(info.value)
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (np.zeros((2, 24, 32, 3), np.float32), "dtype uint8"),
        (np.zeros((2, 24, 32, 3), np.uint16), "dtype uint8"),
        (np.zeros((2, 32, 24, 3), np.uint8), "shape"),
        (np.zeros((2, 24, 32, 4), np.uint8), "shape"),
        (np.zeros((2, 24, 32, 1), np.uint8), "shape"),
        (np.zeros((24, 32), np.uint8), "shape"),
        (np.zeros((1, 2, 24, 32, 3), np.uint8), "shape"),
        ([[[0, 0, 0]]], "numpy array"),
    ],
)
def test_bad_frames_are_rejected_and_the_writer_stays_usable(
    tmp_path, frames, listing, bad, fragment
) -> None:
    with open_writer(spec_for(tmp_path / "frames")) as writer:
        with pytest.raises(WriterError, match=fragment) as info:
            writer.write(bad)
        assert "frames for" in str(info.value)
        writer.write(frames(1, 24, 32))
    assert listing(tmp_path / "frames") == ["frame_000000.png"]


def test_zero_frames_saves_nothing(tmp_path, listing) -> None:
    with pytest.raises(WriterError, match="no frames"):
        with open_writer(spec_for(tmp_path / "clip.mp4")):
            pass
    assert listing(tmp_path) == []


def test_lifecycle_after_close_and_abort(tmp_path, frames) -> None:
    path = tmp_path / "clip.mp4"
    writer = open_writer(spec_for(path))
    writer.write(frames(2, 24, 32))
    assert writer.close() == path
    assert writer.close() == path
    writer.abort()  # after a successful close: a no-op that must not delete the output
    assert path.exists()
    with pytest.raises(WriterError, match="already closed"):
        writer.write(frames(1, 24, 32))
    aborted = open_writer(spec_for(tmp_path / "other.mp4"))
    aborted.abort()
    with pytest.raises(WriterError, match="aborted"):
        aborted.close()


@pytest.fixture
def nonsense_preset(monkeypatch):
    """Let an invalid preset past our own check, so that ffmpeg is the one to reject it."""
    monkeypatch.setattr(video_module, "X264_PRESETS", (*video_module.X264_PRESETS, "nonsense"))
    return "nonsense"


@pytest.mark.parametrize(("size", "count"), [((24, 32), 3), ((240, 320), 200)])
def test_ffmpeg_failure_reports_command_and_stderr(
    tmp_path, frames, listing, nonsense_preset, size, count
) -> None:
    path = tmp_path / "clip.mp4"
    write_complete(path, frames(4, 24, 32))
    before = snapshot(path)
    height, width = size
    batch = frames(1, height, width)
    spec = VideoSpec(path, width, height, 30, preset=nonsense_preset)
    with pytest.raises(FFmpegError) as info:
        with open_writer(spec) as writer:
            for _ in range(count):
                writer.write(batch)
    error = info.value
    message = str(error)
    assert "invalid preset 'nonsense'" in message and "\n" not in message  # ffmpeg's own words, on one line
    assert "-preset" in error.command and "invalid preset" in error.stderr
    saved = Path(error.log).read_text()  # the whole command and output, where the message says
    assert error.log in message and "-preset nonsense" in saved and "invalid preset" in saved
    if count == 200:  # ffmpeg died early; a write noticed, not just the final close
        assert writer.frames_written < count
        assert "while receiving frames" in message
    assert snapshot(path) == before
    assert listing(tmp_path) == ["clip.mp4"]


def test_ffmpeg_killed_mid_stream(tmp_path, frames, listing) -> None:
    batch = frames(1, 240, 320)
    writer = open_writer(VideoSpec(tmp_path / "clip.webm", 320, 240, 30))
    writer.write(batch)
    os.kill(writer._process.pid, signal.SIGKILL)
    with pytest.raises(FFmpegError, match="killed by signal 9"):
        for _ in range(200):
            writer.write(batch)
    assert listing(tmp_path) == []  # cleaned up at once, without waiting for abort()
    with pytest.raises(WriterError, match="aborted"):
        writer.write(batch)


def test_png_folder_gaining_other_files_while_writing_is_kept(tmp_path, frames, listing) -> None:
    path = tmp_path / "frames"
    write_complete(path, frames(2, 24, 32))
    with pytest.raises(WriterError, match="notes.txt"):
        with open_writer(spec_for(path)) as writer:
            writer.write(frames(3, 24, 32))
            (path / "notes.txt").write_text("added by the user mid-render")
    assert listing(path) == ["frame_000000.png", "frame_000001.png", "notes.txt"]
    assert listing(tmp_path) == ["frames"]


def test_gif_palette_failure_cleans_up(tmp_path, frames, listing, monkeypatch) -> None:
    path = tmp_path / "clip.gif"
    write_complete(path, frames(3, 24, 32))
    before = snapshot(path)
    bad = gif_module.PALETTE_FILTER.replace("dither=none", "dither=nosuchdither")
    monkeypatch.setattr(gif_module, "PALETTE_FILTER", bad)
    with pytest.raises(FFmpegError, match="nosuchdither"):
        write_complete(path, frames(5, 24, 32))
    assert snapshot(path) == before
    assert listing(tmp_path) == ["clip.gif"]


@pytest.mark.skipif(sys.platform == "win32", reason="sessions are POSIX")
def test_ffmpeg_runs_in_its_own_session(tmp_path, frames) -> None:
    with open_writer(spec_for(tmp_path / "clip.mp4")) as writer:
        writer.write(frames(1, 24, 32))
        assert os.getsid(writer._process.pid) != os.getsid(0)


def test_abort_is_prompt_while_ffmpeg_waits_for_frames(tmp_path, frames, listing) -> None:
    writer = open_writer(spec_for(tmp_path / "clip.mp4"))
    writer.write(frames(2, 24, 32))
    time.sleep(0.2)  # let ffmpeg settle into waiting on stdin, which ignores SIGTERM
    started = time.monotonic()
    writer.abort()
    assert time.monotonic() - started < KILL_TIMEOUT_S / 2
    assert not writer._process.running()
    assert listing(tmp_path) == []


def test_abort_from_another_thread_stops_a_blocked_write(tmp_path, frames, listing) -> None:
    spec = VideoSpec(tmp_path / "clip.mp4", 640, 480, 30, preset="veryslow")
    batch = np.repeat(frames(8, 480, 640), 4, axis=0)  # 32 frames, ~29 MB per write
    writer = open_writer(spec)
    errors: list[BaseException] = []

    def produce() -> None:
        try:
            for _ in range(100):
                writer.write(batch)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=produce)
    thread.start()
    time.sleep(0.5)  # the pipe is full by now and write() is blocked
    writer.abort()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], WriterError)
    assert "aborted" in str(errors[0])
    assert listing(tmp_path) == []


CTRL_C_CHILD = """
import sys
import numpy as np
from pathlib import Path
from odyssey.writers import VideoSpec, open_writer

frame = np.zeros((1, 24, 32, 3), np.uint8)
with open_writer(VideoSpec(Path(sys.argv[1]), 32, 24, 30)) as writer:
    print(writer._process.pid, flush=True)
    while True:
        writer.write(frame)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")
def test_ctrl_c_in_the_terminal_cleans_up(tmp_path, listing) -> None:
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(odyssey.__file__).resolve().parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_CHILD, str(out / "clip.mp4")],
        stdout=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group, like a shell job
    )
    try:
        ffmpeg_pid = int(child.stdout.readline())
        deadline = time.monotonic() + 10
        while not listing(out) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert listing(out) != []
        os.killpg(child.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
        assert child.wait(timeout=10) != 0
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    assert listing(out) == []
    with pytest.raises(ProcessLookupError):
        os.kill(ffmpeg_pid, 0)
