"""Planning: path files + a model -> trajectories with exact counts and seam-free loops."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from odyssey.adapters import load_generator
from odyssey.config import load_config
from odyssey.errors import ConfigError
from odyssey.planning import plan_trajectory
from tests.conftest import write_path_file


def plan(tmp_path, model, body, overrides=()):
    config, _ = load_config(write_path_file(tmp_path, model, body), list(overrides))
    generator = load_generator(config.model.path, format=config.model.format, options=config.model.options)
    return plan_trajectory(config, generator), generator


@pytest.mark.parametrize("seconds, fps", [(1.0, 30), (2.5, 24), (0.35, 29.97), (1.0 / 3, 12), (4.1, 7.5)])
def test_frame_count_is_round_seconds_times_fps(tmp_path, tiny_dcgan, seconds, fps):
    traj, _ = plan(tmp_path, tiny_dcgan, f"fps: {fps}\npath: {{keyframes: [1, 2, 3], duration: {seconds}}}")
    assert traj.num_frames == int(np.floor(seconds * fps + 0.5))
    assert traj.latents().shape == (traj.num_frames, 100)


def test_frames_duration_is_exact(tmp_path, tiny_dcgan):
    traj, _ = plan(tmp_path, tiny_dcgan, "path: {keyframes: [1, 2, 3], duration: 101f, loop: true}")
    assert traj.num_frames == 101


def test_seeds_are_cpu_draws_and_default_to_base_plus_index(tmp_path, tiny_dcgan):
    traj, gen = plan(tmp_path, tiny_dcgan, "seed: 40\npath: {keyframes: [{seed: 5}, {hold: 0.1}], transition: 1}")
    latents = traj.latents()
    g = torch.Generator().manual_seed(5)
    assert torch.equal(latents[0], torch.randn(100, generator=g))
    assert torch.equal(latents[-1], gen.seed_latent(41))  # keyframe 1 without a seed: 40 + 1


@pytest.mark.parametrize("interpolation", ["lerp", "slerp", "spline"])
def test_loop_has_no_seam_and_no_repeated_frame(tmp_path, tiny_dcgan, interpolation):
    traj, _ = plan(tmp_path, tiny_dcgan, f"path: {{keyframes: [1, 2, 3, 4], loop: true, duration: 4, interpolation: {interpolation}}}")
    z = traj.latents()
    steps = (z[1:] - z[:-1]).norm(dim=1)
    seam = (z[0] - z[-1]).norm()
    assert not torch.allclose(z[0], z[-1])
    assert 0.5 < float(seam / steps.median()) < 1.5
    assert float(steps.max() / steps.median()) < 2.0


def test_slerp_keeps_norms_and_lerp_does_not(tmp_path, tiny_dcgan):
    body = "path: {keyframes: [3, 14], duration: 2}"
    slerp, _ = plan(tmp_path, tiny_dcgan, body)
    lerp, _ = plan(tmp_path, tiny_dcgan, body, ["path.interpolation=lerp"])
    ends = slerp.latents()[[0, -1]].norm(dim=1)
    mid = slerp.num_frames // 2
    assert float(slerp.latents()[mid].norm()) >= float(ends.min()) - 1e-4
    assert float(lerp.latents()[mid].norm()) < 0.85 * float(ends.min())


def test_vector_keyframes(tmp_path, tiny_dcgan):
    vec = np.linspace(-1, 1, 100, dtype=np.float32)
    np.save(tmp_path / "v.npy", vec)
    traj, _ = plan(tmp_path, tiny_dcgan, "path: {keyframes: [{vector: v.npy}, 2], duration: 1}")
    assert np.allclose(traj.latents()[0].numpy(), vec)


def test_vector_of_wrong_shape_names_field(tmp_path, tiny_dcgan):
    np.save(tmp_path / "v.npy", np.zeros(7, np.float32))
    with pytest.raises(ConfigError, match=r"path\.keyframes\.0\.vector: .*v\.npy.*100 floats"):
        plan(tmp_path, tiny_dcgan, "path: {keyframes: [{vector: v.npy}, 2]}")


def test_conditional_classes_become_soft_labels(tmp_path, tiny_cdcgan):
    traj, gen = plan(tmp_path, tiny_cdcgan, "path: {keyframes: [{seed: 1, class: class_0}, {seed: 1, class: 2}], duration: 11f}")
    labels = traj.labels()
    assert gen.info.class_names == ("class_0", "class_1", "class_2")
    assert torch.equal(labels[0], torch.tensor([1.0, 0, 0])) and torch.equal(labels[-1], torch.tensor([0, 0, 1.0]))
    assert torch.allclose(labels.sum(dim=1), torch.ones(11))
    assert 0.4 < float(labels[5, 0]) < 0.6


def test_conditional_needs_class(tmp_path, tiny_cdcgan):
    with pytest.raises(ConfigError, match=r"path\.keyframes\.0: .*conditional.*class_0, class_1, class_2"):
        plan(tmp_path, tiny_cdcgan, "path: {keyframes: [1, 2]}")


def test_unknown_class_names_field(tmp_path, tiny_cdcgan):
    with pytest.raises(ConfigError, match=r"path\.keyframes\.1\.class: unknown class 'purple'"):
        plan(tmp_path, tiny_cdcgan, "class: 0\npath: {keyframes: [1, {seed: 2, class: purple}]}")


def test_class_on_unconditional_model(tmp_path, tiny_dcgan):
    with pytest.raises(ConfigError, match="not conditional"):
        plan(tmp_path, tiny_dcgan, "class: 1\npath: {keyframes: [1, 2]}")


def test_holds_repeat_the_keyframe(tmp_path, tiny_dcgan):
    traj, gen = plan(tmp_path, tiny_dcgan, "fps: 10\npath: {keyframes: [{seed: 1, hold: 5f}, 2], transition: 1}")
    z = traj.latents()
    assert traj.num_frames == 15
    for i in range(5):
        assert torch.equal(z[i], gen.seed_latent(1))
    assert not torch.equal(z[5], z[0])


def test_timing_conflicts_are_errors(tmp_path, tiny_dcgan):
    with pytest.raises(ConfigError, match="path: .*holds"):
        plan(tmp_path, tiny_dcgan, "path: {keyframes: [1, 2], duration: 1, hold: 2}")
    with pytest.raises(ConfigError, match="path: .*last keyframe"):
        plan(tmp_path, tiny_dcgan, "path: {keyframes: [1, {seed: 2, duration: 1}]}")
    with pytest.raises(ConfigError, match="path: .*at least 2 keyframes"):
        plan(tmp_path, tiny_dcgan, "path: {keyframes: [1], loop: true}")


def test_truncation_per_frame(tmp_path, tiny_dcgan):
    traj, _ = plan(tmp_path, tiny_dcgan, "truncation: 0.7\npath: {keyframes: [1, 2], duration: 9f}")
    assert torch.allclose(traj.truncation(), torch.full((9,), 0.7))
