"""Segments on a local Ray cluster of 2 CPU workers: the same frames as one process, even when a worker dies."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from odyssey import api
from tests.segments.conftest import decode_video, killer_path_file, unstamped

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def cluster():
    """``ray.init(num_cpus=2)`` once for the module (it takes seconds); the runner reuses it."""
    import killer_model  # tests/segments is on sys.path: pytest put it there
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(killer_model)  # workers get the test model's code with it
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    return api.render_file(killer_path_file(folder), (), folder / "one.mp4", progress=False)


def test_two_ray_workers_render_the_single_process_frames(cluster, reference, tmp_path):
    out = tmp_path / "ray.mp4"
    notes: list[str] = []
    report = api.render_segments(killer_path_file(tmp_path), (), out, ray="local", ray_workers=2, progress=False, log=notes.append)
    assert report.joined and report.rendered == [0, 1, 2, 3]
    assert "ray: 4 segment(s) on 2 worker(s), 1 CPU each" in notes
    assert np.array_equal(decode_video(out), decode_video(reference))  # frame for frame
    assert out.read_bytes() == reference.read_bytes()


def test_a_worker_killed_mid_segment_is_retried_and_the_result_is_exact(cluster, reference, tmp_path):
    marker = tmp_path / "killed"
    out = tmp_path / "ray.mp4"
    path_file = killer_path_file(tmp_path, [(2, "kill")], marker)  # a worker's 2nd batch: mid-way through its first segment
    report = api.render_segments(path_file, (), out, ray="local", ray_workers=2, progress=False)
    assert (tmp_path / "killed.0").exists()  # a worker really died
    assert report.joined and report.rendered == [0, 1, 2, 3]
    assert unstamped(out) == unstamped(reference)  # the same bytes but for the render key (other path file)


def test_ray_renders_with_a_soundtrack_mux_it_once_in_sync(cluster, tmp_path):
    from tests.audio.audio_testkit import clicks, decoded_audio, first_onset, write_wav

    track = write_wav(tmp_path / "clicks.wav", clicks([1.0, 2.0, 3.0], 4.5))
    body = f"fps: 10\nbatch_size: 4\nsegment_seconds: 1\naudio: {{file: {track}, start: 0.5}}\npath: {{keyframes: [1, 2, 3], loop: true}}\n"
    path_file = killer_path_file(tmp_path, body=body)
    one = api.render_file(path_file, (), tmp_path / "one.mp4", progress=False)
    out = api.render_segments(path_file, (), tmp_path / "ray.mp4", ray="local", ray_workers=2, progress=False).output
    assert out.read_bytes() == one.read_bytes()
    sound = decoded_audio(out)
    assert sound.size == 4 * 48000 and first_onset(sound) == pytest.approx(0.5, abs=0.004)
