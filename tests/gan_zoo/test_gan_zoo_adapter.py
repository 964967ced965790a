"""pytorch_GAN_zoo PGAN/DCGAN checkpoints: layout, scale inference, config checks, classes, conversion."""

from __future__ import annotations

import pytest
import torch

from gan_zoo_testkit import dcgan_config, dcgan_state, pgan_config, pgan_state, reference_pgan, save_zoo
from odyssey.adapters import describe, load_generator
from odyssey.api import convert_checkpoint
from odyssey.errors import CheckpointError
from tests.conftest import save_tutorial, tutorial_dcgan

ATTRS = {"Colour": {"order": 1, "values": ["red", "green", "blue"]}, "Kind": {"order": 0, "values": ["dress", "shirt"]}}


def _z(n: int = 3, nz: int = 16) -> torch.Tensor:
    return torch.randn(n, nz, generator=torch.Generator().manual_seed(5))


@pytest.mark.parametrize("depths", [(8,), (16, 8), (16, 8, 8, 4)])
def test_scales_and_widths_are_read_from_the_weights(tmp_path, depths):
    path = save_zoo(tmp_path / "g.pth", pgan_state(depths=depths), pgan_config(depths=depths))
    found = describe(path)
    side = 4 * 2 ** (len(depths) - 1)
    assert found["adapter"] == "gan_zoo" and found["family"] == "gan_zoo-pgan"
    assert found["resolution"] == [side, side] and found["latent_shape"] == [16]
    assert found["extra"]["kwargs"]["depths"] == list(depths)


@pytest.mark.parametrize(("alpha", "loss", "depths"), [(0.0, "WGANGP", (16, 8, 8)), (0.3, "DCGAN", (16, 8, 8)), (0.6, "WGANGP", (16, 8))])
def test_pgan_matches_their_forward_with_alpha_as_stored(tmp_path, alpha, loss, depths):
    net_g, avg_g = pgan_state(depths=depths, seed=1), pgan_state(depths=depths, seed=2)
    path = save_zoo(tmp_path / "g_s2_i1000.pt", net_g, pgan_config(depths=depths, alpha=alpha, lossCriterion=loss), avgG=avg_g)
    gen = load_generator(path)
    z = _z()
    want = reference_pgan(avg_g, z, alpha=alpha, tanh=loss == "DCGAN")  # avgG is the one rendered
    torch.testing.assert_close(gen.net(z), want, atol=1e-4, rtol=0)
    torch.testing.assert_close(gen.synthesize(z), want.clamp(-1, 1), atol=1e-4, rtol=0)
    if alpha:  # the stored alpha matters
        assert (reference_pgan(avg_g, z, alpha=0.0) - gen.net(z)).abs().max() > 1e-3
    other = load_generator(path, options={"network": "netG"})
    torch.testing.assert_close(other.net(z), reference_pgan(net_g, z, alpha=alpha, tanh=loss == "DCGAN"), atol=1e-4, rtol=0)
    assert describe(path, options={"network": "netG"})["extra"]["inferred"]["network"].startswith("netG")


def test_bare_state_dicts_old_key_names_and_dataparallel_prefixes_load(tmp_path):
    state = pgan_state(seed=3)
    old = {k.replace(".module.", "."): v for k, v in pgan_state(seed=3).items()}
    parallel = {"module." + k: v for k, v in state.items()}
    z = _z()
    want = reference_pgan(state, z)
    for name, sd in [("new", state), ("old", old), ("parallel", parallel)]:
        path = tmp_path / f"{name}.pth"
        torch.save(sd, path)
        gen = load_generator(path)
        assert "no config" in gen.info.extra["inferred"]["alpha"]
        torch.testing.assert_close(gen.net(z), want, atol=1e-4, rtol=0)


def test_seed_is_their_noise_after_torch_manual_seed(tmp_path):
    gen = load_generator(save_zoo(tmp_path / "g.pth", pgan_state(), pgan_config()))
    torch.manual_seed(42)
    theirs = torch.randn(1, 16)  # buildNoiseData(1): torch.randn(n, noiseVectorDim) from the global generator
    assert torch.equal(gen.seed_latent(42), theirs[0])


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"depthScale0": 32}, "depthScale0 is 32 but the weights give 16"),
        ({"depthOtherScales": [8]}, "depthOtherScales"),
        ({"noiseVectorDim": 12}, "noiseVectorDim is 12"),
        ({"perChannelNormalization": False}, "cannot run such a generator"),
        ({"alpha": 1.5}, r"alpha is 1.5, not in \[0, 1\]"),
        ({"alpha": "half"}, "alpha is 'half'"),
        ({"equalizedlR": 1}, "equalizedlR is 1"),
        ({"lossCriterion": "Hinge"}, "lossCriterion is 'Hinge'"),
        ({"attribKeysOrder": {"Kind": {"order": 1, "values": ["a"]}}}, "orders must be 0..0"),
    ],
)
def test_a_config_that_disagrees_with_the_weights_is_refused_naming_the_field(tmp_path, fields, match):
    path = save_zoo(tmp_path / "g.pth", pgan_state(), pgan_config(**fields))
    with pytest.raises(CheckpointError, match=match) as info:
        load_generator(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_attribute_combinations_are_the_classes(tmp_path):
    state = pgan_state(dim_latent=16 + 5)
    path = save_zoo(tmp_path / "g.pth", state, pgan_config(dim_latent=16 + 5, noiseVectorDim=16, categoryVectorDim=5, attribKeysOrder=ATTRS))
    gen = load_generator(path)
    assert gen.info.latent_shape == (16,)
    assert gen.info.class_names == ("Kind=dress, Colour=red", "Kind=dress, Colour=green", "Kind=dress, Colour=blue", "Kind=shirt, Colour=red", "Kind=shirt, Colour=green", "Kind=shirt, Colour=blue")
    z = _z(2)
    labels = torch.zeros(2, 6)
    labels[0, 4] = labels[1, 2] = 1.0  # shirt+green, dress+blue
    blocks = torch.tensor([[0.0, 1, 0, 1, 0], [1, 0, 0, 0, 1]])  # Kind block first (order 0), then Colour
    torch.testing.assert_close(gen.synthesize(z, labels), reference_pgan(state, torch.cat([z, blocks], 1)).clamp(-1, 1), atol=1e-4, rtol=0)
    one = {"Colour": {"order": 0, "values": ["red", "green", "blue"]}}
    single = save_zoo(tmp_path / "one.pth", pgan_state(dim_latent=19), pgan_config(dim_latent=19, noiseVectorDim=16, categoryVectorDim=3, attribKeysOrder=one))
    assert load_generator(single).info.class_names == ("red", "green", "blue")


def test_dcgan_loads_with_batchnorm_in_eval_mode(tmp_path):
    state = dcgan_state(depth=2)
    path = save_zoo(tmp_path / "dcgan.pth", state, dcgan_config(depth=2), avgG=state)
    gen = load_generator(path)
    info = describe(path)
    assert info["adapter"] == "gan_zoo" and info["resolution"] == [32, 32] and info["family"] == "gan_zoo-dcgan"
    z = _z()
    x = torch.nn.functional.conv_transpose2d(z.view(3, 16, 1, 1), state["formatLayer.weight"])
    bn0 = (x - state["main.batchNorm0.running_mean"].view(1, -1, 1, 1)) / torch.sqrt(state["main.batchNorm0.running_var"].view(1, -1, 1, 1) + 1e-5)
    bn0 = bn0 * state["main.batchNorm0.weight"].view(1, -1, 1, 1) + state["main.batchNorm0.bias"].view(1, -1, 1, 1)
    torch.testing.assert_close(gen.net.main[:2](gen.net.formatLayer(z.view(3, 16, 1, 1))), bn0.relu(), atol=1e-4, rtol=0)
    out = gen.synthesize(z)
    assert out.shape == (3, 3, 32, 32) and out.abs().max() <= 1


def test_neither_adapter_takes_the_others_files(tmp_path):
    zoo = save_zoo(tmp_path / "zoo.pth", dcgan_state(), dcgan_config())
    tutorial = save_tutorial(tmp_path / "tutorial.pth", tutorial_dcgan(nz=100, ngf=4, layers=3))
    bare_zoo = tmp_path / "bare.pt"
    torch.save(pgan_state(), bare_zoo)
    assert describe(zoo)["adapter"] == "gan_zoo" and describe(bare_zoo)["adapter"] == "gan_zoo"
    assert describe(tutorial)["adapter"] == "dcgan"
    with pytest.raises(CheckpointError, match="not a pytorch_GAN_zoo generator"):
        load_generator(tutorial, format="gan_zoo")


def test_their_stylegan_is_refused_by_name(tmp_path):
    path = tmp_path / "style.pth"
    torch.save({"netG": {"baseScale0": torch.ones(1, 8, 4, 4), "toRGBLayers.0.module.weight": torch.ones(3, 8, 1, 1)}}, path)
    with pytest.raises(CheckpointError, match="pytorch_GAN_zoo StyleGAN, which odyssey does not load"):
        load_generator(path)


@pytest.mark.parametrize("kind", ["pgan", "dcgan"])
def test_convert_gives_bit_identical_frames(tmp_path, kind):
    if kind == "pgan":
        path = save_zoo(tmp_path / "g.pth", pgan_state(dim_latent=21), pgan_config(dim_latent=21, noiseVectorDim=16, categoryVectorDim=5, attribKeysOrder=ATTRS, alpha=0.4), legacy=True)
    else:
        path = save_zoo(tmp_path / "g.pth", dcgan_state(dim_latent=21), dcgan_config(dim_latent=21, noiseVectorDim=16, categoryVectorDim=5, attribKeysOrder=ATTRS, lossCriterion="WGANGP"))
    gen = load_generator(path)
    convert_checkpoint(path, tmp_path / "g.safetensors")
    native = load_generator(tmp_path / "g.safetensors")
    assert native.info.class_names == gen.info.class_names and native.info.latent_shape == (16,)
    labels = torch.eye(6)[[0, 5, 3]]
    psi = torch.tensor([1.0, 0.5, 0.0])
    assert torch.equal(native.synthesize(_z(), labels, psi), gen.synthesize(_z(), labels, psi))


def test_an_empty_config_record_means_their_defaults(tmp_path):
    """A BaseConfig with no fields pickles without state; it loads as the constructor's defaults."""
    path = save_zoo(tmp_path / "g.pth", pgan_state(), {})
    gen = load_generator(path)
    assert gen.info.extra["inferred"]["alpha"] == "0.0 from config" and gen.net.activation is None
