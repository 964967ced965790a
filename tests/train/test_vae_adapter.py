"""Rendering VAEs: the native vae adapter (encode -> decode), TorchScript decoders, and opt-in Python factories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from odyssey.adapters import describe, load_generator
from odyssey.errors import CheckpointError, OdysseyError
from odyssey.models.checkpoint import read_native, write_native
from odyssey.models.images import to_unit_range
from odyssey.train.data import load_folder
from odyssey.adapters.vae_net import VAENet


def test_encode_decode_round_trip_reconstructs_each_image(trained, disc_folder: Path) -> None:
    gen = load_generator(trained.model)
    x = to_unit_range(load_folder(disc_folder, 32, 3).images[:8])  # (8, 3, 32, 32) in [-1, 1]
    z = gen.encode(x)  # (8, 4): posterior means
    assert z.shape == (8, 4) and z.dtype == torch.float32
    back = gen.synthesize(z)  # (8, 3, 32, 32)
    own = (back - x).square().mean(dim=(1, 2, 3))  # each reconstruction against its own image
    others = torch.stack([(back - x.roll(k, 0)).square().mean(dim=(1, 2, 3)) for k in range(1, 8)]).mean(0)
    assert own.mean() < 0.5 * others.mean(), (own, others)
    assert (own < others).float().mean() >= 0.75, (own, others)


def test_the_adapter_decodes_exactly_what_the_trained_net_decodes(trained) -> None:
    tensors, meta = read_native(trained.model)
    net = VAENet(**meta["kwargs"])
    net.load_state_dict(tensors)
    gen = load_generator(trained.model)
    z = torch.stack([gen.seed_latent(s) for s in range(4)])
    assert torch.equal(gen.synthesize(z), net.eval().decode(z))
    assert torch.equal(gen.encode(net.decode(z)), net.encode(net.decode(z))[0])


def test_metadata_that_disagrees_with_the_weights_is_refused(trained, tmp_path: Path) -> None:
    tensors, meta = read_native(trained.model)
    bad = tmp_path / "bad.safetensors"
    write_native(bad, tensors, {**meta, "latent_shape": [5]})
    with pytest.raises(CheckpointError, match="metadata disagrees with the weights"):
        load_generator(bad)


def test_models_without_an_encoder_say_so(tiny_dcgan: Path) -> None:
    gen = load_generator(tiny_dcgan)
    with pytest.raises(OdysseyError, match="has no encoder.*use a VAE for image keyframes"):
        gen.encode(torch.zeros(1, 3, 16, 16))


# --------------------------------------------------------------------------- TorchScript


SCRIPTING = pytest.mark.filterwarnings("ignore:`torch.jit.*` is deprecated:DeprecationWarning")


def _scripted(tmp_path: Path, name: str, declare: dict | None) -> tuple[Path, VAENet]:
    torch.manual_seed(0)
    net = VAENet(32, 1, 6, 8, 64).eval()
    path = tmp_path / name
    extra = {"odyssey.json": json.dumps(declare)} if declare is not None else {}
    torch.jit.save(torch.jit.script(net), str(path), _extra_files=extra)
    return path, net


@SCRIPTING
def test_a_torchscript_decoder_with_embedded_declaration_loads_by_its_suffix(tmp_path: Path) -> None:
    path, net = _scripted(tmp_path, "dec.ts", {"latent_shape": [6], "output_range": [-1, 1], "name": "scripted"})
    info = describe(path)
    assert info["adapter"] == "torchscript" and info["name"] == "scripted"
    assert info["latent_shape"] == [6] and info["resolution"] == [32, 32] and info["channels"] == 1
    gen = load_generator(path)
    z = torch.randn(3, 6)
    assert torch.allclose(gen.synthesize(z), net.decode(z), atol=1e-6)
    x = net.decode(z)
    assert torch.allclose(gen.encode(x), net.encode(x)[0], atol=1e-6)  # exported encode: image keyframes work


@SCRIPTING
@pytest.mark.filterwarnings("ignore:'torch.load' received a zip file that looks like a TorchScript archive")
def test_torchscript_declaration_from_options_and_pt_files_found_by_contents(tmp_path: Path) -> None:
    path, _ = _scripted(tmp_path, "dec.pt", None)
    with pytest.raises(CheckpointError, match="must declare latent_shape and output_range"):
        load_generator(path)  # a .pt TorchScript archive: the dcgan adapter declines, torchscript takes it
    with pytest.raises(CheckpointError, match="must declare latent_shape and output_range; add e.g. options"):
        load_generator(path, format="torchscript")
    gen = load_generator(path, format="torchscript", options={"latent_shape": [6], "output_range": [-1, 1]})
    assert gen.info.family == "torchscript" and gen.info.latent_shape == (6,)
    with pytest.raises(CheckpointError, match="decoder fails on a latent of shape \\(1, 7\\)"):
        load_generator(path, format="torchscript", options={"latent_shape": [7], "output_range": [-1, 1]})
    with pytest.raises(CheckpointError, match="unknown torchscript option"):
        load_generator(path, format="torchscript", options={"latent": [6]})


def test_a_file_that_is_not_torchscript_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "junk.ts"
    path.write_bytes(b"not an archive")
    with pytest.raises(CheckpointError, match="cannot tell what kind of checkpoint"):
        load_generator(path)
    with pytest.raises(CheckpointError, match="not a readable TorchScript file"):
        load_generator(path, format="torchscript")


# --------------------------------------------------------------------------- factory

FACTORY = '''
import pathlib
import torch
from torch import nn

pathlib.Path(__file__).with_name("imported.marker").write_text("the module ran")

class Decoder(nn.Module):
    def __init__(self, latent, side):
        super().__init__()
        self.side = side
        self.linear = nn.Linear(latent, 3 * side * side)

    def forward(self, z):
        return torch.sigmoid(self.linear(z)).view(-1, 3, self.side, self.side)

def build(path, latent=5, side=8):
    torch.manual_seed(0)
    return Decoder(latent, side)

def broken(path):
    raise ValueError("no weights here")
'''


@pytest.fixture
def factory_file(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, str]:
    module = f"odyssey_test_factory_{request.node.name.replace('[', '_').replace(']', '').replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(FACTORY)
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"whatever the factory reads")
    return weights, module


def test_a_factory_runs_only_with_explicit_trust(factory_file: tuple[Path, str]) -> None:
    weights, module = factory_file
    with pytest.raises(CheckpointError, match="imports and runs Python code.*add trust_code: true"):
        load_generator(weights, format="factory", options={"factory": f"{module}:build", "latent_shape": [5], "output_range": [0, 1]})
    assert not (weights.parent / "imported.marker").exists()  # refused before importing anything
    with pytest.raises(CheckpointError, match="cannot tell what kind"):
        load_generator(weights)  # never chosen without format: factory


def test_a_trusted_factory_builds_the_decoder(factory_file: tuple[Path, str]) -> None:
    weights, module = factory_file
    options = {"factory": f"{module}:build", "trust_code": True, "kwargs": {"side": 16}, "latent_shape": [5], "output_range": [0, 1]}
    gen = load_generator(weights, format="factory", options=options)
    assert gen.info.family == "factory" and gen.info.resolution == (16, 16) and gen.info.output_range == (0.0, 1.0)
    out = gen.synthesize(torch.randn(2, 5))
    assert out.shape == (2, 3, 16, 16) and 0 <= out.min() and out.max() <= 1
    with pytest.raises(OdysseyError, match="has no encoder"):
        gen.encode(out)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        ("no_colon", "needs options.factory as 'module:function'"),
        ("odyssey_no_such_module_xyz:build", "cannot import factory module 'odyssey_no_such_module_xyz'"),
        ("{module}:missing", "has no function 'missing'"),
        ("{module}:broken", "failed: ValueError: no weights here"),
    ],
)
def test_factory_mistakes_are_one_line(factory_file: tuple[Path, str], factory: str, message: str) -> None:
    weights, module = factory_file
    options = {"factory": factory.format(module=module), "trust_code": True, "latent_shape": [5], "output_range": [0, 1]}
    with pytest.raises(CheckpointError, match=message):
        load_generator(weights, format="factory", options=options)
