"""Torch7 DCGAN generators (art-DCGAN, dcgan.torch): Torch7's maths, Torch7's seeds, every saved
variant (nn/cudnn, Float/Cuda/Double, binary/ascii, old BatchNorm, leading View), conversion,
and the files refused (unknown layers, discriminators, layers that do not chain)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from t7_testkit import (
    Obj,
    _module,
    art_dcgan_layers,
    art_dcgan_net,
    batchnorm,
    calibrate,
    reference_forward,
    save_t7,
    sequential,
    tanh,
    tensor,
    view,
)

from odyssey.adapters import describe, load_generator
from odyssey.adapters.torch7.th_random import (
    TorchGenerator,
    torch7_normal,
    torch7_uniform,
)
from odyssey.api import convert_checkpoint
from odyssey.errors import CheckpointError

TOL = 1e-4  # observed ~2e-6: float32 sums in another order than float64 numpy


def _check(path: Path, layers: list[dict]) -> None:
    gen = load_generator(path)
    z = torch.stack([gen.seed_latent(s) for s in (0, 1, 2)])
    out = gen.synthesize(z)
    ref = reference_forward(layers, z.numpy())
    assert out.shape == ref.shape and float(np.abs(out.numpy() - ref).max()) < TOL
    assert out.std() > 0.1  # the tiny net is not flat: the comparison can fail


VARIANTS = {  # name: (net kwargs, save kwargs)
    "nn-float-shared": ({}, {}),
    "cudnn-cuda": ({"cudnn": True, "kind": "Cuda"}, {}),
    "double-unshared": ({"kind": "Double", "shared": False}, {}),
    "ascii": ({}, {"ascii": True}),
    "old-batchnorm-running-std": ({"old_bn": True}, {}),
    "windows-longs": ({}, {"long_size": 4}),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_art_dcgan_matches_torch7_maths(tmp_path: Path, variant: str) -> None:
    net_kwargs, save_kwargs = VARIANTS[variant]
    layers = art_dcgan_layers(nz=8, ngf=2, blocks=3, seed=1, bias=variant == "double-unshared")
    path = save_t7(tmp_path / "net_G.t7", art_dcgan_net(layers, **net_kwargs), **save_kwargs)
    _check(path, layers)
    info = load_generator(path).info
    assert info.resolution == (32, 32) and info.latent_shape == (8,) and info.channels == 3 and info.family == "torch7-dcgan"


def test_other_layers_leading_view_and_adj(tmp_path: Path) -> None:
    rng = np.random.RandomState(4)
    r = lambda *s: rng.normal(0, 0.4, s).astype(np.float32)
    layers = [{"type": "full", "w": r(6, 5, 4, 4), "d": 1, "pad": 0, "bias": r(5)}, {"type": "bn", "w": r(5) + 1, "b": r(5), "mean": r(5), "var": r(5) ** 2 + 0.5},
              {"type": "leaky", "negval": 0.2}, {"type": "full", "w": r(5, 4, 3, 3), "d": 2, "pad": 1, "adj": 1},
              {"type": "bn", "mean": r(4), "var": r(4) ** 2 + 0.5, "eps": 1e-3}, {"type": "relu"},
              {"type": "conv", "w": r(4, 4, 3, 3), "d": 1, "pad": 1, "bias": r(4)}, {"type": "identity"},
              {"type": "full", "w": r(4, 1, 4, 4), "d": 2, "pad": 1}, {"type": "tanh"}]
    calibrate(layers, 6, rng)
    net = art_dcgan_net(layers)
    net.fields["modules"] = {1: view(6, 1, 1), **{k + 1: m for k, m in net.fields["modules"].items()}}  # old dcgan.torch
    path = save_t7(tmp_path / "gray.t7", net)
    _check(path, layers)
    gen = load_generator(path)
    assert gen.info.resolution == (16, 16) and gen.info.channels == 1
    assert gen.info.extra["inferred"]["dropped_leading"] == ["nn.View"]


def test_seeds_are_torch7s() -> None:
    # Torch7's own documentation (doc/random.md): torch.manualSeed(123); torch.uniform() x3 and
    # torch.manualSeed(0); torch.random() x2, printed by Lua
    gen = TorchGenerator(123)
    assert [round(gen.uniform(), 14) for _ in range(3)] == [0.69646918727085, 0.71295532141812, 0.28613933874294]
    gen = TorchGenerator(0)
    assert [gen.random32(), gen.random32()] == [2357136044, 2546248239]
    # the MT19937 stream is numpy's (same init_genrand): random_sample is (a >> 5, b >> 6) of two words
    for seed in (5, 2**32 - 1):
        gen, rs = TorchGenerator(seed), np.random.RandomState(seed)
        for _ in range(700):  # past the first twist of 624 words
            a, b = gen.random32() >> 5, gen.random32() >> 6
            assert (a * 67108864.0 + b) / 9007199254740992.0 == rs.random_sample()
    # Box-Muller as THRandom.c: a fresh pair (x, y) gives rho*cos(2 pi x) first, then rho*sin(2 pi x)
    words = TorchGenerator(42)
    u = [words.random32() / 4294967296.0 for _ in range(4)]
    rho = [math.sqrt(-2 * math.log(1 - u[1])), math.sqrt(-2 * math.log(1 - u[3]))]
    expect = [rho[0] * math.cos(2 * math.pi * u[0]), rho[0] * math.sin(2 * math.pi * u[0]), rho[1] * math.cos(2 * math.pi * u[2])]
    assert torch7_normal(42, 3).tolist() == np.float32(expect).tolist()
    assert torch7_uniform(42, 2).tolist() == np.float32([u[0] * 2 - 1, u[1] * 2 - 1]).tolist()


def test_seed_latent_and_noisetype(tmp_path: Path) -> None:
    path = save_t7(tmp_path / "g.t7", art_dcgan_net(art_dcgan_layers(nz=8)))
    assert torch.equal(load_generator(path).seed_latent(7), torch.from_numpy(torch7_normal(7, 8)))
    uniform = load_generator(path, options={"noisetype": "uniform"})
    z = uniform.seed_latent(7)
    assert torch.equal(z, torch.from_numpy(torch7_uniform(7, 8))) and z.abs().max() <= 1
    drawn = uniform.sample_latents(500, torch.Generator().manual_seed(0))
    assert drawn.shape == (500, 8) and drawn.min() >= -1 and drawn.max() <= 1 and drawn.min() < -0.9


def test_convert_is_bit_identical(tmp_path: Path) -> None:
    path = save_t7(tmp_path / "landscapes_net_G.t7", art_dcgan_net(art_dcgan_layers(nz=8), cudnn=True, kind="Cuda"))
    original = load_generator(path, options={"noisetype": "uniform"})
    convert_checkpoint(path, tmp_path / "landscapes.safetensors", options={"noisetype": "uniform"})
    converted = load_generator(tmp_path / "landscapes.safetensors")
    assert describe(tmp_path / "landscapes.safetensors")["adapter"] == "native"
    z = torch.stack([original.seed_latent(s) for s in range(3)])
    assert torch.equal(z, torch.stack([converted.seed_latent(s) for s in range(3)]))
    assert torch.equal(original.synthesize(z, truncation=torch.tensor([1.0, 0.5, 0.0])), converted.synthesize(z, truncation=torch.tensor([1.0, 0.5, 0.0])))


def test_found_by_contents_and_described(tmp_path: Path) -> None:
    path = save_t7(tmp_path / "net_G.dat", art_dcgan_net(art_dcgan_layers(nz=8)), ascii=True)
    found = describe(path)
    assert found["adapter"] == "torch7" and found["resolution"] == [32, 32]
    assert found["extra"]["inferred"]["saved_in_training_mode"] is True


def _refused(path: Path, match: str, options: dict | None = None) -> str:
    with pytest.raises(CheckpointError, match=match) as info:
        load_generator(path, options=options)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


def test_refusals(tmp_path: Path) -> None:
    layers = art_dcgan_layers(nz=8)
    net = art_dcgan_net(layers)
    net.fields["modules"][3] = _module("nn.SpatialUpSamplingNearest", "Float", scale_factor=2)
    _refused(save_t7(tmp_path / "upsample.t7", net), "nn.SpatialUpSamplingNearest")
    disc = sequential([_module("nn.SpatialConvolution", "Float", nInputPlane=3, nOutputPlane=1, kW=4, kH=4, weight=tensor(np.ones((1, 3, 4, 4)))),
                       _module("nn.Sigmoid", "Float"), view(1)])
    _refused(save_t7(tmp_path / "net_D.t7", disc), "discriminator")
    net = art_dcgan_net(layers)
    del net.fields["modules"][len(net.fields["modules"])]
    _refused(save_t7(tmp_path / "no_tanh.t7", net), "does not end in Tanh")
    net = art_dcgan_net(layers)
    net.fields["modules"][2] = batchnorm(np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))
    _refused(save_t7(tmp_path / "chain.t7", net), "do not chain: layer 2 .* normalises 3 planes but gets 8")
    net = art_dcgan_net(layers)
    net.fields["modules"][1].fields["weight"] = tensor(np.zeros((8, 8, 3, 3)))
    _refused(save_t7(tmp_path / "shape.t7", net), "weight has shape")
    net = art_dcgan_net(layers)
    net.fields["modules"][1].fields["kW"] = "4"
    _refused(save_t7(tmp_path / "kw.t7", net), "field kW is '4'")
    _refused(save_t7(tmp_path / "table.t7", {"netG": art_dcgan_net(layers)}), "not an nn.Sequential")
    loop = sequential([])
    loop.fields["modules"] = {1: loop}
    _refused(save_t7(tmp_path / "loop.t7", loop), "holds itself")
    good = save_t7(tmp_path / "good.t7", art_dcgan_net(layers))
    _refused(good, "unknown torch7 option", {"nz": 8})
    _refused(good, "noisetype", {"noisetype": "gaussian"})
    gray = Obj("nn.Sequential", {"modules": {1: tanh()}})
    _refused(save_t7(tmp_path / "tanh_only.t7", gray), "does not end|first layer")
