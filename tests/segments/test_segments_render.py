"""Segmented renders through the API: exact frames, resume, shards, join, afresh, failures."""

from __future__ import annotations

import json

import numpy as np
import pytest

import odyssey
from odyssey import api
from odyssey.errors import FFmpegError, SegmentError
from odyssey.renderer import Renderer
from odyssey.writers.ffmpeg import find_ffmpeg
from tests.conftest import write_path_file
from tests.segments.conftest import BODY, decode_video, read_png_folder


@pytest.fixture
def path_file(tmp_path, tiny_dcgan):
    return write_path_file(tmp_path, tiny_dcgan, BODY)  # 40 frames, four segments


def work_names(tmp_path) -> list[str]:
    return sorted(p.name for folder in (tmp_path / ".odyssey-work").iterdir() for p in folder.iterdir())


def test_png_render_in_segments_has_the_renderer_frames(tmp_path, path_file):
    out = tmp_path / "frames"
    report = api.render_segments(path_file, (), out, progress=False)
    assert report.joined and report.segments == 4 and report.rendered == [0, 1, 2, 3]
    names, frames = read_png_folder(out)
    job = api.load_job(path_file, check_output=False)
    expected = np.concatenate(list(Renderer(job.generator, job.settings).batches(job.trajectory)))
    assert names == [f"frame_{i:06d}.png" for i in range(40)] and np.array_equal(frames, expected)
    assert not (tmp_path / ".odyssey-work").exists()  # removed after the verified join


def test_shards_then_resume_give_the_uninterrupted_bytes(tmp_path, path_file):
    reference = api.render_file(path_file, (), tmp_path / "ref.mp4", progress=False)
    out = tmp_path / "out.mp4"
    first = api.render_segments(path_file, (), out, shard="1/2", progress=False)
    assert not first.joined and first.rendered == [1, 3] and first.finished == 2 and not out.exists()
    notes: list[str] = []
    second = api.render_segments(path_file, (), out, progress=False, log=notes.append)
    assert second.rendered == [0, 2] and second.joined
    assert any("resuming: 2 of 4 segments are already finished" in note for note in notes)
    assert out.read_bytes() == reference.read_bytes()  # x264 with pinned threads is deterministic
    assert len(decode_video(out)) == 40


def test_a_finished_render_loads_no_model(tmp_path, path_file, monkeypatch):
    out = tmp_path / "o.mp4"
    api.render_segments(path_file, (), out, shard="0/1", progress=False)  # every segment, no join

    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded")

    import odyssey.segments.runner as runner

    monkeypatch.setattr(runner, "load_job", no_model)
    report = api.render_segments(path_file, (), out, progress=False)
    assert report.joined and report.rendered == [] and out.exists()


def test_a_changed_path_file_starts_afresh_and_says_so(tmp_path, path_file):
    out = tmp_path / "o.mp4"
    api.render_segments(path_file, (), out, shard="0/2", progress=False)
    old = list((tmp_path / ".odyssey-work").iterdir())
    notes: list[str] = []
    report = api.render_segments(path_file, ["seed=5"], out, progress=False, log=notes.append)
    assert report.rendered == [0, 1, 2, 3]
    assert any("the path file changed" in n and "starting afresh (removed 2 finished segment(s))" in n for n in notes), notes
    assert not old[0].exists()


def test_join_with_the_path_file_or_the_manifest(tmp_path, path_file):
    out = tmp_path / "o.gif"
    for shard in ("0/2", "1/2"):
        api.render_segments(path_file, (), out, shard=shard, progress=False)
    manifest = next((tmp_path / ".odyssey-work").iterdir()) / "manifest.json"
    assert json.loads(manifest.read_text())["segments"] == [[0, 10], [10, 20], [20, 30], [30, 40]]
    with pytest.raises(SegmentError, match="no segments of this render"):
        api.join_file(path_file, ["seed=9"], out)  # another render: nothing to join
    assert api.join_file(manifest, keep_segments=True) == out
    generator, trajectory, settings = _job(path_file)
    one_pass = odyssey.render(generator, trajectory, tmp_path / "one.gif", settings, progress=False)
    assert np.array_equal(decode_video(out), decode_video(one_pass))  # a GIF from segments = a GIF in one pass
    out.unlink()
    assert api.join_file(path_file, (), out) == out and out.exists()
    assert not (tmp_path / ".odyssey-work").exists()


def _job(path_file):
    job = api.load_job(path_file, check_output=False)
    return job.generator, job.trajectory, job.settings


def test_join_before_every_shard_is_done_names_what_is_missing(tmp_path, path_file):
    out = tmp_path / "o.mp4"
    api.render_segments(path_file, (), out, shard="0/2", progress=False)
    with pytest.raises(SegmentError, match=r"segments 1, 3 of 4 \(first: frames 10-19\) are not finished; render them with `odyssey render .*p.yaml --out"):
        api.join_file(path_file, (), out)
    assert not out.exists()


def test_ffmpeg_dying_keeps_finished_segments_and_the_rerun_resumes(tmp_path, path_file, fake_ffmpeg, monkeypatch):
    reference = api.render_file(path_file, (), tmp_path / "ref.mp4", progress=False)
    out = tmp_path / "o.mp4"
    fake_ffmpeg(fail_on="seg_000002")  # disk full while writing segment 2
    with pytest.raises(FFmpegError) as failure:
        api.render_file(path_file, (), out, progress=False)
    message = str(failure.value)
    assert "No space left on device" in message and "2 of 4 segments are finished and kept in" in message
    assert "the disk is full: free some space" in message and "fix that setting" not in message
    assert "run the same command to resume" in message and "ffmpeg's command and output: " in message and "\n" not in message
    assert not out.exists()
    assert work_names(tmp_path) == ["manifest.json", "seg_000000.json", "seg_000000.mp4", "seg_000001.json", "seg_000001.mp4"]
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE")
    find_ffmpeg.cache_clear()
    report = api.render_segments(path_file, (), out, progress=False)
    assert report.rendered == [2, 3] and out.read_bytes() == reference.read_bytes()


def test_an_unwritable_work_folder_is_one_clear_error(tmp_path, path_file):
    (tmp_path / ".odyssey-work").write_text("a file where the work folder goes")
    with pytest.raises(SegmentError, match="cannot create the work folder"):
        api.render_file(path_file, (), tmp_path / "o.mp4", progress=False)
    assert not (tmp_path / "o.mp4").exists()


def test_shards_leave_superseded_segments_to_the_join(tmp_path, path_file):
    out = tmp_path / "o.mp4"
    api.render_segments(path_file, (), out, shard="0/2", progress=False)
    old = next((tmp_path / ".odyssey-work").iterdir())
    notes: list[str] = []
    api.render_segments(path_file, ["seed=5"], out, shard="0/2", progress=False, log=notes.append)
    assert old.exists() and any("this shard starts afresh; `odyssey join` removes them" in n for n in notes)  # shards never delete
    api.render_segments(path_file, ["seed=5"], out, shard="1/2", progress=False)
    api.join_file(path_file, ["seed=5"], out)
    assert out.exists() and not (tmp_path / ".odyssey-work").exists()


def test_a_render_that_fails_before_planning_leaves_no_work_folder(tmp_path):
    path_file = write_path_file(tmp_path, tmp_path / "missing.pth", "path: {keyframes: [1, 2], duration: 1}\n")
    with pytest.raises(odyssey.OdysseyError, match="missing.pth"):
        api.render_file(path_file, (), tmp_path / "o.mp4", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]
