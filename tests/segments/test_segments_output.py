"""An existing output: this render's (up to date), another's (kept unless --force), in every format."""

from __future__ import annotations

import pytest
from PIL import Image

from odyssey import api
from odyssey.errors import WriterError
from odyssey.writers.provenance import read_stamp
from tests.conftest import write_path_file
from tests.segments.conftest import BODY, decode_video, read_png_folder


@pytest.fixture
def path_file(tmp_path, tiny_dcgan):
    return write_path_file(tmp_path, tiny_dcgan, BODY)  # 40 frames, four segments


@pytest.mark.parametrize("name", ["o.mp4", "o.webm", "o.gif", "frames"])
def test_every_output_knows_its_render_and_is_not_replaced_by_another(tmp_path, path_file, name):
    out = tmp_path / name
    first = api.render_segments(path_file, (), out, progress=False)
    assert first.joined and first.frames == 40
    stamp = read_stamp(out)
    assert stamp is not None and len(stamp) == 64
    if name == "frames":  # the folder holds frames alone; the stamp is inside the first one, which still decodes
        names, frames = read_png_folder(out)
        assert len(names) == 40 and len(frames) == 40
        assert "odyssey render" in Image.open(out / "frame_000000.png").text["Comment"]
    else:
        assert len(decode_video(out)) == 40
    before = out.stat().st_mtime_ns

    again = api.render_segments(path_file, (), out, progress=False)  # the same render: nothing to do
    assert again.up_to_date and again.rendered == [] and out.stat().st_mtime_ns == before

    with pytest.raises(WriterError, match=rf"{out} already exists and is not this render .* add --force"):
        api.render_segments(path_file, ["seed=5"], out, progress=False)
    assert out.stat().st_mtime_ns == before and not (tmp_path / ".odyssey-work").exists()

    forced = api.render_segments(path_file, ["seed=5"], out, force=True, progress=False)
    assert forced.joined and forced.frames == 40 and read_stamp(out) not in (None, stamp)


def test_a_file_odyssey_did_not_make_is_kept(tmp_path, path_file):
    out = tmp_path / "holiday.mp4"
    out.write_bytes(b"someone's video")
    with pytest.raises(WriterError, match="already exists and is not this render"):
        api.render_segments(path_file, (), out, progress=False)
    assert out.read_bytes() == b"someone's video"
    summary = api.check_file(path_file, (), out)
    assert any("exists and is not this render" in note for note in summary["notes"])
    api.render_segments(path_file, (), out, force=True, progress=False)
    assert len(decode_video(out)) == 40
    assert any("already this render" in note for note in api.check_file(path_file, (), out)["notes"])


def test_a_resumed_render_of_the_same_plan_needs_no_force(tmp_path, path_file):
    out = tmp_path / "o.mp4"
    first = api.render_segments(path_file, (), out, shard="0/2", progress=False)
    assert not first.joined and not out.exists()
    second = api.render_segments(path_file, (), out, progress=False)
    assert second.joined and second.rendered == [1, 3]
    assert api.join_file(path_file, (), out) == out  # joining again: already this render


def test_two_renders_of_one_output_never_run_at_once(tmp_path, path_file):
    from odyssey.errors import SegmentError
    from odyssey.segments.lock import lock_path, render_lock

    out = tmp_path / "o.mp4"
    with render_lock(out):  # another render holds the output
        with pytest.raises(SegmentError, match=rf"{out}: another render is writing it right now \(process pid {__import__('os').getpid()} on "):
            api.render_segments(path_file, (), out, progress=False)
        with pytest.raises(SegmentError, match="another render"):
            api.render_segments(path_file, (), out, shard="0/2", progress=False)
    assert not (tmp_path / ".odyssey-work").exists() and not out.exists()
    with render_lock(out, shared=True):  # a shard elsewhere: other shards may run beside it, a whole render may not
        assert api.render_segments(path_file, (), out, shard="1/2", progress=False).rendered == [1, 3]
        with pytest.raises(SegmentError, match="another render"):
            api.render_segments(path_file, (), out, progress=False)
    assert api.render_segments(path_file, (), out, progress=False).joined
    assert not lock_path(out).exists()  # the last holder removed it
