"""The Python API: the README example runs; plan == render; output is atomic."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
import imageio_ffmpeg

import odyssey
from odyssey.adapters import load_generator
from odyssey.errors import OdysseyError
from tests.conftest import REPO


def readme_python_blocks() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_api_example_runs(tmp_path, monkeypatch):
    blocks = readme_python_blocks()
    assert blocks, "the README must show the Python API"
    monkeypatch.chdir(tmp_path)
    from stylegan_testkit import write_pickle

    write_pickle(tmp_path / "ffhq.pkl", "sg2-skip")  # the StyleGAN section's "ffhq.pkl": a tiny one
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    videos = list((tmp_path / "renders").glob("*.mp4"))
    assert videos, "the README example should write a video under renders/"
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(videos[0]))
    assert frames > 0


def test_iter_frames_streams_batches(tiny_dcgan):
    gen = load_generator(tiny_dcgan)
    path = odyssey.keyframe_path(gen, [1, 2], frames=10)
    batches = list(odyssey.iter_frames(gen, path, odyssey.RenderSettings(batch_size=4)))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert batches[0].shape[1:] == (16, 16, 3)


def test_plan_is_exactly_what_render_draws(tmp_path, tiny_dcgan, monkeypatch):
    path_file = tmp_path / "p.yaml"
    path_file.write_text(f"model: {tiny_dcgan}\ntruncation: 0.8\npath: {{keyframes: [1, 2, 3], loop: true, duration: 17f, interpolation: spline}}\n")
    job = odyssey.load_job(path_file)
    planned = job.trajectory.latents().numpy()
    seen = []
    original = job.generator.synthesize

    def recording(latents, labels=None, truncation=None):
        seen.append(latents.detach().cpu().numpy().copy())
        return original(latents, labels, truncation)

    monkeypatch.setattr(job.generator, "synthesize", recording)
    odyssey.render(job.generator, job.trajectory, tmp_path / "o.mp4", odyssey.RenderSettings(batch_size=5), progress=False)
    assert np.array_equal(np.concatenate(seen), planned)


@pytest.mark.parametrize(("name", "size", "layout"), [("o.mp4", 32, "yuv420p"), ("o.webm", 32, "yuv420p"), ("o.mp4", 33, "packed"), ("o.gif", 32, "packed")])
def test_render_hands_video_writers_yuv420p_frames(tmp_path, tiny_dcgan, monkeypatch, name, size, layout):
    """MP4/WebM at an even size get frames converted on the device; the video matches the packed frames."""
    import odyssey.renderer.film as film

    gen = load_generator(tiny_dcgan)
    path = odyssey.keyframe_path(gen, [1, 2], frames=6)
    settings = odyssey.RenderSettings(size=size, batch_size=4)
    specs = []
    real_open = film.open_writer
    monkeypatch.setattr(film, "open_writer", lambda spec: specs.append(spec) or real_open(spec))
    out = odyssey.render(gen, path, tmp_path / name, settings, crf=0 if name.endswith(".mp4") else None, progress=False)
    assert [spec.pixel_format for spec in specs] == [layout]
    if name.endswith(".mp4"):  # lossless x264 (crf 0): only the 4:2:0 conversion differs from the packed frames
        reader = imageio_ffmpeg.read_frames(str(out), pix_fmt="rgb24")
        width, height = next(reader)["size"]
        video = np.stack([np.frombuffer(raw, np.uint8).reshape(height, width, 3) for raw in reader])[:, :size, :size]
        packed = np.concatenate(list(odyssey.iter_frames(gen, path, settings)))
        assert video.shape == packed.shape
        assert np.abs(video.astype(int) - packed.astype(int)).mean() < 2.5  # measured 1.4 either way


def test_failed_render_leaves_nothing(tmp_path, tiny_dcgan, monkeypatch):
    gen = load_generator(tiny_dcgan)
    path = odyssey.keyframe_path(gen, [1, 2], frames=40)
    calls = []

    def broken(latents, labels=None, truncation=None):
        calls.append(1)
        if len(calls) > 2:
            raise RuntimeError("boom")
        return gen.__class__.synthesize(gen, latents, labels, truncation)

    monkeypatch.setattr(gen, "synthesize", broken)
    out = tmp_path / "o.mp4"
    with pytest.raises(RuntimeError, match="boom"):
        odyssey.render(gen, path, out, odyssey.RenderSettings(batch_size=4), progress=False)
    assert os.listdir(tmp_path) == ["tiny.pth"]


def test_api_errors_are_typed(tmp_path):
    with pytest.raises(OdysseyError):
        odyssey.render_file(tmp_path / "missing.yaml")
