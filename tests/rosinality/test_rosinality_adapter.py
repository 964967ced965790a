"""rosinality stylegan2-pytorch ``.pt`` checkpoints: found, inferred from shapes, same images, refused safely."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pytest
import torch

from odyssey.adapters import describe, load_generator
from odyssey.adapters.rosinality.layout import infer_layout, rosinality_channels
from odyssey.adapters.rosinality.reader import is_rosinality_checkpoint
from odyssey.errors import CheckpointError
from odyssey.models.base import StyleSettings
from tests.adapters.adapters_testkit import Tutorial
from tests.rosinality.rosinality_testkit import (
    make_state,
    num_ws,
    reference_images,
    reference_w,
    write_converted_checkpoint,
    write_train_checkpoint,
)

IMAGE_ATOL = 1e-4  # measured: 6e-6 on raw outputs of magnitude ~9 (float rounding of another conv order)


def _refused(path: Path, match: str, **options) -> str:
    started = time.perf_counter()
    with pytest.raises(CheckpointError, match=match) as info:
        load_generator(path, options=options or None)
    assert time.perf_counter() - started < 10
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.fixture(scope="module")
def state() -> dict:
    return make_state(size=16, style_dim=16, n_mlp=2)


def test_a_train_checkpoint_renders_what_rosinality_computes(tmp_path, state):
    path = write_train_checkpoint(tmp_path / "000100.pt", state)
    found = describe(path)
    assert found["adapter"] == "rosinality" and found["resolution"] == [16, 16] and found["latent_shape"] == [16]
    assert found["extra"]["training_args"]["iter"] == 800000 and found["extra"]["training_args"]["path"] == "/data/lmdb"
    gen = load_generator(path)
    z = torch.stack([gen.seed_latent(s) for s in range(3)])
    w = reference_w(state, z)
    torch.testing.assert_close(gen.map(z), w, atol=1e-5, rtol=0)
    reference = reference_images(state, w[:, None].expand(-1, num_ws(state), -1))  # randomize_noise=False
    assert reference.abs().max() > 1.5  # raw outputs overshoot: the comparison below sees the clamp too
    torch.testing.assert_close(gen.net.synthesis(gen._mapped(z, None)), reference, atol=IMAGE_ATOL, rtol=0)
    torch.testing.assert_close(gen.synthesize(z), reference.clamp(-1, 1), atol=IMAGE_ATOL, rtol=0)


def test_the_stored_latent_avg_is_the_truncation_centre(tmp_path, state):
    centre = 0.3 * torch.randn(16)
    gen = load_generator(write_converted_checkpoint(tmp_path / "ffhq.pt", state, latent_avg=centre, legacy=True))
    assert torch.equal(gen.net.mapping.w_avg, centre)
    assert gen.info.extra["inferred"]["truncation_centre"] == "latent_avg stored in the file"
    z = torch.stack([gen.seed_latent(s) for s in range(2)])
    w = centre + 0.5 * (reference_w(state, z) - centre)  # generate.py: truncation_latent + psi (w - truncation_latent)
    expected = reference_images(state, w[:, None].expand(-1, num_ws(state), -1)).clamp(-1, 1)
    torch.testing.assert_close(gen.synthesize(z, truncation=torch.full((2,), 0.5)), expected, atol=IMAGE_ATOL, rtol=0)


def test_without_latent_avg_the_centre_is_the_mean_w_of_4096_seeded_z(tmp_path, state):
    gen = load_generator(write_train_checkpoint(tmp_path / "000100.pt", state))
    z = torch.randn((4096, 16), generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(gen.net.mapping.w_avg, reference_w(state, z).mean(0), atol=1e-5, rtol=0)


def test_seeds_are_torch_manual_seed_then_randn_on_the_cpu(tmp_path, state):
    gen = load_generator(write_converted_checkpoint(tmp_path / "ffhq.pt", state))
    for seed in (0, 42, 2026):
        torch.manual_seed(seed)
        assert torch.equal(gen.seed_latent(seed), torch.randn(1, 16)[0])  # generate.py's draw, seeded, on the CPU
    in_w = gen.in_space(StyleSettings(space="w"))
    assert type(in_w) is type(gen)
    torch.testing.assert_close(in_w.seed_latent(42), reference_w(state, gen.seed_latent(42)[None])[0], atol=1e-5, rtol=0)


@pytest.mark.parametrize(("size", "multiplier", "base"), [(1024, 2, 32768), (256, 1, 16384), (512, 2, 32768), (64, 1, 16384)])
def test_rosinality_channel_tables_are_inferred_from_shapes_alone(size, multiplier, base):
    with torch.device("meta"):  # shapes only: a 1024 px config-f checks in no memory
        state = make_state(size=size, style_dim=512, n_mlp=8, channels=rosinality_channels(size, multiplier))
    layout = infer_layout(state, Path("x.pt"))
    assert (layout.size, layout.style_dim, layout.n_mlp, layout.channel_multiplier) == (size, 512, 8, multiplier)
    assert layout.nvidia_kwargs(0.01)["synthesis_kwargs"]["channel_base"] == base
    assert layout.num_ws == {1024: 18, 512: 16, 256: 14, 64: 10}[size]


def test_a_channel_table_stylegan2_cannot_build_is_refused():
    with torch.device("meta"):
        state = make_state(size=128, style_dim=512, n_mlp=8, channels=rosinality_channels(128, 4))  # 1024 at 64 px
    with pytest.raises(CheckpointError, match="not one StyleGAN2's synthesis network can build"):
        infer_layout(state, Path("x.pt"))


def test_rosinality_and_dcgan_files_each_go_to_their_own_adapter(tmp_path, state):
    ros_zip = write_train_checkpoint(tmp_path / "a.pt", state)
    ros_legacy = write_converted_checkpoint(tmp_path / "b.pth", state, legacy=True)
    bare = tmp_path / "bare.pt"
    torch.save(state, bare)
    dcgan = tmp_path / "netG.pt"
    torch.save(Tutorial(nz=16).state_dict(), dcgan)
    wrapped = tmp_path / "netG_wrapped.pth"
    torch.save({"netG": Tutorial(nz=16).state_dict(), "epoch": 3}, wrapped)
    for path in (ros_zip, ros_legacy, bare):
        assert is_rosinality_checkpoint(path) and describe(path)["adapter"] == "rosinality"
    for path in (dcgan, wrapped):
        assert not is_rosinality_checkpoint(path) and describe(path)["adapter"] == "dcgan"
    with pytest.raises(CheckpointError, match="no generator state dict"):
        load_generator(dcgan, format="rosinality")


def test_options_pick_the_raw_generator_and_are_checked(tmp_path, state):
    other = make_state(size=16, style_dim=16, n_mlp=2, seed=5)
    path = tmp_path / "000100.pt"
    write_train_checkpoint(path, state)
    torch.save({**torch.load(path, weights_only=False), "g": other}, path)
    z = torch.randn(2, 16)
    raw = load_generator(path, options={"key": "g", "name": "raw"})
    torch.testing.assert_close(raw.map(z), reference_w(other, z), atol=1e-5, rtol=0)
    assert raw.info.name == "raw"
    _refused(path, "unknown option 'nz'", nz=16)
    _refused(path, "lr_mlp must be a number", lr_mlp="fast")
    _refused(path, "no generator state dict under 'G_ema'", key="G_ema")


class _Payload:
    def __init__(self, call, marker: Path) -> None:
        self.call, self.marker = call, marker

    def __reduce__(self):
        if self.call == "system":
            return (os.system, (f"touch {self.marker}",))
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


@pytest.mark.parametrize("call", ["system", "exec"])
@pytest.mark.parametrize("where", ["top", "args"])
def test_a_payload_anywhere_in_the_file_is_refused_and_nothing_runs(tmp_path, state, call, where):
    marker = tmp_path / "ran"
    payload = _Payload(call, marker)
    path = tmp_path / "evil.pt"
    if where == "top":
        write_train_checkpoint(path, state, evil=payload)
    else:
        torch.save({"g_ema": state, "args": argparse.Namespace(size=16, evil=payload)}, path)
    assert is_rosinality_checkpoint(path)  # it looks like one, so the loader gets it
    message = _refused(path, "refuses to run code")
    assert ("system" in message) if call == "system" else ("exec" in message)
    assert not marker.exists()


def test_a_tensor_that_claims_more_than_its_storage_is_refused(tmp_path, state):
    forged = dict(state)
    forged["convs.0.conv.weight"] = torch.zeros(1).expand(1, 8192, 8192, 3, 3)  # 600M values over 1 stored
    path = tmp_path / "forged.pt"
    torch.save({"g_ema": forged}, path)
    _refused(path, "over a storage of 1")


def test_other_architectures_and_damage_are_refused_by_name(tmp_path, state):
    swagan = {**state, "iwt.ll": torch.ones(2, 2)}
    torch.save({"g_ema": swagan}, tmp_path / "swagan.pt")
    _refused(tmp_path / "swagan.pt", "SWAGAN")
    extra = {**state, "convs.0.extra.weight": torch.ones(2)}
    torch.save({"g_ema": extra}, tmp_path / "fork.pt")
    _refused(tmp_path / "fork.pt", "convs.0.extra.weight")
    blur = {**state, "convs.0.conv.blur.kernel": torch.ones(4, 4) / 4}
    torch.save({"g_ema": blur}, tmp_path / "blur.pt")
    _refused(tmp_path / "blur.pt", "blur")
    missing = {k: v for k, v in state.items() if k != "to_rgbs.1.bias"}
    torch.save({"g_ema": missing}, tmp_path / "missing.pt")
    _refused(tmp_path / "missing.pt", "to_rgbs.1.bias")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(write_train_checkpoint(tmp_path / "whole.pt", state).read_bytes()[:5000])
    with pytest.raises(CheckpointError):
        load_generator(truncated, format="rosinality")


def test_files_from_before_the_stored_noise_maps_still_load(tmp_path, state):
    old = {k: v for k, v in state.items() if not k.startswith("noises.")}
    gen = load_generator(write_converted_checkpoint(tmp_path / "old.pt", old))
    assert "none stored" in gen.info.extra["inferred"]["noise_maps"]
    out = gen.synthesize(torch.stack([gen.seed_latent(0), gen.seed_latent(1)]))
    assert torch.isfinite(out).all() and out.std() > 1e-3
