"""ProGAN from NVIDIA's TF pickles: the network, its TF mapping, seeds, truncation, native form."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from odyssey.adapters import load_generator
from odyssey.adapters.equalized import Conv2d, upscale2d
from odyssey.adapters.tfpickle import progan_tf
from odyssey.models.checkpoint import write_native
from odyssey.adapters.convert import native_metadata
from tfv1_testkit import progan_record

# NVIDIA's original G_paper (tkarras/progressive_growing_of_gans @ 2504c3f, run under TF 2.21's
# tf.compat.v1, see docs/models/stylegan1-progan.md) on the records below, z = RandomState(s).randn
# for s = 0, 1, 2: per-image means and image 0's first four pixels of channel 0, row 0.
GOLDEN = {
    "plain": ({}, [0.28150245547294617, 0.2403460294008255, 0.07794003933668137], [-0.7557573914527893, -0.2637236714363098, 0.04343961179256439, -0.2197129726409912]),
    "conditional-unfused-lod": (dict(label_size=3, fused_scale=False, lod=0.5, seed=3), [0.1889704018831253, 0.06879550963640213, 0.14161257445812225], [0.7908878326416016, 0.7158403396606445, -0.18381035327911377, 0.315382719039917]),
}


def _labels(n: int, classes: int) -> torch.Tensor | None:
    return F.one_hot(torch.arange(n) % classes, classes).float() if classes else None


@pytest.mark.parametrize("case", list(GOLDEN))
def test_outputs_equal_nvidias_original_code(case: str) -> None:
    kwargs, means, corner = GOLDEN[case]
    gen = progan_tf.from_tf(progan_record(**kwargs), "net.pkl")
    z = torch.stack([gen.seed_latent(s) for s in range(3)])
    with torch.no_grad():
        img = gen.net(z, _labels(3, gen.info.num_classes))  # raw network output, unclamped
    torch.testing.assert_close(img.mean(dim=(1, 2, 3)), torch.tensor(means), atol=1e-4, rtol=0)
    torch.testing.assert_close(img[0, 0, 0, :4], torch.tensor(corner), atol=1e-4, rtol=0)


def test_architecture_is_inferred_from_kwargs_and_shapes() -> None:
    gen = progan_tf.from_tf(progan_record(resolution=32, num_channels=1, fmap_base=128, fmap_max=32), "celeba.pkl")
    info = gen.info
    assert info.family == "progan" and info.resolution == (32, 32) and info.channels == 1
    assert info.latent_shape == (32,)  # latent_size None -> nf(0) = min(fmap_base, fmap_max)
    assert info.name == "celeba" and info.output_range == (-1.0, 1.0) and not info.conditional
    assert [k for k in gen.net.blocks] == ["b4", "b8", "b16", "b32"]
    out = gen.synthesize(torch.stack([gen.seed_latent(s) for s in range(2)]))
    assert out.shape == (2, 1, 32, 32) and out.abs().max() <= 1


def test_seeds_are_nvidias_randomstate_draws() -> None:
    gen = progan_tf.from_tf(progan_record(), "net.pkl")
    want = np.random.RandomState(1000).randn(1, 16)[0].astype(np.float32)  # generate_fake_images(random_seed=1000)'s first z
    assert np.array_equal(gen.seed_latent(1000).numpy(), want)


def test_truncation_moves_the_normalised_input_toward_that_of_z_zero() -> None:
    gen = progan_tf.from_tf(progan_record(), "net.pkl")
    z = torch.stack([gen.seed_latent(s) for s in range(3)])
    full = gen.synthesize(z)
    assert torch.equal(gen.synthesize(z, truncation=torch.ones(3)), full)
    mean = gen.synthesize(z, truncation=torch.zeros(3))
    assert torch.allclose(mean, mean[:1].expand_as(mean), atol=1e-6)
    half = gen.synthesize(z, truncation=torch.full((3,), 0.5))
    assert (half - full).abs().max() > 1e-3 and (half - mean).abs().max() > 1e-3  # in between, not a step
    # scaling z itself would change nothing: G_paper pixel-normalises it first
    assert torch.allclose(gen.synthesize(0.5 * z), full, atol=1e-5)


def test_conditional_labels_matter_and_truncation_keeps_the_label() -> None:
    gen = progan_tf.from_tf(progan_record(label_size=3, seed=2), "net.pkl")
    z = torch.stack([gen.seed_latent(s) for s in range(3)])
    a, b = _labels(3, 3), _labels(3, 3).roll(1, dims=1)
    assert (gen.synthesize(z, a) - gen.synthesize(z, b)).abs().max() > 1e-3
    same = _labels(1, 3).expand(3, -1)
    flat = gen.synthesize(z, same, truncation=torch.zeros(3))
    assert torch.allclose(flat, flat[:1].expand_as(flat), atol=1e-6)
    with pytest.raises(ValueError, match="conditional"):
        gen.synthesize(z)


def test_fused_upscale_conv_equals_upscale_then_mirrored_conv() -> None:
    torch.manual_seed(0)
    fused = Conv2d(5, 4, 3, up=True)
    plain = Conv2d(5, 4, 3)
    plain.weight.data.copy_(fused.weight.data.flip(2, 3))  # conv2d_transpose applies its kernel mirrored
    x = torch.randn(2, 5, 6, 6)
    torch.testing.assert_close(fused(x), plain(upscale2d(x)), atol=1e-5, rtol=0)


def test_lod_one_renders_the_coarser_image_upscaled() -> None:
    gen = progan_tf.from_tf(progan_record(lod=1.0), "net.pkl")
    with torch.no_grad():
        img = gen.net(gen.seed_latent(0)[None])  # (1, 3, 16, 16), made at 8x8
    assert torch.equal(img, upscale2d(img[:, :, ::2, ::2]))
    assert "mid-training at lod 1" in gen.info.description


def test_native_form_round_trip_is_bit_identical(tmp_path) -> None:
    from pathlib import Path

    gen = progan_tf.from_tf(progan_record(label_size=2, lod=0.25), "net.pkl")
    form = gen.native_form()
    target = tmp_path / "progan.safetensors"
    source = tmp_path / "net.pkl"
    source.write_bytes(b"stand-in for the original")
    write_native(target, form.state_dict, native_metadata(gen.info, form.architecture, form.kwargs, Path(source)))
    again = load_generator(target)
    z = torch.stack([gen.seed_latent(s) for s in range(2)])
    labels = _labels(2, 2)
    assert again.info.family == "progan" and again.native_form().kwargs == form.kwargs
    assert torch.equal(again.synthesize(z, labels, torch.tensor([1.0, 0.6])), gen.synthesize(z, labels, torch.tensor([1.0, 0.6])))
