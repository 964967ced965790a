"""The Generator contract, checked for every adapter (tiny random models and the bundled files).

Batch consistency tolerance: on the development CPU (torch 2.13 CPU build) a batch of N
and N batches of 1 gave bit-identical images (max abs difference 0.0, bundled models
included). Other CPUs may pick other convolution kernels for different batch sizes, so
the test allows ``BATCH_ATOL = 1e-5`` on outputs in [-1, 1], far below one 8-bit level.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from adapters_testkit import Tutorial, native_meta, one_hot, tiny_net
from odyssey.adapters import adapters, describe, load_generator
from odyssey.models.base import Generator
from odyssey.models.checkpoint import write_native
from odyssey.adapters.vae_net import VAENet
from odyssey.train.state import save_model
from tests.conftest import REPO

BATCH_ATOL = 1e-5
CHANNELS_LAST_ATOL = 1e-4  # oneDNN's channels-last kernels sum in another order; 1 level is 7.8e-3
N = 4


def _native(tmp: Path, conditional: bool) -> tuple[Path, dict]:
    classes = ["cat", "dog", "owl"] if conditional else None
    net = tiny_net(in_channels=16 + (3 if conditional else 0))
    path = tmp / "tiny.safetensors"
    write_native(path, net.state_dict(), native_meta(net, nz=16, class_names=classes))
    return path, {}


def _raw(tmp: Path, conditional: bool) -> tuple[Path, dict]:
    model = Tutorial(nz=16, classes=3 if conditional else 0)
    path = tmp / "tiny.pth"
    torch.save(model.state_dict(), path)
    return path, ({"nz": 16, "class_names": ["cat", "dog", "owl"]} if conditional else {})


def _vae_net(channels: int = 3) -> VAENet:
    torch.manual_seed(0)
    return VAENet(resolution=32, channels=channels, latent_dim=8, width=8, max_width=64)


def _native_vae(tmp: Path) -> tuple[Path, dict]:
    path = tmp / "vae.safetensors"
    save_model(path, _vae_net(), {}, {})
    return path, {}


def _torchscript(tmp: Path) -> tuple[Path, dict]:
    path = tmp / "decoder.ts"
    declared = {"odyssey.json": json.dumps({"latent_shape": [8], "output_range": [-1, 1]})}
    with warnings.catch_warnings():  # torch.jit is deprecated upstream; its files still load
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(_vae_net(channels=1)), str(path), _extra_files=declared)
    return path, {}


def _factory(tmp: Path) -> tuple[Path, dict]:
    (tmp / "odyssey_contract_factory.py").write_text(
        "import torch\nfrom odyssey.adapters.vae_net import VAENet\n\n"
        "def build(path):\n    torch.manual_seed(0)\n    return VAENet(32, 3, 8, 8, 64)\n"
    )
    path = tmp / "weights.bin"
    path.write_bytes(b"read by the factory, if it wants")
    return path, {"factory": "odyssey_contract_factory:build", "trust_code": True, "latent_shape": [8], "output_range": [-1, 1]}


def _stylegan(tmp: Path, variant: str, c_dim: int = 0) -> tuple[Path, dict]:
    from stylegan_testkit import write_pickle  # tests/stylegan: tiny NVIDIA-format pickles

    return write_pickle(tmp / "network.pkl", variant, c_dim=c_dim)[0], {}


def _stylegan_native(tmp: Path) -> tuple[Path, dict]:
    from odyssey.api import convert_checkpoint

    source, _ = _stylegan(tmp, "sg3-r", c_dim=3)
    convert_checkpoint(source, tmp / "converted.safetensors")
    return tmp / "converted.safetensors", {}


def _gan_zoo(tmp: Path, kind: str) -> tuple[Path, dict]:
    """Tiny pytorch_GAN_zoo checkpoints (tests/gan_zoo): a PGAN fading in its last scale, an AC-GAN DCGAN."""
    from tests.gan_zoo.gan_zoo_testkit import dcgan_config, dcgan_state, pgan_config, pgan_state, save_zoo

    if kind == "pgan":
        return save_zoo(tmp / "pgan_s2_i100.pt", pgan_state(seed=1), pgan_config(alpha=0.4), avgG=pgan_state(seed=2)), {}
    attrs = {"size": {"order": 0, "values": ["s", "m", "l"]}}
    config = dcgan_config(dim_latent=19, noiseVectorDim=16, categoryVectorDim=3, attribKeysOrder=attrs)
    return save_zoo(tmp / "dcgan.pth", dcgan_state(dim_latent=19), config, legacy=True), {}


def _rosinality(tmp: Path, layout: str) -> tuple[Path, dict]:
    from tests.rosinality.rosinality_testkit import write_converted_checkpoint, write_train_checkpoint

    if layout == "train":  # train.py's dict (g, d, g_ema, optimisers, args Namespace), zip
        return write_train_checkpoint(tmp / "000100.pt"), {}
    return write_converted_checkpoint(tmp / "stylegan2-tiny.pt", legacy=True), {}  # convert_weight.py's, legacy format


def _tfpickle(tmp: Path, variant: str) -> tuple[Path, dict]:
    """Tiny NVIDIA TensorFlow-era StyleGAN2 pickles written by hand (tests/tfpickle)."""
    from tests.tfpickle.tf_testkit import sg2_record, write_tf_pickle

    return write_tf_pickle(tmp / f"{variant}.pkl", sg2_record(variant)), {}


def _tfpickle_v1(tmp: Path, family: str, **kwargs) -> tuple[Path, dict]:
    """Tiny NVIDIA TensorFlow-era ProGAN / StyleGAN (v1) pickles written by hand (tests/tfpickle_v1)."""
    from tests.tfpickle_v1.tfv1_testkit import progan_record, sg1_record, write_v1_pickle

    record = progan_record(**kwargs) if family == "progan" else sg1_record(**kwargs)
    return write_v1_pickle(tmp / f"{family}.pkl", record), {}


def _tfpickle_v1_native(tmp: Path) -> tuple[Path, dict]:
    from odyssey.api import convert_checkpoint

    source, _ = _tfpickle_v1(tmp, "stylegan1", label_size=3, lod=0.5)
    convert_checkpoint(source, tmp / "converted.safetensors")
    return tmp / "converted.safetensors", {}


def _biggan(tmp: Path, layout: str) -> tuple[Path, dict]:
    """A tiny pytorch-pretrained-BigGAN pair (tests/biggan): 1000 ImageNet classes, given by its weights file."""
    from tests.biggan.biggan_testkit import write_biggan

    return write_biggan(tmp / "biggan-deep-tiny", layout=layout)[1], {}


def _torch7(tmp: Path, ascii: bool) -> tuple[Path, dict]:
    """A tiny art-DCGAN Torch7 generator (tests/torch7): cudnn modules on CudaTensors, or nn ones in an ascii file."""
    from tests.torch7.t7_testkit import art_dcgan_layers, art_dcgan_net, save_t7, write_example

    if not ascii:
        return write_example(tmp), {}
    return save_t7(tmp / "portraits_net_G.t7", art_dcgan_net(art_dcgan_layers(nz=8, ngf=2, blocks=2, seed=5)), ascii=True), {}


FORMATS = {"factory-vae": "factory"}  # cases that name their adapter (a factory is never sniffed)
CASES: dict[str, tuple[str, Callable[[Path], tuple[Path | str, dict]]]] = {
    "native-unconditional": ("native", lambda tmp: _native(tmp, False)),
    "native-conditional": ("native", lambda tmp: _native(tmp, True)),
    "dcgan-unconditional": ("dcgan", lambda tmp: _raw(tmp, False)),
    "dcgan-conditional": ("dcgan", lambda tmp: _raw(tmp, True)),
    "bundled-dcgan-faces": ("native", lambda tmp: ("dcgan-faces", {})),
    "bundled-omniart-eyes": ("native", lambda tmp: ("omniart-eyes", {})),
    "native-vae": ("native", _native_vae),
    "torchscript-vae": ("torchscript", _torchscript),
    "factory-vae": ("factory", _factory),
    "bundled-vae-digits": ("native", lambda tmp: (REPO / "checkpoints" / "vae-digits.safetensors", {})),
    "stylegan2-pickle": ("stylegan", lambda tmp: _stylegan(tmp, "sg2-resnet")),
    "stylegan2-pickle-conditional": ("stylegan", lambda tmp: _stylegan(tmp, "sg2-skip", c_dim=3)),
    "stylegan3-pickle": ("stylegan", lambda tmp: _stylegan(tmp, "sg3-t")),
    "stylegan3-native": ("native", _stylegan_native),
    "biggan-conditional": ("biggan", lambda tmp: _biggan(tmp, "legacy")),
    "tfpickle-stylegan2-config-f": ("tfpickle", lambda tmp: _tfpickle(tmp, "config-f")),
    "tfpickle-stylegan2-ada-conditional": ("tfpickle", lambda tmp: _tfpickle(tmp, "ada-conditional")),
    "tfpickle-stylegan2-wide": ("tfpickle", lambda tmp: _tfpickle(tmp, "wide")),
    "tfpickle-progan": ("tfpickle", lambda tmp: _tfpickle_v1(tmp, "progan")),
    "tfpickle-progan-conditional-unfused-lod": ("tfpickle", lambda tmp: _tfpickle_v1(tmp, "progan", label_size=3, fused_scale=False, lod=0.5)),
    "tfpickle-stylegan1": ("tfpickle", lambda tmp: _tfpickle_v1(tmp, "stylegan1")),
    "stylegan1-native-conditional": ("native", _tfpickle_v1_native),
    "gan_zoo-pgan": ("gan_zoo", lambda tmp: _gan_zoo(tmp, "pgan")),
    "gan_zoo-dcgan-conditional": ("gan_zoo", lambda tmp: _gan_zoo(tmp, "dcgan")),
    "rosinality-train": ("rosinality", lambda tmp: _rosinality(tmp, "train")),
    "rosinality-converted": ("rosinality", lambda tmp: _rosinality(tmp, "converted")),
    "torch7-art-dcgan-cudnn": ("torch7", lambda tmp: _torch7(tmp, ascii=False)),
    "torch7-dcgan-ascii": ("torch7", lambda tmp: _torch7(tmp, ascii=True)),
}


def test_contract_cases_cover_every_registered_adapter() -> None:
    assert {a.name for a in adapters()} <= {adapter for adapter, _ in CASES.values()}


@pytest.mark.parametrize("case", list(CASES))
def test_generator_contract(case: str, tmp_path: Path) -> None:
    adapter_name, make = CASES[case]
    source, options = make(tmp_path)
    assert describe(source, FORMATS.get(case), options)["adapter"] == adapter_name
    gen = load_generator(source, FORMATS.get(case), options)
    info = gen.info
    assert isinstance(gen, Generator)

    # eval mode, CPU, float32
    net = gen.net  # every adapter so far wraps an nn.Module as .net
    assert not any(m.training for m in net.modules())
    assert all(p.dtype == torch.float32 and p.device.type == "cpu" for p in net.parameters())
    assert gen.parameters_dtype() == torch.float32 and gen.device == torch.device("cpu")

    # seed_latent: deterministic, of latent_shape, seeds differ
    z0 = gen.seed_latent(0)
    assert tuple(z0.shape) == info.latent_shape and z0.dtype == torch.float32
    assert torch.equal(z0, gen.seed_latent(0))
    assert not torch.equal(z0, gen.seed_latent(1))

    latents = torch.stack([gen.seed_latent(s) for s in range(N)])  # (N, *latent_shape)
    labels = one_hot([i % info.num_classes for i in range(N)], info.num_classes) if info.conditional else None

    # shape matches info; values inside output_range
    out = gen.synthesize(latents, labels)
    assert tuple(out.shape) == (N, info.channels, *info.resolution)
    assert out.dtype == torch.float32
    low, high = info.output_range
    assert low <= out.min().item() and out.max().item() <= high
    assert out.std().item() > 1e-3  # not a constant image

    # batch of N equals N batches of 1
    singles = torch.cat(
        [gen.synthesize(latents[i : i + 1], None if labels is None else labels[i : i + 1]) for i in range(N)]
    )
    torch.testing.assert_close(out, singles, atol=BATCH_ATOL, rtol=0)

    # labels matter for conditional models
    if info.conditional:
        other = one_hot([(i + 1) % info.num_classes for i in range(N)], info.num_classes)
        assert (gen.synthesize(latents, other) - out).abs().max().item() > 1e-3

    # truncation 0 pulls every z to the mean: one image for any z; psi = 1 changes nothing
    psi0 = torch.zeros(N)
    fixed_labels = None if labels is None else labels[:1].expand(N, -1)
    flat = gen.synthesize(latents, fixed_labels, truncation=psi0)
    torch.testing.assert_close(flat, flat[:1].expand_as(flat), atol=BATCH_ATOL, rtol=0)
    torch.testing.assert_close(gen.synthesize(latents, labels, truncation=torch.ones(N)), out, atol=0, rtol=0)

    # the renderer stores weights channels-last (every device): the same images, other kernels;
    # code odyssey did not write (TorchScript, factories) keeps its memory format
    gen.use_channels_last()
    kernels = [p for p in net.parameters() if p.dim() == 4]
    ambiguous = [p.shape[1] == 1 or p.shape[-2:] == (1, 1) for p in kernels]  # both layouts at once
    if adapter_name in ("torchscript", "factory"):
        assert all(p.is_contiguous() for p in kernels)
        assert not all(ambiguous)  # the check above can fail
    else:
        assert all(p.is_contiguous(memory_format=torch.channels_last) for p in kernels)
    torch.testing.assert_close(gen.synthesize(latents, labels), out, atol=CHANNELS_LAST_ATOL, rtol=0)
