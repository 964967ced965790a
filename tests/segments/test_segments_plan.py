"""Segment arithmetic, shards, pinned encoder settings and the render key (no rendering)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from odyssey.config import load_config
from odyssey.errors import ConfigError, WriterError
from odyssey.segments.encoding import mp4_timescale, pinned_encoding
from odyssey.segments.key import changed_parts, render_key
from odyssey.segments.plan import Segment, describe_indices, frame_quantum, parse_shard, plan_segments, segment_length, shard_segments
from tests.conftest import write_path_file


@pytest.mark.parametrize("fps, quantum", [(Fraction(30), 3), (Fraction(25), 1), (Fraction(24), 3), (Fraction(30000, 1001), 30), (Fraction(60), 3)])
def test_segments_last_whole_milliseconds(fps, quantum):
    assert frame_quantum(fps) == quantum
    length = segment_length(fps, 30)
    assert length % quantum == 0 and (length * 1000 / fps).denominator == 1
    assert abs(length / fps - 30) < quantum / fps


def test_plan_covers_every_frame_once():
    segments = plan_segments(108_000, Fraction(30), 30)  # an hour at 30 fps
    assert len(segments) == 120 and all(s.frames == 900 for s in segments)
    odd = plan_segments(1001, Fraction(30), 1)
    assert [s.index for s in odd] == list(range(len(odd)))
    assert odd[0].start == 0 and odd[-1].end == 1001 and all(a.end == b.start for a, b in zip(odd, odd[1:]))
    assert odd[-1].frames == 1001 % 30 and odd[10].name == "seg_000010"
    assert plan_segments(5, Fraction(30), 30) == [Segment(0, 0, 5)]  # a short render is one segment
    with pytest.raises(ConfigError, match="no frames"):
        plan_segments(0, Fraction(30))


def test_shards_are_round_robin_and_cover_the_plan():
    segments = plan_segments(100, Fraction(10), 1)  # 10 segments
    shards = [shard_segments(segments, (k, 3)) for k in range(3)]
    assert [s.index for s in shards[1]] == [1, 4, 7]
    assert sorted(s.index for shard in shards for s in shard) == list(range(10))
    assert shard_segments(segments, None) == segments
    assert parse_shard("2/4") == (2, 4) and parse_shard(" 0 / 1 ") == (0, 1)
    for bad in ("4/4", "1", "-1/2", "a/b", "0/0"):
        with pytest.raises(ConfigError, match="--shard"):
            parse_shard(bad)
    assert describe_indices([0, 1, 2, 5, 7, 8]) == "0-2, 5, 7-8"


def test_encoder_settings_are_pinned():
    mp4 = pinned_encoding("mp4", 30, crf=None, preset="medium", codec="libx264", threads=None)
    args = list(mp4.codec_args)
    for option, value in [("-bf", "3"), ("-threads", "8"), ("-video_track_timescale", "15360"), ("-pix_fmt", "yuv420p"), ("-crf", "18"), ("-g", "250")]:
        assert args[args.index(option) + 1] == value
    assert "+faststart" not in args and mp4.container == "mp4"
    fast = list(pinned_encoding("mp4", 30, crf=None, preset="ultrafast", codec="libx264", threads=2).codec_args)
    assert fast[fast.index("-bf") + 1] == "0" and fast[fast.index("-threads") + 1] == "2"
    assert mp4_timescale(Fraction(30000, 1001)) == 30000 and mp4_timescale(Fraction(25)) == 12800
    assert pinned_encoding("gif", 15, crf=None, preset="medium", codec="libx264", threads=None).container == "nut"
    assert pinned_encoding("png", 15, crf=None, preset="medium", codec="libx264", threads=None).segment_name("seg_000001") == "seg_000001"
    with pytest.raises(WriterError, match="crf 60"):
        pinned_encoding("mp4", 30, crf=60, preset="medium", codec="libx264", threads=None)


def test_video_segments_take_frames_converted_on_the_device():
    def encoding(fmt: str):
        return pinned_encoding(fmt, 30, crf=None, preset="medium", codec="libx264", threads=None)

    assert encoding("mp4").pixel_format(32, 24, 3) == "yuv420p" and encoding("webm").pixel_format(32, 24, 3) == "yuv420p"
    assert encoding("mp4").pixel_format(33, 24, 3) == "packed"  # odd sizes are padded by ffmpeg
    assert encoding("gif").pixel_format(32, 24, 3) == "packed" and encoding("png").pixel_format(32, 24, 3) == "packed"
    assert encoding("mp4").describe()["frames"] == "yuv420p"  # in the key: older segments are not mixed in
    assert encoding("mp4").output_args(32, 24, 3, "yuv420p")[1].startswith("setparams")  # nothing left to convert


def _key(folder: Path, body: str, overrides=(), out: str | None = None):
    config, output = load_config(write_path_file(folder, "dcgan-faces", body), list(overrides), out)
    video = config.video
    return render_key(config, pinned_encoding("mp4", config.fps, crf=video.crf, preset=video.preset, codec=video.codec, threads=video.threads))


def test_key_changes_with_the_plan_model_and_encoder_only(tmp_path):
    np.save(tmp_path / "z.npy", np.ones(100, np.float32))
    body = "path: {keyframes: [1, {vector: z.npy}], duration: 2}\n"
    base = _key(tmp_path, body)
    assert _key(tmp_path, body) == base
    assert _key(tmp_path, body, out=str(tmp_path / "elsewhere.mp4")) == base  # where it goes names the work folder instead
    assert _key(tmp_path, body, ["model.options.trust_pickle=true"]) == base  # permissions change no pixel
    moved = tmp_path / "moved"
    moved.mkdir()
    np.save(moved / "z.npy", np.ones(100, np.float32))
    assert _key(moved, body) == base  # same contents at another path: the same render
    seed = _key(tmp_path, body, ["seed=3"])
    assert seed.parts["plan"] != base.parts["plan"] and seed.parts["model"] == base.parts["model"]
    assert changed_parts(base.parts, seed.parts) == "the path file"
    crf = _key(tmp_path, body, ["video.crf=20"])
    assert crf.parts["encoder"] != base.parts["encoder"]
    assert _key(tmp_path, body, ["segment_seconds=5"]).digest != base.digest
    eyes = _key(tmp_path, body, ["model=omniart-eyes"])
    assert changed_parts(base.parts, eyes.parts) == "the model"
    assert changed_parts(base.parts, {**eyes.parts, "version": "9"}) == "the model and odyssey's version"
    np.save(tmp_path / "z.npy", np.full(100, 2, np.float32))
    assert _key(tmp_path, body).parts["plan"] != base.parts["plan"]  # an edited vector file
