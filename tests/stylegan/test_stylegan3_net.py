"""The clean-room StyleGAN3 generator: format (names, shapes, schedule, filters) and behaviour.

The hard-coded names, shapes, paddings and filter taps below were read from NVIDIA's
``training/networks_stylegan3.py`` for the same tiny configurations; a state dict from
their pickles only loads if every one of them matches.
"""

from __future__ import annotations

import math

import pytest
import torch

from odyssey.adapters.stylegan.sg3 import MappingNetwork, StyleGAN3Generator, SynthesisNetwork

TINY = {"z_dim": 16, "w_dim": 16, "img_resolution": 16, "img_channels": 3, "mapping_kwargs": {"num_layers": 2},
        "channel_base": 256, "channel_max": 32, "num_layers": 4}
TINY_R = dict(TINY, channel_base=512, channel_max=64, conv_kernel=1, use_radial_filters=True)


def make(config: dict, c_dim: int = 0, seed: int = 0) -> StyleGAN3Generator:
    """A tiny generator with non-trivial weights and buffers (as after training)."""
    torch.manual_seed(seed)
    G = StyleGAN3Generator(c_dim=c_dim, **config).eval()
    with torch.no_grad():
        G.mapping.w_avg.normal_()
        G.synthesis.input.affine.weight.normal_(std=0.5)  # per-sample rotation / translation
        for name, layer in G.synthesis.named_children():
            if name.startswith("L"):
                layer.magnitude_ema.uniform_(0.5, 2.0)
                layer.bias.normal_(std=0.2)
    return G


def rotation_translation(angle: float, tx: float, ty: float) -> torch.Tensor:
    c, s = math.cos(angle), math.sin(angle)
    return torch.tensor([[c, -s, tx], [s, c, ty], [0.0, 0.0, 1.0]])


# -- format -------------------------------------------------------------------------

def _layer(prefix: str, out_ch: int, in_ch: int, k: int, w_dim: int, up=None, down=None) -> dict:
    keys = {f"{prefix}.weight": (out_ch, in_ch, k, k), f"{prefix}.bias": (out_ch,), f"{prefix}.magnitude_ema": ()}
    if up:
        keys[f"{prefix}.up_filter"] = up
    if down:
        keys[f"{prefix}.down_filter"] = down
    keys.update({f"{prefix}.affine.weight": (in_ch, w_dim), f"{prefix}.affine.bias": (in_ch,)})
    return keys


def _input(channels: int, w_dim: int) -> dict:
    return {"synthesis.input.weight": (channels, channels), "synthesis.input.transform": (3, 3),
            "synthesis.input.freqs": (channels, 2), "synthesis.input.phases": (channels,),
            "synthesis.input.affine.weight": (4, w_dim), "synthesis.input.affine.bias": (4,)}


# NVIDIA Generator(z_dim=16, c_dim=0, w_dim=16, img_resolution=16, img_channels=3,
#   mapping_kwargs={num_layers: 2}, channel_base=256, channel_max=32, num_layers=4)
NVIDIA_T_KEYS = {
    **_input(32, 16),
    **_layer("synthesis.L0_36_32", 32, 32, 3, 16, (12,), (12,)),
    **_layer("synthesis.L1_36_32", 32, 32, 3, 16, (12,), (12,)),
    **_layer("synthesis.L2_36_16", 16, 32, 3, 16, (12,), (12,)),
    **_layer("synthesis.L3_16_16", 16, 16, 3, 16, (12,), (12,)),
    **_layer("synthesis.L4_16_3", 3, 16, 1, 16),
    "mapping.w_avg": (16,), "mapping.fc0.weight": (16, 16), "mapping.fc0.bias": (16,),
    "mapping.fc1.weight": (16, 16), "mapping.fc1.bias": (16,),
}

# The same with c_dim=3 in config R: channel_base=512, channel_max=64, conv_kernel=1,
# use_radial_filters=True (2-D down filters in the non-critical layers).
NVIDIA_R_COND_KEYS = {
    **_input(64, 16),
    **_layer("synthesis.L0_36_64", 64, 64, 1, 16, (12,), (12, 12)),
    **_layer("synthesis.L1_36_64", 64, 64, 1, 16, (12,), (12, 12)),
    **_layer("synthesis.L2_36_32", 32, 64, 1, 16, (12,), (12,)),
    **_layer("synthesis.L3_16_32", 32, 32, 1, 16, (12,), (12,)),
    **_layer("synthesis.L4_16_3", 3, 32, 1, 16),
    "mapping.w_avg": (16,), "mapping.embed.weight": (16, 3), "mapping.embed.bias": (16,),
    "mapping.fc0.weight": (16, 32), "mapping.fc0.bias": (16,),
    "mapping.fc1.weight": (16, 16), "mapping.fc1.bias": (16,),
}


@pytest.mark.parametrize("config, c_dim, expected", [(TINY, 0, NVIDIA_T_KEYS), (TINY_R, 3, NVIDIA_R_COND_KEYS)],
                         ids=["T", "R-conditional"])
def test_state_dict_names_and_shapes_match_nvidia(config, c_dim, expected):
    state = StyleGAN3Generator(c_dim=c_dim, **config).state_dict()
    assert sorted(state) == sorted(expected)
    assert {k: tuple(v.shape) for k, v in state.items()} == expected


def test_layer_schedule_matches_nvidia():
    """img 32, 6 layers: a layer doubling its rate (up 4) and cropping critical layers."""
    net = SynthesisNetwork(w_dim=16, img_resolution=32, img_channels=3, channel_base=512, channel_max=32, num_layers=6)
    expected = [("L0_36_32", [9, 8, 9, 8], 2, 2), ("L1_36_32", [9, 8, 9, 8], 2, 2),
                ("L2_52_32", [-6, -9, -6, -9], 4, 2), ("L3_52_27", [9, 8, 9, 8], 2, 2),
                ("L4_52_16", [9, 8, 9, 8], 2, 2), ("L5_32_16", [-11, -12, -11, -12], 2, 2),
                ("L6_32_3", [0, 0, 0, 0], 1, 1)]
    layers = [getattr(net, name) for name in net.layer_names]
    assert [(n, l.padding, l.up_factor, l.down_factor) for n, l in zip(net.layer_names, layers)] == expected
    assert net.num_ws == 8
    assert (net.input.sampling_rate, net.input.bandwidth) == (16.0, 2.0)
    assert [l.out_sampling_rate for l in layers] == [16, 16, 32, 32, 32, 32, 32]
    assert layers[2].out_cutoff == pytest.approx(5.656854249492381)
    assert layers[4].out_half_width == pytest.approx(3.698310613518661)
    assert all(l.output_shape() == (l.out_size[1], l.out_size[0]) for l in layers)


def test_filters_match_nvidia_taps():
    net = SynthesisNetwork(w_dim=16, img_resolution=32, img_channels=3, channel_base=512, channel_max=32, num_layers=6)
    up = [-0.000567284703720361, -0.0008069922332651913, 2.332103395019658e-05,
          0.003038971219211817, 0.00939695630222559, 0.019918836653232574]
    down = [0.0007919021300040185, 0.010018317960202694, 0.038949523121118546,
            0.0924127921462059, 0.1565256118774414, 0.20130185782909393]
    torch.testing.assert_close(net.L2_52_32.up_filter[:6], torch.tensor(up), rtol=0, atol=1e-8)
    torch.testing.assert_close(net.L0_36_32.down_filter[:6], torch.tensor(down), rtol=0, atol=1e-8)
    assert net.L6_32_3.up_filter is None and net.L6_32_3.down_filter is None

    radial = StyleGAN3Generator(c_dim=3, **TINY_R).synthesis.L0_36_64.down_filter  # (12, 12) jinc
    torch.testing.assert_close(radial[5, 3:7], torch.tensor([0.018542157486081123, 0.030533360317349434,
                                                              0.03875488415360451, 0.03875488415360451]),
                               rtol=0, atol=1e-8)
    torch.testing.assert_close(radial[0, :3], torch.tensor([8.412096690335602e-07, 1.0472169378772378e-05,
                                                             4.0277926018461585e-05]), rtol=1e-4, atol=0)
    assert radial.sum().item() == pytest.approx(1.0, abs=1e-6)
    torch.testing.assert_close(radial, radial.t())


def test_strict_load_round_trip():
    src, dst = make(TINY_R, c_dim=3, seed=1), make(TINY_R, c_dim=3, seed=2)
    z, c = torch.randn(2, 16), torch.eye(3)[:2]
    assert not torch.allclose(src(z, c), dst(z, c))
    dst.load_state_dict(src.state_dict(), strict=True)
    torch.testing.assert_close(dst(z, c), src(z, c), rtol=0, atol=0)

    incomplete = dict(src.state_dict())
    del incomplete["synthesis.L0_36_64.down_filter"]
    with pytest.raises(RuntimeError, match="down_filter"):
        dst.load_state_dict(incomplete, strict=True)


# -- behaviour ----------------------------------------------------------------------

@pytest.mark.parametrize("config", [TINY, TINY_R], ids=["T", "R"])
def test_output_shape_and_range(config):
    G = make(config)
    assert (G.z_dim, G.c_dim, G.w_dim, G.num_ws, G.img_resolution, G.img_channels) == (16, 0, 16, 6, 16, 3)
    assert G.synthesis.use_radial_filters == config.get("use_radial_filters", False)
    with torch.no_grad():
        ws = G.mapping(torch.randn(3, 16), None)
        img = G.synthesis(ws)
    assert ws.shape == (3, 6, 16)
    assert img.shape == (3, 3, 16, 16) and img.dtype == torch.float32
    assert torch.isfinite(img).all() and img.std() > 1e-3 and img.abs().max() < 10


def test_conditional_labels_change_the_image():
    G = make(TINY, c_dim=4, seed=3)
    z = torch.randn(1, 16).expand(4, -1)
    with torch.no_grad():
        img = G(z, torch.eye(4))
    assert img.shape == (4, 3, 16, 16)
    assert (img[1:] - img[:1]).abs().amax(dim=(1, 2, 3)).min() > 1e-4
    with pytest.raises(ValueError, match="c must have shape"):
        G(z, None)


def test_truncation():
    G = make(TINY, c_dim=2, seed=4)
    z, c = torch.randn(3, 16), torch.eye(2)[[0, 1, 0]]
    with torch.no_grad():
        plain = G.mapping(z, c)
        at_mean = G.mapping(z, c, truncation_psi=0)
        cut = G.mapping(z, c, truncation_psi=0.5, truncation_cutoff=2)
        per_sample = G.mapping(z, c, truncation_psi=torch.tensor([0.0, 1.0, 0.5]))
    assert torch.equal(at_mean, G.mapping.w_avg.expand(3, 6, 16))
    torch.testing.assert_close(cut[:, :2], G.mapping.w_avg + 0.5 * (plain[:, :2] - G.mapping.w_avg))
    assert torch.equal(cut[:, 2:], plain[:, 2:])
    assert torch.equal(per_sample[0], at_mean[0]) and torch.equal(per_sample[1], plain[1])
    torch.testing.assert_close(per_sample[2], G.mapping(z, c, truncation_psi=0.5)[2])


def test_conv_clamp_bounds_every_layer_output():
    z = torch.randn(2, 16)
    with torch.no_grad():
        free = make(dict(TINY, conv_clamp=None), seed=9)(z, None)
        clamped = make(dict(TINY, conv_clamp=0.1), seed=9)(z, None)
    assert free.abs().max() > 0.1 * 0.25
    assert clamped.abs().max() <= 0.1 * 0.25 + 1e-7  # ToRGB clamps too, then output_scale 0.25


@pytest.mark.parametrize("config", [TINY, TINY_R], ids=["T", "R"])
def test_batch_equals_one_at_a_time(config):
    G = make(config, seed=5)
    z = torch.randn(4, 16)
    with torch.no_grad():
        batch = G(z, None, truncation_psi=0.7)
        single = torch.cat([G(z[i:i + 1], None, truncation_psi=0.7) for i in range(4)])
    assert (batch - single).abs().max().item() <= 1e-5


@pytest.mark.parametrize("config", [TINY, TINY_R], ids=["T", "R"])
def test_per_sample_transform_equals_setting_the_buffer(config):
    G = make(config, seed=6)
    transforms = torch.stack([rotation_translation(0.4 * i, 0.1 * i, -0.05 * i) for i in range(3)])
    with torch.no_grad():
        ws = G.mapping(torch.randn(3, 16), None)
        together = G.synthesis(ws, transform=transforms)
        one_by_one = []
        for i in range(3):
            G.synthesis.input.transform.copy_(transforms[i])
            one_by_one.append(G.synthesis(ws[i:i + 1]))
    assert (together - torch.cat(one_by_one)).abs().max().item() <= 1e-5
    assert (together[1] - together[0]).abs().max() > 1e-3  # the transforms do move the image


def test_identity_transform_equals_default_and_shared_transform_broadcasts():
    G = make(TINY, seed=7)
    with torch.no_grad():
        ws = G.mapping(torch.randn(2, 16), None)
        default = G.synthesis(ws)
        identity = G.synthesis(ws, transform=torch.eye(3))
        turned = rotation_translation(0.5, 0.2, 0.1)
        shared = G.synthesis(ws, transform=turned)
        stacked = G.synthesis(ws, transform=turned.expand(2, 3, 3))
    torch.testing.assert_close(identity, default, rtol=0, atol=0)
    torch.testing.assert_close(shared, stacked, rtol=0, atol=0)
    assert (shared - default).abs().max() > 1e-3
    with pytest.raises(ValueError, match="transform"):
        G.synthesis(ws, transform=torch.eye(2))


def test_stylegan3_mapping_layout():
    """Unlike StyleGAN2, the label embedding is w_dim wide and the default depth is 2."""
    net = MappingNetwork(z_dim=8, c_dim=5, w_dim=12, num_ws=4)
    assert net.embed.weight.shape == (12, 5)
    assert net.fc0.weight.shape == (12, 8 + 12) and not hasattr(net, "fc2")
    assert net(torch.randn(2, 8), torch.eye(5)[:2]).shape == (2, 4, 12)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_autocast_runs_low_precision_layers_and_returns_float32(dtype):
    G = make(dict(TINY, img_resolution=32, num_fp16_res=1), seed=8)  # layers sampled at 32 are marked fp16
    assert [getattr(G.synthesis, n).use_fp16 for n in G.synthesis.layer_names] == [False, True, True, True, True]
    z = torch.randn(2, 16)
    with torch.no_grad():
        full = G(z, None)
        with torch.autocast("cpu", dtype=dtype):
            low = G(z, None)
    assert low.dtype == torch.float32
    assert (low - full).abs().max() < 0.05 * full.abs().max()
    assert (low - full).abs().max() > 0  # reduced precision did run


# -- numbers from NVIDIA's reference ------------------------------------------------

def hash_fill(G: StyleGAN3Generator) -> None:
    """Fill every parameter and buffer (but the designed filters) with fixed pseudo-random
    values that do not depend on torch's RNG, so NVIDIA's code can be filled identically."""
    with torch.no_grad():
        for i, (name, t) in enumerate(sorted(G.state_dict().items())):
            if name.endswith("_filter"):
                continue
            if name.endswith("transform"):
                t.copy_(rotation_translation(0.3, 0.12, -0.07))
                continue
            n = torch.arange(t.numel(), dtype=torch.float64)
            v = torch.frac(torch.sin(n * 12.9898 + i * 78.233).abs() * 43758.5453) * 2 - 1  # in [-1, 1)
            if name.endswith("magnitude_ema"):
                v = 1.0 + 0.5 * v
            elif name.endswith("freqs"):
                v = 0.9 * v
            elif name.endswith("input.affine.weight"):
                v = 0.5 * v
            elif name.startswith("mapping.fc") and name.endswith("weight"):
                v = 100 * 1.7 * v  # stored divided by lr_multiplier = 0.01
            elif name.endswith("affine.bias"):
                v = 1 + 0.3 * v
            elif name.endswith(("bias", "phases")):
                v = 0.3 * v
            else:
                v = 1.7 * v
            t.copy_(v.reshape(t.shape).float())


# NVIDIA's Generator(c_dim=3, **config), hash-filled, float32 CPU, same z, c, psi 0.7, cutoff 3.
GOLDEN = {
    "T": (TINY, [[0.3457674, 0.3409748, 0.3337241, 0.3244932], [-0.3681454, -0.3605174, -0.339837, -0.3198825],
                 [0.160018, 0.1950072, 0.2299183, 0.2759771]], [0.1323822, 0.2167392]),
    "R": (TINY_R, [[0.1083996, 0.0906481, 0.0505212, 0.0230474], [-0.5293336, -0.3825983, -0.2008773, -0.0517147],
                   [-0.3980668, -0.3284877, -0.2561041, -0.1868328]], [0.1366852, 0.178823]),
}


@pytest.mark.parametrize("variant", ["T", "R"])
def test_matches_nvidia_reference_values(variant):
    config, pixels, abs_means = GOLDEN[variant]
    G = StyleGAN3Generator(c_dim=3, **config).eval()
    hash_fill(G)
    z = torch.cos(torch.arange(32, dtype=torch.float64) * 0.5).reshape(2, 16).float()
    c = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    with torch.no_grad():
        ws = G.mapping(z, c, truncation_psi=0.7, truncation_cutoff=3)
        img = G.synthesis(ws)
    torch.testing.assert_close(ws[1, :, 3], torch.tensor([1.1429983] * 3 + [0.9373403] * 3), rtol=0, atol=1e-5)
    torch.testing.assert_close(img[1, :, 7, 4:8], torch.tensor(pixels), rtol=0, atol=1e-4)
    torch.testing.assert_close(img.abs().mean(dim=(1, 2, 3)), torch.tensor(abs_means), rtol=0, atol=1e-5)
