"""The soundtrack in the output: muxed once at the join, exactly frames / fps long, in sync
from frame 0 -- also after a kill and resume, and across shards."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from odyssey import api
from odyssey.cli import app
from tests.audio.audio_testkit import clicks, decoded_audio, first_onset, has_audio, write_wav
from tests.segments.conftest import cli_command, decode_video, killer_path_file, subprocess_env, unstamped

CLICKS = [1.0, 2.0, 3.0, 4.0]


@pytest.fixture(scope="module")
def track(tmp_path_factory):
    return write_wav(tmp_path_factory.mktemp("track") / "clicks.wav", clicks(CLICKS, 5.0))


def body(track, extra: str = "") -> str:
    # 40 frames at 10 fps in 1 s segments, from 0.45 s into the track: clicks at 0.55, 1.55, 2.55, 3.55 s of the film
    return f"fps: 10\nbatch_size: 4\nsegment_seconds: 1\naudio: {{file: {track}, start: 0.45, duration: 4.0}}\npath: {{keyframes: [1, 2, 3], loop: true}}\n{extra}"


@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_sound_is_exactly_as_long_as_the_film_and_starts_with_frame_0(tmp_path, track, suffix):
    path_file = killer_path_file(tmp_path, body=body(track))
    out = api.render_file(path_file, (), tmp_path / f"film{suffix}", progress=False)
    frames = decode_video(out)
    sound = decoded_audio(out)
    assert frames.shape[0] == 40
    assert sound.size == 4 * 48000  # 40 frames / 10 fps, to the sample
    assert first_onset(sound) == pytest.approx(0.55, abs=0.004)  # the source's click at 1.0 s, 0.45 s in
    later = np.flatnonzero(np.abs(sound) > 0.2 * np.abs(sound).max()) / 48000
    assert [float(t) for t in sorted({round(t - 0.05, 1) for t in later})] == [0.5, 1.5, 2.5, 3.5]  # every click, nothing else
    assert not (out.parent / ".odyssey-work").exists()


def test_killed_and_resumed_render_is_in_sync_like_an_uninterrupted_one(tmp_path, track):
    (tmp_path / "ref").mkdir()
    reference = api.render_file(killer_path_file(tmp_path / "ref", body=body(track)), (), tmp_path / "ref" / "r.mp4", progress=False)
    folder = tmp_path / "killed"
    folder.mkdir()
    path_file = killer_path_file(folder, [(5, "kill")], folder / "step", body=body(track))
    out = folder / "out" / "o.mp4"
    done = subprocess.run(cli_command("render", path_file, "--out", out, "--quiet"), env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert not out.exists()
    work = next((out.parent / ".odyssey-work").iterdir())
    assert json.loads((work / "manifest.json").read_text())["extra"]["audio"] == {"file": str(track), "start": 0.45}
    report = api.render_segments(path_file, (), out, progress=False)
    assert report.joined and report.rendered == [1, 2, 3]
    assert unstamped(out) == unstamped(reference)  # same video and sound bytes: the same offsets
    assert np.array_equal(decoded_audio(out), decoded_audio(reference))


def test_shards_join_with_the_sound_once(tmp_path, track):
    path_file = killer_path_file(tmp_path, body=body(track))
    out = tmp_path / "s.mp4"
    for shard in ("0/2", "1/2"):
        report = api.render_segments(path_file, (), out, shard=shard, progress=False)
        assert not report.joined and not out.exists()
    api.join_file(path_file, (), out)
    whole = api.render_file(path_file, (), tmp_path / "whole.mp4", progress=False)
    assert unstamped(out) == unstamped(whole)


def test_gif_and_png_outputs_say_they_carry_no_sound(tmp_path, track):
    path_file = killer_path_file(tmp_path, body=body(track))
    runner = CliRunner()
    for name in ("film.gif", "frames"):
        result = runner.invoke(app, ["render", str(path_file), "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        kind = "GIF" if name.endswith(".gif") else "PNG"
        assert f"note: {kind} output carries no sound; the film is timed to clicks.wav (render to .mp4 or .webm to hear it)" in result.output
    assert not has_audio(tmp_path / "film.gif")
    assert len(list((tmp_path / "frames").glob("*.png"))) == 40


def test_a_missing_soundtrack_at_the_join_is_one_clear_line(tmp_path, track):
    moved = write_wav(tmp_path / "gone.wav", clicks(CLICKS, 5.0))
    path_file = killer_path_file(tmp_path, body=body(moved))
    out = tmp_path / "g.mp4"
    for shard in ("0/2", "1/2"):
        api.render_segments(path_file, (), out, shard=shard, progress=False)
    moved.unlink()
    manifest = next((out.parent / ".odyssey-work").iterdir()) / "manifest.json"
    done = subprocess.run([sys.executable, "-m", "odyssey.cli", "join", str(manifest)], env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert f"the soundtrack {moved} is not here to mux; put it back" in done.stderr
    assert not out.exists()
