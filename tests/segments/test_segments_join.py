"""Joining segments: lossless joins that play right, and bad joins that count right but are caught."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from odyssey.errors import SegmentError
from odyssey.segments.encode import finish_segment
from odyssey.segments.encoding import Encoding, SegmentWriter, pinned_encoding
from odyssey.segments.join import join_segments
from odyssey.segments.manifest import Manifest, Workspace
from odyssey.segments.plan import plan_segments
from odyssey.segments.verify import check_joined, check_timing, read_packets
from odyssey.writers import VideoSpec, open_writer
from odyssey.writers.ffmpeg import find_ffmpeg
from odyssey.writers.png import PngWriter
from tests.segments.conftest import decode_video, read_png_folder

W, H = 32, 24


def moving_frames(n: int, seed: int = 0) -> np.ndarray:
    """Smooth gradients that drift, with a bright bar at a place that depends on the frame."""
    t = np.arange(n)[:, None, None] / 7.0 + seed
    y, x = (np.mgrid[0:H, 0:W] / 10.0)[:, None]
    rgb = np.stack([128 + 90 * np.sin(x + t), 128 + 90 * np.cos(y - t), 128 + 60 * np.sin(x + y + 2 * t)], axis=-1)
    frames = np.clip(rgb, 0, 255).astype(np.uint8)
    for i in range(n):
        frames[i, :, (i * 3) % W] = 255
    return frames


def build(tmp_path: Path, fmt: str, frames: np.ndarray, per: int, fps: int = 10, odd: dict[int, Encoding] | None = None):
    """A work folder with ``frames`` written as segments of ``per`` frames (``odd``: other encodings)."""
    output = tmp_path / ("out" if fmt == "png" else f"out.{fmt}")
    encoding = pinned_encoding(fmt, fps, crf=None, preset="medium", codec="libx264", threads=2)
    workspace = Workspace(output, "ab" * 32)
    workspace.create()
    plan = plan_segments(len(frames), Fraction(fps), per / fps)
    manifest = Manifest(
        key=workspace.key, parts={}, output=str(output), format=fmt, fps=encoding.rate, frames=len(frames), width=W, height=H,
        channels=3, segments=[(s.start, s.end) for s in plan], encoding=encoding.describe(),
    )  # fmt: skip
    workspace.write_manifest(manifest)
    for segment in plan:
        own = (odd or {}).get(segment.index, encoding)
        target = workspace.path / encoding.segment_name(segment.name)
        spec = VideoSpec(path=target, width=W, height=H, fps=float(own.fps), start_number=segment.start)
        writer = PngWriter(spec, target) if fmt == "png" else SegmentWriter(spec, own)
        with writer:
            writer.write(frames[segment.start : segment.end])
        finish_segment(workspace, segment, own, target)
    return workspace, manifest, encoding


def test_mp4_with_b_frames_joins_exactly_in_plan_order(tmp_path):
    frames = moving_frames(72)
    workspace, manifest, encoding = build(tmp_path, "mp4", frames, per=6)  # 12 segments: seg_10 after seg_9
    assert len(manifest.segments) == 12 and "-bf" in encoding.codec_args
    separately = np.concatenate([decode_video(workspace.path / f"seg_{i:06d}.mp4") for i in range(12)])
    output = join_segments(workspace, manifest, encoding)
    joined = decode_video(output)
    assert np.array_equal(joined, separately)  # -c copy: not one pixel re-encoded, segments in plan order
    assert np.abs(joined.astype(int) - frames.astype(int)).mean() < 8  # lossy, but these frames
    log = read_packets(output)
    assert len(log.pts) == 72 and log.delay > 0  # B-frames kept: decoding starts before the first frame shows
    check_timing(log, 72, Fraction(10), "joined")
    assert sorted(log.pts) == [i * 1024 for i in range(72)] and log.time_base == Fraction(1, 10240)


def test_webm_joins_exactly(tmp_path):
    frames = moving_frames(30)
    workspace, manifest, encoding = build(tmp_path, "webm", frames, per=12)
    separately = np.concatenate([decode_video(workspace.path / f"seg_{i:06d}.webm") for i in range(3)])
    output = join_segments(workspace, manifest, encoding)
    assert np.array_equal(decode_video(output), separately)
    check_timing(read_packets(output), 30, Fraction(10), "joined webm")


def test_gif_from_lossless_segments_equals_a_one_pass_gif(tmp_path):
    frames = moving_frames(25)
    workspace, manifest, encoding = build(tmp_path, "gif", frames, per=10)
    assert encoding.container == "nut"
    assert np.array_equal(decode_video(workspace.path / "seg_000001.nut"), frames[10:20])  # FFV1: lossless
    output = join_segments(workspace, manifest, encoding)
    one_pass = tmp_path / "one.gif"
    with open_writer(VideoSpec(path=one_pass, width=W, height=H, fps=10)) as writer:
        writer.write(frames)
    assert np.array_equal(decode_video(output), decode_video(one_pass))
    check_timing(read_packets(output), 25, Fraction(10), "joined gif")


def test_png_folders_join_with_global_numbers(tmp_path):
    frames = moving_frames(23)
    workspace, manifest, encoding = build(tmp_path, "png", frames, per=10)
    assert sorted(p.name for p in (workspace.path / "seg_000001").iterdir())[0] == "frame_000010.png"
    output = join_segments(workspace, manifest, encoding)
    names, joined = read_png_folder(output)
    assert names == [f"frame_{i:06d}.png" for i in range(23)] and np.array_equal(joined, frames)


def _swap(args: tuple[str, ...], option: str, value: str) -> tuple[str, ...]:
    out = list(args)
    out[out.index(option) + 1] = value
    return tuple(out)


# Each case: how the odd segment 1 was encoded (it still has the right number of frames).
BAD = {
    "no B-frames": lambda e: replace(e, codec_args=_swap(e.codec_args, "-bf", "0")),
    "another time scale": lambda e: replace(e, codec_args=_swap(e.codec_args, "-video_track_timescale", "90000"), timescale=90000),
    "another frame rate": lambda e: replace(e, fps=Fraction(25), codec_args=_swap(e.codec_args, "-video_track_timescale", "12800"), timescale=12800),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_joins_count_right_but_are_caught(tmp_path, case):
    frames = moving_frames(30)
    good = pinned_encoding("mp4", 10, crf=None, preset="medium", codec="libx264", threads=2)
    workspace, manifest, encoding = build(tmp_path, "mp4", frames, per=10, odd={1: BAD[case](good)})
    # The trap: ffmpeg joins them without complaint about the count, and every frame is there.
    listing = workspace.path / "naive.txt"
    listing.write_text("".join(f"file 'seg_{i:06d}.mp4'\n" for i in range(3)))
    naive = tmp_path / "naive.mp4"
    done = subprocess.run([find_ffmpeg(), "-v", "warning", "-f", "concat", "-i", str(listing), "-c", "copy", str(naive)], capture_output=True, text=True)
    assert done.returncode == 0
    assert imageio_ffmpeg.count_frames_and_secs(str(naive))[0] == 30
    with pytest.raises(SegmentError):  # the strict check sees the timestamps
        check_joined(read_packets(naive), 30, Fraction(10), done.stderr, "naive join")
    # join_segments refuses before joining, removes the odd segment, and says how to redo it.
    with pytest.raises(SegmentError, match=r"segment 1 .*odyssey render"):
        join_segments(workspace, manifest, encoding)
    assert not Path(manifest.output).exists()
    assert not (workspace.path / "seg_000001.mp4").exists() and (workspace.path / "seg_000000.mp4").exists()


def test_join_names_missing_segments(tmp_path):
    workspace, manifest, encoding = build(tmp_path, "mp4", moving_frames(30), per=10)
    workspace.forget(manifest.plan()[2], workspace.path / "seg_000002.mp4")
    with pytest.raises(SegmentError, match=r"segment 2 of 3 \(first: frames 20-29\) is not finished; render it with `odyssey render p.yaml`"):
        join_segments(workspace, manifest, encoding, "p.yaml")
    assert not Path(manifest.output).exists()


def test_a_damaged_segment_fails_verification(tmp_path):
    workspace, manifest, encoding = build(tmp_path, "mp4", moving_frames(20), per=10)
    media = workspace.path / "seg_000001.mp4"
    media.write_bytes(media.read_bytes()[: media.stat().st_size // 2])  # damaged after it was recorded
    workspace.record(manifest.plan()[1], media, {})
    with pytest.raises(SegmentError):
        join_segments(workspace, manifest, encoding)
    assert not Path(manifest.output).exists()
