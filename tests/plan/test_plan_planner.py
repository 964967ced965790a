"""Planning: path files + a model -> trajectories with exact counts and seam-free loops."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import odyssey

from odyssey.adapters import load_generator
from odyssey.config import load_config
from odyssey.errors import ConfigError
from odyssey.plan.planner import plan_trajectory
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


# --- the motion library: legs, targets, truncation, diagnostics -------------------------------

import json  # noqa: E402
import math  # noqa: E402

from typer.testing import CliRunner  # noqa: E402

from odyssey.api import load_job, summarize  # noqa: E402
from odyssey.cli import app  # noqa: E402
from odyssey.plan.measure import measure_path  # noqa: E402
from odyssey.paths import Motion, diagnose  # noqa: E402

TYPICAL = [1, 6, 12, 19]  # seeds whose latents have norms within 1% of sqrt(100)
ORIGIN, AXES = 37, "[41, 46]"
LOOPS = {
    "keyframes-lerp": f"{{type: keyframes, keyframes: {TYPICAL}, interpolation: lerp}}",
    "keyframes-slerp": f"{{type: keyframes, keyframes: {TYPICAL}, interpolation: slerp}}",
    "keyframes-spline": f"{{type: keyframes, keyframes: {TYPICAL}, interpolation: spline}}",
    "keyframes-spherical": f"{{type: keyframes, keyframes: {TYPICAL}, interpolation: spherical}}",
    "walk": "{type: walk, correlation: 0.6}",
    "noise-loop": "{type: noise-loop, harmonics: 3}",
    "circle": f"{{type: circle, origin: {ORIGIN}, axes: {AXES}, radius: 0.4}}",
    "lissajous": f"{{type: lissajous, origin: {ORIGIN}, axes: {AXES}}}",
    "polyline": f"{{type: polyline, origin: {ORIGIN}, axes: {AXES}, file: pts.json}}",
    "direction": f"{{type: direction, origin: {ORIGIN}, direction: v.npy, mode: ping-pong}}",
}
OPEN = {
    "walk": "{type: walk, correlation: 0.6}",
    "direction": f"{{type: direction, origin: {ORIGIN}, direction: v.npy, amount: 3}}",
    "polyline": f"{{type: polyline, origin: {ORIGIN}, axes: {AXES}, file: pts.json, closed: false}}",
}


@pytest.fixture
def motion_files(tmp_path):
    (tmp_path / "pts.json").write_text(json.dumps([[0, 0], [120, 40], [200, 160], [90, 210], [-20, 120]]))
    np.save(tmp_path / "v.npy", np.random.default_rng(0).standard_normal(100).astype(np.float32))
    return tmp_path


def plan_legs(tmp_path, model, legs, *, loop, speed="natural", seconds=6, fps=30, extra=""):
    body = f"fps: {fps}\n{extra}path:\n  loop: {str(loop).lower()}\n  speed: {speed}\n  duration: {seconds}\n  legs:\n" + "".join(f"    - {leg}\n" for leg in legs)
    return plan(tmp_path, model, body)[0]


def diagnostics(traj):
    return diagnose(Motion.of(traj.path_latents().numpy()), traj.loop, True, traj.leg_ranges(), traj.leg_kinds)


@pytest.mark.parametrize("kind", sorted(LOOPS))
def test_every_loop_type_has_no_seam_at_constant_speed(motion_files, tiny_dcgan, kind):
    traj = plan_legs(motion_files, tiny_dcgan, [LOOPS[kind]], loop=True, speed="constant")
    whole = diagnostics(traj)["path"]
    assert traj.num_frames == 180
    assert abs(whole["seam_ratio"] - 1) < 0.02, whole["seam_ratio"]
    assert not whole["seam_duplicate"]
    z = traj.path_latents()
    assert not any(torch.equal(z[i], z[i + 1]) for i in range(len(z) - 1))  # no duplicated frame anywhere


@pytest.mark.parametrize("kind", ["keyframes-spline", "keyframes-spherical", "walk", "noise-loop", "circle", "lissajous", "polyline", "direction"])
def test_smooth_loops_have_no_seam_at_natural_speed(motion_files, tiny_dcgan, kind):
    traj = plan_legs(motion_files, tiny_dcgan, [LOOPS[kind]], loop=True, fps=60)
    assert abs(diagnostics(traj)["path"]["seam_ratio_local"] - 1) < 0.02


@pytest.mark.parametrize("kind", ["keyframes-spline", "keyframes-spherical", "walk", "noise-loop", "circle", "lissajous", "polyline"])
def test_constant_speed_legs_have_speed_cv_under_2_percent(motion_files, tiny_dcgan, kind):
    traj = plan_legs(motion_files, tiny_dcgan, [LOOPS[kind]], loop=True, speed="constant")
    assert diagnostics(traj)["path"]["speed_cv"] < 0.02


@pytest.mark.parametrize("kind", sorted(OPEN))
def test_open_legs_at_constant_speed(motion_files, tiny_dcgan, kind):
    traj = plan_legs(motion_files, tiny_dcgan, [OPEN[kind]], loop=False, speed="constant")
    assert diagnostics(traj)["path"]["speed_cv"] < 0.02


@pytest.mark.parametrize(
    "legs",
    [
        [LOOPS["keyframes-slerp"]], [LOOPS["keyframes-spherical"]], [LOOPS["walk"]], [LOOPS["noise-loop"]], [LOOPS["circle"]],
        [LOOPS["lissajous"]], [LOOPS["polyline"]], [LOOPS["direction"]], [OPEN["walk"]], [OPEN["direction"]],
        [f"{{type: keyframes, keyframes: {TYPICAL[:2]}, interpolation: spherical}}", "{type: hold, duration: 0.5}", "{type: walk}",
         f"{{type: circle, axes: {AXES}}}", "{type: noise-loop}", "{type: direction, direction: v.npy}", "{type: keyframes, keyframes: [49]}"],
    ],
    ids=["slerp", "spherical", "walk-loop", "noise-loop", "circle", "lissajous", "polyline", "ping-pong", "walk", "direction", "tour"],
)
def test_z_paths_stay_on_the_typical_shell(motion_files, tiny_dcgan, legs):
    loop = legs[0] != OPEN["walk"] and legs[0] != OPEN["direction"]
    traj = plan_legs(motion_files, tiny_dcgan, legs, loop=loop, seconds=10)
    norms = traj.path_latents().norm(dim=1)
    assert abs(float(norms.mean()) / 10 - 1) < 0.02
    assert float(norms.min()) >= 0.9 * 10


def test_euclidean_interpolations_wash_out_between_keys(motion_files, tiny_dcgan):
    for kind in ("keyframes-lerp", "keyframes-spline"):
        norms = plan_legs(motion_files, tiny_dcgan, [LOOPS[kind]], loop=True).path_latents().norm(dim=1)
        assert float(norms.min()) < 0.9 * 10, kind  # why slerp and spherical exist


@pytest.mark.parametrize("seconds, fps", [(1.0, 30), (2.5, 24), (0.35, 29.97), (4.1, 7.5)])
def test_composed_paths_have_exact_frame_counts(tmp_path, tiny_dcgan, seconds, fps):
    legs = ["{type: keyframes, keyframes: [1, 2]}", "{type: hold}", "{type: walk}", "{type: noise-loop, duration: 0.2}"]
    traj = plan_legs(tmp_path, tiny_dcgan, legs, loop=False, seconds=seconds, fps=fps)
    assert traj.num_frames == int(np.floor(seconds * fps + 0.5))


def test_composed_paths_split_anywhere_and_repeat_from_their_seeds(motion_files, tiny_dcgan):
    legs = [LOOPS["keyframes-spherical"], "{type: walk, duration: 1}", LOOPS["circle"].replace(f"origin: {ORIGIN}, ", ""), "{type: keyframes, keyframes: [2]}"]
    traj = plan_legs(motion_files, tiny_dcgan, legs, loop=True, seconds=5)
    again = plan_legs(motion_files, tiny_dcgan, legs, loop=True, seconds=5)
    z = traj.latents()
    assert torch.equal(z, again.latents())
    assert torch.equal(torch.cat([traj.latents(0, 13), traj.latents(13, 14), traj.latents(14, traj.num_frames)]), z)
    other = plan_legs(motion_files, tiny_dcgan, [legs[0], "{type: walk, duration: 1, seed: 99}"] + legs[2:], loop=True, seconds=5)
    assert not torch.equal(other.latents(), z)
    d = diagnostics(traj)
    assert all(leg["join_step"] > 0 and not leg["join_duplicate"] for leg in d["legs"][1:])


def test_legs_share_the_path_duration(tmp_path, tiny_dcgan):
    traj = plan_legs(tmp_path, tiny_dcgan, ["{type: keyframes, keyframes: [1, 2]}", "{type: walk, duration: 2}", "{type: hold}"], loop=False, seconds=6)
    (a0, b0), (a1, b1), (a2, b2) = traj.leg_ranges()
    assert traj.num_frames == 180 and b1 - a1 == 60 and abs((b0 - a0) - (b2 - a2)) <= 1


@pytest.mark.parametrize(
    "body, message",
    [
        ("path: {legs: [{type: walk}]}", r"path\.legs\.0\.duration: give this walk leg a duration"),
        ("path: {legs: [{type: hold, duration: 1}, {type: walk, duration: 1, origin: 3}]}", r"path\.legs\.1\.origin: only the first leg"),
        ("path: {loop: true, legs: [{type: keyframes, keyframes: [1]}, {type: walk, duration: 1}]}", r"path\.loop: a looping path must end where it starts"),
        ("path: {duration: 2, legs: [{type: walk, duration: 1}, {type: hold, duration: 3}]}", r"path\.duration: the path lasts 2 s"),
        ("truncation: {cutoff: 4}\npath: {keyframes: [1, 2]}", r"truncation\.cutoff: model .* has no w space"),
        ("path: {legs: [{type: polyline, file: none.csv, duration: 1}]}", r"path\.legs\.0\.file: no such file"),
        ("path: {legs: [{type: direction, direction: none.npy, duration: 1}]}", r"path\.legs\.0\.direction: no such file"),
    ],
)
def test_leg_errors_name_the_field(tmp_path, tiny_dcgan, body, message):
    with pytest.raises(ConfigError, match=message):
        plan(tmp_path, tiny_dcgan, body)


def test_conditional_labels_continue_through_legs(tmp_path, tiny_cdcgan):
    body = "path: {legs: [{type: keyframes, keyframes: [{seed: 1, class: 0}]}, {type: walk, duration: 1}, {type: keyframes, keyframes: [{seed: 2, class: 2}]}]}"
    traj, _ = plan(tmp_path, tiny_cdcgan, body)
    labels = traj.labels()
    (a1, b1), (a2, _) = traj.leg_ranges()[1:]
    assert torch.equal(labels[a1], torch.tensor([1.0, 0, 0])) and torch.equal(labels[b1 - 1], torch.tensor([1.0, 0, 0]))
    assert torch.equal(labels[-1], torch.tensor([0, 0, 1.0]))
    with pytest.raises(ConfigError, match=r"path\.legs\.0\.origin: model .* is conditional"):
        plan(tmp_path, tiny_cdcgan, "path: {legs: [{type: walk, duration: 1}]}")


def test_truncation_curve_centre_and_constant(tmp_path, tiny_dcgan):
    traj, gen = plan(tmp_path, tiny_dcgan, "fps: 10\ntruncation: {psi: [[0, 1.0], [1, 0.5], [2, 1.0]]}\npath: {keyframes: [1, 2], loop: true, duration: 2}")
    psi = traj.truncation()
    assert psi.shape == (20,) and float(psi[0]) == 1.0 and float(psi[10]) == pytest.approx(0.5) and float(psi.min()) >= 0.5 - 1e-6
    assert abs(float(psi[-1]) - float(psi[0])) < abs(float(psi[1]) - float(psi[0])) + 1e-6  # the loop's psi has no seam
    centred, _ = plan(tmp_path, tiny_dcgan, "truncation: {psi: 0.5, centre: 7}\npath: {keyframes: [1, 2], duration: 5f}")
    c = gen.seed_latent(7)
    raw = centred.path_latents()
    assert torch.allclose(centred.latents(), c + 0.5 * (raw - c), atol=1e-6)
    assert torch.equal(centred.truncation(), torch.ones(5)) and torch.allclose(centred.psi_values(), torch.full((5,), 0.5))


def test_pca_directions_are_computed_once_and_cached(tmp_path, tiny_dcgan, tiny_cdcgan, monkeypatch):
    from odyssey.plan import directions

    monkeypatch.setenv("ODYSSEY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(directions, "PCA_SAMPLES", 256)  # tiny models: fewer samples keep the test quick
    body = "path: {legs: [{type: direction, origin: 37, direction: 'pca:1', amount: 2, duration: 1}]}"
    first, gen = plan(tmp_path, tiny_dcgan, body)
    files = list((tmp_path / "cache").glob("pca-*.npz"))
    assert len(files) == 1
    monkeypatch.setattr(directions, "compute_pca", lambda *a, **k: pytest.fail("recomputed despite the cache"))
    assert torch.equal(plan(tmp_path, tiny_dcgan, body)[0].latents(), first.latents())
    d, _ = directions.pca_directions(gen, 2)
    assert np.allclose(np.linalg.norm(d, axis=1), 1) and abs(float(d[0] @ d[1])) < 0.5
    with pytest.raises(ConfigError, match=r"pca:300 is too high"):
        plan(tmp_path, tiny_dcgan, body.replace("pca:1", "pca:300"))
    monkeypatch.undo()
    monkeypatch.setenv("ODYSSEY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(directions, "PCA_SAMPLES", 256)
    plan(tmp_path, tiny_cdcgan, "class: 0\n" + body)
    assert len(list((tmp_path / "cache").glob("pca-*.npz"))) == 2  # keyed by model


def test_uniform_image_speed_evens_out_the_picture(tmp_path, tiny_dcgan):
    legs = [f"{{type: keyframes, keyframes: {TYPICAL}, interpolation: spherical}}"]
    cvs = {}
    for speed in ("natural", "uniform-image"):
        traj = plan_legs(tmp_path, tiny_dcgan, legs, loop=True, speed=speed, seconds=4)
        job_like = load_generator(str(tiny_dcgan))
        steps = measure_path(traj, job_like).image_steps
        cvs[speed] = float(steps.std() / steps.mean())
    assert cvs["uniform-image"] < 0.5 * cvs["natural"], cvs


def test_check_reports_diagnostics_and_draws_the_plot(motion_files, tiny_dcgan):
    path = write_path_file(motion_files, tiny_dcgan, f"fps: 12\npath: {{loop: true, duration: 4, legs: [{LOOPS['walk']}]}}")
    runner = CliRunner()
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    diag = json.loads(result.stdout)["diagnostics"]
    assert diag["legs"][0]["type"] == "walk" and diag["legs"][0]["frames"] == 48
    for key in ("mean_step", "max_step", "speed_cv", "seam_ratio", "norm_mean_ratio", "norm_min_ratio"):
        assert key in diag["path"]
    plot = motion_files / "plot.png"
    result = runner.invoke(app, ["check", str(path), "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert "seam ratio" in result.stdout and plot.is_file()
    from PIL import Image

    with Image.open(plot) as image:
        low, high = image.convert("L").getextrema()
        assert image.size[0] > 600 and high - low > 100
    summary = summarize(load_job(path, check_output=False))
    assert summary["legs"] == [{"type": "walk", "frames": [0, 48]}] and math.isclose(summary["seconds"], 4.0)


def test_keyframes_are_named_for_contact_sheets(tmp_path, tiny_dcgan, monkeypatch):
    """Preview tiles of keyframes say which seed (or file) they show; other legs say their type."""
    vector = tmp_path / "z.npy"
    np.save(vector, np.ones(100, np.float32))
    data = {
        "model": str(tiny_dcgan), "seed": 10, "fps": 10,
        "path": {"legs": [{"type": "keyframes", "keyframes": [3, {"vector": str(vector)}, {}], "duration": 2}, {"type": "walk", "duration": 1}]},
    }  # fmt: skip
    job = load_job(data, check_output=False)
    assert job.trajectory.keyframe_names == ["seed 3", "z.npy", "seed 12", "walk"]
    assert len(job.trajectory.keyframe_frames()) == 4
    import odyssey.renderer.preview as preview

    seen: list[list[str]] = []
    real = preview.contact_sheet
    monkeypatch.setattr(preview, "contact_sheet", lambda tiles, labels, columns=None: seen.append(list(labels)) or real(tiles, labels, columns))
    preview.render_preview(odyssey.Renderer(job.generator, job.settings), job.trajectory, tmp_path / "sheet.png", count=2)
    assert seen[0][0] == "#0 seed 3" and any(label.endswith(" z.npy") for label in seen[0])


def test_a_day_long_loop_plans_and_checks_in_bounded_work(tmp_path, tiny_dcgan):
    """24 h at 60 fps: planned lazily (frames are a function of their index), checked on every n-th frame."""
    data = {"model": str(tiny_dcgan), "fps": 60, "path": {"loop": True, "duration": 86400, "interpolation": "spherical", "keyframes": [1, 2, 3]}}
    job = load_job(data, check_output=False)
    assert job.trajectory.num_frames == 5_184_000
    last = job.trajectory.latents(5_183_999, 5_184_000)  # any frame, at once
    assert last.shape == (1, 100)
    day = summarize(job)
    assert day["diagnostics"]["measured_every"] == 5 and day["diagnostics"]["path"]["frames"] == 5_184_000
    short = summarize(load_job({**data, "path": {**data["path"], "duration": 600}}, check_output=False))
    # per-frame steps scale with speed: a 144x longer loop through the same keys moves 144x slower
    assert day["diagnostics"]["path"]["mean_step"] == pytest.approx(short["diagnostics"]["path"]["mean_step"] / 144, rel=0.02)
    assert day["diagnostics"]["path"]["seam_ratio"] == pytest.approx(short["diagnostics"]["path"]["seam_ratio"], rel=0.05)


@pytest.mark.parametrize(("duration", "fps"), [("200000000f", 30), (9_000_000, 60)])
def test_a_film_beyond_the_maximum_is_one_line_naming_the_duration(tmp_path, tiny_dcgan, duration, fps):
    data = {"model": str(tiny_dcgan), "fps": fps, "path": {"keyframes": [1, 2], "duration": duration}}
    with pytest.raises(ConfigError, match=r"path\.duration: .*(at most|whole number up to) 134217728"):
        load_job(data, check_output=False)
