"""Raw DCGAN state dicts: the layouts found in the wild, the nz/class inference, and refusals.

Every variant is written by a ``Tutorial`` network and must load into a generator whose
output equals that network's on the same z (and labels).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from adapters_testkit import CUDA_TAG, Tutorial, claim_cuda, one_hot
from odyssey.adapters import describe, load_generator
from odyssey.errors import CheckpointError

Z = torch.randn(3, 16, generator=torch.Generator().manual_seed(5))  # (3, nz=16)


def _sd(model: Tutorial) -> dict[str, torch.Tensor]:
    return model.state_dict()  # keys main.<i>.*


def _save(obj: object, path: Path, **kwargs: object) -> Path:
    torch.save(obj, path, **kwargs)
    return path


VARIANTS: dict[str, tuple[dict, Callable[[Tutorial, Path], Path]]] = {
    "bare": ({}, lambda m, d: _save(_sd(m), d / "g.pth")),
    "sequential-only": ({}, lambda m, d: _save(m.main.state_dict(), d / "g.pt")),  # keys 0.weight
    "netG_state_dict": (
        {},
        lambda m, d: _save(
            {
                "epoch": 3,
                "netG_state_dict": _sd(m),
                "optimizerG_state_dict": {"state": {}, "param_groups": []},
            },
            d / "g.tar",
        ),
    ),
    "generator-key": ({}, lambda m, d: _save({"generator": _sd(m), "discriminator": {}}, d / "g.ckpt")),
    "state_dict-key": ({}, lambda m, d: _save({"state_dict": _sd(m)}, d / "g.ckpt")),
    "G-key": ({}, lambda m, d: _save({"G": _sd(m), "step": 10}, d / "g.pt")),
    "any-key-nested": ({}, lambda m, d: _save({"models": {"my_gen": _sd(m)}}, d / "g.pt")),
    "module-prefix": (
        {},
        lambda m, d: _save(OrderedDict((f"module.{k}", v) for k, v in _sd(m).items()), d / "g.pth"),
    ),
    "legacy-non-zip": ({}, lambda m, d: _save(_sd(m), d / "g.pth", _use_new_zipfile_serialization=False)),
    "dropout-shifted": ({"dropout_after": (0, 1)}, lambda m, d: _save(_sd(m), d / "g.pth")),
    "conv-bias": ({"bias": True}, lambda m, d: _save(_sd(m), d / "g.pth")),
    "one-channel": ({"out_channels": 1}, lambda m, d: _save(_sd(m), d / "g.pth")),
    "deeper": ({"widths": (16, 8, 8, 4)}, lambda m, d: _save(_sd(m), d / "g.pth")),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_raw_variant_matches_the_network_that_wrote_it(variant: str, tmp_path: Path) -> None:
    kwargs, write = VARIANTS[variant]
    model = Tutorial(**kwargs)
    path = write(model, tmp_path)
    gen = load_generator(path)
    widths = kwargs.get("widths", (8, 4))
    size = 4 * 2 ** len(widths)
    assert gen.info.latent_shape == (16,) and not gen.info.conditional
    assert gen.info.resolution == (size, size) and gen.info.channels == kwargs.get("out_channels", 3)
    torch.testing.assert_close(gen.synthesize(Z), model(Z), atol=1e-6, rtol=0)


def test_legacy_file_really_is_not_a_zip(tmp_path: Path) -> None:
    path = VARIANTS["legacy-non-zip"][1](Tutorial(), tmp_path)
    assert not path.read_bytes().startswith(b"PK")


def test_file_saved_on_cuda_loads_on_cpu(tmp_path: Path) -> None:
    model = Tutorial()
    path = _save(_sd(model), tmp_path / "gpu.pth")
    claim_cuda(path)
    assert CUDA_TAG in path.read_bytes()
    if not torch.cuda.is_available():  # prove the file really claims CUDA: a plain load fails
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(path, weights_only=True)
    gen = load_generator(path)
    assert all(p.device.type == "cpu" for p in gen.net.parameters())
    torch.testing.assert_close(gen.synthesize(Z), model(Z), atol=1e-6, rtol=0)


# ------------------------------------------------------------------ nz / class inference


@pytest.mark.parametrize(
    ("nz", "classes", "options", "expected_nz", "expected_classes"),
    [
        (100, 0, {}, 100, None),  # common nz
        (128, 0, {}, 128, None),  # common nz, although 100 + 28 would fit
        (90, 0, {}, 90, None),  # <= 100 and uncommon: unconditional
        (100, 8, {}, 100, [f"class_{i}" for i in range(8)]),  # 108: DCGAN default nz + 8 classes
        (100, 8, {"class_names": list("abcdefgh")}, 100, list("abcdefgh")),
        (90, 18, {"nz": 90}, 90, [f"class_{i}" for i in range(18)]),
        (100, 8, {"num_classes": 8, "name": "eyes"}, 100, [f"class_{i}" for i in range(8)]),
        (108, 0, {"num_classes": 0}, 108, None),  # options can force unconditional
    ],
)
def test_conditioning_inference(nz, classes, options, expected_nz, expected_classes, tmp_path: Path) -> None:
    model = Tutorial(nz=nz, classes=classes)
    path = _save(_sd(model), tmp_path / "g.pth")
    gen = load_generator(path, options=options)
    assert gen.info.latent_shape == (expected_nz,)
    assert gen.info.class_names == (tuple(expected_classes) if expected_classes else None)
    assert gen.info.name == options.get("name", "g")
    how = describe(path, options=options)["extra"]["inferred"]["conditioning"]
    assert how.startswith("from options") == bool(set(options) & {"nz", "num_classes", "class_names"})
    z = torch.randn(2, expected_nz, generator=torch.Generator().manual_seed(1))
    if expected_classes:
        labels = one_hot([0, len(expected_classes) - 1], len(expected_classes))
        torch.testing.assert_close(gen.synthesize(z, labels), model(z, labels), atol=1e-6, rtol=0)
    else:
        torch.testing.assert_close(gen.synthesize(z), model(z), atol=1e-6, rtol=0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"nz": 100, "num_classes": 5}, "must equal the first layer's input width 108"),
        ({"num_classes": 3, "class_names": ["a", "b"]}, "make them agree"),
        ({"nz": -1}, "non-negative integer"),
        ({"class_names": "amber"}, "list of names"),
        ({"latent": 100}, "unknown dcgan option"),
    ],
)
def test_bad_options_are_refused(options: dict, message: str, tmp_path: Path) -> None:
    path = _save(_sd(Tutorial(nz=100, classes=8)), tmp_path / "g.pth")
    with pytest.raises(CheckpointError, match=re.escape(message)) as err:
        load_generator(path, options=options)
    assert str(path) in str(err.value)


# ------------------------------------------------------------------ refusals


def _edit(sd: dict, key: str, tensor: torch.Tensor | None) -> dict:
    sd = dict(sd)
    if tensor is None:
        del sd[key]
    else:
        sd[key] = tensor
    return sd


BROKEN: dict[str, tuple[Callable[[dict], object], str]] = {
    "kernel-3x3": (lambda sd: _sd(Tutorial(kernel=3)), "kernel (3, 3)"),
    "broken-chain": (
        lambda sd: _edit(sd, "main.3.weight", torch.randn(6, 4, 4, 4)),
        "main.3 takes 6 channels but the layer before gives 8",
    ),
    "batchnorm-size": (
        lambda sd: _edit(sd, "main.1.running_var", torch.ones(5)),
        "main.1.running_var has shape",
    ),
    "four-channels": (lambda sd: _sd(Tutorial(out_channels=4)), "gives 4 channels; images need 1 or 3"),
    "missing-batchnorm": (
        lambda sd: {k: v for k, v in sd.items() if not k.startswith("main.4.")},
        "without a BatchNorm2d between",
    ),
    "bias-shape": (lambda sd: _edit(sd, "main.0.bias", torch.zeros(3)), "main.0.bias has shape"),
    "stray-key": (
        lambda sd: _edit(sd, "fc.weight", torch.zeros(4, 4)),
        "keys a DCGAN generator does not have",
    ),
    "linear-layer": (
        lambda sd: _edit(sd, "main.9.weight", torch.zeros(4, 4)),
        "neither ConvTranspose2d nor BatchNorm2d",
    ),
    "no-state-dict": (lambda sd: {"epoch": 3, "loss": [0.5, 0.4]}, "no DCGAN generator state dict"),
    "discriminator": (
        lambda sd: nn.Sequential(
            nn.Conv2d(3, 8, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 1, 4, 1, 0)
        ).state_dict(),
        "without a BatchNorm2d",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_mismatched_files_are_refused_naming_file_and_problem(case: str, tmp_path: Path) -> None:
    make, message = BROKEN[case]
    path = _save(make(_sd(Tutorial())), tmp_path / "broken.pth")
    with pytest.raises(CheckpointError, match=re.escape(message)) as err:
        load_generator(path)
    text = str(err.value)
    assert str(path) in text and "\n" not in text
