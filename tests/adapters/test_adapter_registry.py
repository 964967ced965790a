"""Adapter selection (format > file name > contents), its errors, and the native round trip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

import odyssey.adapters.registry as registry
from adapters_testkit import Tutorial, native_meta, tiny_net
from odyssey.adapters import BUNDLED, adapters, checkpoints_dir, describe, load_generator
from odyssey.adapters.dcgan import DCGANGenerator
from odyssey.adapters.registry import Adapter
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo
from odyssey.models.checkpoint import write_native


def test_builtin_adapters_registered_in_order() -> None:
    names = [a.name for a in adapters()]
    assert names[0] == "native"  # odyssey's own files first
    # formats with a specific sniff before the raw-DCGAN fallback, which claims any .pt/.pth by shape
    assert max(names.index(n) for n in ("biggan", "rosinality", "gan_zoo")) < names.index("dcgan")
    assert names.index("stylegan") < names.index("tfpickle") and names[-2:] == ["torchscript", "factory"]


def _fake_generator(path: Path, options: dict) -> DCGANGenerator:
    net = tiny_net()
    return DCGANGenerator(
        net, ModelInfo(name="from-fake", family="fake", latent_shape=(16,), resolution=(16, 16), channels=3)
    )


@pytest.fixture
def with_fake(monkeypatch: pytest.MonkeyPatch) -> Adapter:
    """A last-registered adapter for ``.fake`` files whose sniff accepts anything."""
    fake = Adapter(
        name="fake", description="anything", suffixes=(".fake",), sniff=lambda p: True, load=_fake_generator
    )
    monkeypatch.setattr(registry, "_ADAPTERS", registry.adapters() + [fake])
    return fake


@pytest.fixture
def raw_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.pt"
    torch.save(Tutorial().state_dict(), path)
    return path


def test_explicit_format_beats_extension(with_fake: Adapter, raw_file: Path) -> None:
    assert load_generator(raw_file).info.family == "dcgan"  # by extension
    assert load_generator(raw_file, format="fake").info.name == "from-fake"
    assert load_generator(raw_file, format="DCGAN").info.family == "dcgan"  # case-insensitive


def test_extension_beats_sniffing(with_fake: Adapter, raw_file: Path) -> None:
    renamed = raw_file.with_suffix(".fake")
    shutil.copy(raw_file, renamed)
    assert load_generator(renamed).info.name == "from-fake"  # fake is last, but the name picks it
    unnamed = raw_file.with_suffix(".bin")
    shutil.copy(raw_file, unnamed)
    assert describe(unnamed)["adapter"] == "dcgan"  # no name match: sniffing in order, dcgan first


def test_unknown_format_lists_known(raw_file: Path) -> None:
    with pytest.raises(
        CheckpointError, match="unknown checkpoint format 'onnx'; known formats: native, biggan, rosinality, gan_zoo, dcgan, stylegan, tfpickle, torch7"
    ):
        load_generator(raw_file, format="onnx")


def test_unknown_file_one_error_listing_every_adapter(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(b"\x00\x01 definitely not a checkpoint " * 8)
    with pytest.raises(CheckpointError) as err:
        load_generator(path)
    text = str(err.value)
    assert str(path) in text and "\n" not in text
    assert "native (suffix .bin not in .safetensors" in text
    assert "dcgan (suffix .bin not in .pt/.pth/.tar/.ckpt" in text
    assert "format:" in text


def test_sniff_accepted_but_load_failed_gives_the_specific_error(tmp_path: Path) -> None:
    path = tmp_path / "stats.pt"
    torch.save({"epoch": 3}, path)
    with pytest.raises(CheckpointError, match="no DCGAN generator state dict"):
        load_generator(path)


def test_missing_file_lists_bundled_names(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pth"
    with pytest.raises(CheckpointError) as err:
        load_generator(missing)
    text = str(err.value)
    assert str(missing) in text and all(name in text for name in BUNDLED)
    with pytest.raises(CheckpointError, match="folder"):
        load_generator(tmp_path)


@pytest.mark.parametrize("dtype", [None, torch.float16])
def test_native_round_trip(dtype: torch.dtype | None, tmp_path: Path) -> None:
    net = tiny_net(in_channels=19)
    path = tmp_path / "round.safetensors"
    write_native(path, net.state_dict(), native_meta(net, nz=16, class_names=["a", "b", "c"]), dtype=dtype)
    gen = load_generator(path)
    assert gen.info.class_names == ("a", "b", "c") and gen.info.latent_shape == (16,)
    z = torch.randn(3, 16, generator=torch.Generator().manual_seed(0))
    labels = torch.eye(3)
    with torch.no_grad():
        expected = net(torch.cat([z, labels], 1).view(3, 19, 1, 1))  # (3, 3, 16, 16)
    atol = 0.0 if dtype is None else 5e-3  # identical in float32; fp16 weights move outputs slightly
    torch.testing.assert_close(gen.synthesize(z, labels), expected, atol=atol, rtol=0)


def test_describe_is_json_and_explains_raw_inference(tmp_path: Path) -> None:
    path = tmp_path / "cond.pth"
    torch.save({"netG_state_dict": Tutorial(nz=100, classes=8, dropout_after=(0,)).state_dict()}, path)
    info = describe(path)
    json.dumps(info)
    assert info["adapter"] == "dcgan" and info["latent_shape"] == [100] and info["resolution"] == [16, 16]
    assert info["classes"] == [f"class_{i}" for i in range(8)] and info["output_range"] == [-1.0, 1.0]
    inferred = info["extra"]["inferred"]
    assert "netG_state_dict" in inferred["state_dict"] and "nz=100" in inferred["conditioning"]
    assert "Dropout" in " ".join(inferred["notes"])


def test_checkpoints_dir_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert checkpoints_dir().name == "checkpoints"
    net = tiny_net()
    write_native(
        tmp_path / BUNDLED["dcgan-faces"], net.state_dict(), native_meta(net, nz=16, name="stand-in")
    )
    monkeypatch.setenv("ODYSSEY_CHECKPOINTS", str(tmp_path))
    assert checkpoints_dir() == tmp_path
    assert load_generator("dcgan-faces").info.name == "stand-in"
    with pytest.raises(CheckpointError, match="omniart-eyes is missing.*ODYSSEY_CHECKPOINTS"):
        load_generator("omniart-eyes")
