"""TF StyleGAN2 pickles (configs E/F, StyleGAN2-ADA TF, forks) loaded onto odyssey's StyleGAN2.

Golden values: NVIDIA's own converter (``legacy.py``, NVlabs/stylegan2-ada-pytorch
d72cc7d) and its PyTorch generator, run outside the repo on the pickles ``tf_testkit``
writes with ``seed=11``, gave the numbers below (seed 42, class 1 where conditional,
noise const, no truncation); the full comparison is in docs/models/tensorflow-pickles.md.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from odyssey.adapters import describe, load_generator
from odyssey.adapters.tfpickle import loader
from odyssey.api import convert_checkpoint
from odyssey.errors import CheckpointError
from odyssey.models.base import StyleSettings
from tests.tfpickle.tf_testkit import sg2_record, write_tf_pickle

# variant -> (image (1, 3, H, W), [C, H // 2, W - 3] of NVIDIA's raw output, w[:4])
GOLDEN = {
    "config-f": ((16, 16), [1.483134, -1.422386, 0.183346], [-0.090589, -0.197953, -0.152386, 3.573754]),
    "wide": ((16, 32), [0.568477, -0.067321, -1.26606], [0.377575, 0.459457, -0.257078, 0.029067]),
    "ada-conditional": ((16, 16), [-0.198033, 0.810009, -0.305477], [0.955048, 1.507692, 0.146688, 2.894503]),
}


def _pickle(tmp_path: Path, variant: str = "config-f", seed: int = 0, **kwargs) -> Path:
    return write_tf_pickle(tmp_path / f"{variant}.pkl", sg2_record(variant, seed=seed, **kwargs))


@pytest.mark.parametrize("variant", list(GOLDEN))
def test_matches_nvidias_converter(tmp_path: Path, variant: str) -> None:
    size, pixels, w4 = GOLDEN[variant]
    gen = load_generator(_pickle(tmp_path, variant, seed=11))
    label = torch.eye(3)[[1]] if gen.info.conditional else None
    z = gen.seed_latent(42)[None]
    assert torch.equal(z[0], torch.from_numpy(np.random.RandomState(42).randn(1, 16)[0].astype(np.float32)))  # NVIDIA's seeds
    with torch.no_grad():
        raw = gen.net(z, label, noise_mode="const")  # unclamped, as NVIDIA's G returns it
    assert tuple(raw.shape[2:]) == size == gen.info.resolution
    torch.testing.assert_close(raw[0, :, size[0] // 2, size[1] - 3], torch.tensor(pixels), atol=1e-4, rtol=0)
    w = gen.in_space(StyleSettings(space="w")).seed_latent(42, label=1 if label is not None else None)
    torch.testing.assert_close(w[:4], torch.tensor(w4), atol=1e-5, rtol=0)


def test_variables_move_to_nvidias_layout(tmp_path: Path) -> None:
    """Spot checks of the mapping table: transposes, flipped upsampling kernels, style biases + 1."""
    gs = sg2_record("config-f-resnet")
    state = load_generator(write_tf_pickle(tmp_path / "n.pkl", gs)).net.state_dict()
    syn, mapping = gs.components["synthesis"].variables, gs.components["mapping"].variables
    t = torch.from_numpy
    assert torch.equal(state["synthesis.b8.conv0.weight"], t(syn["8x8/Conv0_up/weight"][::-1, ::-1].transpose(3, 2, 0, 1).copy()))
    assert torch.equal(state["synthesis.b8.conv1.weight"], t(syn["8x8/Conv1/weight"].transpose(3, 2, 0, 1).copy()))
    assert torch.equal(state["synthesis.b16.skip.weight"], t(syn["16x16/Skip/weight"][::-1, ::-1].transpose(3, 2, 0, 1).copy()))
    assert torch.equal(state["synthesis.b16.torgb.affine.bias"], t(syn["16x16/ToRGB/mod_bias"] + 1))
    assert torch.equal(state["synthesis.b8.conv0.noise_const"], t(syn["noise1"][0, 0]))
    assert torch.equal(state["synthesis.b8.conv1.noise_const"], t(syn["noise2"][0, 0]))
    assert torch.equal(state["mapping.fc1.weight"], t(mapping["Dense1/weight"].T.copy()))
    assert torch.equal(state["mapping.w_avg"], t(gs.variables["dlatent_avg"]))


@pytest.mark.parametrize("variant", ["config-f", "config-e", "orig", "fork-kwargs", "ada", "wide"])
def test_variants_load_by_contents_and_describe_themselves(tmp_path: Path, variant: str) -> None:
    path = _pickle(tmp_path, variant)
    found = describe(path)
    assert found["adapter"] == "tfpickle" and found["family"] == "stylegan2"
    assert found["extra"]["format"] == "NVIDIA TensorFlow pickle" and len(found["extra"]["build_source_sha256"]) == 64
    assert found["extra"]["build"].startswith("G_main (G_synthesis")
    if variant == "fork-kwargs":
        assert found["extra"]["randomize_noise"] is False and found["extra"]["num_ws"] == 6
    assert describe(path, format="tfpickle")["description"] == found["description"]
    gen = load_generator(path, "tfpickle", {"name": "mine"})
    assert gen.info.name == "mine"


def test_spaces_truncation_and_noise(tmp_path: Path) -> None:
    gen = load_generator(_pickle(tmp_path))
    z = torch.stack([gen.seed_latent(s) for s in (1, 2)])
    base = gen.synthesize(z)
    w_gen = gen.in_space(StyleSettings(space="w+", cutoff=2))
    ws = torch.stack([w_gen.seed_latent(s) for s in (1, 2)])
    assert ws.shape == (2, 6, 16)
    torch.testing.assert_close(w_gen.synthesize(ws), base, atol=1e-5, rtol=0)
    cut = w_gen.synthesize(ws, truncation=torch.zeros(2))  # layers 0-1 at w_avg, the rest free
    assert (cut[0] - cut[1]).abs().max() > 1e-3 and (cut - base).abs().max() > 1e-3
    frames = torch.tensor([5, 6])
    noisy = gen.in_space(StyleSettings(noise="random")).synthesize(z, frame=frames)
    assert (noisy - base).abs().max() > 1e-4
    torch.testing.assert_close(gen.in_space(StyleSettings(noise="random")).synthesize(z, frame=frames), noisy, atol=0, rtol=0)
    assert (gen.in_space(StyleSettings(noise="none")).synthesize(z) - base).abs().max() > 1e-4


@pytest.mark.parametrize("variant", ["config-f-resnet", "wide"])
def test_converts_to_native_with_identical_frames(tmp_path: Path, variant: str) -> None:
    source = _pickle(tmp_path, variant)
    info = convert_checkpoint(source, tmp_path / "native.safetensors")
    native = load_generator(tmp_path / "native.safetensors")
    assert describe(tmp_path / "native.safetensors")["adapter"] == "native" and native.info.resolution == info.resolution
    original = load_generator(source)
    z = torch.stack([original.seed_latent(s) for s in range(3)])
    assert torch.equal(native.synthesize(z, truncation=torch.full((3,), 0.7)), original.synthesize(z, truncation=torch.full((3,), 0.7)))


def test_key_selects_another_network(tmp_path: Path) -> None:
    path = write_tf_pickle(tmp_path / "n.pkl", sg2_record(seed=0), g=sg2_record(seed=5))
    gs, g = load_generator(path), load_generator(path, options={"key": "G"})
    z = gs.seed_latent(0)[None]
    assert (gs.synthesize(z) - g.synthesize(z)).abs().max() > 1e-3
    with pytest.raises(CheckpointError, match=r"has no network 'G_ema'; it holds G, D, Gs"):
        load_generator(path, options={"key": "G_ema"})
    with pytest.raises(CheckpointError, match=r"unknown option 'trust_pickle' for a TensorFlow network pickle"):
        load_generator(path, options={"trust_pickle": True})
    with pytest.raises(CheckpointError, match=r"built by 'D_stylegan2', which odyssey cannot rebuild"):
        load_generator(path, options={"key": "D"})


def test_unknown_kwargs_warn_when_the_weights_fit_and_are_named_when_not(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match=r"ignored build kwargs that no StyleGAN2 code base takes .*: my_flag"):
        load_generator(_pickle(tmp_path, my_flag=3))
    gs = sg2_record(my_width=2)
    gs.components["synthesis"].variables["8x8/Conv1/weight"] = np.zeros((3, 3, 16, 12), np.float32)
    with pytest.raises(CheckpointError, match=r"b8\.conv1\.weight has shape .*build kwargs no StyleGAN2 code base takes: my_width"):
        load_generator(write_tf_pickle(tmp_path / "w.pkl", gs))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NVIDIA's run-time and fork kwargs: no warning
        load_generator(_pickle(tmp_path, "fork-kwargs"))


def _refused(tmp_path: Path, gs, match: str) -> None:
    with pytest.raises(CheckpointError, match=match) as caught:
        load_generator(write_tf_pickle(tmp_path / "bad.pkl", gs))
    assert "\n" not in str(caught.value) and "bad.pkl" in str(caught.value)


def test_what_is_refused_is_named(tmp_path: Path) -> None:
    concat = sg2_record(label_size=3)  # NVlabs/stylegan2's conditional mapping
    concat.components["mapping"].variables = {"LabelConcat/weight": np.ones((3, 16), np.float32), **concat.components["mapping"].variables}
    _refused(tmp_path, concat, "LabelConcat")
    _refused(tmp_path, sg2_record(size=[16, 24], scale_type="fit"), "size=.*scale_type=.*resamples between layers")
    _refused(tmp_path, sg2_record(fmap_decay=0.5), "fmap_decay=0.5")
    _refused(tmp_path, sg2_record(normalize_latents=False), "normalize_latents=False")
    _refused(tmp_path, sg2_record(architecture="dense"), "architecture='dense' is not supported")
    wide = sg2_record("wide")
    wide.static_kwargs["init_res"] = [4, 6]
    _refused(tmp_path, wide, r"init_res=\[4, 6\] disagrees with the stored 4x4 constant \(\[4, 8\]\)")
    growing = sg2_record()
    growing.components["synthesis"].variables["ToRGB_lod1"] = np.ones((1, 1, 16, 3), np.float32)
    _refused(tmp_path, growing, "configs B-D")
    extra = sg2_record()
    extra.components["synthesis"].variables["16x16/Attention/weight"] = np.ones((4, 4), np.float32)
    _refused(tmp_path, extra, "G_synthesis has a TF variable '16x16/Attention/weight'")
    missing = sg2_record()
    del missing.components["synthesis"].variables["16x16/Conv1/bias"]
    _refused(tmp_path, missing, "missing synthesis.b16.conv1.bias")
    other = sg2_record()
    other.components["synthesis"].build_func_name = "G_synthesis_stylegan_revised"
    _refused(tmp_path, other, "built by 'G_synthesis_stylegan_revised'")
    nan = sg2_record()
    nan.variables["dlatent_avg"] = np.full(16, np.nan, np.float32)
    _refused(tmp_path, nan, "NaN")


def test_families_not_written_yet_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(loader.FAMILIES, "G_style", ("odyssey.adapters.tfpickle.no_such_family", "StyleGAN v1"))
    gs = sg2_record()
    gs.build_func_name = "G_style"
    _refused(tmp_path, gs, "StyleGAN v1 TF pickles are not supported yet")
