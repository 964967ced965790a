"""Music in plans: the film's length, keyframes on events, the warp, reactions, their errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from odyssey.adapters import load_generator
from odyssey.api import load_job, summarize
from odyssey.errors import ConfigError
from tests.audio.audio_testkit import RATE, clicks, write_wav
from tests.conftest import write_path_file
from tests.stylegan.stylegan_testkit import write_pickle

BEATS = [0.5 * i for i in range(1, 12)]  # 120 BPM clicks, 0.5 s to 5.5 s, in a 6 s track


@pytest.fixture(scope="module")
def track(tmp_path_factory):
    return write_wav(tmp_path_factory.mktemp("music") / "clicks.wav", clicks(BEATS, 6.0))


def job_of(folder, body: str, model: str = "dcgan-faces"):
    return load_job(write_path_file(folder, model, body), check_output=False)


def test_the_film_lasts_as_long_as_the_excerpt(tmp_path, track):
    job = job_of(tmp_path, f"fps: 12\naudio: {{file: {track}, start: 1.0, duration: 2.55}}\npath: {{keyframes: [1, 2]}}\n")
    traj = job.trajectory
    assert traj.num_frames == 30  # floor(2.55 s x 12 fps): the soundtrack is cut to 30 / 12 s
    assert traj.music.start == 1.0 and traj.music.warp is None and traj.music.envelopes == {}
    summary = summarize(job)
    assert summary["audio"]["seconds"] == 2.55 and summary["audio"]["follows"] == []
    with pytest.raises(ConfigError, match="path.duration: with audio the film lasts as long as the excerpt; remove path.duration"):
        job_of(tmp_path, f"audio: {{file: {track}}}\npath: {{keyframes: [1, 2], duration: 4}}\n")


def test_music_fields_without_a_soundtrack_are_refused(tmp_path):
    for body, field in [
        ("path: {keyframes: [1, 2], at: beats}\n", "path.at"),
        ("path: {keyframes: [1, 2], speed: {follow: onsets}}\n", "path.speed"),
        ("react: {truncation: {follow: rms}}\npath: {keyframes: [1, 2]}\n", "react"),
    ]:
        with pytest.raises(ConfigError, match=rf"{field}: follows music, but the path file has no soundtrack; add audio: {{file: track.wav}}"):
            job_of(tmp_path, body)


@pytest.mark.parametrize("loop", [True, False])
def test_keyframes_land_on_beats_and_repeat_in_order(tmp_path, track, loop):
    job = job_of(tmp_path, f"fps: 10\naudio: {{file: {track}}}\npath: {{keyframes: [3, 17, 42], at: beats, every: 2, loop: {str(loop).lower()}}}\n")
    traj = job.trajectory
    click_frames = [round(t * 10) for t in BEATS]
    events = list(traj.music.event_frames)
    assert len(events) >= 4 and all(b - a in (9, 10, 11) for a, b in zip(events, events[1:]))  # every other beat: 1 s apart
    assert all(min(abs(e - f) for f in click_frames) <= 1 for e in events)  # each on a click
    marks = traj.keyframe_frames()
    assert marks[0] == 0 and marks[1 : 1 + len(events)] == events  # keyframe i shows on event i
    seeds = [int(name.split()[1]) for name in traj.keyframe_names]
    assert seeds == [[3, 17, 42][i % 3] for i in range(len(events) + (1 if loop else 2))]  # cycled in order; one more to end on
    latents = traj.latents()
    first = job.generator.seed_latent(17)
    assert torch.allclose(latents[events[0]], first, atol=1e-5)  # exactly on the keyframe at its beat
    warp = traj.music.warp
    assert np.all(np.diff(warp) >= 0) and warp[0] == 0
    if loop:  # seamless: the step over the seam is an ordinary step
        seam = (latents[0] - latents[-1]).norm()
        steps = (latents[1:] - latents[:-1]).norm(dim=1)
        assert seam <= 2 * steps.max()


def test_speed_follows_the_hits_and_silence_keeps_the_plan(tmp_path, track):
    body = "fps: 10\naudio: {{file: {}}}\npath: {{keyframes: [1, 2, 3], loop: true, speed: {{follow: onsets, amount: 1.0, decay: 0}}}}\n"
    traj = job_of(tmp_path, body.format(track)).trajectory
    pace = np.diff(traj.music.warp)
    on_beats = [round(t * 10) for t in BEATS if round(t * 10) < 59]
    assert np.mean(pace[on_beats]) > 3 * np.median(pace)  # travel jumps on the clicks
    assert traj.music.warp[[0, 20, 40]].tolist() == [0.0, 20.0, 40.0]  # the keyframes keep their frames (anchors)
    silent = write_wav(tmp_path / "silence.wav", np.zeros(6 * RATE))
    quiet = job_of(tmp_path, body.format(silent)).trajectory
    assert np.array_equal(quiet.music.warp, np.arange(60.0))  # a silent track: a flat warp
    plain = job_of(tmp_path, "fps: 10\npath: {keyframes: [1, 2, 3], loop: true, duration: 60f}\n").trajectory
    assert torch.equal(quiet.latents(), plain.latents())


def test_truncation_pulses_and_frames_do_not_depend_on_the_batch(tmp_path, track):
    traj = job_of(tmp_path, f"fps: 10\naudio: {{file: {track}}}\nreact: {{truncation: {{follow: onsets, amount: 0.3}}}}\npath: {{keyframes: [1, 2]}}\n").trajectory
    psi = traj.psi_values().numpy()
    on_beats = [round(t * 10) for t in BEATS]
    assert psi.min() >= 1.0 and psi[on_beats].mean() > 1.2 and np.median(psi) < 1.1
    whole = traj.latents(), traj.truncation()
    parts = [torch.cat([traj.latents(a, min(a + 7, 60)) for a in range(0, 60, 7)]), torch.cat([traj.truncation(a, min(a + 7, 60)) for a in range(0, 60, 7)])]
    assert torch.equal(whole[0], parts[0]) and torch.equal(whole[1], parts[1])
    picked = traj.at([5, 33])
    assert torch.equal(picked[2], whole[1][[5, 33]])


def test_radius_swells_plane_legs_only(tmp_path, track):
    body = f"fps: 10\naudio: {{file: {track}}}\nreact: {{radius: {{follow: onsets, amount: 1.0}}}}\npath: {{loop: true, legs: [{{type: circle, radius: 0.5}}]}}\n"
    traj = job_of(tmp_path, body).trajectory
    centre = traj.path.legs[0].leg.start.position
    plain = job_of(tmp_path, body.replace(f"audio: {{file: {track}}}\nreact: {{radius: {{follow: onsets, amount: 1.0}}}}\n", "").replace("loop: true", "loop: true, duration: 60f")).trajectory
    offsets = np.linalg.norm(traj.latents().double().numpy() - centre, axis=1)
    plain_offsets = np.linalg.norm(plain.latents().double().numpy() - centre, axis=1)
    ratio = offsets[1:] / plain_offsets[1:]  # frame 0 is the circle's start: no offset to scale
    assert np.allclose(ratio, traj.music.radius_gain[1:], rtol=1e-4)
    on_beats = [round(t * 10) for t in BEATS]
    assert traj.music.radius_gain[on_beats].mean() > 1.6 and np.median(traj.music.radius_gain) < 1.4  # swells on hits, decays between
    with pytest.raises(ConfigError, match="react.radius: scales circle, lissajous, polyline and direction legs, and this path has none"):
        job_of(tmp_path, body.replace("legs: [{type: circle, radius: 0.5}]", "keyframes: [1, 2]"))


def test_class_blends_with_chroma_on_conditional_models_only(tmp_path, track, tiny_cdcgan):
    body = f"fps: 10\naudio: {{file: {track}}}\nreact: {{class: {{classes: [2], amount: 0.6}}}}\npath: {{keyframes: [{{seed: 1, class: 0}}, {{seed: 2, class: 1}}]}}\n"
    traj = job_of(tmp_path, body, str(tiny_cdcgan)).trajectory
    labels = traj.labels().numpy()
    assert np.allclose(labels.sum(axis=1), 1.0)
    assert labels[:, 2].max() == pytest.approx(0.6, abs=1e-6)  # every pitch class brings class 2 in
    with pytest.raises(ConfigError, match="react.class: model dcgan-faces is not conditional"):
        job_of(tmp_path, body.replace("[{seed: 1, class: 0}, {seed: 2, class: 1}]", "[1, 2]"))


def test_noise_strength_follows_on_stylegan_only(tmp_path, track):
    pkl, _ = write_pickle(tmp_path / "net.pkl", "sg2-skip")
    body = f"fps: 10\naudio: {{file: {track}}}\nreact: {{noise: {{follow: onsets, amount: 3}}}}\npath: {{keyframes: [1, 2]}}\n"
    traj = job_of(tmp_path, body, str(pkl)).trajectory
    gain = traj.controls()["noise_gain"].numpy()
    assert gain.min() >= 1.0 and gain.max() == pytest.approx(4.0)
    with pytest.raises(ConfigError, match=r"react.noise: model dcgan-faces \(dcgan\) has no noise inputs to pulse"):
        job_of(tmp_path, body, "dcgan-faces")


@pytest.mark.parametrize("variant", ["sg2-skip", "sg2-resnet"])
def test_noise_gain_scales_each_frames_noise(tmp_path, variant):
    gen = load_generator(write_pickle(tmp_path / "n.pkl", variant)[0])
    for module in gen.net.modules():
        if hasattr(module, "noise_strength"):
            module.noise_strength.data.fill_(0.7)
    z = torch.stack([gen.seed_latent(1), gen.seed_latent(2)])
    with torch.inference_mode():
        plain = gen.synthesize(z)
        ones = gen.synthesize(z, noise_gain=torch.ones(2))
        mixed = gen.synthesize(z, noise_gain=torch.tensor([1.0, 4.0]))
        alone = gen.synthesize(z[1:], noise_gain=torch.tensor([4.0]))
    assert torch.equal(plain, ones) and torch.equal(mixed[0], plain[0])
    assert not torch.allclose(mixed[1], plain[1], atol=1e-3)
    assert torch.allclose(mixed[1], alone[0], atol=1e-4)  # per frame, whatever the batch (float rounding aside)


def test_check_prints_the_music_and_plots_envelopes_and_warp(tmp_path, track):
    from PIL import Image
    from typer.testing import CliRunner

    from odyssey.cli import app

    path_file = write_path_file(tmp_path, "dcgan-faces", f"fps: 10\naudio: {{file: {track}}}\npath: {{keyframes: [1, 2, 3]}}\n")
    plot = tmp_path / "plot.png"
    result = CliRunner().invoke(app, ["check", str(path_file), "--plot", str(plot), "--set", "path.at=beats", "--set", "path.speed={follow: onsets}"])
    assert result.exit_code == 0, result.output
    line = next(text for text in result.output.splitlines() if text.strip().startswith("audio"))
    assert "clicks.wav from 0 s for 6 s" in line and "BPM" in line and "keyframes on" in line and "follows speed: onsets" in line
    with Image.open(plot) as image:
        assert image.height > 5 * 170  # five panels: the motion's three, the envelopes, the warp
    result = CliRunner().invoke(app, ["check", str(path_file), "--set", "react={noise: {follow: onsets}}"])
    assert result.exit_code != 0 and "react.noise: model dcgan-faces (dcgan) has no noise inputs to pulse" in result.output
    assert "Traceback" not in result.output


def test_the_schema_describes_audio_and_react():
    from odyssey.config import json_schema

    schema = json_schema()
    assert {"audio", "react"} <= set(schema["properties"])
    for name in ("AudioSpec", "ReactSpec", "SpeedFollowSpec", "TruncationReact", "NoiseReact", "RadiusReact", "ClassReact"):
        fields = schema["$defs"][name]["properties"]
        assert all(field.get("description") for field in fields.values()), name


def test_plan_writes_the_warped_latents(tmp_path, track):
    from typer.testing import CliRunner

    from odyssey.cli import app

    body = f"fps: 10\naudio: {{file: {track}}}\npath: {{keyframes: [1, 2, 3], at: beats, speed: {{follow: onsets}}}}\n"
    path_file = write_path_file(tmp_path, "dcgan-faces", body)
    result = CliRunner().invoke(app, ["plan", str(path_file), "--latents", str(tmp_path / "z.npy")])
    assert result.exit_code == 0, result.output
    saved = np.load(tmp_path / "z.npy")
    traj = load_job(path_file, check_output=False).trajectory
    assert saved.shape == (60, 100) and np.array_equal(saved, traj.latents().numpy())
    assert not np.array_equal(saved, traj.path.latents(torch.arange(60)).numpy())  # warped, not the plain path


def test_path_at_errors_name_the_field(tmp_path, track):
    cases = [
        ("path: {at: beats, legs: [{type: circle, duration: 2}]}", r"path.at: places the keyframes of path.keyframes \(or of a path of one keyframes leg\) on musical events"),
        ("path: {at: beats, keyframes: [1, {seed: 2, duration: 1}]}", "path.keyframes.1.duration: with path.at the music times the moves; remove the duration"),
        ("path: {at: [1.0, 7.5], keyframes: [1, 2]}", r"path.at.1: 7.5 s is past the end of the soundtrack \(6.000 s\)"),
        ("path: {at: [2.0, 1.0], keyframes: [1, 2]}", "path.at: list the times in order, earliest first"),
    ]
    for path, message in cases:
        with pytest.raises(ConfigError, match=message):
            job_of(tmp_path, f"fps: 10\naudio: {{file: {track}}}\n{path}\n")
    traj = job_of(tmp_path, f"fps: 10\naudio: {{file: {track}}}\npath: {{at: [1.0, 3.0], keyframes: [1, 2]}}\n").trajectory
    assert traj.music.event_frames == (10, 30) and traj.keyframe_frames() == [0, 10, 30, 59]
    as_leg = job_of(tmp_path, f"fps: 10\naudio: {{file: {track}}}\npath: {{at: [1.0, 3.0], legs: [{{type: keyframes, keyframes: [1, 2]}}]}}\n").trajectory
    assert torch.equal(as_leg.latents(), traj.latents())  # one keyframes leg is the same path (the studio writes it so)
