"""StyleGAN pickles through the registry: loading, spaces, truncation, noise, transforms, convert."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from odyssey import api
from odyssey.adapters import describe, load_generator
from odyssey.cli import app
from odyssey.errors import CheckpointError, ConfigError
from odyssey.models.base import StyleSettings
from odyssey.paths import input_transforms
from persistence_standin import persistent
from stylegan_testkit import VARIANTS, build, nvidia_like, write_pickle
from tests.conftest import REPO

runner = CliRunner()


def _z(gen, seeds=(1, 2, 3)) -> torch.Tensor:
    return torch.stack([gen.seed_latent(s) for s in seeds])  # (N, z_dim)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_pickle_loads_and_matches_the_network(tmp_path: Path, variant: str) -> None:
    path, net = write_pickle(tmp_path / "net.pkl", variant, c_dim=3 if variant in ("sg2-skip", "sg3-r") else 0)
    assert describe(path)["adapter"] == "stylegan"
    gen = load_generator(path)
    assert gen.info.family == ("stylegan3" if variant.startswith("sg3") else "stylegan2")
    assert gen.info.latent_shape == (16,) and gen.info.resolution == (16, 16)
    z = _z(gen)
    labels = torch.eye(3)[[0, 1, 2]] if gen.info.conditional else None
    with torch.no_grad():
        ws = net.mapping(z, labels, truncation_psi=0.7)
        expected = net.synthesis(ws, noise_mode="const") if variant.startswith("sg2") else net.synthesis(ws)
        got = gen.synthesize(z, labels, torch.full((3,), 0.7))
    torch.testing.assert_close(got, expected.clamp(-1, 1), atol=1e-5, rtol=0)  # truncation: c + psi (w - c) vs lerp


def test_seeds_follow_nvidia_convention(tmp_path: Path) -> None:
    gen = load_generator(write_pickle(tmp_path / "n.pkl", "sg2-skip")[0])
    expected = np.random.RandomState(42).randn(16).astype(np.float32)
    assert torch.equal(gen.seed_latent(42), torch.from_numpy(expected))


@pytest.mark.parametrize("variant", ["sg2-skip", "sg3-t"])
def test_w_and_w_plus_show_the_same_pictures_as_z(tmp_path: Path, variant: str) -> None:
    gen = load_generator(write_pickle(tmp_path / "n.pkl", variant)[0])
    in_w = gen.in_space(StyleSettings(space="w"))
    in_wp = gen.in_space(StyleSettings(space="w+"))
    assert in_w.info.latent_shape == (16,) and in_wp.info.latent_shape == (gen.num_ws, 16)
    with torch.no_grad():
        from_z = gen.synthesize(_z(gen))
        w = torch.stack([in_w.seed_latent(s) for s in (1, 2, 3)])
        wp = torch.stack([in_wp.seed_latent(s) for s in (1, 2, 3)])
        torch.testing.assert_close(in_w.synthesize(w), from_z, atol=1e-5, rtol=0)
        torch.testing.assert_close(in_wp.synthesize(wp), from_z, atol=1e-5, rtol=0)
        torch.testing.assert_close(w, gen.map(_z(gen)), atol=1e-6, rtol=0)


def test_truncation_psi_zero_is_the_centre_and_cutoff_spares_later_layers(tmp_path: Path) -> None:
    gen = load_generator(write_pickle(tmp_path / "n.pkl", "sg2-skip")[0])
    z = _z(gen)
    with torch.no_grad():
        flat = gen.synthesize(z, truncation=torch.zeros(3))
        torch.testing.assert_close(flat, flat[:1].expand_as(flat), atol=1e-6, rtol=0)
        cut = gen.in_space(StyleSettings(cutoff=2))
        ws = cut._truncate(cut._ws(z, None), torch.zeros(3))
        w_avg = gen.net.mapping.w_avg
        torch.testing.assert_close(ws[:, :2], w_avg.expand(3, 2, -1), atol=1e-6, rtol=0)
        torch.testing.assert_close(ws[:, 2:], gen.net.mapping(z, None)[:, 2:], atol=1e-6, rtol=0)
        centred = gen.in_space(StyleSettings(centre=gen.map(_z(gen, (9,)))[0]))
        torch.testing.assert_close(centred.synthesize(z, truncation=torch.zeros(3))[0], gen.synthesize(_z(gen, (9,)))[0], atol=1e-5, rtol=0)


def test_random_noise_is_a_function_of_the_frame(tmp_path: Path) -> None:
    gen = load_generator(write_pickle(tmp_path / "n.pkl", "sg2-skip")[0])
    rand = gen.in_space(StyleSettings(noise="random"))
    z = _z(gen, (1, 1, 1))
    with torch.no_grad():
        whole = rand.synthesize(z, frame=torch.tensor([5, 6, 7]))
        alone = rand.synthesize(z[:1], frame=torch.tensor([6]))
        const = gen.synthesize(z[:1])
        none = gen.in_space(StyleSettings(noise="none")).synthesize(z[:1])
    torch.testing.assert_close(whole[1:2], alone, atol=1e-5, rtol=0)
    assert (whole[0] - whole[1]).abs().max() > 1e-4  # same z, other frame: other noise
    assert (whole[1] - const[0]).abs().max() > 1e-4 and (none - const).abs().max() > 1e-4


def test_stylegan3_transform_and_stabilise(tmp_path: Path) -> None:
    path, net = write_pickle(tmp_path / "n.pkl", "sg3-t")
    gen = load_generator(path)
    z = _z(gen)
    turn = input_transforms(np.full(3, 30.0), np.full(3, 0.1), np.zeros(3))
    with torch.no_grad():
        plain = gen.synthesize(z)
        turned = gen.synthesize(z, transform=turn)
        net.synthesis.input.transform.copy_(turn[0])
        expected = net.synthesis(net.mapping(z, None)).clamp(-1, 1)
        stable = gen.in_space(StyleSettings(stabilise=True)).synthesize(z)
    torch.testing.assert_close(turned, expected, atol=1e-6, rtol=0)
    assert (turned - plain).abs().max() > 1e-3 and (stable - plain).abs().max() > 1e-4


def test_unknown_fork_kwargs_warn_and_load(tmp_path: Path) -> None:
    from persistence_standin import dump_network_pickle

    net, kwargs = build("sg2-skip")
    dump_network_pickle(tmp_path / "fork.pkl", G_ema=persistent(nvidia_like(net), **kwargs, fork_feature=True))
    with pytest.warns(UserWarning, match="fork_feature"):
        gen = load_generator(tmp_path / "fork.pkl")
    assert gen.info.family == "stylegan2"


def test_convert_gives_identical_frames(tmp_path: Path) -> None:
    path, _ = write_pickle(tmp_path / "n.pkl", "sg3-r", c_dim=3)
    result = runner.invoke(app, ["convert", str(path), str(tmp_path / "n.safetensors")])
    assert result.exit_code == 0, result.output
    original, converted = load_generator(path), load_generator(tmp_path / "n.safetensors")
    assert describe(tmp_path / "n.safetensors")["adapter"] == "native"
    z, labels = _z(original), torch.eye(3)
    with torch.no_grad():
        assert torch.equal(original.synthesize(z, labels), converted.synthesize(z, labels))


def test_a_pickle_that_runs_code_is_refused_and_trust_pickle_is_the_way_in(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    bad = tmp_path / "bad.pkl"

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {marker}",))

    bad.write_bytes(pickle.dumps({"G_ema": Evil()}))
    with pytest.raises(CheckpointError, match="system"):
        load_generator(bad, "stylegan")
    assert not marker.exists()
    with pytest.raises(CheckpointError):
        load_generator(bad, "stylegan", {"trust_pickle": True})  # runs it: the user asked; but no network in it
    assert marker.exists()


def test_path_file_in_w_renders(tmp_path: Path) -> None:
    path, _ = write_pickle(tmp_path / "n.pkl", "sg3-t")
    example = REPO / "paths" / "your-models" / "stylegan-w-loop.yaml"
    short = ["--set", f"model={path}", "--set", "fps=4", "--set", "path.duration=2"]
    result = runner.invoke(app, ["check", str(example), "--json", *short])
    assert result.exit_code == 0, result.output
    out = tmp_path / "loop.mp4"
    result = runner.invoke(app, ["render", str(example), "--quiet", "--out", str(out), *short])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


def test_style_fields_on_a_model_without_them_name_the_field(tmp_path: Path) -> None:
    for field, value in (("space", "w"), ("noise", "random"), ("transform.turns", "1")):
        with pytest.raises(ConfigError, match=field.split(".")[0]):
            api.load_job(REPO / "paths" / "faces-loop.yaml", [f"{field}={value}"], tmp_path / "x.mp4")
    path, _ = write_pickle(tmp_path / "n.pkl", "sg2-skip")
    with pytest.raises(ConfigError, match="transform"):
        api.load_job(REPO / "paths" / "your-models" / "stylegan3-turn.yaml", [f"model={path}"], tmp_path / "x.mp4")
    with pytest.raises(ConfigError, match="walk"):
        api.load_job(REPO / "paths" / "walk.yaml", [f"model={path}", "space=w"], tmp_path / "x.mp4")


def test_projected_npz_keyframes(tmp_path: Path) -> None:
    path, _ = write_pickle(tmp_path / "n.pkl", "sg2-skip")
    gen = load_generator(path).in_space(StyleSettings(space="w+"))
    wp = gen.seed_latent(5)  # (num_ws, w_dim)
    np.savez(tmp_path / "projected_w.npz", w=wp[None].numpy())
    (tmp_path / "p.yaml").write_text(
        f"model: {path}\nspace: w+\nfps: 4\npath:\n  interpolation: lerp\n  duration: 1\n  keyframes: [{{vector: projected_w.npz}}, 3]\n"
    )
    job = api.load_job(tmp_path / "p.yaml", (), tmp_path / "x.mp4")
    torch.testing.assert_close(job.trajectory.latents(0, 1)[0], wp, atol=1e-6, rtol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frames = list(api.iter_frames(job.generator, job.trajectory))
    assert sum(len(b) for b in frames) == job.trajectory.num_frames


def test_trust_pickle_loads_a_network_the_safe_reader_refuses(tmp_path: Path) -> None:
    """A plain pickle of a network class (as forks write): refused safely, loaded when trusted."""
    net, _ = build("sg3-t")
    path = tmp_path / "fork.pkl"
    path.write_bytes(pickle.dumps({"G_ema": net}))
    with pytest.raises(CheckpointError, match="odyssey.adapters.stylegan"):
        load_generator(path, "stylegan")
    trusted = load_generator(path, "stylegan", {"trust_pickle": True})
    z = _z(trusted)
    turn = input_transforms(np.full(3, 10.0), np.zeros(3), np.zeros(3))
    with torch.no_grad():
        torch.testing.assert_close(trusted.synthesize(z, transform=turn), net.synthesis(net.mapping(z, None), transform=turn).clamp(-1, 1), atol=1e-5, rtol=0)


def test_the_top_level_class_maps_seed_keyframes_in_w(tmp_path: Path) -> None:
    path, _ = write_pickle(tmp_path / "c.pkl", "sg2-skip", c_dim=3)
    example = REPO / "paths" / "your-models" / "stylegan-w-loop.yaml"

    def latents(*overrides: str) -> np.ndarray:
        job = api.load_job(example, [f"model={path}", "fps=2", "path.duration=5", *overrides], tmp_path / "x.mp4")
        return job.trajectory.latents(0, 3).numpy()

    one, two = latents("class=1"), latents("class=2")
    assert not np.allclose(one, two)  # was: both mapped with class 0
    each = [f"path.keyframes.{i}={{seed: {s}, class: 2}}" for i, s in enumerate([42, 7, 1024, 300, 2026])]
    np.testing.assert_array_equal(two, latents("class=0", *each))  # the same as giving every keyframe class 2


def test_a_conditional_model_in_z_takes_a_truncation_cutoff(tmp_path: Path) -> None:
    path, _ = write_pickle(tmp_path / "c.pkl", "sg2-skip", c_dim=3)
    example = REPO / "paths" / "your-models" / "stylegan-w-loop.yaml"
    job = api.load_job(example, [f"model={path}", "space=z", "class=1", "fps=2", "path.duration=5"], tmp_path / "x.mp4")
    assert job.trajectory.truncation_cutoff == 8
