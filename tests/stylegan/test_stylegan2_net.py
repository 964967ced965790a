"""The clean-room StyleGAN2 generator and the FIR filters: shapes, truncation, noise,
batching, NVIDIA-compatible state-dict layout and defaults. Tiny networks, CPU, float32."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import torch

from odyssey.adapters.stylegan.filters import downsample2d, setup_filter, upfirdn2d, upsample2d
from odyssey.adapters.stylegan.sg2 import StyleGAN2Generator

Z, W = 8, 8

# state_dict() of NVIDIA's Generator(z_dim=8, c_dim=3, w_dim=8, img_resolution=16, img_channels=3,
# mapping_kwargs=dict(num_layers=2), channel_base=64, channel_max=8, architecture='resnet'),
# read from stylegan3's training/networks_stylegan2.py (stylegan2-ada-pytorch gives the same).
NVIDIA_RESNET16_COND: list[tuple[str, tuple[int, ...]]] = [
    ("synthesis.b4.const", (8, 4, 4)),
    ("synthesis.b4.resample_filter", (4, 4)),
    ("synthesis.b4.conv1.weight", (8, 8, 3, 3)),
    ("synthesis.b4.conv1.noise_strength", ()),
    ("synthesis.b4.conv1.bias", (8,)),
    ("synthesis.b4.conv1.resample_filter", (4, 4)),
    ("synthesis.b4.conv1.noise_const", (4, 4)),
    ("synthesis.b4.conv1.affine.weight", (8, 8)),
    ("synthesis.b4.conv1.affine.bias", (8,)),
    ("synthesis.b8.resample_filter", (4, 4)),
    ("synthesis.b8.conv0.weight", (8, 8, 3, 3)),
    ("synthesis.b8.conv0.noise_strength", ()),
    ("synthesis.b8.conv0.bias", (8,)),
    ("synthesis.b8.conv0.resample_filter", (4, 4)),
    ("synthesis.b8.conv0.noise_const", (8, 8)),
    ("synthesis.b8.conv0.affine.weight", (8, 8)),
    ("synthesis.b8.conv0.affine.bias", (8,)),
    ("synthesis.b8.conv1.weight", (8, 8, 3, 3)),
    ("synthesis.b8.conv1.noise_strength", ()),
    ("synthesis.b8.conv1.bias", (8,)),
    ("synthesis.b8.conv1.resample_filter", (4, 4)),
    ("synthesis.b8.conv1.noise_const", (8, 8)),
    ("synthesis.b8.conv1.affine.weight", (8, 8)),
    ("synthesis.b8.conv1.affine.bias", (8,)),
    ("synthesis.b8.skip.weight", (8, 8, 1, 1)),
    ("synthesis.b8.skip.resample_filter", (4, 4)),
    ("synthesis.b16.resample_filter", (4, 4)),
    ("synthesis.b16.conv0.weight", (4, 8, 3, 3)),
    ("synthesis.b16.conv0.noise_strength", ()),
    ("synthesis.b16.conv0.bias", (4,)),
    ("synthesis.b16.conv0.resample_filter", (4, 4)),
    ("synthesis.b16.conv0.noise_const", (16, 16)),
    ("synthesis.b16.conv0.affine.weight", (8, 8)),
    ("synthesis.b16.conv0.affine.bias", (8,)),
    ("synthesis.b16.conv1.weight", (4, 4, 3, 3)),
    ("synthesis.b16.conv1.noise_strength", ()),
    ("synthesis.b16.conv1.bias", (4,)),
    ("synthesis.b16.conv1.resample_filter", (4, 4)),
    ("synthesis.b16.conv1.noise_const", (16, 16)),
    ("synthesis.b16.conv1.affine.weight", (4, 8)),
    ("synthesis.b16.conv1.affine.bias", (4,)),
    ("synthesis.b16.torgb.weight", (3, 4, 1, 1)),
    ("synthesis.b16.torgb.bias", (3,)),
    ("synthesis.b16.torgb.affine.weight", (4, 8)),
    ("synthesis.b16.torgb.affine.bias", (4,)),
    ("synthesis.b16.skip.weight", (4, 8, 1, 1)),
    ("synthesis.b16.skip.resample_filter", (4, 4)),
    ("mapping.w_avg", (8,)),
    ("mapping.embed.weight", (8, 3)),
    ("mapping.embed.bias", (8,)),
    ("mapping.fc0.weight", (8, 16)),
    ("mapping.fc0.bias", (8,)),
    ("mapping.fc1.weight", (8, 8)),
    ("mapping.fc1.bias", (8,)),
]


def make(architecture: str = "skip", c_dim: int = 0, res: int = 16, seed: int = 0, **synthesis) -> StyleGAN2Generator:
    """A tiny generator with every parameter and buffer randomised (NVIDIA zero-inits some)."""
    torch.manual_seed(seed)
    net = StyleGAN2Generator(
        z_dim=Z, c_dim=c_dim, w_dim=W, img_resolution=res, img_channels=3,
        mapping_kwargs={"num_layers": 2}, channel_base=64, channel_max=8, architecture=architecture, **synthesis,
    ).eval()
    with torch.no_grad():
        for name, t in list(net.named_parameters()) + list(net.named_buffers()):
            if not name.endswith("resample_filter"):
                t.copy_(torch.randn(t.shape) * (0.5 if name.endswith(("bias", "noise_strength")) else 1.0))
        for i in range(2):  # stored weights are N(0, 1) / lr_multiplier (0.01 in the mapping)
            getattr(net.mapping, f"fc{i}").weight.mul_(100)
    return net.requires_grad_(False)


def z_batch(n: int, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, Z, generator=torch.Generator().manual_seed(seed))


# -- filters ---------------------------------------------------------------------------
def test_setup_filter_normalises_and_expands() -> None:
    f = setup_filter([1, 3, 3, 1])
    assert f.shape == (4, 4) and f.dtype == torch.float32
    assert torch.allclose(f, torch.outer(torch.tensor([1.0, 3, 3, 1]), torch.tensor([1.0, 3, 3, 1])) / 64)
    assert setup_filter(list(range(1, 9))).shape == (8,)  # 8+ taps: separable by default
    assert torch.allclose(setup_filter([1, 2, 1], gain=4).sum(), torch.tensor(4.0))
    assert torch.equal(setup_filter([1, 2, 3], separable=True, flip_filter=True), torch.tensor([3.0, 2, 1]) / 6)


@pytest.mark.parametrize("up,down", [(1, 1), (2, 1), (1, 2), (3, 2)])
def test_upfirdn2d_matches_scipy_on_rows(up: int, down: int) -> None:
    """A (1, k) filter with full padding along W is scipy.signal.upfirdn on every row."""
    rng = np.random.default_rng(0)
    taps, x = rng.standard_normal(5), rng.standard_normal((2, 3, 4, 7))
    f = setup_filter([taps.tolist()], normalize=False)  # 2-D (1, 5): filters along W only
    pad = (len(taps) - 1, len(taps) - up, 0, 0)  # scipy inserts no zeros after the last sample
    got = upfirdn2d(torch.tensor(x, dtype=torch.float32), f, up=(up, 1), down=(down, 1), padding=pad)
    want = scipy.signal.upfirdn(taps, x, up=up, down=down, axis=-1)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, atol=1e-5)


def test_resampling_keeps_a_constant_image_constant() -> None:
    f = setup_filter([1, 3, 3, 1])
    x = torch.full((1, 2, 8, 8), 3.0)
    up, down = upsample2d(x, f), downsample2d(x, f)
    assert up.shape == (1, 2, 16, 16) and down.shape == (1, 2, 4, 4)
    assert torch.allclose(up[..., 2:-2, 2:-2], torch.tensor(3.0)) and torch.allclose(down[..., 1:-1, 1:-1], torch.tensor(3.0))
    # negative padding crops; a 1-tap identity filter then just crops
    assert torch.equal(upfirdn2d(x, None, padding=(-1, -2, 0, -3)), x[..., 0:5, 1:6])


# -- generator -------------------------------------------------------------------------
@pytest.mark.parametrize("architecture", ["orig", "skip", "resnet"])
def test_output_shapes(architecture: str) -> None:
    net = make(architecture)
    assert (net.z_dim, net.c_dim, net.w_dim, net.num_ws, net.img_resolution, net.img_channels) == (Z, 0, W, 6, 16, 3)
    ws = net.mapping(z_batch(3), None)
    assert ws.shape == (3, 6, W) and ws.dtype == torch.float32
    img = net.synthesis(ws)
    assert img.shape == (3, 3, 16, 16) and img.dtype == torch.float32 and torch.isfinite(img).all()
    assert torch.equal(net(z_batch(3)), img)


def test_architectures_have_their_layers() -> None:
    keys = {arch: set(make(arch).state_dict()) for arch in ("orig", "skip", "resnet")}
    assert "synthesis.b8.torgb.weight" in keys["skip"] and "synthesis.b8.torgb.weight" not in keys["orig"]
    assert "synthesis.b8.skip.weight" in keys["resnet"] and "synthesis.b8.skip.weight" not in keys["skip"]
    with pytest.raises(ValueError, match="architecture"):
        make("unet")


def test_conditional_model_uses_its_labels() -> None:
    net = make("skip", c_dim=3)
    z = z_batch(2)
    a = net(z, torch.eye(3)[[0, 0]])
    b = net(z, torch.eye(3)[[0, 2]])
    assert torch.equal(a[0], b[0]) and not torch.allclose(a[1], b[1], atol=1e-3)
    with pytest.raises(ValueError, match="c must have shape"):
        net(z, None)


def test_truncation_psi_zero_gives_the_average_image() -> None:
    net = make("skip", c_dim=3)
    ws = net.mapping(z_batch(4), torch.eye(3)[[0, 1, 2, 0]], truncation_psi=0)
    assert torch.allclose(ws, net.mapping.w_avg.expand(4, 6, W))
    img = net.synthesis(ws)
    assert torch.allclose(img, img[:1].expand_as(img), atol=1e-5)


def test_truncation_cutoff_only_affects_early_layers() -> None:
    net = make("skip")
    z = z_batch(2)
    full, cut = net.mapping(z, None), net.mapping(z, None, truncation_psi=0.5, truncation_cutoff=2)
    assert torch.equal(cut[:, 2:], full[:, 2:])
    assert torch.allclose(cut[:, :2], net.mapping.w_avg + 0.5 * (full[:, :2] - net.mapping.w_avg), atol=1e-6)
    assert not torch.allclose(cut[:, :2], full[:, :2])


def test_noise_modes() -> None:
    net = make("skip")
    ws = net.mapping(z_batch(2), None)
    const = net.synthesis(ws, noise_mode="const")
    assert torch.equal(const, net.synthesis(ws, noise_mode="const"))
    assert not torch.allclose(net.synthesis(ws, noise_mode="none"), const, atol=1e-3)
    rand1 = net.synthesis(ws, noise_mode="random", noise_generator=torch.Generator().manual_seed(5))
    rand2 = net.synthesis(ws, noise_mode="random", noise_generator=torch.Generator().manual_seed(5))
    rand3 = net.synthesis(ws, noise_mode="random", noise_generator=torch.Generator().manual_seed(6))
    assert torch.equal(rand1, rand2) and not torch.allclose(rand1, rand3, atol=1e-3)
    assert not torch.allclose(rand1, const, atol=1e-3)
    with pytest.raises(ValueError, match="noise_mode"):
        net.synthesis(ws, noise_mode="fixed")


def test_per_sample_noise_generators_do_not_depend_on_the_batch() -> None:
    net = make("resnet")
    ws = net.mapping(z_batch(3), None)
    gens = lambda seeds: [torch.Generator().manual_seed(s) for s in seeds]
    batch = net.synthesis(ws, noise_mode="random", noise_generator=gens([7, 8, 9]))
    alone = net.synthesis(ws[1:2], noise_mode="random", noise_generator=gens([8]))
    assert torch.allclose(batch[1:2], alone, atol=1e-5)
    with pytest.raises(ValueError, match="noise generators"):
        net.synthesis(ws, noise_mode="random", noise_generator=gens([1, 2]))


@pytest.mark.parametrize("architecture", ["orig", "skip", "resnet"])
def test_batch_equals_single_samples(architecture: str) -> None:
    net = make(architecture, c_dim=3)
    z, c = z_batch(4), torch.eye(3)[[0, 1, 2, 1]]
    batch = net(z, c, truncation_psi=0.7, truncation_cutoff=3)
    for i in range(4):
        single = net(z[i : i + 1], c[i : i + 1], truncation_psi=0.7, truncation_cutoff=3)
        assert (batch[i : i + 1] - single).abs().max() <= 1e-5


def test_state_dict_matches_nvidia_names_and_shapes() -> None:
    kwargs = {"z_dim": 8, "c_dim": 3, "w_dim": 8, "img_resolution": 16, "img_channels": 3, "mapping_kwargs": {"num_layers": 2}}
    syn = {"channel_base": 64, "channel_max": 8, "architecture": "resnet"}
    for net in (StyleGAN2Generator(**kwargs, **syn), StyleGAN2Generator(**kwargs, synthesis_kwargs=syn)):
        got = [(k, tuple(v.shape)) for k, v in net.state_dict().items()]
        assert sorted(got) == sorted(NVIDIA_RESNET16_COND)
        assert net.num_ws == 6


def test_load_state_dict_round_trip() -> None:
    src, dst = make("resnet", c_dim=3, seed=1), make("resnet", c_dim=3, seed=2)
    z, c = z_batch(2), torch.eye(3)[[0, 2]]
    assert not torch.allclose(src(z, c), dst(z, c), atol=1e-3)
    dst.load_state_dict(src.state_dict(), strict=True)
    assert torch.equal(src(z, c), dst(z, c))
    with pytest.raises(RuntimeError, match="Missing key"):
        dst.load_state_dict({k: v for k, v in src.state_dict().items() if "noise_const" not in k}, strict=True)


def test_nvidia_defaults_follow_the_kwargs_layout() -> None:
    base = {"z_dim": 8, "c_dim": 0, "w_dim": 8, "img_resolution": 16, "img_channels": 3}
    sg3 = StyleGAN2Generator(**base, channel_base=64)  # stylegan3: top level, clamp 256, 4 fp16 res
    ada = StyleGAN2Generator(**base, synthesis_kwargs={"channel_base": 64})  # ada: dict, no clamp, fp32
    assert sg3.synthesis.b16.conv1.conv_clamp == 256 and sg3.synthesis.b8.use_fp16 and sg3.mapping.w_avg_beta == 0.998
    assert ada.synthesis.b16.conv1.conv_clamp is None and not ada.synthesis.b16.use_fp16 and ada.mapping.w_avg_beta == 0.995
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        StyleGAN2Generator(**base, synthesis_kwargs={}, channel_base=64)
    with pytest.raises(TypeError, match="unexpected keyword argument 'fork_option'"):  # the loader drops these by name
        StyleGAN2Generator(**base, channel_base=64, fork_option=1)


def test_conv_clamp_bounds_activations() -> None:
    net = make("orig", conv_clamp=0.25)
    img = net(z_batch(2))
    assert img.abs().max() <= 0.25 + 1e-6  # 'orig': the image is the last ToRGB, clamped too


def test_fp16_blocks_run_in_float32_on_cpu() -> None:
    fp16 = make("skip", num_fp16_res=2, conv_clamp=256, fp16_channels_last=True)
    fp32 = make("skip", num_fp16_res=0, conv_clamp=256)
    fp32.load_state_dict(fp16.state_dict())
    z = z_batch(2)
    assert torch.allclose(fp16(z), fp32(z), atol=1e-5)


def test_bf16_autocast_on_cpu() -> None:
    net = make("skip", c_dim=3)
    z, c = z_batch(2), torch.eye(3)[[0, 1]]
    ref = net(z, c)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ws = net.mapping(z, c)
        img = net.synthesis(ws)
    assert ws.dtype == torch.float32 and torch.allclose(ws, net.mapping(z, c))  # mapping stays float32
    assert img.dtype == torch.float32 and img.shape == ref.shape
    assert (img - ref).abs().max() <= 0.1 * ref.abs().max()


def test_update_emas_moves_w_avg() -> None:
    net = make("skip")
    before = net.mapping.w_avg.clone()
    w = net.mapping(z_batch(4), None)[:, 0]
    net.mapping(z_batch(4), None, update_emas=True)
    assert torch.allclose(net.mapping.w_avg, w.mean(0).lerp(before, net.mapping.w_avg_beta))


# Reference values printed by NVIDIA's stylegan3 ``training.networks_stylegan2.Generator`` (run
# outside this repo, float32 CPU) for the network below, filled by ``_fill``: only the numbers are
# kept here. Layer 1 is truncated (cutoff 2), layer 2 is not.
GOLDEN_WS_1_1TO3 = [
    [-0.291159, 1.051578, -0.070965, 1.156749, 0.107312, 1.027933, 0.162509, 0.648865],
    [-0.296192, 1.465094, -0.290418, 1.337165, -0.245646, 1.039908, -0.168027, 0.609315],
]
GOLDEN_IMG_1_ROW5 = {  # img[1, :, 5, ::3]
    "skip": [
        [-2.25216, -2.4897, -1.93858, -2.55901, -2.93309, -2.51285],
        [-1.42756, -1.16936, -0.16948, -0.95298, -1.235, -1.36199],
        [0.05278, -0.04873, -0.44987, -0.22997, -0.12825, -0.07917],
    ],
    "resnet": [  # conv_clamp 2
        [0.10182, 0.01677, 0.19745, -0.12663, -0.46414, -0.19596],
        [1.36938, 1.21957, 1.13855, 1.40568, 1.58813, 1.62094],
        [1.73705, 1.79493, 1.59956, 1.97209, 2.0, 2.0],
    ],
}


def _fill(net: torch.nn.Module) -> None:
    """Deterministic, RNG-free weights: tensor k (sorted by name) = sin(0.37 i + k)."""
    with torch.no_grad():
        for k, (name, t) in enumerate(sorted(list(net.named_parameters()) + list(net.named_buffers()))):
            if name.endswith("resample_filter"):
                continue
            v = torch.sin(torch.arange(t.numel(), dtype=torch.float64) * 0.37 + k).float().reshape(t.shape)
            if name.startswith("mapping.fc") and name.endswith("weight"):
                v = v * 100
            elif name.endswith("affine.bias"):
                v = 1 + 0.3 * v
            t.copy_(v)


@pytest.mark.parametrize("architecture", ["skip", "resnet"])
def test_matches_values_from_nvidia_code(architecture: str) -> None:
    net = StyleGAN2Generator(
        z_dim=8, c_dim=3, w_dim=8, img_resolution=16, img_channels=3, mapping_kwargs={"num_layers": 2},
        channel_base=64, channel_max=8, architecture=architecture, conv_clamp=2.0 if architecture == "resnet" else None,
    ).eval()
    _fill(net)
    z = torch.cos(torch.arange(16, dtype=torch.float64)).float().reshape(2, 8)
    with torch.no_grad():
        ws = net.mapping(z, torch.eye(3)[[1, 2]], truncation_psi=0.7, truncation_cutoff=2)
        img = net.synthesis(ws, noise_mode="const")
    assert torch.allclose(ws[1, 1:3], torch.tensor(GOLDEN_WS_1_1TO3), atol=2e-6)
    assert torch.allclose(img[1, :, 5, ::3], torch.tensor(GOLDEN_IMG_1_ROW5[architecture]), atol=1e-4)
