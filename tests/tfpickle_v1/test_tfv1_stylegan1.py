"""StyleGAN (v1) from NVIDIA's TF pickles: the network, its TF mapping, spaces, noise, truncation, native form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from odyssey.adapters import load_generator
from odyssey.adapters.convert import native_metadata
from odyssey.adapters.stylegan.sg1 import blur_kernel
from odyssey.adapters.tfpickle import sg1_tf
from odyssey.models.base import StyleSettings
from odyssey.models.checkpoint import write_native
from tfv1_testkit import sg1_record

# NVIDIA's original G_style (NVlabs/stylegan @ 1e0d5c7, run under TF 2.21's tf.compat.v1 with
# randomize_noise=False and truncation off, see docs/models/stylegan1-progan.md) on the records
# below, z = RandomState(s).randn for s = 0, 1, 2: per-image means and image 0's first four
# pixels of channel 0, row 0.
GOLDEN = {
    "plain": ({}, [-0.10286551713943481, -0.13631148636341095, -0.20137329399585724], [0.035231590270996094, 0.3852396607398987, 0.33043503761291504, 0.21766503155231476]),
    "conditional-dense-lod": (dict(label_size=3, lod=0.5, seed=5, const_input_layer=False), [-0.06956163793802261, -0.05622410401701927, -0.028716066852211952], [-0.16098611056804657, -0.1322849690914154, -0.31926581263542175, -0.17404675483703613]),
}


def _labels(n: int, classes: int) -> torch.Tensor | None:
    return F.one_hot(torch.arange(n) % classes, classes).float() if classes else None


def _z(gen, n: int = 3) -> torch.Tensor:
    return torch.stack([gen.seed_latent(s) for s in range(n)])


@pytest.mark.parametrize("case", list(GOLDEN))
def test_outputs_equal_nvidias_original_code(case: str) -> None:
    kwargs, means, corner = GOLDEN[case]
    gen = sg1_tf.from_tf(sg1_record(**kwargs), "net.pkl")
    with torch.no_grad():
        img = gen.net.synthesis(gen.net.mapping(_z(gen), _labels(3, gen.info.num_classes)))  # raw, unclamped
    torch.testing.assert_close(img.mean(dim=(1, 2, 3)), torch.tensor(means), atol=1e-4, rtol=0)
    torch.testing.assert_close(img[0, 0, 0, :4], torch.tensor(corner), atol=1e-4, rtol=0)


def test_architecture_and_spaces() -> None:
    gen = sg1_tf.from_tf(sg1_record(resolution=32, num_channels=3), "ffhq.pkl")
    info = gen.info
    assert info.family == "stylegan1" and info.resolution == (32, 32) and info.latent_shape == (16,)
    assert info.extra["num_ws"] == 8 and info.extra["w_dim"] == 16 and info.name == "ffhq"
    assert info.extra["build_function"] == "G_style"
    z = _z(gen, 2)
    image = gen.synthesize(z)
    assert image.shape == (2, 3, 32, 32) and image.abs().max() <= 1
    w_view = gen.in_space(StyleSettings(space="w"))
    w = torch.stack([w_view.seed_latent(s) for s in range(2)])
    assert w.shape == (2, 16)
    torch.testing.assert_close(w, gen.map(z), atol=1e-6, rtol=0)  # seed_latent maps one z at a time
    torch.testing.assert_close(w_view.synthesize(w), image, atol=1e-5, rtol=0)
    plus = gen.in_space(StyleSettings(space="w+"))
    assert torch.equal(plus.synthesize(w[:, None].expand(-1, 8, -1)), w_view.synthesize(w))
    assert type(plus).__name__ == "StyleGAN1Generator" and plus.native_form().architecture == "stylegan1"
    with pytest.raises(ValueError, match="StyleGAN \\(v1\\).*no input transform"):
        gen.in_space(StyleSettings(stabilise=True))


def test_seeds_are_nvidias_randomstate_draws() -> None:
    gen = sg1_tf.from_tf(sg1_record(), "net.pkl")
    want = np.random.RandomState(5).randn(1, 16)[0].astype(np.float32)  # pretrained_example.py's draw for seed 5
    assert np.array_equal(gen.seed_latent(5).numpy(), want)


def test_truncation_uses_dlatent_avg_and_the_cutoff() -> None:
    rec = sg1_record()
    gen = sg1_tf.from_tf(rec, "net.pkl")
    assert np.array_equal(gen.net.mapping.w_avg.numpy(), rec.variables["dlatent_avg"])
    z = _z(gen)
    flat = gen.synthesize(z, truncation=torch.zeros(3))
    assert torch.allclose(flat, flat[:1].expand_as(flat), atol=1e-6)
    cut = gen.in_space(StyleSettings(cutoff=2))
    ws = cut._truncate(cut._ws(z, None), torch.full((3,), 0.5))
    w = gen.net.mapping(z)
    avg = gen.net.mapping.w_avg
    torch.testing.assert_close(ws[:, :2], avg + 0.5 * (w[:, :2] - avg))
    assert torch.equal(ws[:, 2:], w[:, 2:])


def test_noise_modes() -> None:
    gen = sg1_tf.from_tf(sg1_record(), "net.pkl")
    z = _z(gen, 2)
    const = gen.synthesize(z)
    assert torch.equal(const, gen.synthesize(z))
    frames = torch.tensor([3, 4])
    random = gen.in_space(StyleSettings(noise="random"))
    first = random.synthesize(z, frame=frames)
    assert torch.equal(first, random.synthesize(z, frame=frames)) and (first - const).abs().max() > 1e-3
    assert (gen.in_space(StyleSettings(noise="none")).synthesize(z) - const).abs().max() > 1e-3
    quiet = sg1_tf.from_tf(sg1_record(use_noise=False), "net.pkl")
    assert not any("noise" in name for name in quiet.net.state_dict())


def test_conditional_and_fixed_structure() -> None:
    gen = sg1_tf.from_tf(sg1_record(label_size=3, seed=1), "net.pkl")
    z = _z(gen)
    assert (gen.synthesize(z, _labels(3, 3)) - gen.synthesize(z, _labels(3, 3).roll(1, dims=1))).abs().max() > 1e-3
    fixed = sg1_tf.from_tf(sg1_record(structure="fixed", lod=2.0), "net.pkl")  # 'fixed' has one ToRGB and ignores lod
    assert len(fixed.net.synthesis.to_rgb) == 1 and fixed.net.synthesis.lod == 0
    assert fixed.synthesize(_z(fixed, 1)).shape == (1, 3, 16, 16)


def test_blur_kernel_is_normalised_outer_product() -> None:
    k = blur_kernel([1, 2, 1])
    assert torch.equal(k, torch.tensor([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16.0)
    with pytest.raises(ValueError, match="blur_filter"):
        blur_kernel([1, -1])


def test_native_form_round_trip_is_bit_identical(tmp_path: Path) -> None:
    gen = sg1_tf.from_tf(sg1_record(label_size=2, lod=0.3, seed=4), "net.pkl")
    form = gen.native_form()
    source = tmp_path / "net.pkl"
    source.write_bytes(b"stand-in for the original")
    target = tmp_path / "sg1.safetensors"
    write_native(target, form.state_dict, native_metadata(gen.info, form.architecture, form.kwargs, source))
    again = load_generator(target)
    z, labels = _z(gen, 2), _labels(2, 2)
    assert again.info.family == "stylegan1" and type(again).__name__ == "StyleGAN1Generator"
    psi = torch.tensor([1.0, 0.7])
    assert torch.equal(again.synthesize(z, labels, psi), gen.synthesize(z, labels, psi))
